// The Agents panel in Mattermost's right-hand sidebar, the agents' posts (in the panel and in
// channels) and the "Ask AI" buttons of the new-messages line. Measures follow Mattermost's
// RHS: 24px side padding (upstream's RHSPaddingContainer), 32px avatars, 14/20 text.
export const panelCss = `
.mattermost-ai-rhs { display: flex; flex-direction: column; height: 100%; min-height: 0; background: var(--center-channel-bg); }
.mattermost-ai-conversation { display: flex; flex-direction: column; flex: 1; min-height: 0; }
.mattermost-ai-rhs__bar {
  display: flex; align-items: center; gap: 8px; min-height: 56px; padding: 8px 16px;
  border-bottom: 1px solid var(--mmai-border);
}
.mattermost-ai-rhs__bar h2 { flex: 1; min-width: 0; font-size: 16px; line-height: 24px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.mattermost-ai-rhs__bar h2:focus-visible { border-radius: var(--mmai-radius); }
.mattermost-ai-rhs__scroll { flex: 1; min-height: 0; overflow-y: auto; padding: 16px 24px; }
.mattermost-ai-rhs__footer { padding: 12px 16px 16px; border-top: 1px solid var(--mmai-border); }
.mattermost-ai-agent-picker { flex: 1; display: flex; align-items: center; gap: 8px; min-width: 0; }
.mattermost-ai-agent-picker select.form-control { height: 32px; font-weight: 600; box-shadow: none; padding-left: 8px; }
.mattermost-ai-agent-picker select.form-control:hover:not(:disabled) { background-color: var(--mmai-hover); box-shadow: none; }
.mattermost-ai-agent-picker select.form-control:focus { box-shadow: inset 0 0 0 2px var(--button-bg); }

.mattermost-ai-intro { display: flex; flex-direction: column; align-items: flex-start; gap: 8px; padding: 8px 0 16px; }
.mattermost-ai-intro h2 { font-size: 20px; line-height: 28px; font-weight: 600; }
.mattermost-ai-intro p { margin: 0; color: var(--mmai-muted); }
.mattermost-ai-section-title {
  display: flex; align-items: center; justify-content: space-between; gap: 8px;
  margin: 16px 0 4px; font-size: 12px; line-height: 16px; font-weight: 600; text-transform: uppercase;
  letter-spacing: 0.02em; color: var(--mmai-muted);
}
.mattermost-ai-section-title:focus-visible { border-radius: var(--mmai-radius); }

.mattermost-ai-thread {
  display: grid; grid-template-columns: auto 1fr auto; column-gap: 8px; row-gap: 2px; align-items: center;
  width: 100%; margin: 0; padding: 8px; border: none; border-radius: var(--mmai-radius);
  background: transparent; color: var(--center-channel-color); font: inherit; text-align: left; cursor: pointer;
}
.mattermost-ai-thread:hover { background: var(--mmai-hover); }
.mattermost-ai-thread > .mattermost-ai-avatar, .mattermost-ai-thread > .mattermost-ai-avatar--empty { grid-row: span 2; }
.mattermost-ai-thread__title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.mattermost-ai-thread__time { font-size: 12px; color: var(--mmai-muted); white-space: nowrap; }
.mattermost-ai-thread__preview {
  grid-column: 2 / 4; font-size: 12px; line-height: 16px; color: var(--mmai-muted);
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
}
.mattermost-ai-avatar--empty { display: inline-flex; align-items: center; justify-content: center; color: var(--mmai-muted); }

.mattermost-ai-search { display: flex; gap: 8px; margin: 0 0 8px; }
.mattermost-ai-search .form-control { height: 32px; }

.mattermost-ai-composer {
  display: flex; flex-direction: column; gap: 4px; padding: 8px 8px 8px 12px;
  border-radius: 8px; background: var(--center-channel-bg); box-shadow: inset 0 0 0 1px var(--mmai-border-strong);
}
.mattermost-ai-composer:focus-within { box-shadow: inset 0 0 0 2px var(--button-bg); }
.mattermost-ai-composer textarea {
  width: 100%; min-height: 40px; max-height: 200px; field-sizing: content; resize: none; padding: 4px 0; margin: 0;
  border: none; outline: none; background: transparent; color: var(--center-channel-color);
  font: inherit; line-height: 20px;
}
.mattermost-ai-composer textarea:focus-visible { box-shadow: none; }
.mattermost-ai-composer textarea::placeholder { color: var(--mmai-muted); opacity: 1; }
.mattermost-ai-composer__row { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.mattermost-ai-composer__hint { font-size: 12px; line-height: 16px; color: var(--mmai-muted); }
.mattermost-ai-root .btn.mattermost-ai-send { width: 32px; padding: 0; }

.mattermost-ai-messages { display: flex; flex-direction: column; gap: 16px; }
.mattermost-ai-message { display: flex; gap: 12px; align-items: flex-start; }
.mattermost-ai-message__content { flex: 1; min-width: 0; }
.mattermost-ai-message__header { display: flex; align-items: baseline; flex-wrap: wrap; gap: 6px; margin-bottom: 2px; }
.mattermost-ai-message__name { font-weight: 600; }
.mattermost-ai-message__header time, .mattermost-ai-message__time { font-size: 12px; color: var(--mmai-muted); }
.mattermost-ai-plain-text { white-space: pre-wrap; word-break: break-word; }

.mattermost-ai-post { min-width: 0; overflow-wrap: anywhere; }
.mattermost-ai-root .post-message__text p { margin: 0 0 8px; }
.mattermost-ai-root .post-message__text > :last-child, .mattermost-ai-root .post-message__text > div > :last-child { margin-bottom: 0; }
.mattermost-ai-post .post-message__text img { max-width: 100%; }
.mattermost-ai-streaming .post-message__text :is(p, li, h1, h2, h3, h4, h5, h6):last-child::after,
.mattermost-ai-streaming .mattermost-ai-plain-text::after {
  content: ''; display: inline-block; width: 7px; height: 16px; margin-left: 2px; vertical-align: text-bottom;
  background: rgba(var(--center-channel-color-rgb), 0.48); animation: mattermost-ai-blink 500ms steps(1) infinite alternate;
}
@keyframes mattermost-ai-blink { to { visibility: hidden; } }
.mattermost-ai-typing { display: inline-flex; align-items: center; gap: 8px; color: var(--mmai-muted); }
.mattermost-ai-typing__dots { display: inline-flex; gap: 3px; }
.mattermost-ai-typing__dots > span {
  width: 6px; height: 6px; border-radius: 50%; background: rgba(var(--center-channel-color-rgb), 0.48);
  animation: mattermost-ai-bounce 1s ease-in-out infinite;
}
.mattermost-ai-typing__dots > span:nth-child(2) { animation-delay: 0.15s; }
.mattermost-ai-typing__dots > span:nth-child(3) { animation-delay: 0.3s; }
@keyframes mattermost-ai-bounce { 0%, 60%, 100% { transform: none; } 30% { transform: translateY(-3px); } }
@media (prefers-reduced-motion: reduce) {
  .mattermost-ai-streaming .post-message__text :is(p, li, h1, h2, h3, h4, h5, h6):last-child::after,
  .mattermost-ai-streaming .mattermost-ai-plain-text::after, .mattermost-ai-typing__dots > span { animation: none; }
}

.mattermost-ai-controls { display: flex; align-items: center; gap: 2px; margin-top: 4px; }
.mattermost-ai-root .mattermost-ai-controls .btn + .btn { margin-left: 0; }
.mattermost-ai-disclosure { margin: 4px 0 8px; }
.mattermost-ai-disclosure > summary { display: inline-flex; padding: 2px 6px 2px 2px; font-size: 12px; font-weight: 600; color: var(--mmai-muted); }
.mattermost-ai-disclosure > summary:hover { background: var(--mmai-hover); color: var(--center-channel-color); }
.mattermost-ai-disclosure__body {
  margin: 4px 0 0; padding: 8px 12px; border-left: 2px solid var(--mmai-border-strong);
  color: var(--mmai-muted); font-size: 13px; white-space: pre-wrap;
}
.mattermost-ai-sources-list { margin: 4px 0 0; padding: 0 0 0 20px; font-size: 13px; }
.mattermost-ai-sources-list li { margin: 2px 0; }
.mattermost-ai-sources-list .mattermost-ai-muted { display: block; font-size: 12px; }

.mattermost-ai-tool-card {
  margin: 8px 0; padding: 12px; border-radius: 8px; background: var(--center-channel-bg);
  box-shadow: inset 0 0 0 1px var(--mmai-border), 0 2px 3px rgba(var(--center-channel-color-rgb), 0.08);
}
.mattermost-ai-tool-card__head { display: flex; align-items: center; gap: 8px; font-weight: 600; }
.mattermost-ai-tool-card__head > .icon { color: var(--mmai-muted); font-size: 16px; }
.mattermost-ai-tool-card__head code { font-weight: 600; }
.mattermost-ai-tool-card__status { display: inline-flex; align-items: center; gap: 4px; margin-top: 6px; font-size: 12px; color: var(--mmai-muted); }
.mattermost-ai-tool-card__actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.mattermost-ai-root .mattermost-ai-tool-card__actions .btn + .btn { margin-left: 0; }
.mattermost-ai-check-row { display: flex; align-items: flex-start; gap: 8px; font-weight: 600; cursor: pointer; }

.mattermost-ai-connection { display: flex; align-items: center; gap: 8px; padding: 6px 0; }
.mattermost-ai-connection__name { flex: 1; min-width: 0; font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
.mattermost-ai-connection__state { display: inline-flex; align-items: center; gap: 4px; font-size: 12px; color: var(--mmai-muted); }

.mattermost-ai-empty { display: flex; flex-direction: column; align-items: center; gap: 8px; padding: 48px 24px; text-align: center; }
.mattermost-ai-empty > .icon { font-size: 48px; color: var(--mmai-muted); }
.mattermost-ai-empty p { margin: 0; }
.mattermost-ai-loading { display: flex; justify-content: center; padding: 48px 0; }
.mattermost-ai-spinner {
  width: 24px; height: 24px; border-radius: 50%; border: 3px solid var(--mmai-border);
  border-top-color: var(--button-bg); animation: mattermost-ai-spin 0.8s linear infinite;
}
@keyframes mattermost-ai-spin { to { transform: rotate(360deg); } }

.mattermost-ai-ask { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 4px; }
.mattermost-ai-root.mattermost-ai-ask .btn + .btn { margin-left: 0; }
`;

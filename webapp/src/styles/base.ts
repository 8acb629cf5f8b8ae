// The look every part of the plugin shares, drawn only from the theme Mattermost publishes as
// CSS custom properties (`--center-channel-bg`, `--button-bg`, their `-rgb` triplets, …), so a
// theme change repaints the plugin as it repaints Mattermost. No colour is written here: every
// colour is a theme variable, the variable's triplet with an alpha, or a mix of two variables.
//
// Two mixes lift colours that fall short of WCAG AA in the stock themes: `--error-text` on
// Denim (4.3:1) and `--button-bg` on its own tint in Onyx (4.1:1). Mixing either with the text
// colour moves it towards more contrast in light and dark themes alike.
//
// Mattermost's class names (`btn`, `btn-primary`, `form-control`, …) are used on our controls
// and also styled here under `.mattermost-ai-root`, to core's measures: the host's own rules
// apply in the webapp, and these keep the controls right where the host's stylesheet differs
// (older and newer servers) or is absent (the mobile app's web views, tests).
export const baseCss = `
.mattermost-ai-root {
  --mmai-text: var(--center-channel-color);
  --mmai-muted: rgba(var(--center-channel-color-rgb), 0.75);
  --mmai-faint: rgba(var(--center-channel-color-rgb), 0.04);
  --mmai-hover: rgba(var(--center-channel-color-rgb), 0.08);
  --mmai-border: rgba(var(--center-channel-color-rgb), 0.16);
  --mmai-border-strong: rgba(var(--center-channel-color-rgb), 0.32);
  --mmai-accent: color-mix(in srgb, var(--button-bg) 75%, var(--center-channel-color));
  --mmai-accent-tint: rgba(var(--button-bg-rgb), 0.08);
  --mmai-error: color-mix(in srgb, var(--error-text) 80%, var(--center-channel-color));
  --mmai-error-tint: rgba(var(--error-text-color-rgb), 0.08);
  --mmai-focus: 0 0 0 2px var(--center-channel-bg), 0 0 0 4px var(--button-bg);
  --mmai-radius: 4px;
  color: var(--center-channel-color);
  font-size: 14px;
  line-height: 20px;
  box-sizing: border-box;
}
.mattermost-ai-root *, .mattermost-ai-root *::before, .mattermost-ai-root *::after { box-sizing: inherit; }
.mattermost-ai-root :is(button, input, select, textarea) { font-family: inherit; }
/* Content inside <details> sits in a shadow slot that box-sizing: inherit cannot reach. */
.mattermost-ai-root details > * { box-sizing: border-box; }
.mattermost-ai-root :focus-visible { outline: none; box-shadow: var(--mmai-focus); }
.mattermost-ai-root a { color: var(--link-color); }
.mattermost-ai-root a:focus-visible { border-radius: 2px; }
.mattermost-ai-root h2, .mattermost-ai-root h3, .mattermost-ai-root h4 { color: var(--center-channel-color); margin: 0; }
.mattermost-ai-root code, .mattermost-ai-root pre {
  background: var(--mmai-faint); border: 1px solid var(--mmai-border); border-radius: var(--mmai-radius);
  color: var(--center-channel-color); font-size: 12px;
}
.mattermost-ai-root code { padding: 1px 4px; }
.mattermost-ai-root pre { padding: 8px; margin: 4px 0; max-height: 240px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.mattermost-ai-root pre code { background: none; border: none; padding: 0; }
.mattermost-ai-root .icon { display: inline-flex; align-items: center; justify-content: center; font-style: normal; line-height: 1; }
.mattermost-ai-root .icon::before { margin: 0; }
.mattermost-ai-sr-only {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;
}
.mattermost-ai-muted { color: var(--mmai-muted); }
.mattermost-ai-help { color: var(--mmai-muted); font-size: 12px; line-height: 16px; margin: 4px 0 0; }
.mattermost-ai-error-text { color: var(--mmai-error); font-size: 12px; line-height: 16px; margin: 4px 0 0; display: flex; gap: 4px; align-items: flex-start; }
.mattermost-ai-root ul.mattermost-ai-plain, .mattermost-ai-root ol.mattermost-ai-plain { list-style: none; margin: 0; padding: 0; }

/* Buttons, to Mattermost's measures (sass/components/_buttons.scss). */
.mattermost-ai-root .btn {
  display: inline-flex; align-items: center; justify-content: center; gap: 6px;
  height: 40px; padding: 0 20px; margin: 0; border: none; border-radius: var(--mmai-radius);
  background: transparent; color: var(--mmai-accent);
  font-family: inherit; font-size: 14px; font-weight: 600; line-height: 1; white-space: nowrap;
  cursor: pointer; transition: background-color 0.15s ease, color 0.15s ease; text-decoration: none;
}
.mattermost-ai-root .btn + .btn { margin-left: 8px; }
.mattermost-ai-root .btn .icon { font-size: 18px; width: 16px; height: 16px; }
.mattermost-ai-root .btn.btn-sm { height: 32px; padding: 0 16px; font-size: 12px; }
.mattermost-ai-root .btn.btn-sm .icon { font-size: 14px; width: 14px; height: 14px; }
.mattermost-ai-root .btn.btn-xs { height: 24px; padding: 0 10px; font-size: 11px; gap: 4px; }
.mattermost-ai-root .btn.btn-xs .icon { font-size: 12px; width: 12px; height: 12px; }
.mattermost-ai-root .btn-primary { background: var(--button-bg); color: var(--button-color); }
.mattermost-ai-root .btn-primary:hover:not(:disabled) { background: color-mix(in srgb, var(--button-bg) 88%, var(--center-channel-color)); }
.mattermost-ai-root .btn-primary:active:not(:disabled) { background: color-mix(in srgb, var(--button-bg) 76%, var(--center-channel-color)); }
.mattermost-ai-root .btn-secondary { background: transparent; color: var(--mmai-accent); box-shadow: inset 0 0 0 1px var(--mmai-accent); }
.mattermost-ai-root .btn-secondary:hover:not(:disabled) { background: var(--mmai-accent-tint); }
.mattermost-ai-root .btn-tertiary { background: var(--mmai-accent-tint); color: var(--mmai-accent); }
.mattermost-ai-root .btn-tertiary:hover:not(:disabled) { background: rgba(var(--button-bg-rgb), 0.12); }
.mattermost-ai-root .btn-tertiary:active:not(:disabled) { background: rgba(var(--button-bg-rgb), 0.16); }
.mattermost-ai-root .btn-quaternary:hover:not(:disabled) { background: var(--mmai-accent-tint); }
.mattermost-ai-root .btn-danger { background: var(--error-text); color: var(--button-color); }
.mattermost-ai-root .btn-danger.btn-tertiary { background: var(--mmai-error-tint); color: var(--mmai-error); }
.mattermost-ai-root .btn-danger.btn-tertiary:hover:not(:disabled) { background: rgba(var(--error-text-color-rgb), 0.16); }
.mattermost-ai-root .btn-link { height: auto; padding: 0; background: none; color: var(--link-color); font-weight: 600; }
.mattermost-ai-root .btn-link:hover:not(:disabled) { text-decoration: underline; }
.mattermost-ai-root .btn-icon {
  width: 40px; height: 40px; padding: 0; background: transparent;
  color: rgba(var(--center-channel-color-rgb), 0.75);
}
.mattermost-ai-root .btn-icon .icon { font-size: 24px; width: 24px; height: 24px; }
.mattermost-ai-root .btn-icon.btn-sm { width: 32px; height: 32px; padding: 0; }
.mattermost-ai-root .btn-icon.btn-sm .icon { font-size: 18px; width: 18px; height: 18px; }
.mattermost-ai-root .btn-icon.btn-xs { width: 24px; height: 24px; padding: 0; }
.mattermost-ai-root .btn-icon.btn-xs .icon { font-size: 14px; width: 14px; height: 14px; }
.mattermost-ai-root .btn-icon:hover:not(:disabled) { background: var(--mmai-hover); color: var(--center-channel-color); }
.mattermost-ai-root .btn-icon:active:not(:disabled), .mattermost-ai-root .btn-icon[aria-pressed='true'] { background: var(--mmai-accent-tint); color: var(--mmai-accent); }
.mattermost-ai-root .btn:disabled, .mattermost-ai-root .btn[aria-disabled='true'] {
  cursor: not-allowed; background: var(--mmai-hover); color: rgba(var(--center-channel-color-rgb), 0.48); box-shadow: none;
}
.mattermost-ai-root .btn-icon:disabled, .mattermost-ai-root .btn-link:disabled { background: transparent; }

/* Form controls (bootstrap's form-control, themed as Mattermost does). */
.mattermost-ai-root .form-control {
  display: block; width: 100%; height: 40px; margin: 0; padding: 0 12px;
  border: none; border-radius: var(--mmai-radius);
  background: var(--center-channel-bg); color: var(--center-channel-color);
  box-shadow: inset 0 0 0 1px var(--mmai-border-strong);
  font-family: inherit; font-size: 14px; line-height: 20px;
  transition: box-shadow 0.15s ease;
}
.mattermost-ai-root .form-control:hover:not(:disabled) { box-shadow: inset 0 0 0 1px rgba(var(--center-channel-color-rgb), 0.48); }
.mattermost-ai-root .form-control:focus, .mattermost-ai-root .form-control:focus-visible { outline: none; box-shadow: inset 0 0 0 2px var(--button-bg); }
.mattermost-ai-root .form-control[aria-invalid='true'] { box-shadow: inset 0 0 0 1px var(--error-text); }
.mattermost-ai-root .form-control[aria-invalid='true']:focus { box-shadow: inset 0 0 0 2px var(--error-text); }
.mattermost-ai-root .form-control:disabled, .mattermost-ai-root .form-control[readonly] {
  background: var(--mmai-faint); color: rgba(var(--center-channel-color-rgb), 0.64); cursor: not-allowed;
}
.mattermost-ai-root .form-control::placeholder { color: var(--mmai-muted); opacity: 1; }
.mattermost-ai-root textarea.form-control { height: auto; min-height: 80px; padding: 10px 12px; resize: vertical; }
.mattermost-ai-root select.form-control {
  appearance: none; padding-right: 36px; cursor: pointer;
  background-image: linear-gradient(45deg, transparent 50%, currentColor 50%), linear-gradient(135deg, currentColor 50%, transparent 50%);
  background-position: calc(100% - 19px) 52%, calc(100% - 14px) 52%;
  background-size: 5px 5px; background-repeat: no-repeat;
}
.mattermost-ai-root select.form-control option { background: var(--center-channel-bg); color: var(--center-channel-color); }
.mattermost-ai-root input[type='file'].form-control { height: auto; padding: 8px 12px; }
.mattermost-ai-root input[type='file']::file-selector-button {
  margin-right: 12px; padding: 4px 12px; border: none; border-radius: var(--mmai-radius);
  background: var(--mmai-accent-tint); color: var(--mmai-accent); font: inherit; font-weight: 600; cursor: pointer;
}

/* Check boxes and radios drawn from the theme (the browser's own stay light in a dark theme). */
.mattermost-ai-root input[type='checkbox']:not([role='switch']), .mattermost-ai-root input[type='radio'] {
  appearance: none; flex: none; display: inline-grid; place-content: center;
  width: 16px; height: 16px; margin: 2px 0 0; border-radius: 4px;
  background: var(--center-channel-bg); box-shadow: inset 0 0 0 1px rgba(var(--center-channel-color-rgb), 0.56);
  cursor: pointer;
}
.mattermost-ai-root input[type='radio'] { border-radius: 50%; }
.mattermost-ai-root input[type='checkbox']:not([role='switch']):checked, .mattermost-ai-root input[type='radio']:checked {
  background: var(--button-bg); box-shadow: none;
}
.mattermost-ai-root input[type='checkbox']:not([role='switch']):checked::after {
  content: ''; width: 8px; height: 4px; margin-top: -2px;
  border: solid var(--button-color); border-width: 0 0 2px 2px; transform: rotate(-45deg);
}
.mattermost-ai-root input[type='radio']:checked::after { content: ''; width: 6px; height: 6px; border-radius: 50%; background: var(--button-color); }
.mattermost-ai-root input[type='checkbox']:focus-visible, .mattermost-ai-root input[type='radio']:focus-visible { box-shadow: var(--mmai-focus); }
.mattermost-ai-root input:disabled { cursor: not-allowed; opacity: 0.48; }

/* A switch: a check box with the switch role, so labels, forms and keyboards work as usual. */
.mattermost-ai-root input[role='switch'] {
  appearance: none; flex: none; position: relative; width: 32px; height: 20px; margin: 0;
  border-radius: 10px; background: var(--mmai-border-strong); cursor: pointer; transition: background-color 0.15s ease;
}
.mattermost-ai-root input[role='switch']::before {
  content: ''; position: absolute; top: 3px; left: 3px; width: 14px; height: 14px; border-radius: 50%;
  background: var(--center-channel-bg); transition: transform 0.15s ease;
}
.mattermost-ai-root input[role='switch']:checked { background: var(--button-bg); }
.mattermost-ai-root input[role='switch']:checked::before { transform: translateX(12px); background: var(--button-color); }
.mattermost-ai-root input[role='switch']:focus-visible { box-shadow: var(--mmai-focus); }

/* Disclosures: details/summary with a chevron instead of the browser's triangle. */
.mattermost-ai-root summary { list-style: none; cursor: pointer; display: flex; align-items: center; gap: 4px; border-radius: var(--mmai-radius); }
.mattermost-ai-root summary::-webkit-details-marker { display: none; }
.mattermost-ai-root summary > .mattermost-ai-chevron { transition: transform 0.15s ease; color: var(--mmai-muted); }
.mattermost-ai-root details[open] > summary > .mattermost-ai-chevron { transform: rotate(90deg); }

/* Avatars and tags. */
.mattermost-ai-avatar { flex: none; width: 32px; height: 32px; border-radius: 50%; object-fit: cover; background: var(--mmai-hover); }
.mattermost-ai-avatar--sm { width: 24px; height: 24px; }
.mattermost-ai-avatar--lg { width: 48px; height: 48px; }
.mattermost-ai-tag {
  display: inline-flex; align-items: center; height: 16px; padding: 0 4px; border-radius: 2px;
  background: var(--mmai-hover); color: var(--center-channel-color);
  font-size: 10px; font-weight: 600; line-height: 16px; text-transform: uppercase; letter-spacing: 0.02em;
}

/* Notices: an alert or status line with an icon; colour is never the only signal. */
.mattermost-ai-notice {
  display: flex; gap: 8px; align-items: flex-start; margin: 8px 0; padding: 8px 12px;
  border-radius: var(--mmai-radius); background: var(--mmai-faint); box-shadow: inset 0 0 0 1px var(--mmai-border);
  color: var(--center-channel-color);
}
.mattermost-ai-notice > .icon { font-size: 16px; margin-top: 2px; color: var(--mmai-muted); }
.mattermost-ai-notice--error { background: var(--mmai-error-tint); box-shadow: inset 0 0 0 1px rgba(var(--error-text-color-rgb), 0.32); }
.mattermost-ai-notice--error > .icon { color: var(--mmai-error); }
.mattermost-ai-notice ul { margin: 4px 0 0; padding-left: 20px; }
`;

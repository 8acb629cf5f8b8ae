// The System Console page, laid out as Mattermost's own admin settings (AdminPanel and the
// label/field rows of `Setting`): sections with a title, a description and a card; rows with the
// label in a column of a third of the width (at most 280px) and the control, its help and its
// message on the right; rows stack when the page is narrow. Colours come only from the theme
// and the `--mmai-*` variables of base.ts, so the page follows light and dark themes alike;
// secondary text is `--mmai-muted`, which keeps 4.5:1 in both.
export const consoleCss = `
.mattermost-ai-config {
  container-type: inline-size;
  display: flex; flex-direction: column; gap: 32px;
  max-width: 1100px; padding-bottom: 32px;
}
.mattermost-ai-config > .mattermost-ai-notice { margin: 0; }
.mattermost-ai-config > .mattermost-ai-notice + .mattermost-ai-notice { margin-top: -24px; }
.mattermost-ai-config p { margin: 0; }
.mattermost-ai-fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.mattermost-ai-stack { display: flex; flex-direction: column; gap: 24px; }

/* A section: AdminPanel's header (title, description, buttons) over a card. */
.mattermost-ai-section__header { display: flex; align-items: flex-start; justify-content: space-between; gap: 16px; margin-bottom: 16px; }
.mattermost-ai-section__heading { min-width: 0; }
.mattermost-ai-section__title-line { display: flex; align-items: center; gap: 8px; }
.mattermost-ai-config .mattermost-ai-section__title { font-size: 16px; font-weight: 600; line-height: 24px; }
.mattermost-ai-config .mattermost-ai-section__description { color: var(--mmai-muted); margin-top: 4px; }
.mattermost-ai-section__actions { flex: none; display: flex; gap: 8px; }
.mattermost-ai-section__body {
  display: flex; flex-direction: column; gap: 24px; padding: 24px;
  background: var(--center-channel-bg); border: 1px solid var(--mmai-border); border-radius: 8px;
}
.mattermost-ai-config .mattermost-ai-license { display: flex; align-items: center; gap: 6px; margin-top: 4px; color: var(--mmai-muted); font-size: 12px; line-height: 16px; }
.mattermost-ai-license > .icon { font-size: 14px; }

/* A setting: label column and field column. */
.mattermost-ai-row { display: grid; grid-template-columns: min(33%, 280px) minmax(0, 1fr); gap: 8px 24px; align-items: start; }
.mattermost-ai-row__label { padding-top: 10px; font-size: 14px; font-weight: 600; line-height: 20px; overflow-wrap: anywhere; }
.mattermost-ai-row__field { min-width: 0; max-width: 600px; }
.mattermost-ai-row--switch .mattermost-ai-row__field { padding-top: 10px; }
.mattermost-ai-row--switch .mattermost-ai-row__field > input[role='switch'] { display: block; }
.mattermost-ai-row--actions .mattermost-ai-row__label { padding: 0; }
.mattermost-ai-config fieldset:disabled .mattermost-ai-row__label { color: var(--mmai-muted); }
.mattermost-ai-row__field > .mattermost-ai-error-text > .icon { font-size: 14px; margin-top: 1px; }
.mattermost-ai-buttons { display: flex; flex-wrap: wrap; gap: 8px; }
.mattermost-ai-buttons > .btn + .btn { margin-left: 0; }
.mattermost-ai-reindex { display: flex; flex-direction: column; gap: 8px; }
.mattermost-ai-reindex .mattermost-ai-help, .mattermost-ai-row__field > [role='status'] { margin-top: 4px; }

/* The index's jobs: progress, the confirm step, and the health card. */
.mattermost-ai-reindex .mattermost-ai-notice { margin: 0; }
.mattermost-ai-reindex__notice-actions { margin-top: 8px; }
.mattermost-ai-job { display: flex; flex-direction: column; gap: 8px; }
.mattermost-ai-config .mattermost-ai-job__text { font-variant-numeric: tabular-nums; }
.mattermost-ai-job__text:focus { outline: none; }
.mattermost-ai-job__text:focus-visible { border-radius: 2px; }
.mattermost-ai-progress { position: relative; height: 8px; border-radius: 4px; background: var(--mmai-hover); overflow: hidden; }
.mattermost-ai-progress__bar { height: 100%; min-width: 4px; border-radius: 4px; background: var(--button-bg); transition: width 0.3s ease; }
.mattermost-ai-progress--busy .mattermost-ai-progress__bar { animation: mattermost-ai-pulse 1.6s ease-in-out infinite; }
@keyframes mattermost-ai-pulse { 50% { opacity: 0.45; } }
@media (prefers-reduced-motion: reduce) {
  .mattermost-ai-progress__bar { transition: none; }
  .mattermost-ai-progress--busy .mattermost-ai-progress__bar { animation: none; }
}
.mattermost-ai-confirm {
  display: flex; flex-direction: column; gap: 8px; padding: 12px 16px;
  border-radius: var(--mmai-radius); background: var(--mmai-error-tint); box-shadow: inset 0 0 0 1px rgba(var(--error-text-color-rgb), 0.32);
}
.mattermost-ai-health {
  display: flex; flex-direction: column; gap: 8px; margin-top: 8px; padding: 12px 16px;
  border: 1px solid var(--mmai-border); border-radius: 8px; background: var(--center-channel-bg);
}
.mattermost-ai-health__header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.mattermost-ai-config .mattermost-ai-health__title { font-size: 14px; font-weight: 600; line-height: 20px; }
.mattermost-ai-health__refresh { margin-left: auto; }
.mattermost-ai-health__badge {
  display: inline-flex; align-items: center; gap: 4px; min-height: 20px; padding: 2px 8px; border-radius: 10px;
  background: var(--mmai-hover); color: var(--center-channel-color); font-size: 12px; font-weight: 600; line-height: 16px;
}
.mattermost-ai-health__badge > .icon { font-size: 14px; }
.mattermost-ai-health__badge--ok { background: color-mix(in srgb, var(--online-indicator) 14%, transparent); }
.mattermost-ai-health__badge--ok > .icon { color: color-mix(in srgb, var(--online-indicator) 75%, var(--center-channel-color)); }
.mattermost-ai-health__badge--warn { background: color-mix(in srgb, var(--away-indicator) 18%, transparent); }
.mattermost-ai-health__badge--warn > .icon { color: color-mix(in srgb, var(--away-indicator) 60%, var(--center-channel-color)); }
.mattermost-ai-health__badge--error { background: var(--mmai-error-tint); }
.mattermost-ai-health__badge--error > .icon { color: var(--mmai-error); }
.mattermost-ai-health__badge--off > .icon { color: var(--mmai-muted); }
.mattermost-ai-health__rows { display: flex; flex-direction: column; margin: 0; }
.mattermost-ai-health__row { display: flex; justify-content: space-between; gap: 16px; padding: 6px 0; border-top: 1px solid var(--mmai-border); }
.mattermost-ai-health__row:first-child { border-top: none; }
.mattermost-ai-health__row > dt { font-weight: 400; color: var(--mmai-muted); }
.mattermost-ai-health__row > dd { margin: 0; font-weight: 600; text-align: right; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }

/* A masked credential with its reveal button inside the field. */
.mattermost-ai-secret { position: relative; }
.mattermost-ai-secret > .form-control { padding-right: 44px; }
.mattermost-ai-secret > .btn-icon { position: absolute; top: 4px; right: 4px; }

/* Collapsible cards: services, agents, MCP servers. */
.mattermost-ai-cards { display: flex; flex-direction: column; gap: 12px; }
.mattermost-ai-card { border: 1px solid var(--mmai-border); border-radius: 8px; background: var(--center-channel-bg); min-width: 0; }
.mattermost-ai-card__header { display: flex; align-items: center; gap: 8px; padding: 8px 12px 8px 8px; }
.mattermost-ai-config .mattermost-ai-card__heading { flex: 1; min-width: 0; font-size: 14px; font-weight: 600; line-height: 20px; }
.mattermost-ai-card__toggle {
  display: flex; align-items: center; gap: 8px; width: 100%; min-height: 40px; padding: 8px; margin: 0;
  border: none; border-radius: var(--mmai-radius); background: transparent; color: var(--center-channel-color);
  font: inherit; text-align: left; cursor: pointer;
}
.mattermost-ai-card__toggle:hover { background: var(--mmai-hover); }
.mattermost-ai-card__toggle > .mattermost-ai-chevron { flex: none; font-size: 18px; color: var(--mmai-muted); transition: transform 0.15s ease; }
.mattermost-ai-card__toggle[aria-expanded='true'] > .mattermost-ai-chevron { transform: rotate(90deg); }
.mattermost-ai-card__title { flex: none; max-width: 50%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.mattermost-ai-card__subtitle { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--mmai-muted); font-size: 12px; font-weight: 400; }
.mattermost-ai-card__actions { flex: none; display: flex; gap: 4px; }
.mattermost-ai-card__body { display: flex; flex-direction: column; gap: 24px; padding: 24px; border-top: 1px solid var(--mmai-border); }
.mattermost-ai-card__body[hidden] { display: none; }

/* A titled group inside a card. */
.mattermost-ai-subsection { display: flex; flex-direction: column; gap: 4px; padding-top: 24px; border-top: 1px solid var(--mmai-border); }
.mattermost-ai-subsection > .mattermost-ai-fieldset { margin-top: 16px; }
.mattermost-ai-subsection__title-line { display: flex; align-items: center; gap: 8px; }
.mattermost-ai-config .mattermost-ai-subsection__title { margin: 0; font-size: 14px; font-weight: 600; line-height: 20px; color: var(--center-channel-color); }

/* Tool lists: a disclosure with one row per tool. A <details> puts its content in a slot of
   its own shadow tree, which base.ts's "box-sizing: inherit" cannot reach, so its children
   would be content-box (a select then outgrows its column): set them back. */
.mattermost-ai-tools { display: flex; flex-direction: column; gap: 8px; min-width: 0; }
.mattermost-ai-tools .mattermost-ai-notice { margin: 0; }
.mattermost-ai-tools summary { padding: 8px; margin: 0 -8px; font-weight: 600; }
.mattermost-ai-tools summary:hover { background: var(--mmai-hover); }
.mattermost-ai-tools details > .mattermost-ai-help { padding: 4px 0 8px; }
.mattermost-ai-tool {
  display: grid; grid-template-columns: minmax(0, 1fr) minmax(160px, 240px) auto; grid-template-areas: 'info policy switch';
  gap: 8px 16px; align-items: center; padding: 12px 0; border-top: 1px solid var(--mmai-border);
}
.mattermost-ai-tool__info { grid-area: info; min-width: 0; }
.mattermost-ai-tool__name { font-weight: 600; overflow-wrap: anywhere; }
.mattermost-ai-config .mattermost-ai-tool__description { margin-top: 2px; color: var(--mmai-muted); font-size: 12px; line-height: 16px; }
.mattermost-ai-tool__policy { grid-area: policy; min-width: 0; }
.mattermost-ai-tool__switch { grid-area: switch; display: flex; }

/* Picking users, teams and channels: chips, the search field and the matches. */
.mattermost-ai-picker__chips { display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 8px; padding: 0; list-style: none; }
.mattermost-ai-chip {
  display: inline-flex; align-items: center; gap: 2px; height: 24px; padding: 0 0 0 8px; border-radius: 12px;
  background: var(--mmai-hover); color: var(--center-channel-color); font-size: 12px; font-weight: 600;
}
.mattermost-ai-chip > .btn-icon.btn-xs { border-radius: 50%; }
.mattermost-ai-picker__results {
  margin: 4px 0 0; padding: 4px 0; list-style: none; max-height: 240px; overflow-y: auto;
  background: var(--center-channel-bg); border-radius: var(--mmai-radius);
  box-shadow: 0 0 0 1px var(--mmai-border), 0 4px 12px rgba(var(--center-channel-color-rgb), 0.12);
}
.mattermost-ai-picker__option {
  display: block; width: 100%; padding: 8px 16px; border: none; background: transparent;
  color: var(--center-channel-color); font: inherit; text-align: left; cursor: pointer;
}
.mattermost-ai-picker__option:hover, .mattermost-ai-picker__option:focus-visible { background: var(--mmai-hover); }

/* Usage: totals, tokens per day as stacked bars (input in the theme's button colour, output in
   a lighter tint of it), and named sums as horizontal bars. */
.mattermost-ai-usage__range { width: auto; height: 40px; }
.mattermost-ai-usage__totals { display: flex; flex-wrap: wrap; gap: 32px; margin: 0; }
.mattermost-ai-usage__totals dt { color: var(--mmai-muted); font-size: 12px; font-weight: 400; }
.mattermost-ai-usage__totals dd { margin: 0; font-size: 20px; font-weight: 600; line-height: 28px; }
.mattermost-ai-chart { margin: 0; display: flex; flex-direction: column; gap: 8px; }
.mattermost-ai-chart__caption { font-weight: 600; }
.mattermost-ai-chart__plot { width: 100%; height: 160px; border-bottom: 1px solid var(--mmai-border-strong); }
.mattermost-ai-chart__input { fill: var(--button-bg); }
.mattermost-ai-chart__output { fill: rgba(var(--button-bg-rgb), 0.4); }
.mattermost-ai-chart__legend { display: flex; gap: 16px; font-size: 12px; color: var(--mmai-muted); }
.mattermost-ai-chart__key::before {
  content: ''; display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px;
  vertical-align: -1px; background: var(--button-bg);
}
.mattermost-ai-chart__key--output::before { background: rgba(var(--button-bg-rgb), 0.4); }
.mattermost-ai-table { border-collapse: collapse; width: 100%; font-size: 12px; }
.mattermost-ai-table th, .mattermost-ai-table td { padding: 4px 8px; text-align: right; border-bottom: 1px solid var(--mmai-border); }
.mattermost-ai-table th:first-child { text-align: left; font-weight: 400; }
.mattermost-ai-table thead th { font-weight: 600; }
.mattermost-ai-usage__grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 24px; }
.mattermost-ai-bars__title { font-size: 14px; font-weight: 600; margin: 0 0 8px; }
.mattermost-ai-bars ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.mattermost-ai-bars li { display: grid; grid-template-columns: minmax(0, 1fr) auto; grid-template-areas: 'name figure' 'track track'; gap: 2px 8px; }
.mattermost-ai-bars__name { grid-area: name; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.mattermost-ai-bars__figure { grid-area: figure; color: var(--mmai-muted); font-size: 12px; }
.mattermost-ai-bars__track { grid-area: track; height: 6px; border-radius: 3px; background: var(--mmai-faint); }
.mattermost-ai-bars__fill { display: block; height: 100%; border-radius: 3px; background: var(--button-bg); }
/* An agent's MCP tools: a ticked list per server. */
.mattermost-ai-agent-tools { display: flex; flex-direction: column; gap: 4px; }
.mattermost-ai-agent-tools__tool { display: flex; align-items: center; gap: 8px; font-weight: 400; margin: 0; cursor: pointer; }
/* Quotas: daily and monthly side by side; an override's fields on one line when there is room. */
.mattermost-ai-limits { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.mattermost-ai-override {
  display: grid; grid-template-columns: 120px minmax(0, 1fr) minmax(0, 1.2fr) auto; gap: 8px; align-items: start;
  padding: 12px; border: 1px solid var(--mmai-border); border-radius: var(--mmai-radius);
}

/* Narrow pages (a small window, a docked console): one column. */
@container (max-width: 640px) {
  .mattermost-ai-row { grid-template-columns: minmax(0, 1fr); gap: 4px; }
  .mattermost-ai-row__label { padding-top: 0; }
  .mattermost-ai-row--switch .mattermost-ai-row__field { padding-top: 0; }
  .mattermost-ai-row--actions .mattermost-ai-row__label { display: none; }
  .mattermost-ai-section__header { flex-wrap: wrap; }
  .mattermost-ai-section__body, .mattermost-ai-card__body { padding: 16px; }
  .mattermost-ai-card__toggle { flex-wrap: wrap; row-gap: 0; }
  .mattermost-ai-card__title { max-width: calc(100% - 26px); }
  .mattermost-ai-card__subtitle { flex-basis: 100%; padding-left: 26px; }
  .mattermost-ai-tool { grid-template-columns: minmax(0, 1fr) auto; grid-template-areas: 'info switch' 'policy policy'; }
  .mattermost-ai-override { grid-template-columns: minmax(0, 1fr) auto; }
}
`;

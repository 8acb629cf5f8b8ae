import {baseCss} from './base';
import {consoleCss} from './console';
import {panelCss} from './panel';

// Every rule the plugin's components use, in one stylesheet.
export const pluginCss = [baseCss, panelCss, consoleCss].join('\n');

const STYLE_ID = 'mattermost-ai-styles';

// Mattermost loads a plugin's `main.js` and nothing else, so the stylesheet travels inside it
// and is added to the page once, when the plugin starts; it goes again when the plugin stops.
export function injectStyles(doc: Document = document): () => void {
    let style = doc.getElementById(STYLE_ID);
    if (!style) {
        style = doc.createElement('style');
        style.id = STYLE_ID;
        style.textContent = pluginCss;
        doc.head.appendChild(style);
    }
    const added = style;
    return () => added.remove();
}

import {describe, expect, it} from 'vitest';

import Plugin from '../plugin';
import type {PluginRegistry} from '../types';

import {injectStyles, pluginCss} from '.';

describe('the stylesheet', () => {
    it('is added once when the plugin starts and removed when it stops', () => {
        const registry = new Proxy({}, {get: () => () => undefined}) as unknown as PluginRegistry;
        const plugin = new Plugin();
        plugin.initialize(registry);
        const remove = injectStyles();
        expect(document.querySelectorAll('style#mattermost-ai-styles')).toHaveLength(1);
        expect(document.getElementById('mattermost-ai-styles')?.textContent).toBe(pluginCss);
        plugin.uninitialize();
        expect(document.getElementById('mattermost-ai-styles')).toBeNull();
        remove();
    });

    it('uses only theme colours Mattermost publishes', () => {
        // Every theme colour it uses is one Mattermost publishes.
        const used = new Set(Array.from(pluginCss.matchAll(/var\(--([a-z0-9-]+)\)/g), (m) => m[1]).filter((v) => !v.startsWith('mmai-')));
        const published = ['center-channel-bg', 'center-channel-color', 'center-channel-color-rgb', 'button-bg', 'button-bg-rgb', 'button-color',
            'button-color-rgb', 'link-color', 'link-color-rgb', 'error-text', 'error-text-color-rgb', 'online-indicator', 'away-indicator', 'dnd-indicator'];
        expect(Array.from(used).filter((v) => !published.includes(v))).toEqual([]);
    });
});

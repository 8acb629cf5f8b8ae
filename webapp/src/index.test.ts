import {describe, expect, it, vi} from 'vitest';

import Plugin from './plugin';

describe('entry point', () => {
    it('registers the plugin under its id with window.registerPlugin', async () => {
        const registerPlugin = vi.fn();
        window.registerPlugin = registerPlugin;
        await import('./index');
        expect(registerPlugin).toHaveBeenCalledTimes(1);
        const [id, plugin] = registerPlugin.mock.calls[0];
        expect(id).toBe('mattermost-ai');
        expect(plugin).toBeInstanceOf(Plugin);
    });
});

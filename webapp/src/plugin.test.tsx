import {render, screen} from '@testing-library/react';
import React from 'react';
import {describe, expect, it, vi} from 'vitest';

import ConfigPlaceholder from './components/config_placeholder';
import Plugin from './plugin';
import type {PluginRegistry} from './types';

function stubFetch(impl: () => Promise<Response>) {
    const fetchMock = vi.fn(impl);
    vi.stubGlobal('fetch', fetchMock);
    return fetchMock;
}

describe('ConfigPlaceholder', () => {
    it('shows the version reported by the server', async () => {
        const fetchMock = stubFetch(async () => new Response(
            JSON.stringify({id: 'mattermost-ai', version: '1.2.3', transport: 'netrpc'}),
            {status: 200, headers: {'Content-Type': 'application/json'}},
        ));

        render(<ConfigPlaceholder id='Config'/>);

        expect(await screen.findByText(/Plugin version: 1\.2\.3/)).toBeTruthy();
        expect(fetchMock).toHaveBeenCalledWith('/plugins/mattermost-ai/version', expect.anything());
        expect(screen.getByText(/coming soon/)).toBeTruthy();
    });

    it('shows a visible error when the request fails', async () => {
        stubFetch(async () => new Response('nope', {status: 503}));

        render(<ConfigPlaceholder id='Config'/>);

        const alert = await screen.findByRole('alert');
        expect(alert.textContent).toContain('Could not reach the plugin server');
        expect(alert.textContent).toContain('503');
    });

    it('shows a visible error when the network is down', async () => {
        stubFetch(async () => {
            throw new TypeError('Failed to fetch');
        });

        render(<ConfigPlaceholder id='Config'/>);

        expect((await screen.findByRole('alert')).textContent).toContain('Failed to fetch');
    });
});

describe('Plugin', () => {
    it('registers the Config admin console setting', () => {
        const registry: PluginRegistry = {registerAdminConsoleCustomSetting: vi.fn()};

        new Plugin().initialize(registry);

        expect(registry.registerAdminConsoleCustomSetting).toHaveBeenCalledWith(
            'Config', ConfigPlaceholder, {showTitle: true},
        );
    });
});

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

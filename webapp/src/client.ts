import {PLUGIN_ID} from './manifest';
import type {PluginVersion} from './types';

function pluginUrl(path: string): string {
    // Honour subpath deployments; an absolute "/plugins/..." would miss them.
    return `${window.basename ?? ''}/plugins/${PLUGIN_ID}${path}`;
}

export async function fetchPluginVersion(): Promise<PluginVersion> {
    const response = await fetch(pluginUrl('/version'), {credentials: 'same-origin'});
    if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
    }
    return (await response.json()) as PluginVersion;
}

import React, {useEffect, useState} from 'react';

import {fetchPluginVersion} from '../client';
import type {AdminCustomSettingProps, PluginVersion} from '../types';

type VersionState =
    | {status: 'loading'}
    | {status: 'loaded'; info: PluginVersion}
    | {status: 'error'; message: string};

// Stand-in for the full Agents configuration UI. It still proves the server
// half is reachable, which is the first thing an admin wants to know.
export default function ConfigPlaceholder(_props: AdminCustomSettingProps) {
    const [state, setState] = useState<VersionState>({status: 'loading'});

    useEffect(() => {
        // The admin page can be left before the request finishes.
        let active = true;
        fetchPluginVersion().then(
            (info) => active && setState({status: 'loaded', info}),
            (err: unknown) => active && setState({
                status: 'error',
                message: err instanceof Error ? err.message : String(err),
            }),
        );
        return () => {
            active = false;
        };
    }, []);

    return (
        <div className='mattermost-ai-config-placeholder'>
            <p>
                {'The configuration interface for Agents is coming soon. Until then, the plugin keeps using its stored configuration.'}
            </p>
            {state.status === 'loading' && <p>{'Checking plugin version…'}</p>}
            {state.status === 'loaded' && (
                <p>{`Plugin version: ${state.info.version} (transport: ${state.info.transport})`}</p>
            )}
            {state.status === 'error' && (
                <p
                    role='alert'
                    style={{color: 'var(--error-text, #d24b4e)'}}
                >
                    {`Could not reach the plugin server: ${state.message}`}
                </p>
            )}
        </div>
    );
}

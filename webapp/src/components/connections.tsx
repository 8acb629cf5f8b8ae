import React, {useCallback, useEffect, useRef, useState} from 'react';

import {disconnectMcpServer, getUserMcpTools} from '../client';
import {t} from '../i18n';
import {httpUrl} from '../safe_text';
import type {McpConnection, UserMcpToolsResponse} from '../types';

import Icon from './ui/icon';
import IconButton from './ui/icon_button';
import Notice from './ui/notice';

interface ConnectionsState {
    toolCount: number;
    servers: McpConnection[];
}

// Only well-formed entries are shown: the response is the server's, but nothing is assumed.
function readConnections(r: UserMcpToolsResponse | undefined): ConnectionsState {
    const servers = Array.isArray(r?.servers) ? r.servers.filter((s) => s && typeof s.name === 'string' && s.name !== '') : [];
    return {toolCount: Array.isArray(r?.tools) ? r.tools.length : 0, servers};
}

// The user's connections to MCP servers that sign users in with OAuth: connect (the sign-in
// opens in a new window, which closes itself when done) or disconnect. Read again when the
// window regains focus, so a finished sign-in shows without a reload.
export default function Connections() {
    const [state, setState] = useState<ConnectionsState | null>(null);
    const [loadFailed, setLoadFailed] = useState(false);
    const [actionError, setActionError] = useState('');
    const [busy, setBusy] = useState('');
    // Only the latest read lands; one that finishes after unmounting is dropped.
    const latest = useRef(0);

    const load = useCallback(async () => {
        const n = ++latest.current;
        try {
            const r = await getUserMcpTools();
            if (n === latest.current) {
                setState(readConnections(r));
                setLoadFailed(false);
            }
        } catch {
            // The response body is never shown: a short message says what failed.
            if (n === latest.current) {
                setLoadFailed(true);
            }
        }
    }, []);

    useEffect(() => {
        const reload = () => {
            load();
        };
        reload();
        window.addEventListener('focus', reload);
        return () => {
            window.removeEventListener('focus', reload);
            latest.current++;
        };
    }, [load]);

    const servers = state?.servers ?? [];
    if (servers.length === 0 && !loadFailed) {
        return null;
    }

    const connect = (server: McpConnection) => {
        const href = httpUrl(server.connectURL);
        if (href) {
            setActionError('');
            window.open(href, '_blank', 'noopener,noreferrer');
        }
    };
    const disconnect = async (server: McpConnection) => {
        setBusy(server.name);
        setActionError('');
        try {
            await disconnectMcpServer(server.name);
        } catch {
            setActionError(t('ai.rhs.disconnectFailed', {server: server.name}));
        }
        await load();
        setBusy('');
    };

    return (
        <section
            className='mattermost-ai-rhs-connections'
            aria-labelledby='mattermost-ai-connections-title'
        >
            <h3
                className='mattermost-ai-section-title'
                id='mattermost-ai-connections-title'
            >
                {t('ai.rhs.connections')}
                <IconButton
                    icon='refresh'
                    size='xs'
                    label={t('ai.rhs.refresh')}
                    onClick={() => load()}
                />
            </h3>
            {state && (
                <p className='mattermost-ai-rhs-tool-count mattermost-ai-help'>
                    {state.toolCount === 1 ? t('ai.rhs.toolsAvailable.one') : t('ai.rhs.toolsAvailable', {count: state.toolCount})}
                </p>
            )}
            {loadFailed && <Notice kind='error'>{t('ai.rhs.connectionsFailed')}</Notice>}
            {actionError && <Notice kind='error'>{actionError}</Notice>}
            {servers.length > 0 && (
                <ul className='mattermost-ai-plain'>
                    {servers.map((server) => (
                        <li
                            key={server.name}
                            className='mattermost-ai-rhs-connection mattermost-ai-connection'
                        >
                            <span className='mattermost-ai-connection__name'>{server.name}</span>
                            {server.connected ? (
                                <>
                                    <span className='mattermost-ai-connection__state'>
                                        <Icon name='check-circle-outline'/>
                                        {t('ai.rhs.connected')}
                                    </span>
                                    <button
                                        type='button'
                                        className='btn btn-tertiary btn-xs'
                                        aria-label={t('ai.rhs.disconnectFrom', {server: server.name})}
                                        disabled={busy !== ''}
                                        onClick={() => disconnect(server)}
                                    >
                                        {t('ai.rhs.disconnect')}
                                    </button>
                                </>
                            ) : (
                                <>
                                    <span className='mattermost-ai-connection__state'>
                                        <Icon name='alert-circle-outline'/>
                                        {t('ai.rhs.needsPermission')}
                                    </span>
                                    {httpUrl(server.connectURL) ? (
                                        <button
                                            type='button'
                                            className='btn btn-primary btn-xs'
                                            aria-label={t('ai.rhs.connectTo', {server: server.name})}
                                            onClick={() => connect(server)}
                                        >
                                            {t('ai.rhs.connect')}
                                        </button>
                                    ) : (
                                        <span className='mattermost-ai-help'>{t('ai.rhs.connectUnavailable')}</span>
                                    )}
                                </>
                            )}
                        </li>
                    ))}
                </ul>
            )}
        </section>
    );
}

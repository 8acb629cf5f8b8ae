import React, {useCallback, useEffect, useRef, useState} from 'react';

import {loadAgents} from '../agents_store';
import {createDirectChannel, createPost, disconnectMcpServer, getThreads, getUserMcpTools, runSearch} from '../client';
import {t} from '../i18n';
import {onOpenInPanel} from '../panel_store';
import {httpUrl} from '../safe_text';
import type {AgentInfo, McpConnection, Thread, UserMcpToolsResponse} from '../types';

import Conversation from './conversation';

const CHOICE_KEY = 'mattermost-ai.agent';

export interface AgentsPanelProps {
    currentUserId?: string;
    isAdmin?: boolean;
}

type Open = {rootId: string; channelId: string};

// The right-hand panel: pick an agent, chat with it in place, and go back to earlier
// conversations.
export default function AgentsPanel({currentUserId, isAdmin}: AgentsPanelProps) {
    const [agents, setAgents] = useState<AgentInfo[] | null>(null);
    const [threads, setThreads] = useState<Thread[] | null>(null);
    const [error, setError] = useState('');
    const storageKey = `${CHOICE_KEY}.${currentUserId ?? ''}`;
    const [agent, setAgent] = useState<string>(() => window.localStorage?.getItem(storageKey) ?? '');
    const [message, setMessage] = useState('');
    const [sending, setSending] = useState(false);
    const [open, setOpen] = useState<Open | null>(null);
    const [searchEnabled, setSearchEnabled] = useState(false);
    const [query, setQuery] = useState('');
    const failed = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

    // AI Actions and "Ask AI" show their result here.
    useEffect(() => onOpenInPanel(setOpen), []);

    useEffect(() => {
        let active = true;
        // Read afresh each time the panel opens: the bot-post renderer trusts the agents it lists.
        loadAgents().then((a) => {
            if (active) {
                setAgents(a.bots);
                setSearchEnabled(Boolean(a.searchEnabled));
            }
        }, (e: unknown) => active && failed(e));
        return () => {
            active = false;
        };
    }, []);

    // The list is read again each time the panel comes back to it, so new titles show.
    useEffect(() => {
        if (open) {
            return undefined;
        }
        let active = true;
        getThreads().then((list) => active && setThreads(list), (e: unknown) => active && failed(e));
        return () => {
            active = false;
        };
    }, [open]);

    if (error) {
        return <div role='alert'>{t('ai.rhs.error', {error})}</div>;
    }
    if (!agents) {
        return <div aria-busy='true'/>;
    }
    if (agents.length === 0) {
        return (
            <div className='mattermost-ai-rhs-empty'>
                <p>{t('ai.rhs.noAgents')}</p>
                {isAdmin && <a href={`${window.basename ?? ''}/admin_console/plugins/plugin_mattermost-ai`}>{t('ai.rhs.configure')}</a>}
            </div>
        );
    }
    const selected = agents.find((a) => a.username === agent) ?? agents[0];
    const choose = (username: string) => {
        setAgent(username);
        window.localStorage?.setItem(storageKey, username);
    };
    if (open) {
        return (
            <Conversation
                rootId={open.rootId}
                channelId={open.channelId}
                agent={selected}
                agents={agents}
                currentUserId={currentUserId}
                onBack={() => setOpen(null)}
            />
        );
    }
    const send = async () => {
        if (!message.trim() || !currentUserId) {
            return;
        }
        setSending(true);
        try {
            const dm = await createDirectChannel(currentUserId, selected.id);
            const root = await createPost(dm.id, message.trim());
            setMessage('');
            setOpen({rootId: root.id, channelId: dm.id});
        } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
        } finally {
            setSending(false);
        }
    };
    return (
        <div className='mattermost-ai-rhs'>
            <label>
                {t('ai.rhs.agent')}
                <select
                    value={selected.username}
                    onChange={(e) => choose(e.target.value)}
                >
                    {agents.map((a) => (
                        <option
                            key={a.id}
                            value={a.username}
                        >
                            {a.displayName || a.username}
                        </option>
                    ))}
                </select>
            </label>
            <div className='mattermost-ai-rhs-new'>
                <label>
                    {t('ai.rhs.message')}
                    <textarea
                        value={message}
                        onChange={(e) => setMessage(e.target.value)}
                    />
                </label>
                <button
                    type='button'
                    disabled={sending || !message.trim()}
                    onClick={send}
                >
                    {t('ai.rhs.newChat')}
                </button>
            </div>
            {searchEnabled && (
                <form
                    className='mattermost-ai-rhs-search'
                    onSubmit={async (e) => {
                        e.preventDefault();
                        if (!query.trim()) {
                            return;
                        }
                        setSending(true);
                        try {
                            const r = await runSearch(query.trim(), selected.username);
                            setQuery('');
                            setOpen({rootId: r.postid, channelId: r.channelid});
                        } catch (err) {
                            failed(err);
                        } finally {
                            setSending(false);
                        }
                    }}
                >
                    <label>
                        {t('ai.rhs.search')}
                        <input
                            type='search'
                            value={query}
                            onChange={(e) => setQuery(e.target.value)}
                        />
                    </label>
                    <button
                        type='submit'
                        disabled={sending || !query.trim()}
                    >
                        {t('ai.rhs.searchButton')}
                    </button>
                </form>
            )}
            <Connections/>
            <h4>{t('ai.rhs.history')}</h4>
            {threads === null && <div aria-busy='true'/>}
            {threads?.length === 0 && <p>{t('ai.rhs.noHistory')}</p>}
            {threads && threads.length > 0 && (
                <ul aria-label={t('ai.rhs.history')}>
                    {threads.map((th) => (
                        <li key={th.id}>
                            <button
                                type='button'
                                className='mattermost-ai-thread-link'
                                onClick={() => setOpen({rootId: th.id, channelId: th.channel_id})}
                            >
                                {th.title || th.message}
                            </button>
                        </li>
                    ))}
                </ul>
            )}
        </div>
    );
}

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
function Connections() {
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
            aria-label={t('ai.rhs.connections')}
        >
            <h4>{t('ai.rhs.connections')}</h4>
            {state && (
                <p className='mattermost-ai-rhs-tool-count'>
                    {state.toolCount === 1 ? t('ai.rhs.toolsAvailable.one') : t('ai.rhs.toolsAvailable', {count: state.toolCount})}
                </p>
            )}
            {loadFailed && <div role='alert'>{t('ai.rhs.connectionsFailed')}</div>}
            {actionError && <div role='alert'>{actionError}</div>}
            {servers.length > 0 && (
                <ul>
                    {servers.map((server) => (
                        <li
                            key={server.name}
                            className='mattermost-ai-rhs-connection'
                        >
                            <strong>{server.name}</strong>
                            {' '}
                            {server.connected ? (
                                <>
                                    <span>{t('ai.rhs.connected')}</span>
                                    {' '}
                                    <button
                                        type='button'
                                        aria-label={t('ai.rhs.disconnectFrom', {server: server.name})}
                                        disabled={busy !== ''}
                                        onClick={() => disconnect(server)}
                                    >
                                        {t('ai.rhs.disconnect')}
                                    </button>
                                </>
                            ) : (
                                <>
                                    <span>{t('ai.rhs.needsPermission')}</span>
                                    {' '}
                                    {httpUrl(server.connectURL) ? (
                                        <button
                                            type='button'
                                            aria-label={t('ai.rhs.connectTo', {server: server.name})}
                                            onClick={() => connect(server)}
                                        >
                                            {t('ai.rhs.connect')}
                                        </button>
                                    ) : (
                                        <span>{t('ai.rhs.connectUnavailable')}</span>
                                    )}
                                </>
                            )}
                        </li>
                    ))}
                </ul>
            )}
            <button
                type='button'
                onClick={() => load()}
            >
                {t('ai.rhs.refresh')}
            </button>
        </section>
    );
}

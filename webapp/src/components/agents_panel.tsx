import React, {useEffect, useRef, useState} from 'react';

import {loadAgents} from '../agents_store';
import {createDirectChannel, createPost, getThreads, runSearch} from '../client';
import {t} from '../i18n';
import {onOpenInPanel} from '../panel_store';
import type {AgentInfo, Thread} from '../types';

import Composer from './composer';
import Connections from './connections';
import Conversation from './conversation';
import Avatar from './ui/avatar';
import Icon from './ui/icon';
import Notice from './ui/notice';
import Timestamp from './ui/timestamp';

const CHOICE_KEY = 'mattermost-ai.agent';

export interface AgentsPanelProps {
    currentUserId?: string;
    // The user's own name and picture version, for their side of a conversation.
    currentUsername?: string;
    currentUserPictureUpdate?: number;
    isAdmin?: boolean;
}

// An open conversation, and where focus goes when it opens: its title when the user picked it
// (or an AI Action opened it), its reply box when they just sent the first message.
type Open = {rootId: string; channelId: string; focus: 'title' | 'reply'};

// The right-hand panel: pick an agent, start a chat or search, go back to earlier
// conversations, and chat in place. Mattermost draws the panel's title and close button.
export default function AgentsPanel({currentUserId, currentUsername, currentUserPictureUpdate, isAdmin}: AgentsPanelProps) {
    const [agents, setAgents] = useState<AgentInfo[] | null>(null);
    const [threads, setThreads] = useState<Thread[] | null>(null);
    const [error, setError] = useState('');
    const storageKey = `${CHOICE_KEY}.${currentUserId ?? ''}`;
    const [agent, setAgent] = useState<string>(() => window.localStorage?.getItem(storageKey) ?? '');
    const [message, setMessage] = useState('');
    const [sending, setSending] = useState(false);
    const [sendError, setSendError] = useState('');
    const [open, setOpen] = useState<Open | null>(null);
    const [searchEnabled, setSearchEnabled] = useState(false);
    const [query, setQuery] = useState('');
    const [attempt, setAttempt] = useState(0);
    // Focus goes back to the list's title when the user leaves a conversation, and to the
    // composer after "New chat".
    const [homeFocus, setHomeFocus] = useState<'list' | 'composer' | null>(null);
    const listTitle = useRef<HTMLHeadingElement>(null);
    const composer = useRef<HTMLTextAreaElement>(null);
    const failed = (e: unknown) => setError(e instanceof Error ? e.message : String(e));

    // AI Actions and "Ask AI" show their result here.
    useEffect(() => onOpenInPanel((o) => setOpen({...o, focus: 'title'})), []);

    useEffect(() => {
        let active = true;
        setError('');
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
    }, [attempt]);

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
    }, [open, attempt]);

    useEffect(() => {
        if (!open && homeFocus) {
            (homeFocus === 'list' ? listTitle.current : composer.current)?.focus();
            setHomeFocus(null);
        }
    }, [open, homeFocus, threads]);

    if (error) {
        return (
            <div className='mattermost-ai-root mattermost-ai-rhs'>
                <div className='mattermost-ai-rhs__scroll'>
                    <Notice kind='error'>{t('ai.rhs.error', {error})}</Notice>
                    <button
                        type='button'
                        className='btn btn-tertiary btn-sm'
                        onClick={() => setAttempt((n) => n + 1)}
                    >
                        <Icon name='refresh'/>
                        {t('ai.rhs.retry')}
                    </button>
                </div>
            </div>
        );
    }
    if (!agents) {
        return (
            <div
                className='mattermost-ai-root mattermost-ai-rhs'
                aria-busy='true'
            >
                <Loading/>
            </div>
        );
    }
    if (agents.length === 0) {
        return (
            <div className='mattermost-ai-root mattermost-ai-rhs'>
                <div className='mattermost-ai-empty'>
                    <Icon name='robot-happy'/>
                    <p>{t('ai.rhs.noAgents')}</p>
                    {isAdmin && (
                        <a
                            className='btn btn-primary btn-sm'
                            href={`${window.basename ?? ''}/admin_console/plugins/plugin_mattermost-ai`}
                        >
                            {t('ai.rhs.configure')}
                        </a>
                    )}
                </div>
            </div>
        );
    }
    const selected = agents.find((a) => a.username === agent) ?? agents[0];
    const choose = (username: string) => {
        setAgent(username);
        window.localStorage?.setItem(storageKey, username);
    };
    const agentName = selected.displayName || selected.username;
    if (open) {
        return (
            <div className='mattermost-ai-root mattermost-ai-rhs'>
                <Conversation
                    key={open.rootId}
                    rootId={open.rootId}
                    channelId={open.channelId}
                    focus={open.focus}
                    agent={selected}
                    agents={agents}
                    currentUserId={currentUserId}
                    currentUsername={currentUsername}
                    currentUserPictureUpdate={currentUserPictureUpdate}
                    onBack={() => {
                        setOpen(null);
                        setHomeFocus('list');
                    }}
                    onNewChat={() => {
                        setOpen(null);
                        setHomeFocus('composer');
                    }}
                />
            </div>
        );
    }
    const send = async () => {
        if (!message.trim() || !currentUserId) {
            return;
        }
        setSending(true);
        setSendError('');
        try {
            const dm = await createDirectChannel(currentUserId, selected.id);
            const root = await createPost(dm.id, message.trim());
            setMessage('');
            setOpen({rootId: root.id, channelId: dm.id, focus: 'reply'});
        } catch (e) {
            setSendError(t('ai.rhs.sendFailed', {error: e instanceof Error ? e.message : String(e)}));
        } finally {
            setSending(false);
        }
    };
    const search = async (e: React.FormEvent) => {
        e.preventDefault();
        if (!query.trim()) {
            return;
        }
        setSending(true);
        try {
            const r = await runSearch(query.trim(), selected.username);
            setQuery('');
            setOpen({rootId: r.postid, channelId: r.channelid, focus: 'title'});
        } catch (err) {
            failed(err);
        } finally {
            setSending(false);
        }
    };
    const byId = (id?: string) => agents.find((a) => a.id === id);
    return (
        <div className='mattermost-ai-root mattermost-ai-rhs'>
            <div className='mattermost-ai-rhs__bar'>
                <div className='mattermost-ai-agent-picker'>
                    <Avatar
                        userId={selected.id}
                        lastPictureUpdate={selected.lastIconUpdate}
                        size='sm'
                    />
                    <select
                        className='form-control'
                        aria-label={t('ai.rhs.agent')}
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
                </div>
            </div>
            <div className='mattermost-ai-rhs__scroll'>
                <div className='mattermost-ai-intro'>
                    <Avatar
                        userId={selected.id}
                        lastPictureUpdate={selected.lastIconUpdate}
                        size='lg'
                    />
                    <h2>{t('ai.rhs.introTitle', {agent: agentName})}</h2>
                    <p>{t('ai.rhs.introText')}</p>
                </div>
                {searchEnabled && (
                    <form
                        className='mattermost-ai-search'
                        role='search'
                        onSubmit={search}
                    >
                        <input
                            type='search'
                            className='form-control'
                            aria-label={t('ai.rhs.search')}
                            placeholder={t('ai.rhs.search')}
                            value={query}
                            onChange={(e) => setQuery(e.target.value)}
                        />
                        <button
                            type='submit'
                            className='btn btn-tertiary btn-sm'
                            disabled={sending || !query.trim()}
                        >
                            <Icon name='magnify'/>
                            {t('ai.rhs.searchButton')}
                        </button>
                    </form>
                )}
                <Connections/>
                <h3
                    ref={listTitle}
                    tabIndex={-1}
                    className='mattermost-ai-section-title'
                    id='mattermost-ai-history-title'
                >
                    {t('ai.rhs.history')}
                </h3>
                {threads === null && <Loading/>}
                {threads?.length === 0 && <p className='mattermost-ai-muted'>{t('ai.rhs.noHistory')}</p>}
                {threads && threads.length > 0 && (
                    <ul
                        className='mattermost-ai-plain'
                        aria-labelledby='mattermost-ai-history-title'
                    >
                        {threads.map((th) => (
                            <li key={th.id}>
                                <ThreadItem
                                    thread={th}
                                    agent={byId(th.bot_id)}
                                    onOpen={() => setOpen({rootId: th.id, channelId: th.channel_id, focus: 'title'})}
                                />
                            </li>
                        ))}
                    </ul>
                )}
            </div>
            <div className='mattermost-ai-rhs__footer'>
                {sendError && <Notice kind='error'>{sendError}</Notice>}
                <Composer
                    label={t('ai.rhs.message')}
                    placeholder={t('ai.rhs.messagePlaceholder', {agent: agentName})}
                    value={message}
                    onChange={setMessage}
                    onSend={send}
                    busy={sending}
                    textareaRef={composer}
                />
            </div>
        </div>
    );
}

// A spinner, named for screen readers.
function Loading() {
    return (
        <div
            className='mattermost-ai-loading'
            aria-busy='true'
        >
            <span
                className='mattermost-ai-spinner'
                aria-hidden='true'
            />
            <span className='mattermost-ai-sr-only'>{t('ai.rhs.loading')}</span>
        </div>
    );
}

// One earlier conversation: its title (or first message), when it last changed, and a preview.
function ThreadItem({thread, agent, onOpen}: {thread: Thread; agent?: AgentInfo; onOpen: () => void}) {
    const title = thread.title || thread.message;
    return (
        <button
            type='button'
            className='mattermost-ai-thread mattermost-ai-thread-link'
            onClick={onOpen}
        >
            <Avatar
                userId={agent?.id}
                lastPictureUpdate={agent?.lastIconUpdate}
                size='sm'
            />
            <span className='mattermost-ai-thread__title'>{title}</span>
            <span className='mattermost-ai-thread__time'>
                <Timestamp
                    value={thread.update_at}
                    kind='relative'
                />
            </span>
            {thread.title && thread.message && thread.message !== thread.title && (
                <span className='mattermost-ai-thread__preview'>{thread.message}</span>
            )}
        </button>
    );
}

import React, {useCallback, useEffect, useState} from 'react';

import {useAgents} from '../agents_store';
import {createPost, getThread} from '../client';
import {t} from '../i18n';
import {subscribePosts} from '../post_events';
import type {AgentInfo, Post} from '../types';

import LLMBotPost from './llmbot_post';

export interface ConversationProps {
    rootId: string;
    channelId: string;
    // The agent the panel has selected, and all of them: an earlier conversation may be with
    // another agent, which its posts tell.
    agent: AgentInfo;
    agents: AgentInfo[];
    currentUserId?: string;
    onBack: () => void;
}

function byTime(a: Post, b: Post) {
    return (a.create_at ?? 0) - (b.create_at ?? 0);
}

// One conversation with an agent inside the panel: the thread as it grows (the agent's
// answers stream in through the bot-post renderer) and a box to reply in the same thread.
export default function Conversation({rootId, channelId, agent: selected, agents, currentUserId, onBack}: ConversationProps) {
    const [posts, setPosts] = useState<Post[]>([]);
    const [reply, setReply] = useState('');
    const [sending, setSending] = useState(false);
    const [error, setError] = useState('');
    const known = useAgents();

    const upsert = useCallback((post: Post) => {
        setPosts((list) => [...list.filter((p) => p.id !== post.id), post].sort(byTime));
    }, []);

    useEffect(() => {
        let active = true;
        getThread(rootId).then(
            (r) => active && setPosts(r.order.map((id) => r.posts[id]).filter(Boolean).sort(byTime)),
            (e: unknown) => active && setError(e instanceof Error ? e.message : String(e)),
        );
        const unsubscribe = subscribePosts((post) => {
            if (post.id === rootId || post.root_id === rootId) {
                upsert(post);
            }
        });
        return () => {
            active = false;
            unsubscribe();
        };
    }, [rootId, upsert]);

    const send = async () => {
        const text = reply.trim();
        if (!text) {
            return;
        }
        setSending(true);
        setError('');
        try {
            upsert(await createPost(channelId, text, rootId));
            setReply('');
        } catch (e) {
            setError(t('ai.rhs.sendFailed', {error: e instanceof Error ? e.message : String(e)}));
        } finally {
            setSending(false);
        }
    };
    const agent = agents.find((a) => posts.some((p) => p.user_id === a.id)) ?? selected;
    const agentName = agent.displayName || agent.username;
    // Only our agents' posts get the bot-post renderer; a post of its type written by anyone
    // else is shown as the text it is.
    const authorAgent = (p: Post) => agents.find((a) => a.id === p.user_id) ?? (known.botIds.has(p.user_id) ? agent : undefined);
    return (
        <section
            className='mattermost-ai-conversation'
            aria-label={t('ai.rhs.conversation', {agent: agentName})}
        >
            <div className='mattermost-ai-conversation-nav'>
                <button
                    type='button'
                    onClick={onBack}
                >
                    {t('ai.rhs.back')}
                </button>
                <a href={`${window.basename ?? ''}/_redirect/pl/${encodeURIComponent(rootId)}`}>{t('ai.rhs.openInChannel')}</a>
            </div>
            <ol
                className='mattermost-ai-conversation-posts'
                aria-live='polite'
            >
                {posts.map((p) => {
                    const author = authorAgent(p);
                    const fromAgent = author !== undefined;
                    return (
                        <li
                            key={p.id}
                            className={fromAgent ? 'mattermost-ai-from-agent' : 'mattermost-ai-from-user'}
                        >
                            <strong>{author ? (author.displayName || author.username) : (p.user_id === currentUserId ? t('ai.rhs.you') : p.user_id)}</strong>
                            {fromAgent ? (
                                <LLMBotPost
                                    post={p}
                                    currentUserId={currentUserId}
                                />
                            ) : <div style={{whiteSpace: 'pre-wrap'}}>{p.message}</div>}
                        </li>
                    );
                })}
            </ol>
            <label>
                {t('ai.rhs.reply', {agent: agentName})}
                <textarea
                    value={reply}
                    onChange={(e) => setReply(e.target.value)}
                    onKeyDown={(e) => {
                        if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                            e.preventDefault();
                            send();
                        }
                    }}
                />
            </label>
            <button
                type='button'
                disabled={sending || !reply.trim()}
                onClick={send}
            >
                {t('ai.rhs.send')}
            </button>
            {error && <div role='alert'>{error}</div>}
        </section>
    );
}

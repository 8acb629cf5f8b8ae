import React, {useCallback, useEffect, useRef, useState} from 'react';

import {useAgents} from '../agents_store';
import {createPost, getThread} from '../client';
import {t} from '../i18n';
import {subscribePosts} from '../post_events';
import {SafeMarkdown} from '../safe_text';
import {useLiveAnswer} from '../stream_store';
import type {AgentInfo, Post} from '../types';

import Composer from './composer';
import LLMBotPost from './llmbot_post';
import Avatar from './ui/avatar';
import IconButton from './ui/icon_button';
import Icon from './ui/icon';
import Notice from './ui/notice';
import Timestamp from './ui/timestamp';

export interface ConversationProps {
    rootId: string;
    channelId: string;
    // Where focus goes on opening: the title (picked from the list, opened by an AI Action)
    // or the reply box (the user just sent the first message).
    focus?: 'title' | 'reply';
    // The agent the panel has selected, and all of them: an earlier conversation may be with
    // another agent, which its posts tell.
    agent: AgentInfo;
    agents: AgentInfo[];
    currentUserId?: string;
    currentUsername?: string;
    currentUserPictureUpdate?: number;
    onBack: () => void;
    onNewChat?: () => void;
}

function byTime(a: Post, b: Post) {
    return (a.create_at ?? 0) - (b.create_at ?? 0);
}

// How much of a finished answer the screen reader hears; the rest is in the conversation.
const ANNOUNCED_CHARS = 400;

// Screen readers hear that the agent is answering and then the answer, once, politely: the
// list itself is not a live region, or every streamed word would be read out.
function Announcer({post, agentName}: {post?: Post; agentName: string}) {
    const live = useLiveAnswer(post?.id ?? '');
    const [text, setText] = useState('');
    const wasStreaming = useRef(false);
    useEffect(() => {
        if (!post) {
            return;
        }
        if (live?.streaming) {
            if (!wasStreaming.current) {
                setText(t('ai.rhs.answering', {agent: agentName}));
            }
            wasStreaming.current = true;
        } else if (wasStreaming.current) {
            wasStreaming.current = false;
            const answer = (live?.text ?? post.message).trim();
            setText(t('ai.rhs.answered', {
                agent: agentName,
                answer: answer.length > ANNOUNCED_CHARS ? `${answer.slice(0, ANNOUNCED_CHARS)}…` : answer,
            }));
        }
    }, [post, live?.streaming, live?.text, agentName]);
    return (
        <div
            className='mattermost-ai-sr-only'
            role='status'
            aria-live='polite'
        >
            {text}
        </div>
    );
}

// One conversation with an agent inside the panel: the thread as it grows (the agent's
// answers stream in through the bot-post renderer) and a box to reply in the same thread.
export default function Conversation({
    rootId, channelId, focus, agent: selected, agents, currentUserId, currentUsername, currentUserPictureUpdate, onBack, onNewChat,
}: ConversationProps) {
    const [posts, setPosts] = useState<Post[]>([]);
    const [reply, setReply] = useState('');
    const [sending, setSending] = useState(false);
    const [error, setError] = useState('');
    const known = useAgents();
    const title = useRef<HTMLHeadingElement>(null);
    const replyBox = useRef<HTMLTextAreaElement>(null);
    const end = useRef<HTMLDivElement>(null);

    const upsert = useCallback((post: Post) => {
        setPosts((list) => [...list.filter((p) => p.id !== post.id), post].sort(byTime));
    }, []);

    useEffect(() => {
        (focus === 'reply' ? replyBox.current : title.current)?.focus();
    }, [focus]);

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

    // New posts scroll into view, as in a channel.
    useEffect(() => {
        end.current?.scrollIntoView?.({block: 'end'});
    }, [posts.length]);

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
    const lastAgentPost = [...posts].reverse().find((p) => authorAgent(p) !== undefined);
    const permalink = `${window.basename ?? ''}/_redirect/pl/${encodeURIComponent(rootId)}`;
    return (
        <section
            className='mattermost-ai-conversation'
            aria-labelledby={`mattermost-ai-conversation-${rootId}`}
        >
            <div className='mattermost-ai-rhs__bar mattermost-ai-conversation-nav'>
                <IconButton
                    icon='arrow-left'
                    label={t('ai.rhs.back')}
                    onClick={onBack}
                />
                <Avatar
                    userId={agent.id}
                    lastPictureUpdate={agent.lastIconUpdate}
                    size='sm'
                />
                <h2
                    id={`mattermost-ai-conversation-${rootId}`}
                    ref={title}
                    tabIndex={-1}
                >
                    <span aria-hidden='true'>{agentName}</span>
                    <span className='mattermost-ai-sr-only'>{t('ai.rhs.conversation', {agent: agentName})}</span>
                </h2>
                <a
                    className='btn btn-icon btn-sm'
                    href={permalink}
                    aria-label={t('ai.rhs.openInChannel')}
                    title={t('ai.rhs.openInChannel')}
                >
                    <Icon name='open-in-new'/>
                </a>
                {onNewChat && (
                    <IconButton
                        icon='pencil-outline'
                        label={t('ai.rhs.newChat')}
                        onClick={onNewChat}
                    />
                )}
            </div>
            <div className='mattermost-ai-rhs__scroll'>
                <ol className='mattermost-ai-plain mattermost-ai-messages mattermost-ai-conversation-posts'>
                    {posts.map((p) => {
                        const author = authorAgent(p);
                        const mine = p.user_id === currentUserId;
                        let name = p.user_id;
                        if (author) {
                            name = author.displayName || author.username;
                        } else if (mine) {
                            name = currentUsername || t('ai.rhs.you');
                        }
                        return (
                            <li
                                key={p.id}
                                className={`mattermost-ai-message ${author ? 'mattermost-ai-from-agent' : 'mattermost-ai-from-user'}`}
                            >
                                <Avatar
                                    userId={p.user_id}
                                    lastPictureUpdate={author ? author.lastIconUpdate : (mine ? currentUserPictureUpdate : undefined)}
                                />
                                <div className='mattermost-ai-message__content'>
                                    <div className='mattermost-ai-message__header'>
                                        <span className='mattermost-ai-message__name'>{name}</span>
                                        {author && <span className='mattermost-ai-tag'>{t('ai.rhs.botTag')}</span>}
                                        <Timestamp
                                            value={p.create_at}
                                            kind='clock'
                                        />
                                    </div>
                                    {author ? (
                                        <LLMBotPost
                                            post={p}
                                            currentUserId={currentUserId}
                                        />
                                    ) : (
                                        <SafeMarkdown
                                            text={p.message}
                                            allowUnsafeLinks={false}
                                        />
                                    )}
                                </div>
                            </li>
                        );
                    })}
                </ol>
                <div ref={end}/>
                <Announcer
                    post={lastAgentPost}
                    agentName={agentName}
                />
            </div>
            <div className='mattermost-ai-rhs__footer'>
                {error && <Notice kind='error'>{error}</Notice>}
                <Composer
                    label={t('ai.rhs.reply', {agent: agentName})}
                    placeholder={t('ai.rhs.replyPlaceholder', {agent: agentName})}
                    value={reply}
                    onChange={setReply}
                    onSend={send}
                    busy={sending}
                    textareaRef={replyBox}
                />
            </div>
        </section>
    );
}

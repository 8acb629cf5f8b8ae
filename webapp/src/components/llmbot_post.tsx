import React, {useState} from 'react';

import {decideToolCalls, regeneratePost, stopPost} from '../client';
import {t} from '../i18n';
import {parseList, useLiveAnswer} from '../stream_store';
import type {Annotation, Post, ToolCall} from '../types';

export interface LLMBotPostProps {
    post: Post;
    // Who is looking: the requester alone may stop, regenerate and approve tools.
    currentUserId?: string;
}

function propTrue(v: unknown): boolean {
    return v === true || v === 'true';
}

// Markdown is rendered by Mattermost's own formatter when the webapp exposes it, so answers
// look like every other post; plain text with line breaks otherwise.
function Markdown({text}: {text: string}) {
    const utils = (window as unknown as {PostUtils?: {formatText?: (t: string, o?: unknown) => string; messageHtmlToComponent?: (h: string) => React.ReactNode}}).PostUtils;
    if (utils?.formatText && utils.messageHtmlToComponent) {
        return <div className='post-message__text'>{utils.messageHtmlToComponent(utils.formatText(text, {markdown: true}))}</div>;
    }
    return <div className='post-message__text' style={{whiteSpace: 'pre-wrap'}}>{text}</div>;
}

function ToolCards({postId, calls, canDecide}: {postId: string; calls: ToolCall[]; canDecide: boolean}) {
    const pending = calls.filter((c) => c.status === 0);
    const [accepted, setAccepted] = useState<Record<string, boolean>>({});
    const [error, setError] = useState('');
    const [busy, setBusy] = useState(false);
    const submit = async () => {
        setBusy(true);
        try {
            await decideToolCalls(postId, pending.filter((c) => accepted[c.id]).map((c) => c.id));
        } catch (e) {
            setError(t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)}));
        } finally {
            setBusy(false);
        }
    };
    return (
        <div className='mattermost-ai-tools'>
            {calls.map((c) => (
                <div
                    key={c.id}
                    className='mattermost-ai-tool-card'
                >
                    <div>{t('ai.post.toolRequest', {name: c.name})}</div>
                    <pre>{JSON.stringify(c.arguments, null, 2)}</pre>
                    {c.status !== 0 && <div>{t(`ai.post.toolStatus.${c.status}`)}</div>}
                    {c.status === 0 && canDecide && (
                        <div role='group' aria-label={t('ai.post.toolRequest', {name: c.name})}>
                            <label>
                                <input
                                    type='radio'
                                    name={`tool-${c.id}`}
                                    checked={accepted[c.id] === true}
                                    onChange={() => setAccepted({...accepted, [c.id]: true})}
                                />
                                {t('ai.post.accept')}
                            </label>
                            <label>
                                <input
                                    type='radio'
                                    name={`tool-${c.id}`}
                                    checked={accepted[c.id] === false}
                                    onChange={() => setAccepted({...accepted, [c.id]: false})}
                                />
                                {t('ai.post.reject')}
                            </label>
                        </div>
                    )}
                </div>
            ))}
            {pending.length > 0 && canDecide && (
                <button
                    type='button'
                    disabled={busy || pending.some((c) => accepted[c.id] === undefined)}
                    onClick={submit}
                >
                    {t('ai.post.submit')}
                </button>
            )}
            {error && <div role='alert'>{error}</div>}
        </div>
    );
}

function Sources({annotations}: {annotations: Annotation[]}) {
    const unique = annotations.filter((a, i) => annotations.findIndex((b) => b.url === a.url) === i);
    return (
        <div className='mattermost-ai-sources'>
            <strong>{t('ai.post.sources')}</strong>
            <ol>
                {unique.map((a) => (
                    <li key={a.url}>
                        <a
                            href={a.url}
                            target='_blank'
                            rel='noopener noreferrer'
                        >
                            {a.title || a.url}
                        </a>
                    </li>
                ))}
            </ol>
        </div>
    );
}

interface SearchResult {
    postId: string;
    channelName: string;
    username: string;
    content: string;
}

// Posts a search answer was based on (the `search_results` prop).
function SearchSources({results}: {results: SearchResult[]}) {
    return (
        <div className='mattermost-ai-sources'>
            <strong>{t('ai.post.sources')}</strong>
            <ol>
                {results.map((r) => (
                    <li key={r.postId}>
                        <a href={`${window.basename ?? ''}/_redirect/pl/${r.postId}`}>{`${r.channelName} · @${r.username}`}</a>
                        <div>{r.content.length > 200 ? `${r.content.slice(0, 200)}…` : r.content}</div>
                    </li>
                ))}
            </ol>
        </div>
    );
}

export default function LLMBotPost({post, currentUserId}: LLMBotPostProps) {
    const live = useLiveAnswer(post.id);
    const props = post.props ?? {};
    const text = live?.text ?? post.message;
    const streaming = live?.streaming ?? false;
    const reasoning = live?.reasoning ?? (typeof props.reasoning_summary === 'string' ? props.reasoning_summary : '');
    const calls = live?.toolCalls ?? parseList<ToolCall>(props.pending_tool_call) ?? [];
    const annotations = live?.annotations ?? parseList<Annotation>(props.annotations) ?? [];
    const searchResults = parseList<SearchResult>(props.search_results) ?? [];
    const isRequester = Boolean(currentUserId) && props.llm_requester_user_id === currentUserId;
    // A failed answer keeps its partial text; the error the server appended to it (for
    // clients without this renderer) is shown as the post's error state instead.
    const failure = !streaming && typeof props.llm_error === 'string' ? props.llm_error : '';
    const suffix = `**Error:** ${failure}`;
    const shown = failure && text.endsWith(suffix) ? text.slice(0, -suffix.length).trimEnd() : text;
    const [error, setError] = useState('');
    const run = (f: () => Promise<void>) => async () => {
        setError('');
        try {
            await f();
        } catch (e) {
            setError(t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)}));
        }
    };
    return (
        <div className='mattermost-ai-post'>
            {reasoning && (
                <details>
                    <summary>{t('ai.post.reasoning')}</summary>
                    <div style={{whiteSpace: 'pre-wrap'}}>{reasoning}</div>
                </details>
            )}
            {streaming && !text ? <div>{t('ai.post.starting')}</div> : (shown && <Markdown text={shown}/>)}
            {failure && (
                <div
                    role='alert'
                    className='mattermost-ai-post-error'
                >
                    {t('ai.post.failed', {error: failure})}
                </div>
            )}
            {calls.length > 0 && (
                <ToolCards
                    postId={post.id}
                    calls={calls}
                    canDecide={isRequester}
                />
            )}
            {annotations.length > 0 && <Sources annotations={annotations}/>}
            {searchResults.length > 0 && <SearchSources results={searchResults}/>}
            <div className='mattermost-ai-post-controls'>
                {isRequester && streaming && (
                    <button
                        type='button'
                        onClick={run(() => stopPost(post.id))}
                    >
                        {t('ai.post.stop')}
                    </button>
                )}
                {isRequester && !streaming && !propTrue(props.no_regen) && (
                    <button
                        type='button'
                        onClick={run(() => regeneratePost(post.id))}
                    >
                        {t('ai.post.regenerate')}
                    </button>
                )}
                {!streaming && (
                    <button
                        type='button'
                        onClick={() => navigator.clipboard?.writeText(text)}
                    >
                        {t('ai.post.copy')}
                    </button>
                )}
            </div>
            {error && <div role='alert'>{error}</div>}
        </div>
    );
}

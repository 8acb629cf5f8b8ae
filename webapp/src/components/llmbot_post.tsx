import React, {useEffect, useState} from 'react';

import {useAgents} from '../agents_store';
import {decideToolCalls, decideToolResults, getToolResults, regeneratePost, stopPost} from '../client';
import type {PrivateToolResult} from '../client';
import {t} from '../i18n';
import {ExternalLink, SafeMarkdown, permalink} from '../safe_text';
import {parseList, useLiveAnswer} from '../stream_store';
import type {Annotation, Post, ToolCall} from '../types';
import {PostProp, PrivateResults, ToolCallStatus} from '../wire';

export interface LLMBotPostProps {
    post: Post;
    // Who is looking: the requester alone may stop, regenerate and approve tools.
    currentUserId?: string;
}

function propTrue(v: unknown): boolean {
    return v === true || v === 'true';
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function ToolCards({postId, calls, canDecide}: {postId: string; calls: ToolCall[]; canDecide: boolean}) {
    const pending = calls.filter((c) => c.status === ToolCallStatus.pending);
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
                    {c.status !== ToolCallStatus.pending && <div>{t(`ai.post.toolStatus.${c.status}`)}</div>}
                    {c.status === ToolCallStatus.pending && canDecide && (
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

// The results of a channel tool post's calls, which only the requester can read until they
// share them (onto the post, and the agent continues with them) or keep them private. Tool
// output is untrusted: shown as plain text only.
function PrivateResultsCard({postId}: {postId: string}) {
    const [results, setResults] = useState<PrivateToolResult[] | null>(null);
    const [error, setError] = useState('');
    const [busy, setBusy] = useState(false);
    const [decided, setDecided] = useState(false);
    useEffect(() => {
        let current = true;
        getToolResults(postId).then((r) => {
            if (current) {
                setResults((Array.isArray(r?.results) ? r.results : [])
                    .filter((x) => x && typeof x === 'object' && typeof x.id === 'string')
                    .map((x) => ({...x, name: str(x.name), result: str(x.result)})));
            }
        }).catch((e) => {
            if (current) {
                setError(t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)}));
            }
        });
        return () => {
            current = false;
        };
    }, [postId]);
    if (decided || (results !== null && results.length === 0)) {
        return null;
    }
    const decide = (share: boolean) => async () => {
        setBusy(true);
        setError('');
        try {
            await decideToolResults(postId, share);
            setDecided(true);
        } catch (e) {
            setError(t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)}));
        } finally {
            setBusy(false);
        }
    };
    return (
        <div className='mattermost-ai-private-results'>
            <div>{t('ai.post.privateResultsNote')}</div>
            {(results ?? []).map((r) => (
                <div
                    key={r.id}
                    className='mattermost-ai-tool-card'
                >
                    <div>{t('ai.post.privateResultFor', {name: r.name})}</div>
                    <pre>{r.result}</pre>
                </div>
            ))}
            {results !== null && (
                <div>
                    <button
                        type='button'
                        disabled={busy}
                        onClick={decide(true)}
                    >
                        {t('ai.post.shareResults')}
                    </button>
                    <button
                        type='button'
                        disabled={busy}
                        onClick={decide(false)}
                    >
                        {t('ai.post.keepResultsPrivate')}
                    </button>
                </div>
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
                        <ExternalLink url={a.url}>{a.title || a.url}</ExternalLink>
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

// Posts a search answer was based on (the `search_results` prop); a result links to its post
// only when it names a post id.
function SearchSources({results}: {results: SearchResult[]}) {
    return (
        <div className='mattermost-ai-sources'>
            <strong>{t('ai.post.sources')}</strong>
            <ol>
                {results.map((r, i) => {
                    const label = `${r.channelName} · @${r.username}`;
                    const href = permalink(r.postId);
                    return (
                        <li key={`${r.postId}-${i}`}>
                            {href ? <a href={href}>{label}</a> : <span>{label}</span>}
                            <div>{r.content.length > 200 ? `${r.content.slice(0, 200)}…` : r.content}</div>
                        </li>
                    );
                })}
            </ol>
        </div>
    );
}

// Props are free-form JSON anyone who can post may have written; keep only well-formed entries.
function annotationsOf(raw: unknown): Annotation[] {
    return (parseList<Annotation>(raw) ?? [])
        .filter((a) => a && typeof a === 'object' && typeof a.url === 'string')
        .map((a) => ({...a, title: str(a.title)}));
}

function searchResultsOf(raw: unknown): SearchResult[] {
    return (parseList<Record<string, unknown>>(raw) ?? []).filter((r) => r && typeof r === 'object').map((r) => ({
        postId: str(r.postId), channelName: str(r.channelName), username: str(r.username), content: str(r.content),
    }));
}

function toolCallsOf(raw: unknown): ToolCall[] {
    return (parseList<ToolCall>(raw) ?? [])
        .filter((c) => c && typeof c === 'object' && typeof c.id === 'string')
        .map((c) => ({...c, name: str(c.name)}));
}

// A post of our type that one of our agents did not write (anyone can create one through the
// REST API with whatever props): its message with the safe rules, nothing from its props.
function PlainPost({post}: {post: Post}) {
    const text = str(post.message);
    return (
        <div className='mattermost-ai-post mattermost-ai-post--untrusted'>
            {text && (
                <SafeMarkdown
                    text={text}
                    allowUnsafeLinks={false}
                />
            )}
        </div>
    );
}

// The `custom_llmbot` renderer: an answer of one of our agents with its live text, controls,
// tool calls, reasoning and sources; any other post of this type renders plainly.
export default function LLMBotPost({post, currentUserId}: LLMBotPostProps) {
    const agents = useAgents(post.user_id);
    if (!agents.botIds.has(post.user_id)) {
        return <PlainPost post={post}/>;
    }
    return (
        <AgentPost
            post={post}
            currentUserId={currentUserId}
            allowUnsafeLinks={agents.allowUnsafeLinks}
        />
    );
}

function AgentPost({post, currentUserId, allowUnsafeLinks}: LLMBotPostProps & {allowUnsafeLinks: boolean}) {
    const live = useLiveAnswer(post.id);
    const props = post.props ?? {};
    const text = live?.text ?? str(post.message);
    const streaming = live?.streaming ?? false;
    const reasoning = live?.reasoning ?? str(props[PostProp.reasoning]);
    const calls = toolCallsOf(live?.toolCalls ?? props[PostProp.pendingToolCall]);
    const annotations = annotationsOf(live?.annotations ?? props[PostProp.annotations]);
    const searchResults = searchResultsOf(props[PostProp.searchResults]);
    const isRequester = Boolean(currentUserId) && props[PostProp.requester] === currentUserId;
    // Only on channel tool posts whose results wait for the requester's decision.
    const resultsPending = props[PostProp.privateToolResults] === PrivateResults.pending;
    // A failed answer keeps its partial text; the error the server appended to it (for
    // clients without this renderer) is shown as the post's error state instead.
    const llmError = props[PostProp.error];
    const failure = !streaming && typeof llmError === 'string' ? llmError : '';
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
            {streaming && !text ? <div>{t('ai.post.starting')}</div> : (shown && (
                <SafeMarkdown
                    text={shown}
                    allowUnsafeLinks={allowUnsafeLinks}
                />
            ))}
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
            {calls.length > 0 && isRequester && resultsPending && !streaming && <PrivateResultsCard postId={post.id}/>}
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
                {isRequester && !streaming && !propTrue(props[PostProp.noRegen]) && (
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

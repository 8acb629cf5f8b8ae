import React, {useEffect, useState} from 'react';

import {useAgents} from '../agents_store';
import {decideToolCalls, getPrivateToolCalls, getPrivateToolResults, regeneratePost, shareToolResults, stopPost} from '../client';
import {t} from '../i18n';
import {ExternalLink, SafeMarkdown, permalink} from '../safe_text';
import {parseList, useLiveAnswer} from '../stream_store';
import type {Annotation, Post, ToolCall} from '../types';
import {PostProp, ToolCallStatus} from '../wire';

export interface LLMBotPostProps {
    post: Post;
    // Who is looking: the requester alone may stop, regenerate and approve tools.
    currentUserId?: string;
}

function propTrue(v: unknown): boolean {
    return v === true || v === 'true';
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

const errorText = (e: unknown) => t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)});

// Where a tool post stands (upstream's approval stages): results waiting for the requester to
// share them, calls waiting for their approval, or nothing to decide.
type Stage = 'result' | 'call' | 'done';

function ToolCards({postId, calls, showArguments, canDecide}: {postId: string; calls: ToolCall[]; showArguments: boolean; canDecide: boolean}) {
    const pending = calls.filter((c) => c.status === ToolCallStatus.pending);
    const [accepted, setAccepted] = useState<Record<string, boolean>>({});
    const [error, setError] = useState('');
    const [busy, setBusy] = useState(false);
    const submit = async () => {
        setBusy(true);
        try {
            await decideToolCalls(postId, pending.filter((c) => accepted[c.id]).map((c) => c.id));
        } catch (e) {
            setError(errorText(e));
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
                    {showArguments && <pre>{JSON.stringify(c.arguments, null, 2)}</pre>}
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

// Tool calls from the server as only their requester reads them; kept only when well formed.
function privateCallsOf(raw: unknown): ToolCall[] {
    return (Array.isArray(raw) ? raw : [])
        .filter((c) => c && typeof c === 'object' && typeof c.id === 'string')
        .map((c) => ({...c, name: str(c.name), result: str(c.result)}));
}

// What a channel tool post's calls returned, which only the requester can read until they
// choose which results to share (onto the post, and the agent continues with them); the others
// stay private. Every result starts chosen. Tool output is untrusted: shown as plain text only.
function PrivateResultsCard({postId, results}: {postId: string; results: ToolCall[]}) {
    const [kept, setKept] = useState<Record<string, boolean>>({});
    const [error, setError] = useState('');
    const [busy, setBusy] = useState(false);
    const [decided, setDecided] = useState(false);
    if (decided || results.length === 0) {
        return null;
    }
    const decide = (shared: string[]) => async () => {
        setBusy(true);
        setError('');
        try {
            await shareToolResults(postId, shared);
            setDecided(true);
        } catch (e) {
            setError(errorText(e));
        } finally {
            setBusy(false);
        }
    };
    return (
        <div className='mattermost-ai-private-results'>
            <div>{t('ai.post.privateResultsNote')}</div>
            {results.map((r) => (
                <div
                    key={r.id}
                    className='mattermost-ai-tool-card'
                >
                    <label>
                        <input
                            type='checkbox'
                            checked={!kept[r.id]}
                            onChange={() => setKept({...kept, [r.id]: !kept[r.id]})}
                        />
                        {t('ai.post.privateResultFor', {name: r.name})}
                    </label>
                    <pre>{r.result}</pre>
                </div>
            ))}
            <div>
                <button
                    type='button'
                    disabled={busy}
                    onClick={decide(results.filter((r) => !kept[r.id]).map((r) => r.id))}
                >
                    {t('ai.post.shareResults')}
                </button>
                <button
                    type='button'
                    disabled={busy}
                    onClick={decide([])}
                >
                    {t('ai.post.keepResultsPrivate')}
                </button>
            </div>
            {error && <div role='alert'>{error}</div>}
        </div>
    );
}

// The requester's private view of a channel tool post at `stage`: the calls with their
// arguments while they wait for approval, the results while they wait to be shared.
function usePrivateToolData(postId: string, stage: Stage, wanted: boolean) {
    const [data, setData] = useState<{calls: ToolCall[] | null; results: ToolCall[] | null}>({calls: null, results: null});
    const [error, setError] = useState('');
    useEffect(() => {
        if (!wanted || stage === 'done') {
            return undefined;
        }
        let current = true;
        const load = stage === 'call' ? getPrivateToolCalls : getPrivateToolResults;
        load(postId).then((r) => {
            if (current) {
                const list = privateCallsOf(r);
                setData((d) => (stage === 'call' ? {...d, calls: list} : {...d, results: list}));
            }
        }).catch((e) => {
            if (current) {
                setError(errorText(e));
            }
        });
        return () => {
            current = false;
        };
    }, [postId, stage, wanted]);
    return {...data, error};
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
    // Outside a DM the post shows the calls without arguments, and what they returned waits for
    // the requester: only they read either, from the server.
    const redacted = propTrue(props[PostProp.toolCallRedacted]);
    let stage: Stage = 'done';
    if (propTrue(props[PostProp.pendingToolResult])) {
        stage = 'result';
    } else if (calls.some((c) => c.status === ToolCallStatus.pending)) {
        stage = 'call';
    }
    const mine = usePrivateToolData(post.id, stage, isRequester && redacted && calls.length > 0 && !streaming);
    const fetched = mine.calls ?? mine.results;
    const shownCalls = fetched ? calls.map((c) => ({...c, arguments: fetched.find((f) => f.id === c.id)?.arguments ?? c.arguments})) : calls;
    // Posts in DMs are never redacted; elsewhere the arguments are the requester's.
    const showArguments = !redacted || (isRequester && fetched !== null);
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
                    calls={shownCalls}
                    showArguments={showArguments}
                    canDecide={isRequester && stage === 'call'}
                />
            )}
            {stage === 'result' && mine.results && (
                <PrivateResultsCard
                    postId={post.id}
                    results={mine.results}
                />
            )}
            {mine.error && <div role='alert'>{mine.error}</div>}
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

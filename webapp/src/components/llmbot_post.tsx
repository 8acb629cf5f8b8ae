import React, {useEffect, useState} from 'react';

import {useAgents} from '../agents_store';
import {decideToolCalls, getPrivateToolCalls, getPrivateToolResults, regeneratePost, shareToolResults, stopPost} from '../client';
import {t} from '../i18n';
import {ExternalLink, SafeMarkdown, permalink} from '../safe_text';
import {parseList, useLiveAnswer} from '../stream_store';
import type {Annotation, Post, ToolCall} from '../types';
import {PostProp, ProgressStage, ToolCallStatus} from '../wire';

import Disclosure from './ui/disclosure';
import Icon from './ui/icon';
import IconButton from './ui/icon_button';
import Notice from './ui/notice';

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

// The icon and words of each decided status; colour is never the only sign.
const STATUS_ICON: Record<number, string> = {
    [ToolCallStatus.accepted]: 'check',
    [ToolCallStatus.rejected]: 'close',
    [ToolCallStatus.error]: 'alert-circle-outline',
    [ToolCallStatus.success]: 'check-circle-outline',
    [ToolCallStatus.autoApproved]: 'check-circle-outline',
};

// Tool calls as cards: what the agent wants to run and with what, and, for the requester while
// a call waits, Accept and Reject. The decisions go to the server together once every waiting
// call has one (at once when there is a single call).
function ToolCards({postId, calls, showArguments, canDecide}: {postId: string; calls: ToolCall[]; showArguments: boolean; canDecide: boolean}) {
    const pending = calls.filter((c) => c.status === ToolCallStatus.pending);
    const [accepted, setAccepted] = useState<Record<string, boolean>>({});
    const [error, setError] = useState('');
    const [busy, setBusy] = useState(false);
    const decide = async (id: string, accept: boolean) => {
        const next = {...accepted, [id]: accept};
        setAccepted(next);
        if (pending.some((c) => next[c.id] === undefined)) {
            return;
        }
        setBusy(true);
        setError('');
        try {
            await decideToolCalls(postId, pending.filter((c) => next[c.id]).map((c) => c.id));
        } catch (e) {
            setError(errorText(e));
            setAccepted({});
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
                    role='group'
                    aria-label={t('ai.post.toolRequest', {name: c.name})}
                >
                    <div className='mattermost-ai-tool-card__head'>
                        <Icon name='hammer'/>
                        <span>{t('ai.post.toolRequest', {name: c.name})}</span>
                    </div>
                    {showArguments && (
                        <Disclosure summary={t('ai.post.toolArguments')}>
                            <pre>{JSON.stringify(c.arguments, null, 2)}</pre>
                        </Disclosure>
                    )}
                    {c.status !== ToolCallStatus.pending && (
                        <div className='mattermost-ai-tool-card__status'>
                            <Icon name={STATUS_ICON[c.status] ?? 'information-outline'}/>
                            {t(`ai.post.toolStatus.${c.status}`)}
                        </div>
                    )}
                    {c.status === ToolCallStatus.pending && canDecide && (
                        <div className='mattermost-ai-tool-card__actions'>
                            <button
                                type='button'
                                className='btn btn-primary btn-sm'
                                aria-pressed={accepted[c.id] === true}
                                disabled={busy}
                                onClick={() => decide(c.id, true)}
                            >
                                <Icon name='check'/>
                                {t('ai.post.accept')}
                            </button>
                            <button
                                type='button'
                                className='btn btn-tertiary btn-sm'
                                aria-pressed={accepted[c.id] === false}
                                disabled={busy}
                                onClick={() => decide(c.id, false)}
                            >
                                <Icon name='close'/>
                                {t('ai.post.reject')}
                            </button>
                        </div>
                    )}
                    {c.status === ToolCallStatus.pending && !canDecide && (
                        <div className='mattermost-ai-tool-card__status'>
                            <Icon name='clock-outline'/>
                            {t('ai.post.toolWaiting')}
                        </div>
                    )}
                </div>
            ))}
            {error && <Notice kind='error'>{error}</Notice>}
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
        <div className='mattermost-ai-private-results mattermost-ai-tool-card'>
            <div className='mattermost-ai-tool-card__head'>
                <Icon name='eye-off-outline'/>
                <span>{t('ai.post.privateResultsNote')}</span>
            </div>
            {results.map((r) => (
                <div key={r.id}>
                    <label className='mattermost-ai-check-row'>
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
            <div className='mattermost-ai-tool-card__actions'>
                <button
                    type='button'
                    className='btn btn-primary btn-sm'
                    disabled={busy}
                    onClick={decide(results.filter((r) => !kept[r.id]).map((r) => r.id))}
                >
                    {t('ai.post.shareResults')}
                </button>
                <button
                    type='button'
                    className='btn btn-tertiary btn-sm'
                    disabled={busy}
                    onClick={decide([])}
                >
                    {t('ai.post.keepResultsPrivate')}
                </button>
            </div>
            {error && <Notice kind='error'>{error}</Notice>}
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
        <Disclosure
            className='mattermost-ai-sources'
            icon='link-variant'
            summary={t('ai.post.sourcesCount', {count: unique.length})}
        >
            <ol className='mattermost-ai-sources-list'>
                {unique.map((a) => (
                    <li key={a.url}>
                        <ExternalLink url={a.url}>{a.title || a.url}</ExternalLink>
                    </li>
                ))}
            </ol>
        </Disclosure>
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
        <Disclosure
            className='mattermost-ai-sources'
            icon='magnify'
            summary={t('ai.post.sourcesCount', {count: results.length})}
        >
            <ol className='mattermost-ai-sources-list'>
                {results.map((r, i) => {
                    const label = `${r.channelName} · @${r.username}`;
                    const href = permalink(r.postId);
                    return (
                        <li key={`${r.postId}-${i}`}>
                            {href ? <a href={href}>{label}</a> : <span>{label}</span>}
                            <span className='mattermost-ai-muted'>{r.content.length > 200 ? `${r.content.slice(0, 200)}…` : r.content}</span>
                        </li>
                    );
                })}
            </ol>
        </Disclosure>
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
        <div className='mattermost-ai-root mattermost-ai-post mattermost-ai-post--untrusted'>
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
    const [copied, setCopied] = useState(false);
    const run = (f: () => Promise<void>) => async () => {
        setError('');
        try {
            await f();
        } catch (e) {
            setError(t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)}));
        }
    };
    const copy = async () => {
        try {
            await navigator.clipboard?.writeText(shown);
            setCopied(true);
            window.setTimeout(() => setCopied(false), 2000);
        } catch {
            setError(t('ai.post.copyFailed'));
        }
    };
    return (
        <div className={`mattermost-ai-root mattermost-ai-post${streaming ? ' mattermost-ai-streaming' : ''}`}>
            {reasoning && (
                <Disclosure
                    icon='lightbulb-outline'
                    summary={streaming && !text ? t('ai.post.thinking') : t('ai.post.reasoning')}
                >
                    <div className='mattermost-ai-disclosure__body'>{reasoning}</div>
                </Disclosure>
            )}
            {streaming && !text ? (
                <div className='mattermost-ai-typing'>
                    <span
                        className='mattermost-ai-typing__dots'
                        aria-hidden='true'
                    >
                        <span/>
                        <span/>
                        <span/>
                    </span>
                    {live?.progress?.stage === ProgressStage.transcriptParts ?
                        t('ai.post.progressTranscript', {step: live.progress.step, steps: live.progress.steps}) :
                        t('ai.post.starting')}
                </div>
            ) : (shown && (
                <SafeMarkdown
                    text={shown}
                    allowUnsafeLinks={allowUnsafeLinks}
                />
            ))}
            {failure && (
                <Notice
                    kind='error'
                    className='mattermost-ai-post-error'
                >
                    {t('ai.post.failed', {error: failure})}
                </Notice>
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
            {mine.error && <Notice kind='error'>{mine.error}</Notice>}
            {annotations.length > 0 && <Sources annotations={annotations}/>}
            {searchResults.length > 0 && <SearchSources results={searchResults}/>}
            <div className='mattermost-ai-controls mattermost-ai-post-controls'>
                {isRequester && streaming && (
                    <IconButton
                        icon='close'
                        label={t('ai.post.stop')}
                        onClick={run(() => stopPost(post.id))}
                    />
                )}
                {isRequester && !streaming && !propTrue(props[PostProp.noRegen]) && (
                    <IconButton
                        icon='refresh'
                        label={t('ai.post.regenerate')}
                        onClick={run(() => regeneratePost(post.id))}
                    />
                )}
                {!streaming && shown && (
                    <IconButton
                        icon={copied ? 'check' : 'content-copy'}
                        label={copied ? t('ai.post.copied') : t('ai.post.copy')}
                        onClick={copy}
                    />
                )}
                <span
                    className='mattermost-ai-sr-only'
                    role='status'
                >
                    {copied ? t('ai.post.copied') : ''}
                </span>
            </div>
            {error && <Notice kind='error'>{error}</Notice>}
        </div>
    );
}

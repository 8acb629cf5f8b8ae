import React, {useCallback, useEffect, useId, useRef, useState} from 'react';

import {cancelReindexJob, catchUpIndex, checkIndexHealth, getReindexJob, HttpError, reindexAll} from '../../client';
import {t} from '../../i18n';
import type {IndexHealth, ReindexJob, ReindexStart} from '../../types';
import {IndexHealthState, JobOperation, JobPhase, JobState, VectorIndexState} from '../../wire';
import Icon from '../ui/icon';
import IconButton from '../ui/icon_button';
import Notice from '../ui/notice';
import Timestamp from '../ui/timestamp';

import {FieldActions} from './field';

const POLL_MS = 2000;

const count = (n?: number) => (n ?? 0).toLocaleString();
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
const isCatchUp = (job: ReindexJob) => job.operation === JobOperation.catchUp;
const stoppedStates: string[] = [JobState.failed, JobState.canceled];
const endedStates: string[] = [JobState.completed, ...stoppedStates];

// Done as a whole percent, rounded down so 100 means finished.
function percentOf(job: ReindexJob): number {
    const total = job.total_rows ?? 0;
    if (total <= 0) {
        return 0;
    }
    return Math.min(100, Math.max(0, Math.floor(((job.processed_rows ?? 0) / total) * 100)));
}

// A running job: what it has done, a bar, the phase after the load, and Cancel.
function JobProgress({job, busy, onCancel, textRef}: {
    job: ReindexJob;
    busy: boolean;
    onCancel: () => void;
    textRef: React.Ref<HTMLParagraphElement>;
}) {
    const textId = useId();
    const catchUp = isCatchUp(job);
    const percent = percentOf(job);
    const building = job.phase === JobPhase.buildingIndex;
    const text = catchUp ? t('ai.config.catchUpProgress', {
        scanned: count(job.processed_rows),
        total: count(job.total_rows),
        indexed: count(job.indexed_rows),
    }) : t('ai.config.reindexProgress', {done: count(job.processed_rows), total: count(job.total_rows), percent});
    return (
        <div className='mattermost-ai-job'>
            <p
                id={textId}
                ref={textRef}
                tabIndex={-1}
                className='mattermost-ai-job__text'
            >
                {text}
            </p>
            <div
                role='progressbar'
                aria-labelledby={textId}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={percent}
                className={`mattermost-ai-progress${building ? ' mattermost-ai-progress--busy' : ''}`}
            >
                <div
                    className='mattermost-ai-progress__bar'
                    style={{width: `${percent}%`}}
                />
            </div>
            {building && <p role='status' className='mattermost-ai-help'>{t('ai.config.reindexBuilding')}</p>}
            <div className='mattermost-ai-buttons'>
                <button
                    type='button'
                    className='btn btn-danger btn-tertiary btn-sm'
                    disabled={busy}
                    onClick={onCancel}
                >
                    {catchUp ? t('ai.config.catchUpCancel') : t('ai.config.reindexCancel')}
                </button>
            </div>
        </div>
    );
}

// A full reindex empties the index first: one more step, with the safe answer focused.
function ConfirmReindex({busy, onConfirm, onKeep}: {busy: boolean; onConfirm: () => void; onKeep: () => void}) {
    const textId = useId();
    const keep = useRef<HTMLButtonElement>(null);
    useEffect(() => keep.current?.focus(), []);
    return (
        <div
            role='group'
            aria-labelledby={textId}
            className='mattermost-ai-confirm'
            onKeyDown={(e) => {
                if (e.key === 'Escape') {
                    e.stopPropagation();
                    onKeep();
                }
            }}
        >
            <p id={textId}>{t('ai.config.reindexConfirm')}</p>
            <div className='mattermost-ai-buttons'>
                <button
                    type='button'
                    className='btn btn-danger btn-sm'
                    disabled={busy}
                    onClick={onConfirm}
                >
                    {t('ai.config.reindexConfirmYes')}
                </button>
                <button
                    ref={keep}
                    type='button'
                    className='btn btn-tertiary btn-sm'
                    onClick={onKeep}
                >
                    {t('ai.config.reindexConfirmNo')}
                </button>
            </div>
        </div>
    );
}

// The badge of each health state: an icon and words, the colour only a hint.
const BADGES: Record<string, {icon: string; tone: string}> = {
    [IndexHealthState.healthy]: {icon: 'check-circle-outline', tone: 'ok'},
    [IndexHealthState.mismatch]: {icon: 'alert-outline', tone: 'warn'},
    [IndexHealthState.needsReindex]: {icon: 'alert-circle-outline', tone: 'error'},
    [IndexHealthState.notConfigured]: {icon: 'information-outline', tone: 'off'},
    [IndexHealthState.error]: {icon: 'alert-circle-outline', tone: 'error'},
};
const vectorStates: string[] = Object.values(VectorIndexState);

// "Checked 10:42 AM": the time through Mattermost's own component, inside translated words.
function Checked({at}: {at: string}) {
    const ms = Date.parse(at);
    if (!Number.isFinite(ms)) {
        return null;
    }
    const mark = '\u0000';
    const [before, after = ''] = t('ai.config.indexChecked', {time: mark}).split(mark);
    return (
        <p className='mattermost-ai-help'>
            {before}
            <Timestamp value={ms} kind='clock'/>
            {after}
        </p>
    );
}

// How complete and current the index is, from the server's health check.
function HealthCard({health, error, checking, onRefresh}: {
    health: IndexHealth | null;
    error: string;
    checking: boolean;
    onRefresh: () => void;
}) {
    const titleId = useId();
    const badge = health ? BADGES[health.status] : undefined;
    // Counts mean something only when the check could count.
    const counted = Boolean(badge) && health?.status !== IndexHealthState.notConfigured && health?.status !== IndexHealthState.error;
    const rows: Array<[string, string]> = [];
    if (health && counted) {
        rows.push([t('ai.config.indexServerPosts'), count(health.db_post_count)]);
        rows.push([t('ai.config.indexIndexedPosts'), count(health.indexed_post_count)]);
        for (const [key, n] of [
            ['ai.config.indexMissingPosts', health.missing_posts],
            ['ai.config.indexStalePosts', health.stale_posts],
            ['ai.config.indexOrphanedPosts', health.orphaned_posts],
        ] as const) {
            if ((n ?? 0) > 0) {
                rows.push([t(key), count(n)]);
            }
        }
        if (vectorStates.includes(health.vector_index_state)) {
            rows.push([t('ai.config.vectorIndex'), t(`ai.config.vectorIndex.${health.vector_index_state}`)]);
        }
        const model = [health.stored_provider_type, health.stored_model_name].filter(Boolean).join(' · ');
        if (model) {
            rows.push([
                t('ai.config.indexModel'),
                health.stored_dimensions > 0 ? t('ai.config.indexModelValue', {model, dimensions: health.stored_dimensions}) : model,
            ]);
        }
    }
    return (
        <div
            role='group'
            aria-labelledby={titleId}
            aria-busy={checking || undefined}
            className='mattermost-ai-health'
        >
            <div className='mattermost-ai-health__header'>
                <h4
                    id={titleId}
                    className='mattermost-ai-health__title'
                >
                    {t('ai.config.indexHealth')}
                </h4>
                {health && badge && (
                    <span className={`mattermost-ai-health__badge mattermost-ai-health__badge--${badge.tone}`}>
                        <Icon name={badge.icon}/>
                        <span>{t(`ai.config.indexHealth.${health.status}`)}</span>
                    </span>
                )}
                <IconButton
                    icon='refresh'
                    label={t('ai.config.indexHealthRefresh')}
                    className='mattermost-ai-health__refresh'
                    onClick={onRefresh}
                />
            </div>
            {error && <Notice kind='error'>{t('ai.config.indexHealthFailed', {error})}</Notice>}
            {health?.status === IndexHealthState.error && health.error && (
                <Notice kind='error'>{t('ai.config.indexHealthFailed', {error: health.error})}</Notice>
            )}
            {rows.length > 0 && (
                <dl className='mattermost-ai-health__rows'>
                    {rows.map(([label, value]) => (
                        <div key={label} className='mattermost-ai-health__row'>
                            <dt>{label}</dt>
                            <dd>{value}</dd>
                        </div>
                    ))}
                </dl>
            )}
            {health?.checked_at && <Checked at={health.checked_at}/>}
        </div>
    );
}

// How the last job ended, when none runs.
function JobResult({job}: {job: ReindexJob}) {
    const values = {done: count(job.processed_rows), total: count(job.total_rows), scanned: count(job.processed_rows), indexed: count(job.indexed_rows)};
    const text = isCatchUp(job) ? t(`ai.config.catchUpStatus.${job.status}`, values) : t(`ai.config.reindexStatus.${job.status}`, values);
    const full = job.error ? `${text} ${job.error}` : text;
    if (job.status === JobState.failed) {
        return <Notice kind='error'>{full}</Notice>;
    }
    return <p role='status' className='mattermost-ai-help'>{full}</p>;
}

// The index's jobs (a full reindex, its resume, a catch-up: start, watch, cancel) and its
// health. Works on the saved settings.
export default function ReindexControls() {
    const [job, setJob] = useState<ReindexJob | null>(null);
    const [health, setHealth] = useState<IndexHealth | null>(null);
    const [healthError, setHealthError] = useState('');
    const [checking, setChecking] = useState(false);
    const [confirming, setConfirming] = useState(false);
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState('');
    const [note, setNote] = useState('');
    const running = job?.status === JobState.running;

    // Where focus goes once the next render has replaced the control that had it.
    const focusNext = useRef<'progress' | 'actions' | null>(null);
    const progressText = useRef<HTMLParagraphElement>(null);
    const actions = useRef<HTMLDivElement>(null);
    useEffect(() => {
        if (focusNext.current === 'progress' && progressText.current) {
            progressText.current.focus();
            focusNext.current = null;
        } else if (focusNext.current === 'actions' && actions.current) {
            actions.current.querySelector('button')?.focus();
            focusNext.current = null;
        }
    });

    const inFlight = useRef(false);
    const checkHealth = useCallback(async () => {
        if (inFlight.current) {
            return;
        }
        inFlight.current = true;
        setChecking(true);
        try {
            setHealth(await checkIndexHealth());
            setHealthError('');
        } catch (e) {
            if (e instanceof HttpError && e.status === 404) {
                // A server without the check: no card.
                setHealth(null);
                setHealthError('');
            } else {
                setHealthError(messageOf(e));
            }
        } finally {
            inFlight.current = false;
            setChecking(false);
        }
    }, []);

    useEffect(() => {
        getReindexJob().then(setJob, () => setJob(null));
        checkHealth();
    }, [checkHealth]);
    useEffect(() => {
        if (!running) {
            return undefined;
        }
        const timer = window.setInterval(() => {
            getReindexJob().then(setJob, () => undefined);
        }, POLL_MS);
        return () => window.clearInterval(timer);
    }, [running]);

    // A job that finishes changes the index: check it again.
    const wasRunning = useRef(false);
    useEffect(() => {
        if (wasRunning.current && !running) {
            setNote('');
            checkHealth();
        }
        wasRunning.current = running;
    }, [running, checkHealth]);

    const start = (f: () => Promise<ReindexStart>) => async () => {
        setBusy(true);
        setError('');
        setNote('');
        try {
            const started = await f();
            setJob(started.job);
            if (started.alreadyRunning) {
                setNote(t('ai.config.reindexAlreadyRunning'));
            }
            focusNext.current = started.job.status === JobState.running ? 'progress' : 'actions';
        } catch (e) {
            setError(t('ai.config.reindexStartFailed', {error: messageOf(e)}));
            focusNext.current = 'actions';
        } finally {
            setConfirming(false);
            setBusy(false);
        }
    };
    const cancel = async () => {
        setBusy(true);
        setError('');
        try {
            setJob(await cancelReindexJob());
            focusNext.current = 'actions';
        } catch (e) {
            if (e instanceof HttpError && (e.status === 400 || e.status === 404)) {
                // It ended meanwhile: show how.
                setJob(await getReindexJob().catch(() => null));
                focusNext.current = 'actions';
            } else {
                setError(t('ai.config.reindexCancelFailed', {error: messageOf(e)}));
            }
        } finally {
            setBusy(false);
        }
    };
    const keepIndex = () => {
        setConfirming(false);
        focusNext.current = 'actions';
    };

    const modelChanged = Boolean(health?.model_needs_reindex);
    const resumable = Boolean(job && !running && stoppedStates.includes(job.status) && job.resumable && !isCatchUp(job) && !modelChanged);
    const canCatchUp = Boolean(health && !modelChanged && !resumable &&
        (health.needs_catch_up || health.status === IndexHealthState.mismatch));

    let controls: React.ReactNode;
    if (running && job) {
        controls = (
            <JobProgress
                job={job}
                busy={busy}
                onCancel={cancel}
                textRef={progressText}
            />
        );
    } else if (confirming) {
        controls = (
            <ConfirmReindex
                busy={busy}
                onConfirm={start(() => reindexAll(true))}
                onKeep={keepIndex}
            />
        );
    } else {
        controls = (
            <div
                ref={actions}
                className='mattermost-ai-buttons'
            >
                {resumable ? (
                    <>
                        <button type='button' className='btn btn-primary btn-sm' disabled={busy} onClick={start(() => reindexAll(false))}>
                            <Icon name='play'/>
                            {t('ai.config.reindexResume')}
                        </button>
                        <button type='button' className='btn btn-tertiary btn-sm' disabled={busy} onClick={() => setConfirming(true)}>
                            {t('ai.config.reindexStartOver')}
                        </button>
                    </>
                ) : (
                    <>
                        <button type='button' className='btn btn-primary btn-sm' disabled={busy} onClick={() => setConfirming(true)}>
                            <Icon name='refresh'/>
                            {t('ai.config.reindex')}
                        </button>
                        {canCatchUp && (
                            <button type='button' className='btn btn-tertiary btn-sm' disabled={busy} onClick={start(catchUpIndex)}>
                                <Icon name='sync'/>
                                {t('ai.config.catchUp')}
                            </button>
                        )}
                    </>
                )}
            </div>
        );
    }
    const reason = health?.model_compat_reason;
    const inNotice = modelChanged && !running;
    return (
        <FieldActions>
            <div className='mattermost-ai-reindex'>
                {inNotice ? (
                    <Notice kind='error'>
                        <p>{reason ? t('ai.config.modelChanged', {reason}) : t('ai.config.modelChangedNoReason')}</p>
                        <div className='mattermost-ai-reindex__notice-actions'>{controls}</div>
                    </Notice>
                ) : controls}
                <p className='mattermost-ai-help'>{t('ai.config.reindexHelp')}</p>
                {!running && !confirming && resumable && <p className='mattermost-ai-help'>{t('ai.config.reindexResumeHelp')}</p>}
                {!running && !confirming && canCatchUp && <p className='mattermost-ai-help'>{t('ai.config.catchUpHelp')}</p>}
                {note && <Notice kind='info'>{note}</Notice>}
                {job && !running && endedStates.includes(job.status) && <JobResult job={job}/>}
                {error && <Notice kind='error'>{error}</Notice>}
                {(health || healthError) && (
                    <HealthCard
                        health={health}
                        error={healthError}
                        checking={checking}
                        onRefresh={checkHealth}
                    />
                )}
            </div>
        </FieldActions>
    );
}

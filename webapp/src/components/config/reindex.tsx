import React, {useEffect, useState} from 'react';

import {cancelReindex, reindexStatus, startReindex} from '../../client';
import type {JobStatus} from '../../client';
import {t} from '../../i18n';
import {JobState} from '../../wire';

// The reindex job: start, watch, cancel. Works on the saved settings.
export default function ReindexControls() {
    const [job, setJob] = useState<JobStatus | null>(null);
    const [error, setError] = useState('');
    const running = job?.status === JobState.running;
    useEffect(() => {
        reindexStatus().then(setJob, () => setJob(null));
    }, []);
    useEffect(() => {
        if (!running) {
            return undefined;
        }
        const timer = window.setInterval(() => {
            reindexStatus().then(setJob, () => undefined);
        }, 2000);
        return () => window.clearInterval(timer);
    }, [running]);
    const act = (f: () => Promise<JobStatus>) => async () => {
        setError('');
        try {
            setJob(await f());
        } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
        }
    };
    return (
        <div className='mattermost-ai-reindex'>
            <p>{t('ai.config.reindexHelp')}</p>
            <button type='button' disabled={running} onClick={act(startReindex)}>{t('ai.config.reindex')}</button>
            {running && <button type='button' onClick={act(cancelReindex)}>{t('ai.config.reindexCancel')}</button>}
            {job && (
                <p role='status'>
                    {t(`ai.config.reindexStatus.${job.status}`, {done: job.processed_rows ?? 0, total: job.total_rows ?? 0})}
                    {job.error ? ` ${job.error}` : ''}
                </p>
            )}
            {error && <p role='alert'>{error}</p>}
        </div>
    );
}

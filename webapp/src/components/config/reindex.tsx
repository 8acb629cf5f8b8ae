import React, {useEffect, useState} from 'react';

import {cancelReindex, reindexStatus, startReindex} from '../../client';
import type {JobStatus} from '../../client';
import {t} from '../../i18n';
import {JobState} from '../../wire';
import Icon from '../ui/icon';
import Notice from '../ui/notice';

import {FieldActions} from './field';

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
        <FieldActions>
            <div className='mattermost-ai-reindex'>
                <div className='mattermost-ai-buttons'>
                    <button type='button' className='btn btn-tertiary btn-sm' disabled={running} onClick={act(startReindex)}>
                        <Icon name='refresh'/>
                        {t('ai.config.reindex')}
                    </button>
                    {running && (
                        <button type='button' className='btn btn-danger btn-tertiary btn-sm' onClick={act(cancelReindex)}>
                            {t('ai.config.reindexCancel')}
                        </button>
                    )}
                </div>
                <p className='mattermost-ai-help'>{t('ai.config.reindexHelp')}</p>
                {job && (
                    <p role='status' className='mattermost-ai-help'>
                        {t(`ai.config.reindexStatus.${job.status}`, {done: job.processed_rows ?? 0, total: job.total_rows ?? 0})}
                        {job.error ? ` ${job.error}` : ''}
                    </p>
                )}
                {error && <Notice kind='error'>{error}</Notice>}
            </div>
        </FieldActions>
    );
}

import React, {useState} from 'react';

import {summarizeInterval} from '../client';
import {t} from '../i18n';
import {IntervalPreset} from '../wire';

// "Ask AI" on the new-messages separator: summarize (or mine) what arrived since the user
// last looked at the channel.
export default function AskAI({channelId, lastViewedAt, onStarted}: {
    channelId?: string;
    lastViewedAt?: number;
    onStarted?: (result: {postid: string; channelid: string}) => void;
}) {
    const [error, setError] = useState('');
    if (!channelId || !lastViewedAt) {
        return null;
    }
    const run = (preset: string) => async () => {
        try {
            const r = await summarizeInterval(channelId, preset, lastViewedAt);
            onStarted?.(r);
        } catch (e) {
            setError(t('ai.post.actionFailed', {error: e instanceof Error ? e.message : String(e)}));
        }
    };
    return (
        <span className='mattermost-ai-ask' role='group' aria-label={t('ai.actions.askAI')}>
            <button type='button' onClick={run(IntervalPreset.summarizeUnreads)}>{t('ai.actions.summarizeUnreads')}</button>
            <button type='button' onClick={run(IntervalPreset.actionItems)}>{t('ai.actions.actionItems')}</button>
            <button type='button' onClick={run(IntervalPreset.openQuestions)}>{t('ai.actions.openQuestions')}</button>
            {error && <span role='alert'>{error}</span>}
        </span>
    );
}

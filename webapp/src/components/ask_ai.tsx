import React, {useState} from 'react';

import {summarizeInterval} from '../client';
import {t} from '../i18n';
import {IntervalPreset} from '../wire';

import Icon from './ui/icon';

// Each preset with its label and icon.
const ACTIONS: Array<[string, string, string]> = [
    [IntervalPreset.summarizeUnreads, 'ai.actions.summarizeUnreads', 'creation-outline'],
    [IntervalPreset.actionItems, 'ai.actions.actionItems', 'check-circle-outline'],
    [IntervalPreset.openQuestions, 'ai.actions.openQuestions', 'help-circle-outline'],
];

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
        <span
            className='mattermost-ai-root mattermost-ai-ask'
            role='group'
            aria-label={t('ai.actions.askAI')}
        >
            {ACTIONS.map(([preset, label, icon]) => (
                <button
                    key={preset}
                    type='button'
                    className='btn btn-tertiary btn-xs'
                    onClick={run(preset)}
                >
                    <Icon name={icon}/>
                    {t(label)}
                </button>
            ))}
            {error && <span className='mattermost-ai-error-text' role='alert'>{error}</span>}
        </span>
    );
}

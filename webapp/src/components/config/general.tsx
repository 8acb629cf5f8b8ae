import React from 'react';

import {t} from '../../i18n';
import type {Config, License} from '../../types';

import Field from './field';

// On/off settings of the whole plugin.
const FLAGS = ['enableTokenUsageLogging', 'enableLLMTrace', 'allowUnsafeLinks'] as const;

// Settings of the whole plugin: the default agent, logging and tracing, links in answers and
// the hosts the plugin may reach.
export default function General({config, license, update}: {
    config: Config;
    license?: License;
    update: (next: Config) => void;
}) {
    return (
        <>
            <h3>{t('ai.config.general')}</h3>
            <Field label={t('ai.config.defaultBot')}>
                <select value={config.defaultBotName ?? ''} onChange={(e) => update({...config, defaultBotName: e.target.value})}>
                    <option value=''>{'—'}</option>
                    {config.bots.map((b) => <option key={b.id} value={b.name}>{b.displayName || b.name}</option>)}
                </select>
            </Field>
            {FLAGS.map((k) => (
                <Field key={k} label={t(`ai.config.${k}`)}>
                    <input
                        type='checkbox'
                        checked={Boolean(config[k])}
                        disabled={k === 'enableTokenUsageLogging' && license !== undefined && !license.usageTracking}
                        onChange={(e) => update({...config, [k]: e.target.checked})}
                    />
                </Field>
            ))}
            <Field label={t('ai.config.allowedUpstreamHostnames')}>
                <input value={config.allowedUpstreamHostnames ?? ''} onChange={(e) => update({...config, allowedUpstreamHostnames: e.target.value})}/>
            </Field>
        </>
    );
}

import React from 'react';

import {t} from '../../i18n';
import type {Config, License} from '../../types';
import Toggle from '../ui/toggle';

import Field from './field';
import Section from './section';

// On/off settings of the whole plugin.
const FLAGS = ['enableTokenUsageLogging', 'enableLLMTrace', 'allowUnsafeLinks'] as const;

// Settings of the whole plugin: the default agent, logging and tracing, links in answers and
// the hosts the plugin may reach.
export default function General({config, license, update}: {
    config: Config;
    license?: License;
    update: (next: Config) => void;
}) {
    const usageUnlicensed = license !== undefined && !license.usageTracking;
    return (
        <Section title={t('ai.config.general')} description={t('ai.config.generalHelp')}>
            <Field label={t('ai.config.defaultBot')}>
                {(c) => (
                    <select {...c} className='form-control' value={config.defaultBotName ?? ''} onChange={(e) => update({...config, defaultBotName: e.target.value})}>
                        <option value=''>{'—'}</option>
                        {config.bots.map((b) => <option key={b.id} value={b.name}>{b.displayName || b.name}</option>)}
                    </select>
                )}
            </Field>
            {FLAGS.map((k) => {
                // Token usage logging is a licensed feature: shown, switched off, and said why.
                const unlicensed = k === 'enableTokenUsageLogging' && usageUnlicensed;
                return (
                    <Field key={k} label={t(`ai.config.${k}`)} unlicensed={unlicensed} switchRow>
                        {(c) => <Toggle {...c} checked={Boolean(config[k])} disabled={unlicensed} onChange={(v) => update({...config, [k]: v})}/>}
                    </Field>
                );
            })}
            <Field label={t('ai.config.allowedUpstreamHostnames')}>
                {(c) => (
                    <input
                        {...c}
                        className='form-control'
                        value={config.allowedUpstreamHostnames ?? ''}
                        onChange={(e) => update({...config, allowedUpstreamHostnames: e.target.value})}
                    />
                )}
            </Field>
        </Section>
    );
}

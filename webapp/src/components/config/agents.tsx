import React, {useState} from 'react';

import {uploadAvatar} from '../../client';
import {t} from '../../i18n';
import {supportsReasoning, supportsWebSearch} from '../../providers';
import type {BotConfig, Config, ConfigProblem, License, ServiceConfig} from '../../types';
import IdPicker from '../id_picker';

import Field from './field';
import {newId} from './model';

// `userAccessLevel` / `channelAccessLevel` by their stored number.
const ACCESS = ['all', 'allow', 'block', 'none'];

function Avatar({botUserId}: {botUserId?: string}) {
    const [status, setStatus] = useState('');
    if (!botUserId) {
        return null;
    }
    const upload = async (file?: File) => {
        if (!file) {
            return;
        }
        try {
            await uploadAvatar(botUserId, file);
            setStatus(t('ai.config.avatarSaved'));
        } catch (e) {
            setStatus(e instanceof Error ? e.message : String(e));
        }
    };
    return (
        <Field label={t('ai.config.avatar')}>
            <input type='file' accept='image/png,image/jpeg' onChange={(e) => upload(e.target.files?.[0])}/>
            {status && <span role='status'>{status}</span>}
        </Field>
    );
}

function AgentEditor({bot, index, services, problems, license, botUserId, onChange, onDelete}: {
    bot: BotConfig;
    index: number;
    services: ServiceConfig[];
    problems: ConfigProblem[];
    license?: License;
    botUserId?: string;
    onChange: (b: BotConfig) => void;
    onDelete: () => void;
}) {
    const problemAt = (field: string) => problems.find((p) => p.path === `bots[${index}].${field}`)?.message;
    const set = (k: string, v: unknown) => onChange({...bot, [k]: v});
    const service = services.find((s) => s.id === bot.serviceID);
    const fineGrained = license?.fineGrainedAccess ?? true;
    const webSearch = (bot.enabledNativeTools ?? []).includes('web_search');
    return (
        <fieldset className='mattermost-ai-agent'>
            <legend>{bot.displayName || bot.name}</legend>
            <Field label={t('ai.config.displayName')} problem={problemAt('displayName')}>
                <input value={bot.displayName} onChange={(e) => set('displayName', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.username') + ' *'} problem={problemAt('name')}>
                <input value={bot.name} onChange={(e) => set('name', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.service') + ' *'} problem={problemAt('serviceID')}>
                <select value={bot.serviceID} onChange={(e) => set('serviceID', e.target.value)}>
                    <option value=''>{'—'}</option>
                    {services.map((s) => <option key={s.id} value={s.id}>{s.name || s.type}</option>)}
                </select>
            </Field>
            <Field label={t('ai.config.model')} problem={problemAt('model')}>
                <input value={bot.model ?? ''} onChange={(e) => set('model', e.target.value)}/>
            </Field>
            <Avatar botUserId={botUserId}/>
            <Field label={t('ai.config.customInstructions')}>
                <textarea value={bot.customInstructions ?? ''} onChange={(e) => set('customInstructions', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.enableVision')}>
                <input type='checkbox' checked={bot.enableVision ?? true} onChange={(e) => set('enableVision', e.target.checked)}/>
            </Field>
            <Field label={t('ai.config.disableTools')}>
                <input type='checkbox' checked={Boolean(bot.disableTools)} onChange={(e) => set('disableTools', e.target.checked)}/>
            </Field>
            {supportsWebSearch(service) && (
                <Field label={t('ai.config.webSearch')}>
                    <input
                        type='checkbox'
                        checked={webSearch}
                        onChange={(e) => set('enabledNativeTools', e.target.checked ? ['web_search'] : [])}
                    />
                </Field>
            )}
            {supportsReasoning(service) && (
                <>
                    <Field label={t('ai.config.reasoningEnabled')}>
                        <input type='checkbox' checked={bot.reasoningEnabled ?? true} onChange={(e) => set('reasoningEnabled', e.target.checked)}/>
                    </Field>
                    {service?.type === 'anthropic' ? (
                        <Field label={t('ai.config.thinkingBudget')}>
                            <input type='number' value={bot.thinkingBudget ?? 0} onChange={(e) => set('thinkingBudget', Number(e.target.value) || 0)}/>
                        </Field>
                    ) : (
                        <Field label={t('ai.config.reasoningEffort')}>
                            <select value={bot.reasoningEffort ?? 'medium'} onChange={(e) => set('reasoningEffort', e.target.value)}>
                                {['minimal', 'low', 'medium', 'high'].map((x) => <option key={x} value={x}>{x}</option>)}
                            </select>
                        </Field>
                    )}
                </>
            )}
            <fieldset disabled={!fineGrained}>
                {!fineGrained && <p>{t('ai.config.licenseNeeded')}</p>}
                <Field label={t('ai.config.userAccess')}>
                    <select value={bot.userAccessLevel ?? 0} onChange={(e) => set('userAccessLevel', Number(e.target.value))}>
                        {ACCESS.map((a, i) => <option key={a} value={i}>{t(`ai.config.access.${a}`)}</option>)}
                    </select>
                </Field>
                <IdPicker kind='users' label={t('ai.config.userIDs')} value={bot.userIDs ?? []} onChange={(v) => set('userIDs', v)}/>
                <IdPicker kind='teams' label={t('ai.config.teamIDs')} value={bot.teamIDs ?? []} onChange={(v) => set('teamIDs', v)}/>
                <Field label={t('ai.config.channelAccess')}>
                    <select value={bot.channelAccessLevel ?? 0} onChange={(e) => set('channelAccessLevel', Number(e.target.value))}>
                        {ACCESS.map((a, i) => <option key={a} value={i}>{t(`ai.config.access.${a}`)}</option>)}
                    </select>
                </Field>
                <IdPicker kind='channels' label={t('ai.config.channelIDs')} value={bot.channelIDs ?? []} onChange={(v) => set('channelIDs', v)}/>
            </fieldset>
            <button type='button' onClick={onDelete}>{t('ai.config.delete')}</button>
        </fieldset>
    );
}

// The agents: one editor each, and a button to add one when the license allows another.
export default function Agents({config, problems, license, botIds, disabled, update}: {
    config: Config;
    problems: ConfigProblem[];
    license?: License;
    // Saved agents' bot user ids by username, for avatar uploads.
    botIds: Record<string, string>;
    disabled?: boolean;
    update: (next: Config) => void;
}) {
    const setBot = (i: number, b: BotConfig) => update({...config, bots: config.bots.map((x, j) => (j === i ? b : x))});
    const multipleAgents = license?.multipleAgents ?? true;
    const canAddAgent = multipleAgents || config.bots.length === 0;
    return (
        <>
            <h3>{t('ai.config.agents')}</h3>
            {config.bots.map((b, i) => (
                <AgentEditor
                    key={b.id || i}
                    bot={b}
                    index={i}
                    services={config.services}
                    problems={problems}
                    license={license}
                    botUserId={botIds[b.name]}
                    onChange={(n) => setBot(i, n)}
                    onDelete={() => update({...config, bots: config.bots.filter((_, j) => j !== i)})}
                />
            ))}
            <button
                type='button'
                disabled={disabled || !canAddAgent}
                aria-describedby={canAddAgent ? undefined : 'ai-multi-agent-license'}
                onClick={() => update({...config, bots: [...config.bots, {
                    id: newId(), name: '', displayName: '', serviceID: config.services[0]?.id ?? '',
                    enableVision: true, reasoningEnabled: true, reasoningEffort: 'medium',
                    channelAccessLevel: 0, userAccessLevel: 0, channelIDs: [], userIDs: [], teamIDs: [],
                }]})}
            >
                {t('ai.config.addAgent')}
            </button>
            {!canAddAgent && <p id='ai-multi-agent-license'>{t('ai.config.licenseNeeded')}</p>}
        </>
    );
}

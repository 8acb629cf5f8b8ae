import React, {useId, useState} from 'react';

import {uploadAvatar} from '../../client';
import {t} from '../../i18n';
import {supportsReasoning, supportsWebSearch} from '../../providers';
import type {BotConfig, Config, ConfigProblem, License, ServiceConfig} from '../../types';
import IdPicker from '../id_picker';
import Card from '../ui/card';
import Icon from '../ui/icon';
import IconButton from '../ui/icon_button';
import Toggle from '../ui/toggle';

import AgentTools from './agent_tools';
import Field from './field';
import {hasProblemUnder, newId, nonNegativeCheck, problemAt, requiredCheck} from './model';
import Section, {Subsection} from './section';

// `userAccessLevel` / `channelAccessLevel` by their stored number.
const ACCESS = ['all', 'allow', 'block', 'none'];

// A saved agent's picture, sent straight to its bot user (not part of the configuration).
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
            {(c) => (
                <>
                    <input {...c} className='form-control' type='file' accept='image/png,image/jpeg' onChange={(e) => upload(e.target.files?.[0])}/>
                    {status && <p role='status' className='mattermost-ai-help'>{status}</p>}
                </>
            )}
        </Field>
    );
}

// A select of the access levels, shared by "who" and "where".
function AccessSelect({label, value, onChange}: {label: string; value?: number; onChange: (v: number) => void}) {
    return (
        <Field label={label}>
            {(c) => (
                <select {...c} className='form-control' value={value ?? 0} onChange={(e) => onChange(Number(e.target.value))}>
                    {ACCESS.map((a, i) => <option key={a} value={i}>{t(`ai.config.access.${a}`)}</option>)}
                </select>
            )}
        </Field>
    );
}

// "@ai · OpenAI": what tells closed agent cards apart.
function subtitleOf(bot: BotConfig, service?: ServiceConfig): string {
    return [bot.name && `@${bot.name}`, service ? service.name || service.type : t('ai.config.noService')].filter(Boolean).join(' · ');
}

function AgentEditor({bot, index, services, problems, license, botUserId, isNew, onChange, onDelete}: {
    bot: BotConfig;
    index: number;
    services: ServiceConfig[];
    problems: ConfigProblem[];
    license?: License;
    botUserId?: string;
    isNew: boolean;
    onChange: (b: BotConfig) => void;
    onDelete: () => void;
}) {
    const at = (field: string) => problemAt(problems, `bots[${index}].${field}`);
    const set = (k: string, v: unknown) => onChange({...bot, [k]: v});
    const service = services.find((s) => s.id === bot.serviceID);
    const fineGrained = license?.fineGrainedAccess ?? true;
    const webSearch = (bot.enabledNativeTools ?? []).includes('web_search');
    const title = bot.displayName || bot.name || t('ai.config.newAgent');
    return (
        <Card
            title={title}
            subtitle={subtitleOf(bot, service)}
            defaultOpen={isNew}
            autoFocus={isNew}
            openWhen={hasProblemUnder(problems, `bots[${index}]`)}
            actions={(
                <IconButton
                    icon='trash-can-outline'
                    label={t('ai.config.deleteItem', {name: title})}
                    onClick={onDelete}
                />
            )}
        >
            <Field label={t('ai.config.displayName')} problem={at('displayName')}>
                {(c) => <input {...c} className='form-control' value={bot.displayName} onChange={(e) => set('displayName', e.target.value)}/>}
            </Field>
            <Field label={t('ai.config.username') + ' *'} problem={at('name')} check={requiredCheck(bot.name)}>
                {(c) => <input {...c} className='form-control' aria-required value={bot.name} onChange={(e) => set('name', e.target.value)}/>}
            </Field>
            <Field label={t('ai.config.service') + ' *'} problem={at('serviceID')} check={requiredCheck(bot.serviceID)}>
                {(c) => (
                    <select {...c} className='form-control' aria-required value={bot.serviceID} onChange={(e) => set('serviceID', e.target.value)}>
                        <option value=''>{'—'}</option>
                        {services.map((s) => <option key={s.id} value={s.id}>{s.name || s.type}</option>)}
                    </select>
                )}
            </Field>
            <Field label={t('ai.config.model')} problem={at('model')}>
                {(c) => <input {...c} className='form-control' value={bot.model ?? ''} onChange={(e) => set('model', e.target.value)}/>}
            </Field>
            <Avatar botUserId={botUserId}/>
            <Field label={t('ai.config.customInstructions')}>
                {(c) => <textarea {...c} className='form-control' value={bot.customInstructions ?? ''} onChange={(e) => set('customInstructions', e.target.value)}/>}
            </Field>
            <Field label={t('ai.config.enableVision')} switchRow>
                {(c) => <Toggle {...c} checked={bot.enableVision ?? true} onChange={(v) => set('enableVision', v)}/>}
            </Field>
            <Field label={t('ai.config.disableTools')} switchRow>
                {(c) => <Toggle {...c} checked={Boolean(bot.disableTools)} onChange={(v) => set('disableTools', v)}/>}
            </Field>
            {supportsWebSearch(service) && (
                <Field label={t('ai.config.webSearch')} switchRow>
                    {(c) => <Toggle {...c} checked={webSearch} onChange={(v) => set('enabledNativeTools', v ? ['web_search'] : [])}/>}
                </Field>
            )}
            {supportsReasoning(service) && (
                <>
                    <Field label={t('ai.config.reasoningEnabled')} switchRow>
                        {(c) => <Toggle {...c} checked={bot.reasoningEnabled ?? true} onChange={(v) => set('reasoningEnabled', v)}/>}
                    </Field>
                    {service?.type === 'anthropic' ? (
                        <Field label={t('ai.config.thinkingBudget')} problem={at('thinkingBudget')} check={nonNegativeCheck(bot.thinkingBudget)}>
                            {(c) => (
                                <input
                                    {...c}
                                    className='form-control'
                                    type='number'
                                    value={bot.thinkingBudget ?? 0}
                                    onChange={(e) => set('thinkingBudget', Number(e.target.value) || 0)}
                                />
                            )}
                        </Field>
                    ) : (
                        <Field label={t('ai.config.reasoningEffort')}>
                            {(c) => (
                                <select {...c} className='form-control' value={bot.reasoningEffort ?? 'medium'} onChange={(e) => set('reasoningEffort', e.target.value)}>
                                    {['minimal', 'low', 'medium', 'high'].map((x) => <option key={x} value={x}>{x}</option>)}
                                </select>
                            )}
                        </Field>
                    )}
                </>
            )}
            {!bot.disableTools && (
                <AgentTools
                    value={bot}
                    onChange={(v) => onChange({...bot, ...v})}
                />
            )}
            <Subsection
                title={t('ai.config.accessTitle')}
                unlicensed={!fineGrained}
                disabled={!fineGrained}
            >
                <AccessSelect label={t('ai.config.userAccess')} value={bot.userAccessLevel} onChange={(v) => set('userAccessLevel', v)}/>
                <Field label={t('ai.config.userIDs')}>
                    {(c) => <IdPicker {...c} kind='users' label={t('ai.config.userIDs')} value={bot.userIDs ?? []} onChange={(v) => set('userIDs', v)}/>}
                </Field>
                <Field label={t('ai.config.teamIDs')}>
                    {(c) => <IdPicker {...c} kind='teams' label={t('ai.config.teamIDs')} value={bot.teamIDs ?? []} onChange={(v) => set('teamIDs', v)}/>}
                </Field>
                <AccessSelect label={t('ai.config.channelAccess')} value={bot.channelAccessLevel} onChange={(v) => set('channelAccessLevel', v)}/>
                <Field label={t('ai.config.channelIDs')}>
                    {(c) => <IdPicker {...c} kind='channels' label={t('ai.config.channelIDs')} value={bot.channelIDs ?? []} onChange={(v) => set('channelIDs', v)}/>}
                </Field>
            </Subsection>
        </Card>
    );
}

// The agents: a card each, and a button to add one when the license allows another.
export default function Agents({config, problems, license, botIds, disabled, update}: {
    config: Config;
    problems: ConfigProblem[];
    license?: License;
    // Saved agents' bot user ids by username, for avatar uploads.
    botIds: Record<string, string>;
    disabled?: boolean;
    update: (next: Config) => void;
}) {
    const hintId = useId();
    // The agent added last on this page opens with the focus in it; saved ones start closed.
    const [added, setAdded] = useState('');
    const setBot = (i: number, b: BotConfig) => update({...config, bots: config.bots.map((x, j) => (j === i ? b : x))});
    const multipleAgents = license?.multipleAgents ?? true;
    const canAddAgent = multipleAgents || config.bots.length === 0;
    const add = () => {
        const id = newId();
        setAdded(id);
        update({...config, bots: [...config.bots, {
            id, name: '', displayName: '', serviceID: config.services[0]?.id ?? '',
            enableVision: true, reasoningEnabled: true, reasoningEffort: 'medium',
            channelAccessLevel: 0, userAccessLevel: 0, channelIDs: [], userIDs: [], teamIDs: [],
        }]});
    };
    return (
        <Section
            title={t('ai.config.agents')}
            description={t('ai.config.agentsHelp')}
            unlicensed={!canAddAgent}
            hintId={hintId}
            actions={(
                <button
                    type='button'
                    className='btn btn-tertiary btn-sm'
                    disabled={disabled || !canAddAgent}
                    aria-describedby={canAddAgent ? undefined : hintId}
                    onClick={add}
                >
                    <Icon name='plus'/>
                    {t('ai.config.addAgent')}
                </button>
            )}
        >
            {config.bots.length === 0 && <p className='mattermost-ai-muted'>{t('ai.config.noAgents')}</p>}
            {config.bots.length > 0 && (
                <div className='mattermost-ai-cards'>
                    {config.bots.map((b, i) => (
                        <AgentEditor
                            key={b.id || i}
                            bot={b}
                            index={i}
                            isNew={Boolean(b.id) && b.id === added}
                            services={config.services}
                            problems={problems}
                            license={license}
                            botUserId={botIds[b.name]}
                            onChange={(n) => setBot(i, n)}
                            onDelete={() => update({...config, bots: config.bots.filter((_, j) => j !== i)})}
                        />
                    ))}
                </div>
            )}
        </Section>
    );
}

import React from 'react';

import {t} from '../../i18n';
import type {Config, ConfigProblem, TokenLimit, TokenLimitOverride, TokenQuotas} from '../../types';
import IdPicker from '../id_picker';
import IconButton from '../ui/icon_button';
import Toggle from '../ui/toggle';

import Field from './field';
import {nonNegativeCheck, problemAt} from './model';
import Section, {Subsection} from './section';

const SCOPES = ['perUser', 'perTeam', 'perAgent'] as const;
const PERIODS = ['daily', 'monthly'] as const;

// A count of tokens typed into a field: empty or not a number is 0 (no limit).
const count = (v: string) => {
    const n = Math.floor(Number(v));
    return Number.isFinite(n) ? n : 0;
};

// Two number inputs, daily and monthly, for one limit; 0 or empty is no limit.
function LimitInputs({id, label, value, onChange, describedBy}: {
    id: string;
    label: string;
    value: TokenLimit;
    onChange: (next: TokenLimit) => void;
    describedBy?: string;
}) {
    return (
        <div className='mattermost-ai-limits'>
            {PERIODS.map((p, i) => (
                <input
                    key={p}
                    id={i === 0 ? id : undefined}
                    type='number'
                    min={0}
                    step={1000}
                    className='form-control'
                    aria-label={t(`ai.quotas.${p}Of`, {label})}
                    aria-describedby={describedBy}
                    placeholder={t(`ai.quotas.${p}`)}
                    value={value[p] || ''}
                    onChange={(e) => onChange({...value, [p]: count(e.target.value)})}
                />
            ))}
        </div>
    );
}

// One override: whom it is for, and its limits.
function Override({index, value, agents, onChange, onDelete}: {
    index: number;
    value: TokenLimitOverride;
    agents: Array<{id: string; name: string}>;
    onChange: (next: TokenLimitOverride) => void;
    onDelete: () => void;
}) {
    const label = t('ai.quotas.override', {n: index + 1});
    return (
        <div
            role='group'
            aria-label={label}
            className='mattermost-ai-override'
        >
            <select
                className='form-control'
                aria-label={t('ai.quotas.scopeOf', {label})}
                value={value.scope}
                onChange={(e) => onChange({...value, scope: e.target.value as TokenLimitOverride['scope'], id: ''})}
            >
                <option value='user'>{t('ai.quotas.scope.user')}</option>
                <option value='team'>{t('ai.quotas.scope.team')}</option>
                <option value='agent'>{t('ai.quotas.scope.agent')}</option>
            </select>
            {value.scope === 'agent' ? (
                <select
                    className='form-control'
                    aria-label={t('ai.quotas.whoOf', {label})}
                    value={value.id}
                    onChange={(e) => onChange({...value, id: e.target.value})}
                >
                    <option value=''>{'—'}</option>
                    {agents.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
                </select>
            ) : (
                <IdPicker
                    kind={value.scope === 'user' ? 'users' : 'teams'}
                    label={t('ai.quotas.whoOf', {label})}
                    value={value.id ? [value.id] : []}
                    onChange={(ids) => onChange({...value, id: ids[ids.length - 1] ?? ''})}
                />
            )}
            <LimitInputs
                id={`override-${index}`}
                label={label}
                value={value}
                onChange={(l) => onChange({...value, ...l})}
            />
            <IconButton
                icon='trash-can-outline'
                label={t('ai.config.deleteItem', {name: label})}
                onClick={onDelete}
            />
        </div>
    );
}

// Token quotas: daily and monthly limits per user, team and agent, with overrides, the warning
// share and whether admins are held to them; and how long usage is kept.
export default function QuotasPanel({config, problems, botIds, locked, update}: {
    config: Config;
    problems: ConfigProblem[];
    // Agents' bot user ids by username (the ids overrides name).
    botIds: Record<string, string>;
    locked: boolean;
    update: (next: Config) => void;
}) {
    const q: TokenQuotas = config.tokenQuotas ?? {};
    const set = (next: Partial<TokenQuotas>) => update({...config, tokenQuotas: {...q, ...next}});
    const overrides = q.overrides ?? [];
    const agents = config.bots.
        filter((b) => botIds[b.name]).
        map((b) => ({id: botIds[b.name], name: b.displayName || b.name}));
    const at = (path: string) => problemAt(problems, `tokenQuotas.${path}`);
    return (
        <Section
            title={t('ai.quotas.title')}
            description={t('ai.quotas.help')}
            unlicensed={locked}
            disabled={locked}
        >
            <Field label={t('ai.quotas.enabled')} switchRow>
                {(c) => <Toggle {...c} checked={Boolean(q.enabled)} onChange={(v) => set({enabled: v})}/>}
            </Field>
            {SCOPES.map((s) => (
                <Field key={s} label={t(`ai.quotas.${s}`)} problem={at(s)} help={t(`ai.quotas.${s}Help`)}>
                    {(c) => (
                        <LimitInputs
                            id={c.id}
                            describedBy={c['aria-describedby']}
                            label={t(`ai.quotas.${s}`)}
                            value={q[s] ?? {}}
                            onChange={(v) => set({[s]: v})}
                        />
                    )}
                </Field>
            ))}
            <Field
                label={t('ai.quotas.warnAtPercent')}
                help={t('ai.quotas.warnAtPercentHelp')}
                problem={at('warnAtPercent')}
                check={q.warnAtPercent !== undefined && (q.warnAtPercent < 1 || q.warnAtPercent > 100) ? t('ai.quotas.percentRange') : undefined}
            >
                {(c) => (
                    <input
                        {...c}
                        type='number'
                        min={1}
                        max={100}
                        className='form-control'
                        value={q.warnAtPercent ?? 80}
                        onChange={(e) => set({warnAtPercent: count(e.target.value)})}
                    />
                )}
            </Field>
            <Field label={t('ai.quotas.applyToAdmins')} switchRow>
                {(c) => <Toggle {...c} checked={Boolean(q.applyToAdmins)} onChange={(v) => set({applyToAdmins: v})}/>}
            </Field>
            <Subsection title={t('ai.quotas.overrides')} help={t('ai.quotas.overridesHelp')}>
                <div className='mattermost-ai-stack'>
                    {overrides.map((o, i) => (
                            <Override
                                // Overrides have no id of their own; their place is theirs.
                                // eslint-disable-next-line react/no-array-index-key
                                key={i}
                                index={i}
                                value={o}
                                agents={agents}
                                onChange={(next) => set({overrides: overrides.map((x, j) => (j === i ? next : x))})}
                                onDelete={() => set({overrides: overrides.filter((_, j) => j !== i)})}
                            />
                    ))}
                    <div>
                        <button
                            type='button'
                            className='btn btn-tertiary'
                            onClick={() => set({overrides: [...overrides, {scope: 'user', id: '', daily: 0, monthly: 0}]})}
                        >
                            {t('ai.quotas.addOverride')}
                        </button>
                    </div>
                </div>
            </Subsection>
            <Field
                label={t('ai.quotas.retention')}
                help={t('ai.quotas.retentionHelp')}
                problem={problemAt(problems, 'usageRetentionDays')}
                check={nonNegativeCheck(config.usageRetentionDays)}
            >
                {(c) => (
                    <input
                        {...c}
                        type='number'
                        min={0}
                        className='form-control'
                        value={config.usageRetentionDays || ''}
                        placeholder='400'
                        onChange={(e) => update({...config, usageRetentionDays: count(e.target.value)})}
                    />
                )}
            </Field>
        </Section>
    );
}

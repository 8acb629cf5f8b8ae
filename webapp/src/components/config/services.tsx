import React, {useState} from 'react';

import {fetchModels} from '../../client';
import {t} from '../../i18n';
import {canListModels, descriptors, fieldsOf, requiredOf} from '../../providers';
import type {Config, ConfigProblem, ServiceConfig} from '../../types';

import Field from './field';
import {newId} from './model';

// How each setting is edited; the provider table says which settings a service type uses.
const NUMBER_FIELDS = ['tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'];
const BOOL_FIELDS = ['sendUserId', 'useResponsesAPI'];
const SECRET_FIELDS = ['apiKey', 'awsSecretAccessKey'];

function ServiceEditor({service, index, usedBy, problems, disabled, onChange, onDelete}: {
    service: ServiceConfig;
    index: number;
    usedBy: string[];
    problems: ConfigProblem[];
    disabled?: boolean;
    onChange: (s: ServiceConfig) => void;
    onDelete: () => void;
}) {
    const [models, setModels] = useState<string>('');
    const problemAt = (field: string) => problems.find((p) => p.path === `services[${index}].${field}`)?.message;
    const fields = fieldsOf(service.type);
    const required = requiredOf(service.type);
    const set = (k: string, v: unknown) => onChange({...service, [k]: v});
    const listModels = async () => {
        try {
            const list = await fetchModels({
                serviceType: service.type,
                apiKey: service.apiKey ?? '',
                apiURL: service.apiURL ?? '',
                orgID: service.orgId ?? '',
            });
            setModels(t('ai.config.modelsFetched', {count: list.length}) + (list.length ? `: ${list.map((m) => m.id).join(', ')}` : ''));
        } catch (e) {
            setModels(e instanceof Error ? e.message : String(e));
        }
    };
    return (
        <fieldset className='mattermost-ai-service' disabled={disabled}>
            <legend>{service.name || service.type}</legend>
            <Field label={t('ai.config.name')} problem={problemAt('name')}>
                <input value={service.name} onChange={(e) => set('name', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.type')} problem={problemAt('type')}>
                <select value={service.type} onChange={(e) => set('type', e.target.value)}>
                    {descriptors().map((d) => <option key={d.type} value={d.type}>{d.type}</option>)}
                </select>
            </Field>
            {fields.map((key) => {
                const isRequired = required.includes(key);
                const label = t(`ai.config.${key}`) + (isRequired ? ' *' : '');
                if (BOOL_FIELDS.includes(key)) {
                    return (
                        <Field key={key} label={label} problem={problemAt(key)}>
                            <input type='checkbox' checked={Boolean(service[key])} onChange={(e) => set(key, e.target.checked)}/>
                        </Field>
                    );
                }
                const numeric = NUMBER_FIELDS.includes(key);
                return (
                    <Field key={key} label={label} problem={problemAt(key)}>
                        <input
                            type={SECRET_FIELDS.includes(key) ? 'password' : numeric ? 'number' : 'text'}
                            required={isRequired}
                            value={(service[key] as string | number | undefined) ?? ''}
                            onChange={(e) => set(key, numeric ? Number(e.target.value) || 0 : e.target.value)}
                        />
                    </Field>
                );
            })}
            {canListModels(service.type) && (
                <div>
                    <button type='button' onClick={listModels}>{t('ai.config.fetchModels')}</button>
                    {models && <span role='status'>{models}</span>}
                </div>
            )}
            <button
                type='button'
                onClick={onDelete}
                disabled={usedBy.length > 0}
                aria-describedby={usedBy.length ? `in-use-${service.id}` : undefined}
            >
                {t('ai.config.delete')}
            </button>
            {usedBy.length > 0 && <p id={`in-use-${service.id}`}>{t('ai.config.serviceInUse', {agents: usedBy.join(', ')})}</p>}
        </fieldset>
    );
}

// The AI services agents run on: one editor each, and a button to add one.
export default function Services({config, problems, disabled, update}: {
    config: Config;
    problems: ConfigProblem[];
    disabled?: boolean;
    update: (next: Config) => void;
}) {
    const setService = (i: number, s: ServiceConfig) => update({...config, services: config.services.map((x, j) => (j === i ? s : x))});
    return (
        <>
            <h3>{t('ai.config.services')}</h3>
            {config.services.map((s, i) => (
                <ServiceEditor
                    key={s.id || i}
                    service={s}
                    index={i}
                    disabled={disabled}
                    problems={problems}
                    usedBy={config.bots.filter((b) => b.serviceID === s.id).map((b) => b.displayName || b.name)}
                    onChange={(n) => setService(i, n)}
                    onDelete={() => update({...config, services: config.services.filter((_, j) => j !== i)})}
                />
            ))}
            <button
                type='button'
                disabled={disabled}
                onClick={() => update({...config, services: [...config.services, {id: newId(), name: '', type: 'openai', apiKey: ''}]})}
            >
                {t('ai.config.addService')}
            </button>
        </>
    );
}

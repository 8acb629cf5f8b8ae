import React, {useId, useState} from 'react';

import {fetchModels} from '../../client';
import {t} from '../../i18n';
import {canListModels, descriptor, descriptors, fieldsOf, requiredOf} from '../../providers';
import type {Config, ConfigProblem, CustomHeader, ServiceConfig} from '../../types';
import Card from '../ui/card';
import Icon from '../ui/icon';
import IconButton from '../ui/icon_button';
import SecretInput from '../ui/secret_input';
import Toggle from '../ui/toggle';

import Field, {FieldActions, revealLabels} from './field';
import {hasProblemUnder, newId, nonNegativeCheck, problemAt, requiredCheck, urlCheck} from './model';
import Section from './section';

// How each setting is edited; the provider table says which settings a service type uses.
const NUMBER_FIELDS = ['tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'];
const BOOL_FIELDS = ['sendUserId', 'useResponsesAPI'];
const SECRET_FIELDS = ['apiKey', 'awsSecretAccessKey', 'vertexAuthCredentials'];
const URL_FIELDS = ['apiURL'];

// "OpenAI · gpt-4o": what tells closed service cards apart.
function subtitleOf(service: ServiceConfig): string {
    return [descriptor(service.type)?.label ?? service.type, service.defaultModel].filter(Boolean).join(' · ');
}

// The first of this page's checks that fails for a setting.
function checkOf(key: string, value: unknown, required: boolean): string | undefined {
    return (required ? requiredCheck(value) : undefined) ??
        (URL_FIELDS.includes(key) ? urlCheck(value) : undefined) ??
        (NUMBER_FIELDS.includes(key) ? nonNegativeCheck(value) : undefined);
}

// The models the service offers, listed with the credentials as typed (not yet saved).
function FetchModels({service}: {service: ServiceConfig}) {
    const [models, setModels] = useState('');
    const [busy, setBusy] = useState(false);
    const listModels = async () => {
        setBusy(true);
        setModels(t('ai.config.fetchingModels'));
        try {
            // A gateway may need the service's headers to list models too.
            const headers = service.customHeaders ?? [];
            const list = await fetchModels({
                serviceType: service.type,
                apiKey: service.apiKey ?? '',
                apiURL: service.apiURL ?? '',
                orgID: service.orgId ?? '',
                ...(headers.length ? {customHeaders: headers} : {}),
            });
            setModels(t('ai.config.modelsFetched', {count: list.length}) + (list.length ? `: ${list.map((m) => m.id).join(', ')}` : ''));
        } catch (e) {
            setModels(e instanceof Error ? e.message : String(e));
        } finally {
            setBusy(false);
        }
    };
    return (
        <FieldActions>
            <button
                type='button'
                className='btn btn-tertiary btn-sm'
                onClick={listModels}
                disabled={busy}
                aria-busy={busy || undefined}
            >
                <Icon name='refresh'/>
                {t('ai.config.fetchModels')}
            </button>
            {models && <p role='status' className='mattermost-ai-help'>{models}</p>}
        </FieldActions>
    );
}

// Extra headers for every request to the service, a row each. Values may be a gateway's key,
// so they are masked like the API key; the server refuses names it sets itself.
function CustomHeaders({headers, index, problems, onChange}: {
    headers: CustomHeader[];
    index: number;
    problems: ConfigProblem[];
    onChange: (h: CustomHeader[]) => void;
}) {
    const helpId = useId();
    const setAt = (i: number, h: Partial<CustomHeader>) => onChange(headers.map((x, j) => (j === i ? {...x, ...h} : x)));
    return (
        <div
            role='group'
            aria-label={t('ai.config.customHeaders')}
        >
            {headers.map((h, i) => {
                const at = (f: string) => problemAt(problems, `services[${index}].customHeaders[${i}].${f}`);
                const n = String(i + 1);
                const valueLabel = t('ai.config.headerValue', {n});
                return (
                    // Rows have no identity but their place in the list.
                    <React.Fragment key={i}>
                        <Field
                            label={t('ai.config.headerName', {n})}
                            problem={at('name')}
                        >
                            {(c) => (
                                <input
                                    {...c}
                                    className='form-control'
                                    spellCheck={false}
                                    autoCapitalize='off'
                                    value={h.name}
                                    onChange={(e) => setAt(i, {name: e.target.value})}
                                />
                            )}
                        </Field>
                        <Field
                            label={valueLabel}
                            problem={at('value')}
                        >
                            {(c) => (
                                <SecretInput
                                    {...c}
                                    {...revealLabels(valueLabel)}
                                    value={h.value}
                                    onChange={(v) => setAt(i, {value: v})}
                                />
                            )}
                        </Field>
                        <FieldActions>
                            <button
                                type='button'
                                className='btn btn-tertiary btn-sm'
                                onClick={() => onChange(headers.filter((_, j) => j !== i))}
                            >
                                <Icon name='trash-can-outline'/>
                                {t('ai.config.removeHeader', {name: h.name || n})}
                            </button>
                        </FieldActions>
                    </React.Fragment>
                );
            })}
            <FieldActions>
                <button
                    type='button'
                    className='btn btn-tertiary btn-sm'
                    aria-describedby={helpId}
                    onClick={() => onChange([...headers, {name: '', value: ''}])}
                >
                    <Icon name='plus'/>
                    {t('ai.config.addHeader')}
                </button>
                <p
                    id={helpId}
                    className='mattermost-ai-help'
                >
                    {t('ai.config.customHeadersHelp')}
                </p>
            </FieldActions>
        </div>
    );
}

// The service that answers once when this one fails before answering; any other service.
function FallbackField({service, index, others, problems, onChange}: {
    service: ServiceConfig;
    index: number;
    others: ServiceConfig[];
    problems: ConfigProblem[];
    onChange: (id: string) => void;
}) {
    const value = service.fallbackServiceID ?? '';
    // A saved id no service has any more stays visible, so the admin sees what to fix.
    const missing = value && !others.some((o) => o.id === value);
    return (
        <Field
            label={t('ai.config.fallbackService')}
            help={t('ai.config.fallbackServiceHelp')}
            problem={problemAt(problems, `services[${index}].fallbackServiceID`)}
        >
            {(c) => (
                <select
                    {...c}
                    className='form-control'
                    value={value}
                    onChange={(e) => onChange(e.target.value)}
                >
                    <option value=''>{t('ai.config.fallbackNone')}</option>
                    {others.map((o) => (
                        <option
                            key={o.id}
                            value={o.id}
                        >
                            {o.name || o.id}
                        </option>
                    ))}
                    {missing && <option value={value}>{value}</option>}
                </select>
            )}
        </Field>
    );
}

function ServiceEditor({service, index, others, usedBy, problems, isNew, onChange, onDelete}: {
    service: ServiceConfig;
    index: number;
    // The other services, for the fallback.
    others: ServiceConfig[];
    usedBy: string[];
    problems: ConfigProblem[];
    isNew: boolean;
    onChange: (s: ServiceConfig) => void;
    onDelete: () => void;
}) {
    const inUseId = useId();
    const at = (field: string) => problemAt(problems, `services[${index}].${field}`);
    const required = requiredOf(service.type);
    const set = (k: string, v: unknown) => onChange({...service, [k]: v});
    const title = service.name || t('ai.config.newService');
    const inUse = usedBy.length > 0;
    return (
        <Card
            title={title}
            subtitle={subtitleOf(service)}
            defaultOpen={isNew}
            autoFocus={isNew}
            openWhen={hasProblemUnder(problems, `services[${index}]`)}
            actions={(
                <IconButton
                    icon='trash-can-outline'
                    label={t('ai.config.deleteItem', {name: title})}
                    disabled={inUse}
                    describedBy={inUse ? inUseId : undefined}
                    onClick={onDelete}
                />
            )}
        >
            <Field label={t('ai.config.name')} problem={at('name')}>
                {(c) => <input {...c} className='form-control' value={service.name} onChange={(e) => set('name', e.target.value)}/>}
            </Field>
            <Field label={t('ai.config.type')} problem={at('type')}>
                {(c) => (
                    <select {...c} className='form-control' value={service.type} onChange={(e) => set('type', e.target.value)}>
                        {descriptors().map((d) => <option key={d.type} value={d.type}>{d.type}</option>)}
                    </select>
                )}
            </Field>
            {fieldsOf(service.type).map((key) => {
                const isRequired = required.includes(key);
                const name = t(`ai.config.${key}`);
                // Required settings keep " *" in the label text: it is part of their name.
                const label = name + (isRequired ? ' *' : '');
                const value = service[key];
                if (BOOL_FIELDS.includes(key)) {
                    return (
                        <Field key={key} label={label} problem={at(key)} switchRow>
                            {(c) => <Toggle {...c} checked={Boolean(value)} onChange={(v) => set(key, v)}/>}
                        </Field>
                    );
                }
                const check = checkOf(key, value, isRequired);
                if (SECRET_FIELDS.includes(key)) {
                    return (
                        <Field key={key} label={label} problem={at(key)} check={check}>
                            {(c) => (
                                <SecretInput
                                    {...c}
                                    {...revealLabels(name)}
                                    aria-required={isRequired || undefined}
                                    value={String(value ?? '')}
                                    onChange={(v) => set(key, v)}
                                />
                            )}
                        </Field>
                    );
                }
                const numeric = NUMBER_FIELDS.includes(key);
                return (
                    <Field key={key} label={label} problem={at(key)} check={check}>
                        {(c) => (
                            <input
                                {...c}
                                className='form-control'
                                type={numeric ? 'number' : 'text'}
                                aria-required={isRequired || undefined}
                                value={(value as string | number | undefined) ?? ''}
                                onChange={(e) => set(key, numeric ? Number(e.target.value) || 0 : e.target.value)}
                            />
                        )}
                    </Field>
                );
            })}
            <FallbackField
                service={service}
                index={index}
                others={others}
                problems={problems}
                onChange={(id) => set('fallbackServiceID', id)}
            />
            <CustomHeaders
                headers={service.customHeaders ?? []}
                index={index}
                problems={problems}
                onChange={(h) => set('customHeaders', h)}
            />
            {canListModels(service.type) && <FetchModels service={service}/>}
            {inUse && (
                <p id={inUseId} className='mattermost-ai-help'>
                    {t('ai.config.serviceInUse', {agents: usedBy.join(', ')})}
                </p>
            )}
        </Card>
    );
}

// The AI services agents run on: a card each, and a button to add one.
export default function Services({config, problems, disabled, update}: {
    config: Config;
    problems: ConfigProblem[];
    disabled?: boolean;
    update: (next: Config) => void;
}) {
    // The service added last on this page opens with the focus in it; saved ones start closed.
    const [added, setAdded] = useState('');
    const setService = (i: number, s: ServiceConfig) => update({...config, services: config.services.map((x, j) => (j === i ? s : x))});
    const add = () => {
        const id = newId();
        setAdded(id);
        update({...config, services: [...config.services, {id, name: '', type: 'openai', apiKey: ''}]});
    };
    return (
        <Section
            title={t('ai.config.services')}
            description={t('ai.config.servicesHelp')}
            disabled={disabled}
            actions={(
                <button type='button' className='btn btn-tertiary btn-sm' onClick={add}>
                    <Icon name='plus'/>
                    {t('ai.config.addService')}
                </button>
            )}
        >
            {config.services.length === 0 && <p className='mattermost-ai-muted'>{t('ai.config.noServices')}</p>}
            {config.services.length > 0 && (
                <div className='mattermost-ai-cards'>
                    {config.services.map((s, i) => (
                        <ServiceEditor
                            key={s.id || i}
                            service={s}
                            index={i}
                            others={config.services.filter((_, j) => j !== i)}
                            isNew={Boolean(s.id) && s.id === added}
                            problems={problems}
                            usedBy={config.bots.filter((b) => b.serviceID === s.id).map((b) => b.displayName || b.name)}
                            onChange={(n) => setService(i, n)}
                            onDelete={() => update({...config, services: config.services.filter((_, j) => j !== i)})}
                        />
                    ))}
                </div>
            )}
        </Section>
    );
}

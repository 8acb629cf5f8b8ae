import React, {useEffect, useState} from 'react';

import {loadAgents} from '../agents_store';
import {cancelReindex, checkConfig, fetchModels, reindexStatus, startReindex, uploadAvatar} from '../client';
import type {JobStatus} from '../client';
import IdPicker from './id_picker';
import {t} from '../i18n';
import type {AdminCustomSettingProps, BotConfig, Config, ConfigProblem, License, ServiceConfig} from '../types';

export const SERVICE_TYPES = ['openai', 'azure', 'openaicompatible', 'anthropic', 'bedrock', 'cohere', 'mistral', 'asage'];
const LISTABLE = ['openai', 'azure', 'openaicompatible', 'anthropic'];
const OPENAI_FAMILY = ['openai', 'azure', 'openaicompatible'];

// Which fields each service type uses (the others are kept but not shown).
const FIELDS: Record<string, Array<keyof ServiceConfig>> = {
    openai: ['apiKey', 'orgId', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId', 'useResponsesAPI'],
    azure: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId', 'useResponsesAPI'],
    openaicompatible: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId', 'useResponsesAPI'],
    anthropic: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId'],
    bedrock: ['region', 'awsAccessKeyID', 'awsSecretAccessKey', 'apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'],
    cohere: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId'],
    mistral: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'],
    asage: ['apiKey', 'apiURL', 'defaultModel'],
};
const REQUIRED: Record<string, Array<keyof ServiceConfig>> = {
    openai: ['apiKey'],
    azure: ['apiKey', 'apiURL'],
    openaicompatible: ['apiURL'],
    anthropic: ['apiKey'],
    bedrock: ['region'],
    cohere: ['apiKey'],
    mistral: ['apiKey'],
    asage: ['apiKey'],
};
const NUMBER_FIELDS = ['tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'];
const BOOL_FIELDS = ['sendUserId', 'useResponsesAPI'];
const SECRET_FIELDS = ['apiKey', 'awsSecretAccessKey'];

function newId(): string {
    const c = (globalThis as {crypto?: {randomUUID?: () => string}}).crypto;
    return c?.randomUUID ? c.randomUUID() : `id-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function parseConfig(value: unknown): Config {
    let v = value;
    if (typeof v === 'string') {
        try {
            v = JSON.parse(v);
        } catch {
            v = {};
        }
    }
    const c = (v && typeof v === 'object' ? v : {}) as Config;
    return {...c, services: Array.isArray(c.services) ? c.services : [], bots: Array.isArray(c.bots) ? c.bots : []};
}

export function supportsWebSearch(s?: ServiceConfig): boolean {
    return Boolean(s) && (s?.type === 'anthropic' || (OPENAI_FAMILY.includes(s?.type ?? '') && Boolean(s?.useResponsesAPI)));
}

export function supportsReasoning(s?: ServiceConfig): boolean {
    return supportsWebSearch(s);
}


function Field({label, children, problem}: {label: string; children: React.ReactNode; problem?: string}) {
    return (
        <div className='form-group'>
            <label>
                <span>{label}</span>
                {children}
            </label>
            {problem && <div className='has-error' role='alert'>{problem}</div>}
        </div>
    );
}

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
    const fields = FIELDS[service.type] ?? FIELDS.openai;
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
                    {SERVICE_TYPES.map((ty) => <option key={ty} value={ty}>{ty}</option>)}
                </select>
            </Field>
            {fields.map((f) => {
                const key = String(f);
                const required = (REQUIRED[service.type] ?? []).includes(f);
                const label = t(`ai.config.${key}`) + (required ? ' *' : '');
                if (BOOL_FIELDS.includes(key)) {
                    return (
                        <Field key={key} label={label} problem={problemAt(key)}>
                            <input type='checkbox' checked={Boolean(service[f])} onChange={(e) => set(key, e.target.checked)}/>
                        </Field>
                    );
                }
                const numeric = NUMBER_FIELDS.includes(key);
                return (
                    <Field key={key} label={label} problem={problemAt(key)}>
                        <input
                            type={SECRET_FIELDS.includes(key) ? 'password' : numeric ? 'number' : 'text'}
                            required={required}
                            value={(service[f] as string | number | undefined) ?? ''}
                            onChange={(e) => set(key, numeric ? Number(e.target.value) || 0 : e.target.value)}
                        />
                    </Field>
                );
            })}
            {LISTABLE.includes(service.type) && (
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

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

// Semantic search settings, kept in upstream's shape so a saved configuration carries over.
function EmbeddingPanel({value, locked, onChange}: {value: Obj; locked: boolean; onChange: (v: Obj) => void}) {
    const provider = obj(value.embeddingProvider);
    const params = obj(provider.parameters);
    const chunking = obj(value.chunkingOptions);
    const setProvider = (k: string, v: unknown) => onChange({...value, embeddingProvider: {...provider, parameters: {...params, [k]: v}}});
    const setChunking = (k: string, v: unknown) => onChange({...value, chunkingOptions: {...chunking, [k]: v}});
    return (
        <fieldset disabled={locked}>
            <legend>{t('ai.config.embeddingSearch')}</legend>
            {locked && <p>{t('ai.config.licenseNeeded')}</p>}
            <Field label={t('ai.config.embeddingEnabled')}>
                <input
                    type='checkbox'
                    checked={value.type === 'composite'}
                    onChange={(e) => onChange({...value, type: e.target.checked ? 'composite' : '', vectorStore: {type: 'pgvector', parameters: {}}})}
                />
            </Field>
            <Field label={t('ai.config.embeddingProvider')}>
                <select value={String(provider.type ?? 'openai')} onChange={(e) => onChange({...value, embeddingProvider: {...provider, type: e.target.value}})}>
                    {['openai', 'openai-compatible'].map((x) => <option key={x} value={x}>{x}</option>)}
                </select>
            </Field>
            <Field label={t('ai.config.apiKey')}>
                <input type='password' value={String(params.apiKey ?? '')} onChange={(e) => setProvider('apiKey', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.apiURL')}>
                <input value={String(params.apiURL ?? '')} onChange={(e) => setProvider('apiURL', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.embeddingModel')}>
                <input value={String(params.embeddingModel ?? '')} onChange={(e) => setProvider('embeddingModel', e.target.value)}/>
            </Field>
            <Field label={t('ai.config.dimensions')}>
                <input type='number' value={Number(value.dimensions ?? 0)} onChange={(e) => onChange({...value, dimensions: Number(e.target.value) || 0})}/>
            </Field>
            <Field label={t('ai.config.chunkSize')}>
                <input type='number' value={Number(chunking.chunkSize ?? 1000)} onChange={(e) => setChunking('chunkSize', Number(e.target.value) || 0)}/>
            </Field>
            <Field label={t('ai.config.chunkOverlap')}>
                <input type='number' value={Number(chunking.chunkOverlap ?? 200)} onChange={(e) => setChunking('chunkOverlap', Number(e.target.value) || 0)}/>
            </Field>
            {!locked && value.type === 'composite' && <ReindexControls/>}
        </fieldset>
    );
}

// The reindex job: start, watch, cancel. Works on the saved settings.
function ReindexControls() {
    const [job, setJob] = useState<JobStatus | null>(null);
    const [error, setError] = useState('');
    const running = job?.status === 'running';
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
        <div className='mattermost-ai-reindex'>
            <p>{t('ai.config.reindexHelp')}</p>
            <button type='button' disabled={running} onClick={act(startReindex)}>{t('ai.config.reindex')}</button>
            {running && <button type='button' onClick={act(cancelReindex)}>{t('ai.config.reindexCancel')}</button>}
            {job && (
                <p role='status'>
                    {t(`ai.config.reindexStatus.${job.status}`, {done: job.processed_rows ?? 0, total: job.total_rows ?? 0})}
                    {job.error ? ` ${job.error}` : ''}
                </p>
            )}
            {error && <p role='alert'>{error}</p>}
        </div>
    );
}

// Extra HTTP headers for an MCP server, one `Name: value` per line. The text is kept as typed;
// only complete lines reach the configuration.
function HeadersField({value, onChange}: {value: Obj; onChange: (v: Record<string, string>) => void}) {
    const [text, setText] = useState(() => Object.entries(value).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
    return (
        <Field label={t('ai.config.mcpHeaders')}>
            <textarea
                value={text}
                onChange={(e) => {
                    setText(e.target.value);
                    const headers: Record<string, string> = {};
                    for (const line of e.target.value.split('\n')) {
                        const at = line.indexOf(':');
                        if (at > 0 && line.slice(0, at).trim()) {
                            headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
                        }
                    }
                    onChange(headers);
                }}
            />
        </Field>
    );
}

function McpPanel({value, locked, onChange}: {value: Obj; locked: boolean; onChange: (v: Obj) => void}) {
    const servers = Array.isArray(value.servers) ? (value.servers as Obj[]) : [];
    const setServer = (i: number, k: string, v: unknown) => onChange({...value, servers: servers.map((s, j) => (j === i ? {...s, [k]: v} : s))});
    const flag = (k: string, checked: boolean, v: Obj = value) => onChange({...v, [k]: checked});
    return (
        <fieldset disabled={locked}>
            <legend>{t('ai.config.mcp')}</legend>
            {locked && <p>{t('ai.config.licenseNeeded')}</p>}
            <Field label={t('ai.config.mcpEnabled')}>
                <input type='checkbox' checked={Boolean(value.enabled)} onChange={(e) => flag('enabled', e.target.checked)}/>
            </Field>
            <p>{t('ai.config.mcpLater')}</p>
            <Field label={t('ai.config.mcpEmbedded')}>
                <input
                    type='checkbox'
                    checked={Boolean(obj(value.embeddedServer).enabled)}
                    onChange={(e) => onChange({...value, embeddedServer: {...obj(value.embeddedServer), enabled: e.target.checked}})}
                />
            </Field>
            <Field label={t('ai.config.mcpPluginServer')}>
                <input type='checkbox' checked={Boolean(value.enablePluginServer)} onChange={(e) => flag('enablePluginServer', e.target.checked)}/>
            </Field>
            <Field label={t('ai.config.mcpIdle')}>
                <input type='number' value={Number(value.idleTimeoutMinutes ?? 30)} onChange={(e) => onChange({...value, idleTimeoutMinutes: Number(e.target.value) || 0})}/>
            </Field>
            {servers.map((s, i) => (
                <fieldset key={i}>
                    <legend>{String(s.name || s.baseURL || '')}</legend>
                    <Field label={t('ai.config.name')}>
                        <input value={String(s.name ?? '')} onChange={(e) => setServer(i, 'name', e.target.value)}/>
                    </Field>
                    <Field label={t('ai.config.mcpURL')}>
                        <input value={String(s.baseURL ?? '')} onChange={(e) => setServer(i, 'baseURL', e.target.value)}/>
                    </Field>
                    <Field label={t('ai.config.mcpServerEnabled')}>
                        <input type='checkbox' checked={s.enabled !== false} onChange={(e) => setServer(i, 'enabled', e.target.checked)}/>
                    </Field>
                    <HeadersField value={obj(s.headers)} onChange={(h) => setServer(i, 'headers', h)}/>
                    <button type='button' onClick={() => onChange({...value, servers: servers.filter((_, j) => j !== i)})}>{t('ai.config.delete')}</button>
                </fieldset>
            ))}
            <button type='button' onClick={() => onChange({...value, servers: [...servers, {name: '', enabled: true, baseURL: '', headers: {}}]})}>
                {t('ai.config.mcpAddServer')}
            </button>
        </fieldset>
    );
}

// The System Console's "Config" setting: the whole plugin configuration, saved as one object
// the way Mattermost saves plugin settings.
export default function ConfigEditor({id, value, onChange, setSaveNeeded, disabled}: AdminCustomSettingProps) {
    const [config, setConfig] = useState<Config>(() => parseConfig(value));
    const [license, setLicense] = useState<License | undefined>();
    // Agents' bot user ids by username, for avatar uploads (saved agents only).
    const [botIds, setBotIds] = useState<Record<string, string>>({});
    const [problems, setProblems] = useState<ConfigProblem[]>([]);
    const [loadError, setLoadError] = useState('');
    const [searchError, setSearchError] = useState('');

    useEffect(() => {
        loadAgents().then((r) => {
            setLicense(r.license);
            setBotIds(Object.fromEntries(r.bots.map((b) => [b.username, b.id])));
        }, () => undefined);
        checkConfig().then((c) => {
            setProblems(c.problems ?? []);
            setLoadError(c.loadError ?? '');
            setSearchError(c.search?.error ?? '');
            if (c.license) {
                setLicense(c.license);
            }
        }, () => undefined);
    }, []);

    const update = (next: Config) => {
        setConfig(next);
        onChange?.(id, next);
        setSaveNeeded?.();
    };
    const setService = (i: number, s: ServiceConfig) => update({...config, services: config.services.map((x, j) => (j === i ? s : x))});
    const setBot = (i: number, b: BotConfig) => update({...config, bots: config.bots.map((x, j) => (j === i ? b : x))});
    const multipleAgents = license?.multipleAgents ?? true;
    const canAddAgent = multipleAgents || config.bots.length === 0;

    return (
        <div className='mattermost-ai-config'>
            {loadError && <div role='alert'>{loadError}</div>}
            {searchError && <div role='alert'>{t('ai.config.searchError', {error: searchError})}</div>}
            {problems.length > 0 && (
                <div role='alert'>
                    <strong>{t('ai.config.problems')}</strong>
                    <ul>{problems.map((p) => <li key={p.path + p.message}>{`${p.path}: ${p.message}`}</li>)}</ul>
                </div>
            )}
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

            <h3>{t('ai.config.general')}</h3>
            <Field label={t('ai.config.defaultBot')}>
                <select value={config.defaultBotName ?? ''} onChange={(e) => update({...config, defaultBotName: e.target.value})}>
                    <option value=''>{'—'}</option>
                    {config.bots.map((b) => <option key={b.id} value={b.name}>{b.displayName || b.name}</option>)}
                </select>
            </Field>
            {(['enableTokenUsageLogging', 'enableLLMTrace', 'allowUnsafeLinks'] as const).map((k) => (
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
            <EmbeddingPanel
                value={(config.embeddingSearchConfig ?? {}) as Obj}
                locked={license !== undefined && !license.embeddingSearch}
                onChange={(v) => update({...config, embeddingSearchConfig: v})}
            />
            <McpPanel
                value={(config.mcp ?? {}) as Obj}
                locked={license !== undefined && !license.mcp}
                onChange={(v) => update({...config, mcp: v})}
            />
        </div>
    );
}

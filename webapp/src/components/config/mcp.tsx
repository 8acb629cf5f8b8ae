import React, {useCallback, useEffect, useRef, useState} from 'react';

import {clearMcpToolsCache, getMcpTools, mcpServerEndpoint} from '../../client';
import {t} from '../../i18n';
import type {Config, McpServerTools, McpToolsResponse, ToolConfig} from '../../types';
import {ToolSourceURL} from '../../wire';

import Field from './field';
import {newId, obj} from './model';
import type {Obj} from './model';
import ToolList, {toolConfigs} from './tools';

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

const nameOf = (s: Obj) => String(s.name ?? '').trim();

function hostOf(url: unknown): string {
    try {
        return new URL(String(url ?? '')).hostname;
    } catch {
        return '';
    }
}

// A server name no other server has: `base`, else `base 2`, `base 3`…; with no base, the first
// free "MCP server N". Tool settings are matched to a server by its name, so names must differ.
export function uniqueServerName(base: string, taken: string[]): string {
    if (!base) {
        for (let n = 1; ; n++) {
            const name = t('ai.config.mcpServerDefaultName', {n});
            if (!taken.includes(name)) {
                return name;
            }
        }
    }
    if (!taken.includes(base)) {
        return base;
    }
    for (let n = 2; ; n++) {
        if (!taken.includes(`${base} ${n}`)) {
            return `${base} ${n}`;
        }
    }
}

const isRemote = (s: McpServerTools) => s.url !== ToolSourceURL.embedded && s.url !== ToolSourceURL.builtin;

// The tool source of a configured server: by name, else (a server renamed since the list was
// made) by URL among sources no configured server is named after.
function sourceOf(server: Obj, sources: McpServerTools[], names: string[]): McpServerTools | undefined {
    const remote = sources.filter(isRemote);
    const name = nameOf(server);
    return (name ? remote.find((s) => s.name === name) : undefined) ??
        remote.find((s) => !names.includes(s.name) && Boolean(server.baseURL) && s.url === server.baseURL);
}

// The tool lists the server reports, with refresh. Lists reflect the saved settings.
function useToolSources() {
    const [tools, setTools] = useState<McpToolsResponse | null>(null);
    const [loading, setLoading] = useState(true);
    const [error, setError] = useState('');
    const [message, setMessage] = useState('');
    const load = useCallback(async () => {
        setLoading(true);
        try {
            setTools(await getMcpTools());
            setError('');
        } catch (e) {
            setError(t('ai.config.toolsLoadFailed', {error: e instanceof Error ? e.message : String(e)}));
        } finally {
            setLoading(false);
        }
    }, []);
    useEffect(() => {
        load();
    }, [load]);
    const refresh = async () => {
        setMessage('');
        setError('');
        setLoading(true);
        try {
            const cleared = await clearMcpToolsCache();
            setMessage(t('ai.config.toolsRefreshed', {count: Number(cleared?.cleared_servers ?? 0)}));
        } catch (e) {
            setError(t('ai.config.toolsRefreshFailed', {error: e instanceof Error ? e.message : String(e)}));
            setLoading(false);
            return;
        }
        await load();
    };
    const sources = Array.isArray(tools?.servers) ? tools.servers.filter((s) => s && typeof s === 'object') : [];
    return {sources, loading, error, message, refresh};
}

// MCP servers and the policies of every tool, kept in upstream's shape: `mcp` for the servers,
// `builtinTools` and `enableChannelMentionToolCalling` at the top level.
export default function McpPanel({config, locked, disabled, update}: {
    config: Config;
    locked: boolean;
    disabled?: boolean;
    update: (next: Config) => void;
}) {
    const value = obj(config.mcp);
    const servers = Array.isArray(value.servers) ? (value.servers as unknown[]).map(obj) : [];
    const embedded = obj(value.embeddedServer);
    const {sources, loading, error, message, refresh} = useToolSources();
    // Stable row keys, so a deleted row's typed-in state does not move to the next one.
    const keys = useRef<string[]>([]);
    while (keys.current.length < servers.length) {
        keys.current.push(newId());
    }

    const setMcp = (next: Obj) => update({...config, mcp: next});
    const setServers = (next: Obj[]) => setMcp({...value, servers: next});
    const namesBut = (i: number) => servers.filter((_, j) => j !== i).map(nameOf);
    // An edited server without a name gets one, from its URL's host if it has one.
    const setServer = (i: number, change: Obj) => setServers(servers.map((s, j) => {
        if (j !== i) {
            return s;
        }
        const next = {...s, ...change};
        if (!('name' in change) && !nameOf(next)) {
            next.name = uniqueServerName(hostOf(next.baseURL), namesBut(i));
        }
        return next;
    }));
    const fixName = (i: number) => {
        const name = nameOf(servers[i]);
        const fixed = uniqueServerName(name || hostOf(servers[i].baseURL), namesBut(i));
        if (fixed !== servers[i].name) {
            setServer(i, {name: fixed});
        }
    };
    const setToolConfigs = (i: number, list: ToolConfig[]) => setServer(i, {tool_configs: list});
    const names = servers.map(nameOf);
    const embeddedSource = sources.find((s) => s.url === ToolSourceURL.embedded);
    const builtinSource = sources.find((s) => s.url === ToolSourceURL.builtin);
    const builtin = obj(config.builtinTools);

    return (
        <div className='mattermost-ai-mcp'>
            <fieldset disabled={locked || disabled}>
                <legend>{t('ai.config.mcp')}</legend>
                {locked && <p>{t('ai.config.licenseNeeded')}</p>}
                <Field label={t('ai.config.mcpEnabled')}>
                    <input type='checkbox' checked={Boolean(value.enabled)} onChange={(e) => setMcp({...value, enabled: e.target.checked})}/>
                </Field>
                <Field label={t('ai.config.mcpEmbedded')}>
                    <input
                        type='checkbox'
                        checked={Boolean(embedded.enabled)}
                        onChange={(e) => setMcp({...value, embeddedServer: {...embedded, enabled: e.target.checked}})}
                    />
                </Field>
                <p>{t('ai.config.mcpEmbeddedHelp')}</p>
                {Boolean(embedded.enabled) && (
                    <ToolList
                        title={t('ai.config.mcpEmbeddedTools')}
                        source={embeddedSource}
                        configs={toolConfigs(embedded)}
                        loading={loading}
                        onChange={(list) => setMcp({...value, embeddedServer: {...embedded, tool_configs: list}})}
                    />
                )}
                <Field label={t('ai.config.mcpPluginServer')}>
                    <input
                        type='checkbox'
                        checked={Boolean(value.enablePluginServer)}
                        onChange={(e) => setMcp({...value, enablePluginServer: e.target.checked})}
                    />
                </Field>
                {Boolean(value.enablePluginServer) && (
                    <p>
                        {t('ai.config.mcpPluginServerURL')}{' '}
                        <code>{mcpServerEndpoint()}</code>
                    </p>
                )}
                <Field label={t('ai.config.mcpIdle')}>
                    <input
                        type='number'
                        min={0}
                        value={Number(value.idleTimeoutMinutes ?? 30)}
                        onChange={(e) => setMcp({...value, idleTimeoutMinutes: Number(e.target.value) || 0})}
                    />
                </Field>
                {servers.map((s, i) => {
                    const duplicate = Boolean(names[i]) && namesBut(i).includes(names[i]);
                    return (
                        <fieldset key={keys.current[i]} className='mattermost-ai-mcp-server'>
                            <legend>{String(s.name || s.baseURL || '')}</legend>
                            <Field label={t('ai.config.name')} problem={duplicate ? t('ai.config.mcpDuplicateName') : undefined}>
                                <input
                                    value={String(s.name ?? '')}
                                    onChange={(e) => setServer(i, {name: e.target.value})}
                                    onBlur={() => fixName(i)}
                                />
                            </Field>
                            <Field label={t('ai.config.mcpURL')}>
                                <input value={String(s.baseURL ?? '')} onChange={(e) => setServer(i, {baseURL: e.target.value})}/>
                            </Field>
                            <Field label={t('ai.config.mcpServerEnabled')}>
                                <input type='checkbox' checked={s.enabled !== false} onChange={(e) => setServer(i, {enabled: e.target.checked})}/>
                            </Field>
                            <HeadersField value={obj(s.headers)} onChange={(h) => setServer(i, {headers: h})}/>
                            <p>{t('ai.config.mcpOAuthHelp')}</p>
                            <Field label={t('ai.config.mcpClientID')}>
                                <input value={String(s.clientID ?? '')} onChange={(e) => setServer(i, {clientID: e.target.value})}/>
                            </Field>
                            <Field label={t('ai.config.mcpClientSecret')}>
                                <input
                                    type='password'
                                    autoComplete='new-password'
                                    value={String(s.clientSecret ?? '')}
                                    onChange={(e) => setServer(i, {clientSecret: e.target.value})}
                                />
                            </Field>
                            <ToolList
                                title={t('ai.config.tools')}
                                source={sourceOf(s, sources, names)}
                                configs={toolConfigs(s)}
                                loading={loading}
                                onChange={(list) => setToolConfigs(i, list)}
                            />
                            <button
                                type='button'
                                onClick={() => {
                                    keys.current.splice(i, 1);
                                    setServers(servers.filter((_, j) => j !== i));
                                }}
                            >
                                {t('ai.config.delete')}
                            </button>
                        </fieldset>
                    );
                })}
                <button
                    type='button'
                    onClick={() => setServers([...servers, {name: uniqueServerName('', names), enabled: true, baseURL: '', headers: {}}])}
                >
                    {t('ai.config.mcpAddServer')}
                </button>
            </fieldset>
            <fieldset disabled={disabled}>
                <legend>{t('ai.config.tools')}</legend>
                <Field label={t('ai.config.channelToolCalling')}>
                    <input
                        type='checkbox'
                        checked={Boolean(config.enableChannelMentionToolCalling)}
                        onChange={(e) => update({...config, enableChannelMentionToolCalling: e.target.checked})}
                    />
                </Field>
                <p>{t('ai.config.channelToolCallingHelp')}</p>
                <ToolList
                    title={t('ai.config.builtinTools')}
                    source={builtinSource}
                    configs={toolConfigs(builtin)}
                    loading={loading}
                    onChange={(list) => update({...config, builtinTools: {...builtin, tool_configs: list}})}
                />
                <p>{t('ai.config.toolsHelp')}</p>
                <button type='button' disabled={loading} onClick={refresh}>{t('ai.config.refreshTools')}</button>
                {message && <p role='status'>{message}</p>}
                {error && <p className='has-error' role='alert'>{error}</p>}
            </fieldset>
        </div>
    );
}

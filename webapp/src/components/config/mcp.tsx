import React, {useCallback, useEffect, useRef, useState} from 'react';

import {clearMcpToolsCache, getMcpTools, mcpServerEndpoint} from '../../client';
import {t} from '../../i18n';
import type {Config, ConfigProblem, McpServerTools, McpToolsResponse} from '../../types';
import {ToolSourceURL} from '../../wire';
import Card from '../ui/card';
import Icon from '../ui/icon';
import IconButton from '../ui/icon_button';
import Notice from '../ui/notice';
import SecretInput from '../ui/secret_input';
import Toggle from '../ui/toggle';

import Field, {revealLabels} from './field';
import {hasProblemUnder, newId, nonNegativeCheck, obj, problemAt, urlCheck} from './model';
import type {Obj} from './model';
import Section, {Subsection} from './section';
import ToolList, {toolConfigs} from './tools';

// Extra HTTP headers for an MCP server, one `Name: value` per line. The text is kept as typed;
// only complete lines reach the configuration.
function HeadersField({value, onChange}: {value: Obj; onChange: (v: Record<string, string>) => void}) {
    const [text, setText] = useState(() => Object.entries(value).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
    return (
        <Field label={t('ai.config.mcpHeaders')}>
            {(c) => (
                <textarea
                    {...c}
                    className='form-control'
                    spellCheck={false}
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
            )}
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

// One remote MCP server: a card with its address, headers, OAuth client and tools.
function ServerEditor({server, index, duplicate, source, problems, loading, isNew, onChange, onNameDone, onDelete}: {
    server: Obj;
    index: number;
    duplicate: boolean;
    source?: McpServerTools;
    problems: ConfigProblem[];
    loading: boolean;
    isNew: boolean;
    onChange: (change: Obj) => void;
    onNameDone: () => void;
    onDelete: () => void;
}) {
    const path = `mcp.servers[${index}]`;
    const at = (field: string) => problemAt(problems, `${path}.${field}`);
    const title = String(server.name || server.baseURL || '') || t('ai.config.newMcpServer');
    const subtitle = [String(server.baseURL ?? ''), server.enabled === false ? t('ai.config.serverDisabled') : ''].filter(Boolean).join(' · ');
    return (
        <Card
            title={title}
            subtitle={subtitle}
            defaultOpen={isNew}
            autoFocus={isNew}
            // A server whose tools cannot be listed (an error, OAuth needed) opens to say so.
            openWhen={duplicate || hasProblemUnder(problems, path) || Boolean(source?.error || source?.needsOAuth)}
            actions={(
                <IconButton
                    icon='trash-can-outline'
                    label={t('ai.config.deleteItem', {name: title})}
                    onClick={onDelete}
                />
            )}
        >
            <Field label={t('ai.config.name')} problem={duplicate ? t('ai.config.mcpDuplicateName') : at('name')}>
                {(c) => (
                    <input
                        {...c}
                        className='form-control'
                        value={String(server.name ?? '')}
                        onChange={(e) => onChange({name: e.target.value})}
                        onBlur={onNameDone}
                    />
                )}
            </Field>
            <Field label={t('ai.config.mcpURL')} problem={at('baseURL')} check={urlCheck(server.baseURL)}>
                {(c) => <input {...c} className='form-control' type='url' value={String(server.baseURL ?? '')} onChange={(e) => onChange({baseURL: e.target.value})}/>}
            </Field>
            <Field label={t('ai.config.mcpServerEnabled')} switchRow>
                {(c) => <Toggle {...c} checked={server.enabled !== false} onChange={(on) => onChange({enabled: on})}/>}
            </Field>
            <HeadersField value={obj(server.headers)} onChange={(h) => onChange({headers: h})}/>
            <Subsection title={t('ai.config.mcpOAuthTitle')} help={t('ai.config.mcpOAuthHelp')}>
                <Field label={t('ai.config.mcpClientID')}>
                    {(c) => <input {...c} className='form-control' value={String(server.clientID ?? '')} onChange={(e) => onChange({clientID: e.target.value})}/>}
                </Field>
                <Field label={t('ai.config.mcpClientSecret')}>
                    {(c) => (
                        <SecretInput
                            {...c}
                            {...revealLabels(t('ai.config.mcpClientSecret'))}
                            value={String(server.clientSecret ?? '')}
                            onChange={(v) => onChange({clientSecret: v})}
                        />
                    )}
                </Field>
            </Subsection>
            <ToolList
                title={t('ai.config.tools')}
                source={source}
                configs={toolConfigs(server)}
                loading={loading}
                onChange={(list) => onChange({tool_configs: list})}
            />
        </Card>
    );
}

// MCP servers and the policies of every tool, kept in upstream's shape: `mcp` for the servers,
// `builtinTools` and `enableChannelMentionToolCalling` at the top level. Two sections: "MCP
// servers" (the embedded server, the HTTP endpoint, remote servers) and "Tools" (the built-in
// tools, tools in channels, and refreshing every list).
export default function McpPanel({config, problems, locked, disabled, update}: {
    config: Config;
    problems: ConfigProblem[];
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
    // The key of the server added last on this page: it opens with the focus in it.
    const [added, setAdded] = useState('');

    const setMcp = (next: Obj) => update({...config, mcp: next});
    const setServers = (next: Obj[]) => setMcp({...value, servers: next});
    const names = servers.map(nameOf);
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
    const addServer = () => {
        const key = newId();
        keys.current.push(key);
        setAdded(key);
        setServers([...servers, {name: uniqueServerName('', names), enabled: true, baseURL: '', headers: {}}]);
    };
    const embeddedSource = sources.find((s) => s.url === ToolSourceURL.embedded);
    const builtinSource = sources.find((s) => s.url === ToolSourceURL.builtin);
    const builtin = obj(config.builtinTools);

    return (
        <>
            <Section
                title={t('ai.config.mcp')}
                description={t('ai.config.mcpHelp')}
                unlicensed={locked}
                disabled={locked || disabled}
                actions={(
                    <button type='button' className='btn btn-tertiary btn-sm' onClick={addServer}>
                        <Icon name='plus'/>
                        {t('ai.config.mcpAddServer')}
                    </button>
                )}
            >
                <Field label={t('ai.config.mcpEnabled')} problem={problemAt(problems, 'mcp.enabled')} switchRow>
                    {(c) => <Toggle {...c} checked={Boolean(value.enabled)} onChange={(on) => setMcp({...value, enabled: on})}/>}
                </Field>
                <Field label={t('ai.config.mcpEmbedded')} help={t('ai.config.mcpEmbeddedHelp')} switchRow>
                    {(c) => (
                        <Toggle
                            {...c}
                            checked={Boolean(embedded.enabled)}
                            onChange={(on) => setMcp({...value, embeddedServer: {...embedded, enabled: on}})}
                        />
                    )}
                </Field>
                {Boolean(embedded.enabled) && (
                    <ToolList
                        title={t('ai.config.mcpEmbeddedTools')}
                        source={embeddedSource}
                        configs={toolConfigs(embedded)}
                        loading={loading}
                        onChange={(list) => setMcp({...value, embeddedServer: {...embedded, tool_configs: list}})}
                    />
                )}
                <Field
                    label={t('ai.config.mcpPluginServer')}
                    help={Boolean(value.enablePluginServer) && (
                        <>
                            {t('ai.config.mcpPluginServerURL')}{' '}
                            <code>{mcpServerEndpoint()}</code>
                        </>
                    )}
                    switchRow
                >
                    {(c) => (
                        <Toggle
                            {...c}
                            checked={Boolean(value.enablePluginServer)}
                            onChange={(on) => setMcp({...value, enablePluginServer: on})}
                        />
                    )}
                </Field>
                <Field
                    label={t('ai.config.mcpIdle')}
                    problem={problemAt(problems, 'mcp.idleTimeoutMinutes')}
                    check={nonNegativeCheck(Number(value.idleTimeoutMinutes ?? 30))}
                >
                    {(c) => (
                        <input
                            {...c}
                            className='form-control'
                            type='number'
                            min={0}
                            value={Number(value.idleTimeoutMinutes ?? 30)}
                            onChange={(e) => setMcp({...value, idleTimeoutMinutes: Number(e.target.value) || 0})}
                        />
                    )}
                </Field>
                {servers.length === 0 && <p className='mattermost-ai-muted'>{t('ai.config.noMcpServers')}</p>}
                {servers.length > 0 && (
                    <div className='mattermost-ai-cards'>
                        {servers.map((s, i) => (
                            <ServerEditor
                                key={keys.current[i]}
                                server={s}
                                index={i}
                                duplicate={Boolean(names[i]) && namesBut(i).includes(names[i])}
                                source={sourceOf(s, sources, names)}
                                problems={problems}
                                loading={loading}
                                isNew={keys.current[i] === added}
                                onChange={(change) => setServer(i, change)}
                                onNameDone={() => fixName(i)}
                                onDelete={() => {
                                    keys.current.splice(i, 1);
                                    setServers(servers.filter((_, j) => j !== i));
                                }}
                            />
                        ))}
                    </div>
                )}
            </Section>
            <Section
                title={t('ai.config.tools')}
                description={t('ai.config.toolsSectionHelp')}
                disabled={disabled}
                actions={(
                    <button type='button' className='btn btn-tertiary btn-sm' disabled={loading} onClick={refresh}>
                        <Icon name='refresh'/>
                        {t('ai.config.refreshTools')}
                    </button>
                )}
            >
                <Field label={t('ai.config.channelToolCalling')} help={t('ai.config.channelToolCallingHelp')} switchRow>
                    {(c) => (
                        <Toggle
                            {...c}
                            checked={Boolean(config.enableChannelMentionToolCalling)}
                            onChange={(on) => update({...config, enableChannelMentionToolCalling: on})}
                        />
                    )}
                </Field>
                <ToolList
                    title={t('ai.config.builtinTools')}
                    source={builtinSource}
                    configs={toolConfigs(builtin)}
                    loading={loading}
                    onChange={(list) => update({...config, builtinTools: {...builtin, tool_configs: list}})}
                />
                <p className='mattermost-ai-help'>{t('ai.config.toolsHelp')}</p>
                {message && <Notice kind='success'>{message}</Notice>}
                {error && <Notice kind='error'>{error}</Notice>}
            </Section>
        </>
    );
}

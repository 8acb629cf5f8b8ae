import React, {useState} from 'react';

import {t} from '../../i18n';

import Field from './field';
import {obj} from './model';
import type {Obj} from './model';

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

// MCP tools and servers, kept in upstream's shape.
export default function McpPanel({value, locked, onChange}: {value: Obj; locked: boolean; onChange: (v: Obj) => void}) {
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

import React, {useEffect, useState} from 'react';

import {getMcpTools} from '../../client';
import {t} from '../../i18n';
import type {McpServerTools} from '../../types';
import {ToolSourceURL} from '../../wire';
import Toggle from '../ui/toggle';

import Field from './field';
import {Subsection} from './section';

// One allowed tool, as upstream stores it in an agent's `enabledMCPTools`.
export interface AllowedTool {
    server_origin: string;
    tool_name: string;
}

// The MCP tool sources, asked once per page for all the agents' cards.
let sources: Promise<McpServerTools[]> | undefined;
export function resetToolSources(): void {
    sources = undefined;
}
function toolSources(): Promise<McpServerTools[]> {
    sources ??= getMcpTools().then((r) => r.servers ?? [], () => []);
    return sources;
}

// The origin the server matches an allowed tool by: the embedded Mattermost server by its
// address, a remote server by its URL's origin (scheme, host and port).
export function originOf(source: McpServerTools): string {
    if (source.url === ToolSourceURL.embedded) {
        return ToolSourceURL.embedded;
    }
    try {
        return new URL(source.url).origin.toLowerCase();
    } catch {
        return source.url.toLowerCase();
    }
}

// Which MCP tools an agent may use (`autoEnableNewMCPTools`, `enabledMCPTools`, upstream's
// names): every tool, new ones included, unless the admin turns that off and ticks the tools.
// The built-in tools are not listed: every agent that uses tools has them.
export default function AgentTools({value, onChange}: {
    value: Record<string, unknown>;
    onChange: (next: {autoEnableNewMCPTools: boolean; enabledMCPTools: AllowedTool[]}) => void;
}) {
    const [list, setList] = useState<McpServerTools[] | null>(null);
    const all = value.autoEnableNewMCPTools !== false;
    const allowed: AllowedTool[] = Array.isArray(value.enabledMCPTools) ? value.enabledMCPTools as AllowedTool[] : [];
    useEffect(() => {
        if (!all && list === null) {
            toolSources().then(setList);
        }
    }, [all, list]);
    const has = (origin: string, name: string) => allowed.some((a) => a.server_origin === origin && a.tool_name === name);
    const toggle = (origin: string, name: string, on: boolean) => {
        const rest = allowed.filter((a) => !(a.server_origin === origin && a.tool_name === name));
        onChange({autoEnableNewMCPTools: all, enabledMCPTools: on ? [...rest, {server_origin: origin, tool_name: name}] : rest});
    };
    const remote = (list ?? []).filter((s) => s.url !== ToolSourceURL.builtin && (s.tools ?? []).length > 0);
    return (
        <Subsection title={t('ai.config.agentTools')} help={t('ai.config.agentToolsHelp')}>
            <Field label={t('ai.config.autoEnableNewTools')} switchRow>
                {(c) => (
                    <Toggle
                        {...c}
                        checked={all}
                        onChange={(v) => onChange({autoEnableNewMCPTools: v, enabledMCPTools: allowed})}
                    />
                )}
            </Field>
            {!all && list === null && <p className='mattermost-ai-help'>{t('ai.config.agentToolsLoading')}</p>}
            {!all && list !== null && remote.length === 0 && <p className='mattermost-ai-help'>{t('ai.config.agentToolsNone')}</p>}
            {!all && remote.map((s) => (
                <fieldset
                    key={s.url}
                    className='mattermost-ai-fieldset mattermost-ai-agent-tools'
                >
                    <legend className='mattermost-ai-subsection__title'>{s.name}</legend>
                    {(s.tools ?? []).map((tool) => (
                        <label
                            key={tool.name}
                            className='mattermost-ai-agent-tools__tool'
                        >
                            <input
                                type='checkbox'
                                checked={has(originOf(s), tool.name)}
                                onChange={(e) => toggle(originOf(s), tool.name, e.target.checked)}
                            />
                            <span>{tool.name}</span>
                        </label>
                    ))}
                </fieldset>
            ))}
        </Subsection>
    );
}

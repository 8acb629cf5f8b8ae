import React from 'react';

import {t} from '../../i18n';
import type {McpServerTools, ToolConfig} from '../../types';
import {ToolPolicy} from '../../wire';
import Icon from '../ui/icon';
import Notice from '../ui/notice';
import Toggle from '../ui/toggle';

import {obj} from './model';

const POLICIES: string[] = [ToolPolicy.ask, ToolPolicy.autoRunInDM, ToolPolicy.autoRunEverywhere];

// The `tool_configs` list of a config object, without malformed entries.
export function toolConfigs(holder: unknown): ToolConfig[] {
    const list = obj(holder).tool_configs;
    return Array.isArray(list) ? (list as unknown[]).filter((c): c is ToolConfig => typeof obj(c).name === 'string') : [];
}

// The list with `name`'s entry changed, or added with the defaults (ask, enabled) under the
// change. Other entries, and unknown keys of the changed one, stay as they are.
export function withToolConfig(list: ToolConfig[], name: string, change: Partial<ToolConfig>): ToolConfig[] {
    if (list.some((c) => c.name === name)) {
        return list.map((c) => (c.name === name ? {...c, ...change, name} : c));
    }
    return [...list, {name, policy: ToolPolicy.ask, enabled: true, ...change}];
}

// A policy as the server reads it: anything unknown asks.
const policyOf = (c?: ToolConfig) => (c && POLICIES.includes(c.policy) ? c.policy : ToolPolicy.ask);

// What the server said about a source's tools: its error, or that it needs OAuth first.
export function SourceStatus({source}: {source: McpServerTools}) {
    const link = source.oauthURL && /^https?:\/\//i.test(source.oauthURL) ? source.oauthURL : undefined;
    return (
        <>
            {source.error && <Notice kind='error'>{t('ai.config.toolsServerError', {error: source.error})}</Notice>}
            {source.needsOAuth && (
                <Notice kind='info'>
                    {t('ai.config.toolsNeedOAuth')}
                    {link && (
                        <>
                            {' '}
                            <a href={link} target='_blank' rel='noopener noreferrer'>{t('ai.config.toolsAuthorize')}</a>
                        </>
                    )}
                </Notice>
            )}
        </>
    );
}

// One tool: its name and description, the policy, and an on/off switch. The controls are named
// after the tool ("Policy for create_post", "Enable create_post"), as the rows have no labels.
function ToolRow({name, description, offered, config, onChange}: {
    name: string;
    description: string;
    offered: boolean;
    config?: ToolConfig;
    onChange: (change: Partial<ToolConfig>) => void;
}) {
    const enabled = config?.enabled !== false;
    return (
        <li className='mattermost-ai-tool'>
            <div className='mattermost-ai-tool__info'>
                <span className='mattermost-ai-tool__name'>{name}</span>
                {description && <p className='mattermost-ai-tool__description'>{description}</p>}
                {!offered && <p className='mattermost-ai-tool__description'>{t('ai.config.toolNotOffered')}</p>}
            </div>
            <select
                className='form-control mattermost-ai-tool__policy'
                aria-label={t('ai.config.toolPolicyFor', {tool: name})}
                value={policyOf(config)}
                disabled={!enabled}
                onChange={(e) => onChange({policy: e.target.value})}
            >
                {POLICIES.map((p) => <option key={p} value={p}>{t(`ai.config.toolPolicy.${p}`)}</option>)}
            </select>
            <span className='mattermost-ai-tool__switch'>
                <Toggle
                    aria-label={t('ai.config.toolEnabledFor', {tool: name})}
                    checked={enabled}
                    onChange={(on) => onChange({enabled: on})}
                />
            </span>
        </li>
    );
}

// The tools of one source, each with its policy and an on/off switch, in a list that opens on
// demand. Tools the source no longer offers but that have a saved entry are listed too, so the
// entry can still be changed. The summary's text is only "Title (count)": the chevron is an
// icon without text.
export default function ToolList({title, source, configs, loading, onChange}: {
    title: string;
    source?: McpServerTools;
    configs: ToolConfig[];
    loading: boolean;
    onChange: (next: ToolConfig[]) => void;
}) {
    const offered = (source?.tools ?? []).filter((tool) => tool && typeof tool.name === 'string');
    const saved = configs.filter((c) => !offered.some((tool) => tool.name === c.name));
    const rows = [
        ...offered.map((tool) => ({name: tool.name, description: tool.description ?? '', offered: true})),
        ...saved.map((c) => ({name: c.name, description: '', offered: false})),
    ];
    let empty = '';
    if (rows.length === 0) {
        if (loading) {
            empty = t('ai.config.toolsLoading');
        } else if (source) {
            empty = source.error || source.needsOAuth ? '' : t('ai.config.toolsNone');
        } else {
            empty = t('ai.config.toolsNotListed');
        }
    }
    return (
        <div className='mattermost-ai-tools'>
            {source && <SourceStatus source={source}/>}
            <details>
                <summary>
                    <Icon name='chevron-right' className='mattermost-ai-chevron'/>
                    {t('ai.config.toolsOf', {title, count: rows.length})}
                </summary>
                {empty && <p className='mattermost-ai-help'>{empty}</p>}
                {rows.length > 0 && (
                    <ul className='mattermost-ai-plain mattermost-ai-tool-list'>
                        {rows.map((row) => (
                            <ToolRow
                                key={row.name}
                                {...row}
                                config={configs.find((c) => c.name === row.name)}
                                onChange={(change) => onChange(withToolConfig(configs, row.name, change))}
                            />
                        ))}
                    </ul>
                )}
            </details>
        </div>
    );
}

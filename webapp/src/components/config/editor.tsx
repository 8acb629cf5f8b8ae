import React, {useCallback, useEffect, useState} from 'react';

import {loadAgents} from '../../agents_store';
import {checkConfig} from '../../client';
import type {AdminCustomSettingProps, Config, ConfigCheck, ConfigProblem, License, UpstreamImport} from '../../types';

import Agents from './agents';
import EmbeddingPanel from './embedding';
import General from './general';
import McpPanel from './mcp';
import {parseConfig} from './model';
import type {Obj} from './model';
import Problems from './problems';
import QuotasPanel from './quotas';
import Services from './services';
import UsagePanel from './usage';
import WebSearchPanel from './web_search';

// The System Console's "Config" setting: the whole plugin configuration, saved as one object
// the way Mattermost saves plugin settings. The plugin registers it without a title, so it has
// the page's full width and lays out its own sections as the System Console does.
export default function ConfigEditor({id, value, onChange, setSaveNeeded, registerSaveAction, unRegisterSaveAction, disabled}: AdminCustomSettingProps) {
    const [config, setConfig] = useState<Config>(() => parseConfig(value));
    const [license, setLicense] = useState<License | undefined>();
    // Agents' bot user ids by username, for avatar uploads (saved agents only).
    const [botIds, setBotIds] = useState<Record<string, string>>({});
    const [problems, setProblems] = useState<ConfigProblem[]>([]);
    const [loadError, setLoadError] = useState('');
    const [searchError, setSearchError] = useState('');
    const [upstreamImport, setUpstreamImport] = useState<UpstreamImport | null>(null);

    // The server's verdict on the saved configuration.
    const recheck = useCallback(() => checkConfig().then((c: ConfigCheck) => {
        setProblems(c.problems ?? []);
        setLoadError(c.loadError ?? '');
        setSearchError(c.search?.error ?? '');
        setUpstreamImport(c.upstreamImport ?? null);
        if (c.license) {
            setLicense(c.license);
        }
    }, () => undefined), []);

    useEffect(() => {
        loadAgents().then((r) => {
            setLicense(r.license);
            setBotIds(Object.fromEntries(r.bots.map((b) => [b.username, b.id])));
        }, () => undefined);
        recheck();
    }, [recheck]);

    // Mattermost runs save actions after it has saved the configuration: check it again then, so
    // the problems shown are those of what was just saved. A failed check never keeps the save
    // bar up (the settings are saved either way), so the action always succeeds.
    useEffect(() => {
        const afterSave = async () => {
            await recheck();
            return {};
        };
        registerSaveAction?.(afterSave);
        return () => unRegisterSaveAction?.(afterSave);
    }, [registerSaveAction, unRegisterSaveAction, recheck]);

    const update = (next: Config) => {
        setConfig(next);
        onChange?.(id, next);
        setSaveNeeded?.();
    };

    const usageLocked = license !== undefined && !license.usageTracking;
    return (
        <div className='mattermost-ai-root mattermost-ai-config'>
            <Problems
                loadError={loadError}
                searchError={searchError}
                problems={problems}
                upstreamImport={upstreamImport}
            />
            <Services
                config={config}
                problems={problems}
                disabled={disabled}
                update={update}
            />
            <Agents
                config={config}
                problems={problems}
                license={license}
                botIds={botIds}
                disabled={disabled}
                update={update}
            />
            <General
                config={config}
                license={license}
                update={update}
            />
            <QuotasPanel
                config={config}
                problems={problems}
                botIds={botIds}
                locked={usageLocked}
                update={update}
            />
            <UsagePanel
                locked={usageLocked}
                pending={license === undefined}
            />
            <EmbeddingPanel
                value={(config.embeddingSearchConfig ?? {}) as Obj}
                locked={license !== undefined && !license.embeddingSearch}
                onChange={(v) => update({...config, embeddingSearchConfig: v})}
            />
            <WebSearchPanel config={config} problems={problems} disabled={disabled} update={update}/>
            <McpPanel
                config={config}
                problems={problems}
                locked={license !== undefined && !license.mcp}
                disabled={disabled}
                update={update}
            />
        </div>
    );
}

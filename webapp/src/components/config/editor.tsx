import React, {useEffect, useState} from 'react';

import {loadAgents} from '../../agents_store';
import {checkConfig} from '../../client';
import type {AdminCustomSettingProps, Config, ConfigProblem, License, UpstreamImport} from '../../types';

import Agents from './agents';
import EmbeddingPanel from './embedding';
import General from './general';
import McpPanel from './mcp';
import {parseConfig} from './model';
import type {Obj} from './model';
import Problems from './problems';
import Services from './services';

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
    const [upstreamImport, setUpstreamImport] = useState<UpstreamImport | null>(null);

    useEffect(() => {
        loadAgents().then((r) => {
            setLicense(r.license);
            setBotIds(Object.fromEntries(r.bots.map((b) => [b.username, b.id])));
        }, () => undefined);
        checkConfig().then((c) => {
            setProblems(c.problems ?? []);
            setLoadError(c.loadError ?? '');
            setSearchError(c.search?.error ?? '');
            setUpstreamImport(c.upstreamImport ?? null);
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

    return (
        <div className='mattermost-ai-config'>
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
            <EmbeddingPanel
                value={(config.embeddingSearchConfig ?? {}) as Obj}
                locked={license !== undefined && !license.embeddingSearch}
                onChange={(v) => update({...config, embeddingSearchConfig: v})}
            />
            <McpPanel
                config={config}
                locked={license !== undefined && !license.mcp}
                disabled={disabled}
                update={update}
            />
        </div>
    );
}

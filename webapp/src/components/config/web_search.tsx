import React, {useState} from 'react';

import {t} from '../../i18n';
import type {Config, ConfigProblem} from '../../types';
import SecretInput from '../ui/secret_input';
import Toggle from '../ui/toggle';

import Field, {revealLabels} from './field';
import {obj, problemAt, requiredCheck, urlCheck} from './model';
import type {Obj} from './model';
import Section from './section';

// Upstream's `webSearch` object, field for field, so a configuration exported from the Go
// plugin keeps working; keys this page does not know (Brave's poll settings, …) are kept.
export interface WebSearchConfig {
    enabled?: boolean;
    provider?: string;
    google?: Obj;
    brave?: Obj;
    domainDenylist?: string[];
    [other: string]: unknown;
}

const PROVIDERS = ['google', 'brave'] as const;
type Provider = typeof PROVIDERS[number];
// Product names, the same in every language.
const BRANDS: Record<Provider, string> = {google: 'Google Programmable Search', brave: 'Brave Search'};

// A result limit typed into a field: empty or not a number is 0 (the plugin's default, 5).
const limit = (v: string) => {
    const n = Math.floor(Number(v));
    return Number.isFinite(n) && n > 0 ? n : 0;
};

// The denylist, one domain per line. The text is kept as typed; only non-empty lines reach the
// configuration.
function DenylistField({value, onChange, ...aria}: {
    value: string[];
    onChange: (v: string[]) => void;
    id: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
}) {
    const [text, setText] = useState(() => value.join('\n'));
    return (
        <textarea
            {...aria}
            className='form-control'
            spellCheck={false}
            rows={4}
            value={text}
            onChange={(e) => {
                setText(e.target.value);
                onChange(e.target.value.split('\n').map((l) => l.trim()).filter(Boolean));
            }}
        />
    );
}

// Web search: the built-in `WebSearch` and `WebSearchFetchSource` tools, for any agent whatever
// its model's provider. Their calls ask the user like every tool; the built-in tools' policies
// (in the MCP section's tool list) can let them run unasked.
export default function WebSearchPanel({config, problems, disabled, update}: {
    config: Config;
    problems: ConfigProblem[];
    disabled?: boolean;
    update: (next: Config) => void;
}) {
    const w: WebSearchConfig = obj(config.webSearch);
    const set = (next: Partial<WebSearchConfig>) => update({...config, webSearch: {...w, ...next}});
    const provider: Provider = w.provider === 'brave' ? 'brave' : 'google';
    const p = obj(w[provider]);
    const setP = (next: Obj) => set({provider, [provider]: {...p, ...next}});
    const at = (path: string) => problemAt(problems, `webSearch.${path}`);
    const enabled = Boolean(w.enabled);
    return (
        <Section
            title={t('ai.webSearch.title')}
            description={t('ai.webSearch.help')}
            disabled={disabled}
        >
            <Field label={t('ai.webSearch.enabled')} switchRow>
                {(c) => <Toggle {...c} checked={enabled} onChange={(v) => set({enabled: v, provider})}/>}
            </Field>
            <Field label={t('ai.webSearch.provider')} problem={at('provider')}>
                {(c) => (
                    <select
                        {...c}
                        className='form-control'
                        value={provider}
                        onChange={(e) => set({provider: e.target.value})}
                    >
                        {PROVIDERS.map((id) => <option key={id} value={id}>{BRANDS[id]}</option>)}
                    </select>
                )}
            </Field>
            <Field
                label={t('ai.config.apiKey')}
                problem={at(`${provider}.apiKey`)}
                check={enabled ? requiredCheck(p.apiKey) : undefined}
            >
                {(c) => (
                    <SecretInput
                        {...c}
                        {...revealLabels(t('ai.config.apiKey'))}
                        value={String(p.apiKey ?? '')}
                        onChange={(v) => setP({apiKey: v})}
                    />
                )}
            </Field>
            {provider === 'google' && (
                <Field
                    label={t('ai.webSearch.searchEngineId')}
                    help={t('ai.webSearch.searchEngineIdHelp')}
                    problem={at('google.searchEngineId')}
                    check={enabled ? requiredCheck(p.searchEngineId) : undefined}
                >
                    {(c) => (
                        <input
                            {...c}
                            className='form-control'
                            spellCheck={false}
                            value={String(p.searchEngineId ?? '')}
                            onChange={(e) => setP({searchEngineId: e.target.value})}
                        />
                    )}
                </Field>
            )}
            <Field
                label={t('ai.webSearch.resultLimit')}
                help={t('ai.webSearch.resultLimitHelp')}
                problem={at(`${provider}.resultLimit`)}
            >
                {(c) => (
                    <input
                        {...c}
                        type='number'
                        min={1}
                        max={provider === 'google' ? 10 : 20}
                        className='form-control'
                        placeholder='5'
                        value={Number(p.resultLimit) || ''}
                        onChange={(e) => setP({resultLimit: limit(e.target.value)})}
                    />
                )}
            </Field>
            <Field
                label={t('ai.webSearch.apiURL')}
                help={t('ai.webSearch.apiURLHelp')}
                problem={at(`${provider}.apiURL`)}
                check={urlCheck(p.apiURL)}
            >
                {(c) => (
                    <input
                        {...c}
                        className='form-control'
                        spellCheck={false}
                        placeholder={provider === 'google' ? 'https://www.googleapis.com/customsearch/v1' : 'https://api.search.brave.com'}
                        value={String(p.apiURL ?? '')}
                        onChange={(e) => setP({apiURL: e.target.value})}
                    />
                )}
            </Field>
            <Field
                label={t('ai.webSearch.denylist')}
                help={t('ai.webSearch.denylistHelp')}
                problem={problems.find((x) => x.path.startsWith('webSearch.domainDenylist'))?.message}
            >
                {(c) => (
                    <DenylistField
                        {...c}
                        value={Array.isArray(w.domainDenylist) ? w.domainDenylist.map(String) : []}
                        onChange={(v) => set({domainDenylist: v})}
                    />
                )}
            </Field>
        </Section>
    );
}

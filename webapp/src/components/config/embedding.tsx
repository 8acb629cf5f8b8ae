import React from 'react';

import {t} from '../../i18n';
import SecretInput from '../ui/secret_input';
import Toggle from '../ui/toggle';

import Field, {revealLabels} from './field';
import {nonNegativeCheck, obj, urlCheck} from './model';
import type {Obj} from './model';
import ReindexControls from './reindex';
import Section from './section';

// A number setting; negative numbers are flagged beside it.
function NumberField({label, value, onChange}: {label: string; value: number; onChange: (v: number) => void}) {
    return (
        <Field label={label} check={nonNegativeCheck(value)}>
            {(c) => <input {...c} className='form-control' type='number' value={value} onChange={(e) => onChange(Number(e.target.value) || 0)}/>}
        </Field>
    );
}

// Semantic search settings, kept in upstream's shape so a saved configuration carries over.
export default function EmbeddingPanel({value, locked, onChange}: {value: Obj; locked: boolean; onChange: (v: Obj) => void}) {
    const provider = obj(value.embeddingProvider);
    const params = obj(provider.parameters);
    const chunking = obj(value.chunkingOptions);
    const setProvider = (k: string, v: unknown) => onChange({...value, embeddingProvider: {...provider, parameters: {...params, [k]: v}}});
    const setChunking = (k: string, v: unknown) => onChange({...value, chunkingOptions: {...chunking, [k]: v}});
    return (
        <Section
            title={t('ai.config.embeddingSearch')}
            description={t('ai.config.embeddingSearchHelp')}
            unlicensed={locked}
            disabled={locked}
        >
            <Field label={t('ai.config.embeddingEnabled')} switchRow>
                {(c) => (
                    <Toggle
                        {...c}
                        checked={value.type === 'composite'}
                        onChange={(on) => onChange({...value, type: on ? 'composite' : '', vectorStore: {type: 'pgvector', parameters: {}}})}
                    />
                )}
            </Field>
            <Field label={t('ai.config.embeddingProvider')}>
                {(c) => (
                    <select
                        {...c}
                        className='form-control'
                        value={String(provider.type ?? 'openai')}
                        onChange={(e) => onChange({...value, embeddingProvider: {...provider, type: e.target.value}})}
                    >
                        {['openai', 'openai-compatible'].map((x) => <option key={x} value={x}>{x}</option>)}
                    </select>
                )}
            </Field>
            <Field label={t('ai.config.apiKey')}>
                {(c) => (
                    <SecretInput
                        {...c}
                        {...revealLabels(t('ai.config.apiKey'))}
                        value={String(params.apiKey ?? '')}
                        onChange={(v) => setProvider('apiKey', v)}
                    />
                )}
            </Field>
            <Field label={t('ai.config.apiURL')} check={urlCheck(params.apiURL)}>
                {(c) => <input {...c} className='form-control' value={String(params.apiURL ?? '')} onChange={(e) => setProvider('apiURL', e.target.value)}/>}
            </Field>
            <Field label={t('ai.config.embeddingModel')}>
                {(c) => <input {...c} className='form-control' value={String(params.embeddingModel ?? '')} onChange={(e) => setProvider('embeddingModel', e.target.value)}/>}
            </Field>
            <NumberField label={t('ai.config.dimensions')} value={Number(value.dimensions ?? 0)} onChange={(v) => onChange({...value, dimensions: v})}/>
            <NumberField label={t('ai.config.chunkSize')} value={Number(chunking.chunkSize ?? 1000)} onChange={(v) => setChunking('chunkSize', v)}/>
            <NumberField label={t('ai.config.chunkOverlap')} value={Number(chunking.chunkOverlap ?? 200)} onChange={(v) => setChunking('chunkOverlap', v)}/>
            {!locked && value.type === 'composite' && <ReindexControls/>}
        </Section>
    );
}

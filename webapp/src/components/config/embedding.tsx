import React from 'react';

import {t} from '../../i18n';

import Field from './field';
import {obj} from './model';
import type {Obj} from './model';
import ReindexControls from './reindex';

// Semantic search settings, kept in upstream's shape so a saved configuration carries over.
export default function EmbeddingPanel({value, locked, onChange}: {value: Obj; locked: boolean; onChange: (v: Obj) => void}) {
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

import {describe, expect, it} from 'vitest';

import {SERVICE_TYPES, canListModels, descriptor, descriptors, fieldsOf, requiredOf, serviceTypes, supportsReasoning, supportsWebSearch} from './providers';
import type {ServiceConfig} from './types';

// The tables the config editor kept before the server generated them: the generated file must
// say the same.
const OLD_SERVICE_TYPES = ['openai', 'azure', 'openaicompatible', 'anthropic', 'bedrock', 'cohere', 'mistral', 'asage'];
const OLD_LISTABLE = ['openai', 'azure', 'openaicompatible', 'anthropic'];
const OLD_OPENAI_FAMILY = ['openai', 'azure', 'openaicompatible'];
const OLD_FIELDS: Record<string, string[]> = {
    openai: ['apiKey', 'orgId', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId', 'useResponsesAPI'],
    azure: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId', 'useResponsesAPI'],
    openaicompatible: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId', 'useResponsesAPI'],
    anthropic: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId'],
    bedrock: ['region', 'awsAccessKeyID', 'awsSecretAccessKey', 'apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'],
    cohere: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds', 'sendUserId'],
    mistral: ['apiKey', 'apiURL', 'defaultModel', 'tokenLimit', 'outputTokenLimit', 'streamingTimeoutSeconds'],
    asage: ['apiKey', 'apiURL', 'defaultModel'],
};
const OLD_REQUIRED: Record<string, string[]> = {
    openai: ['apiKey'],
    azure: ['apiKey', 'apiURL'],
    openaicompatible: ['apiURL'],
    anthropic: ['apiKey'],
    bedrock: ['region'],
    cohere: ['apiKey'],
    mistral: ['apiKey'],
    asage: ['apiKey'],
};
// Added since, with upstream's type ids and Vertex field names.
const GOOGLE_TYPES = ['gemini', 'vertex'];
const oldSupportsWebSearch = (s?: ServiceConfig) =>
    Boolean(s) && (s?.type === 'anthropic' || (OLD_OPENAI_FAMILY.includes(s?.type ?? '') && Boolean(s?.useResponsesAPI)));

const service = (type: string, useResponsesAPI?: boolean): ServiceConfig => ({id: 's', name: '', type, useResponsesAPI});

describe('provider table', () => {
    it('lists the service types in the editor\'s order, each with the name users see', () => {
        expect(serviceTypes()).toEqual([...OLD_SERVICE_TYPES, ...GOOGLE_TYPES]);
        expect(SERVICE_TYPES).toEqual([...OLD_SERVICE_TYPES, ...GOOGLE_TYPES]);
        expect(descriptors().map((d) => d.label)).toEqual(['OpenAI', 'Azure OpenAI', 'OpenAI Compatible', 'Anthropic', 'AWS Bedrock', 'Cohere', 'Mistral', 'Ask Sage', 'Google Gemini', 'Google Vertex AI']);
    });

    it('gives each type the fields and required fields the editor had', () => {
        for (const type of OLD_SERVICE_TYPES) {
            expect(fieldsOf(type)).toEqual(OLD_FIELDS[type]);
            expect(requiredOf(type)).toEqual(OLD_REQUIRED[type]);
        }
        // An unknown type shows OpenAI's fields and requires nothing.
        expect(descriptor('nope')).toBeUndefined();
        expect(fieldsOf('nope')).toEqual(OLD_FIELDS.openai);
        expect(requiredOf('nope')).toEqual([]);
    });

    it('says which types list models, search the web and reason, as the editor did', () => {
        for (const type of [...OLD_SERVICE_TYPES, 'nope']) {
            expect(canListModels(type)).toBe(OLD_LISTABLE.includes(type));
            for (const responses of [undefined, false, true]) {
                const s = service(type, responses);
                expect(supportsWebSearch(s)).toBe(oldSupportsWebSearch(s));
                expect(supportsReasoning(s)).toBe(oldSupportsWebSearch(s));
            }
        }
        expect(canListModels('gemini')).toBe(true);
        expect(canListModels('vertex')).toBe(false);
        expect(requiredOf('vertex')).toEqual(['vertexProjectID', 'region', 'vertexAuthCredentials']);
        for (const type of GOOGLE_TYPES) {
            expect(supportsReasoning(service(type))).toBe(true);
            expect(supportsWebSearch(service(type))).toBe(true);
        }
        expect(supportsWebSearch(undefined)).toBe(false);
        expect(supportsReasoning(undefined)).toBe(false);
    });

    it('is pretty-printed JSON with two-space indents and a final newline, as the server writes it', () => {
        const files = import.meta.glob(['./generated/providers.json'], {query: '?raw', import: 'default', eager: true}) as Record<string, string>;
        const raw = files['./generated/providers.json'];
        expect(raw).toBe(`${JSON.stringify(JSON.parse(raw), null, 2)}\n`);
        const parsed = JSON.parse(raw) as {providers: Array<Record<string, unknown>>};
        expect(Object.keys(parsed)).toEqual(['providers']);
        for (const p of parsed.providers) {
            expect(Object.keys(p)).toEqual(['type', 'label', 'fields', 'required', 'capabilities']);
            expect(Object.keys(p.capabilities as object)).toEqual(['modelListing', 'nativeWebSearch', 'reasoning', 'tools', 'vision']);
        }
    });
});

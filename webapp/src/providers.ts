import data from './generated/providers.json';
import type {ServiceConfig} from './types';

// The AI service types the configuration offers and what each supports. The table is
// `generated/providers.json`, which the server writes from its provider descriptors (a server
// test keeps the file equal to them); components use this module, never the file.

// `always`/`never`, or only when the service has `useResponsesAPI` on.
export type Capability = 'always' | 'never' | 'withResponsesAPI';

export interface ProviderDescriptor {
    type: string;
    // The name users see (the selector shows the type, as upstream's console does).
    label: string;
    // The settings this type uses, in the order the editor shows them (others are kept, not shown).
    fields: Array<keyof ServiceConfig & string>;
    required: Array<keyof ServiceConfig & string>;
    capabilities: {
        modelListing: 'always' | 'never';
        nativeWebSearch: Capability;
        reasoning: Capability;
        tools: Capability;
        vision: Capability;
    };
}

const providers = (data as {providers: ProviderDescriptor[]}).providers;

// A service of an unknown type shows the fields of this one.
const FALLBACK_TYPE = 'openai';

export function descriptors(): readonly ProviderDescriptor[] {
    return providers;
}

export function serviceTypes(): string[] {
    return providers.map((p) => p.type);
}

export function descriptor(type: string): ProviderDescriptor | undefined {
    return providers.find((p) => p.type === type);
}

export function fieldsOf(type: string): ProviderDescriptor['fields'] {
    return (descriptor(type) ?? descriptor(FALLBACK_TYPE))?.fields ?? [];
}

export function requiredOf(type: string): ProviderDescriptor['required'] {
    return descriptor(type)?.required ?? [];
}

export function canListModels(type: string): boolean {
    return descriptor(type)?.capabilities.modelListing === 'always';
}

function has(capability: Capability | undefined, s: ServiceConfig): boolean {
    return capability === 'always' || (capability === 'withResponsesAPI' && Boolean(s.useResponsesAPI));
}

export function supportsWebSearch(s?: ServiceConfig): boolean {
    return s ? has(descriptor(s.type)?.capabilities.nativeWebSearch, s) : false;
}

export function supportsReasoning(s?: ServiceConfig): boolean {
    return s ? has(descriptor(s.type)?.capabilities.reasoning, s) : false;
}

// The service types in the order the editor lists them.
export const SERVICE_TYPES: readonly string[] = serviceTypes();

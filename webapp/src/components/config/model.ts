import type {Config} from '../../types';

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export function newId(): string {
    const c = (globalThis as {crypto?: {randomUUID?: () => string}}).crypto;
    return c?.randomUUID ? c.randomUUID() : `id-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// The setting's value as Mattermost hands it over (an object, or JSON text), with lists always present.
export function parseConfig(value: unknown): Config {
    let v = value;
    if (typeof v === 'string') {
        try {
            v = JSON.parse(v);
        } catch {
            v = {};
        }
    }
    const c = (v && typeof v === 'object' ? v : {}) as Config;
    return {...c, services: Array.isArray(c.services) ? c.services : [], bots: Array.isArray(c.bots) ? c.bots : []};
}

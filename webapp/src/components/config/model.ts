import {t} from '../../i18n';
import type {Config, ConfigProblem} from '../../types';

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

// The server's message for one setting (`services[0].apiKey`, …), if it has one.
export function problemAt(problems: ConfigProblem[], path: string): string | undefined {
    return problems.find((p) => p.path === path)?.message;
}

// Whether the server found anything in an item of a list (`services[0]` and what is under it).
export function hasProblemUnder(problems: ConfigProblem[], prefix: string): boolean {
    return problems.some((p) => p.path === prefix || p.path.startsWith(`${prefix}.`));
}

// Checks made on this page, shown beside the field; the first that fails gives the message.
// They never stop a save (Mattermost saves regardless), they only say what the server will
// refuse or what cannot work.
export function requiredCheck(v: unknown): string | undefined {
    return String(v ?? '').trim() === '' ? t('ai.config.required') : undefined;
}

// Empty is fine (the provider's default); anything else must be an http(s) URL.
export function urlCheck(v: unknown): string | undefined {
    const s = String(v ?? '').trim();
    if (!s) {
        return undefined;
    }
    try {
        const url = new URL(s);
        return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : t('ai.config.invalidURL');
    } catch {
        return t('ai.config.invalidURL');
    }
}

export function nonNegativeCheck(v: unknown): string | undefined {
    return typeof v === 'number' && v < 0 ? t('ai.config.negativeNumber') : undefined;
}

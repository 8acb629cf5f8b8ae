import {afterEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from './agents_store';
import {en, languageOf, messagesFor, setLocale, setMessages, t, translations} from './i18n';
import Plugin from './plugin';
import {agent, license, serve} from './test_support';
import type {PluginRegistry, Store} from './types';

const locales = ['de', 'es', 'fr', 'ja'];

// Ids whose text is rightly the same as English in a language: a license name, a format with
// nothing but placeholders, and words the language shares with English.
const sameAsEnglish: Record<string, string[]> = {
    de: ['ai.config.enterprise', 'ai.config.toolsOf', 'ai.rhs.botTag', 'ai.config.name', 'ai.config.teamIDs', 'ai.config.tools', 'ai.rhs.agent',
        'ai.quotas.scope.agent', 'ai.quotas.scope.team'],
    es: ['ai.config.enterprise', 'ai.config.toolsOf', 'ai.rhs.botTag'],
    fr: ['ai.config.enterprise', 'ai.config.toolsOf', 'ai.rhs.botTag', 'ai.config.agents', 'ai.rhs.title', 'ai.rhs.agent', 'ai.config.service',
        'ai.config.type', 'ai.post.sources', 'ai.post.sourcesCount', 'ai.post.toolArguments', 'ai.config.indexModelValue'],
    ja: ['ai.config.enterprise'],
};

// Every {…} in a text, sorted: the placeholders t fills in.
const placeholders = (text: string) => (text.match(/\{[^{}]*\}/g) ?? []).sort();

afterEach(() => {
    setLocale('en');
    resetAgents();
});

describe('translation files', () => {
    it('has English for the strings, keeping `en` as before', () => {
        expect(Object.keys(en).length).toBeGreaterThan(200);
        expect(en['ai.rhs.title']).toBe('Agents');
        expect(translations.en).toBe(en);
    });

    it.each(locales)('%s has exactly the ids of English', (locale) => {
        const ids = Object.keys(translations[locale]);
        expect(ids.filter((id) => !(id in en))).toEqual([]);
        expect(Object.keys(en).filter((id) => !(id in translations[locale]))).toEqual([]);
    });

    it.each(locales)('%s keeps every placeholder of the English text', (locale) => {
        const wrong = Object.keys(en).filter((id) => placeholders(translations[locale][id] ?? '').join() !== placeholders(en[id]).join());
        expect(wrong).toEqual([]);
    });

    it.each(locales)('%s translates every text (none empty, only the allowed ones as in English)', (locale) => {
        const messages = translations[locale];
        expect(Object.keys(en).filter((id) => typeof messages[id] !== 'string' || messages[id].trim() === '')).toEqual([]);
        const same = Object.keys(en).filter((id) => messages[id] === en[id]);
        expect(same.filter((id) => !sameAsEnglish[locale].includes(id))).toEqual([]);
        // The allow-list stays small and names only texts that really are the same.
        expect(sameAsEnglish[locale].length).toBeLessThanOrEqual(12);
        expect(sameAsEnglish[locale].filter((id) => !same.includes(id))).toEqual([]);
    });

    it('lists its ids in order, as Mattermost\'s files do', () => {
        for (const messages of Object.values(translations)) {
            const ids = Object.keys(messages);
            expect(ids).toEqual([...ids].sort());
        }
    });
});

describe('locale', () => {
    it('uses a regional variant\'s base language and English for an unknown one', () => {
        expect(languageOf('de')).toBe('de');
        expect(languageOf('de-CH')).toBe('de');
        expect(languageOf('es-ES')).toBe('es');
        expect(languageOf('fr_CA')).toBe('fr');
        expect(languageOf('JA')).toBe('ja');
        expect(languageOf('xx')).toBe('en');
        expect(languageOf('pt-BR')).toBe('en');
        expect(languageOf('')).toBe('en');
        expect(languageOf(undefined)).toBe('en');
        expect(languageOf('constructor')).toBe('en');
        expect(messagesFor('de-CH')).toBe(translations.de);
    });

    it('shows the locale\'s text, and English for an id it lacks', () => {
        setLocale('de');
        expect(t('ai.rhs.conversation', {agent: 'Ada'})).toBe('Unterhaltung mit Ada');
        setMessages({'ai.rhs.title': 'Agenten'});
        expect(t('ai.rhs.title')).toBe('Agenten');
        expect(t('ai.rhs.send')).toBe('Send');
        setLocale('de');
        expect(t('ai.rhs.send')).toBe('Senden');
        setLocale('xx');
        expect(t('ai.rhs.send')).toBe('Send');
    });
});

describe('Plugin locale', () => {
    // A Mattermost-shaped store with the current user, whose locale can change, and listeners.
    function userStore(locale: string) {
        const listeners = new Set<() => void>();
        const user = {id: 'u1', username: 'ada', roles: 'system_user', locale};
        const store = {
            getState: () => ({entities: {users: {currentUserId: 'u1', profiles: {u1: {...user}}}}}),
            dispatch: vi.fn(),
            subscribe: (listener: () => void) => {
                listeners.add(listener);
                return () => listeners.delete(listener);
            },
        };
        const setUserLocale = (l: string) => {
            user.locale = l;
            listeners.forEach((f) => f());
        };
        return {store: store as unknown as Store, setUserLocale, listeners};
    }

    function start(locale: string) {
        serve({'/ai_bots': () => ({bots: [agent], license})});
        const registry = {
            registerAdminConsoleCustomSetting: vi.fn(),
            registerRightHandSidebarComponent: vi.fn(() => ({toggleRHSPlugin: {type: 'toggle'}, showRHSPlugin: {type: 'show'}})),
            registerPostDropdownMenuAction: vi.fn(),
            registerTranslations: vi.fn(),
        };
        const user = userStore(locale);
        const plugin = new Plugin();
        plugin.initialize(registry as unknown as PluginRegistry, user.store);
        return {plugin, registry, ...user};
    }

    it('shows German to a user whose locale is de', () => {
        const {registry} = start('de');
        expect(t('ai.rhs.introText')).toBe(translations.de['ai.rhs.introText']);
        expect(registry.registerRightHandSidebarComponent.mock.calls[0]).toContain('Agenten');
        expect(registry.registerPostDropdownMenuAction.mock.calls[0][0]).toBe('Thread zusammenfassen');
    });

    it('shows English to a user whose locale has no translation', () => {
        const {registry} = start('xx');
        expect(t('ai.rhs.introText')).toBe(en['ai.rhs.introText']);
        expect(registry.registerRightHandSidebarComponent.mock.calls[0]).toContain('Agents');
    });

    it('registers every locale\'s translations with Mattermost', () => {
        const {registry} = start('en');
        const forLocale = (registry.registerTranslations.mock.calls[0] as unknown as [(l: string) => Record<string, string>])[0];
        expect(forLocale('de')).toBe(translations.de);
        expect(forLocale('es-ES')).toBe(translations.es);
        expect(forLocale('fr')).toBe(translations.fr);
        expect(forLocale('ja')).toBe(translations.ja);
        expect(forLocale('en')).toBe(en);
        expect(forLocale('xx')).toBe(en);
    });

    it('follows a change of the user\'s locale until it is uninitialized', () => {
        const {plugin, setUserLocale, listeners} = start('en');
        expect(t('ai.rhs.send')).toBe('Send');
        setUserLocale('ja');
        expect(t('ai.rhs.send')).toBe('送信');
        setUserLocale('fr-CA');
        expect(t('ai.rhs.send')).toBe('Envoyer');
        plugin.uninitialize();
        expect(listeners.size).toBe(0);
    });

    it('starts in English without a store', () => {
        serve({'/ai_bots': () => ({bots: [], license})});
        setLocale('de');
        new Plugin().initialize({registerAdminConsoleCustomSetting: vi.fn()});
        expect(t('ai.rhs.send')).toBe('Send');
    });
});

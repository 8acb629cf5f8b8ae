// Every user-facing string goes through `t`, keyed by id with the English text as the
// default, so translations registered with Mattermost can replace them.

import de from '../i18n/de.json';
import enMessages from '../i18n/en.json';
import es from '../i18n/es.json';
import fr from '../i18n/fr.json';
import ja from '../i18n/ja.json';

// The English text, and the translations in Mattermost's format: one flat JSON file per
// locale, id → text, with the same ids and {placeholders} as English.
export const en: Record<string, string> = enMessages;
export const translations: Readonly<Record<string, Record<string, string>>> = {en, de, es, fr, ja};

let current: Record<string, string> = en;
// The messages `current` was made from, so that setting the same ones again is free.
let source: Record<string, string> | undefined = en;

// The translated language for a Mattermost locale: a regional variant ('de-CH', 'pt_BR') uses
// its base language; a language without a translation, or none, is English.
export function languageOf(locale: string | undefined): string {
    const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(translations, base) ? base : 'en';
}

// The messages for a locale, as Mattermost's registerTranslations asks for them.
export function messagesFor(locale: string | undefined): Record<string, string> {
    return translations[languageOf(locale)];
}

// Shows the strings in the user's locale; a call with the language already shown does nothing.
export function setLocale(locale: string | undefined): void {
    const messages = messagesFor(locale);
    if (messages !== source) {
        setMessages(messages);
    }
}

// Strings missing from `messages` stay English.
export function setMessages(messages: Record<string, string> | undefined): void {
    current = {...en, ...(messages ?? {})};
    source = messages;
}

export function t(id: string, values?: Record<string, string | number>): string {
    let text = current[id] ?? en[id] ?? id;
    for (const [k, v] of Object.entries(values ?? {})) {
        text = text.split(`{${k}}`).join(String(v));
    }
    return text;
}

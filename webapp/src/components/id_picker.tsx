import React, {useEffect, useId, useRef, useState} from 'react';

import {namesOf, searchNamed} from '../client';
import type {Named} from '../client';
import {t} from '../i18n';

import IconButton from './ui/icon_button';

// Picks users, teams or channels by name and keeps their ids, as the configuration stores them.
// The chosen ones are chips with a remove button; the matches of what is typed are a list of
// buttons under the field. ArrowDown goes from the field into the list, the arrows move in it,
// Escape closes it and comes back to the field.
export default function IdPicker({kind, label, value, onChange, disabled, id, ...aria}: {
    kind: 'users' | 'teams' | 'channels';
    // The setting's name: names the chip list, the matches and each remove button.
    label: string;
    value: string[];
    onChange: (ids: string[]) => void;
    disabled?: boolean;
    // The search field's id, for the row's <label htmlFor>.
    id?: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
}) {
    const [names, setNames] = useState<Record<string, string>>({});
    const [term, setTerm] = useState('');
    const [results, setResults] = useState<Named[]>([]);
    const input = useRef<HTMLInputElement>(null);
    const list = useRef<HTMLUListElement>(null);
    const resultsId = useId();
    useEffect(() => {
        namesOf(kind, value).then((found) => setNames((n) => ({...n, ...Object.fromEntries(found.map((x) => [x.id, x.name]))})), () => undefined);
    // Only the ids present when the picker opens need names; new ones come with theirs.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    }, [kind]);
    const search = async (text: string) => {
        setTerm(text);
        if (text.trim().length < 2) {
            setResults([]);
            return;
        }
        try {
            setResults(await searchNamed(kind, text.trim()));
        } catch {
            setResults([]);
        }
    };
    const add = (x: Named) => {
        setNames({...names, [x.id]: x.name});
        if (!value.includes(x.id)) {
            onChange([...value, x.id]);
        }
        setTerm('');
        setResults([]);
        input.current?.focus();
    };
    const options = () => Array.from(list.current?.querySelectorAll<HTMLButtonElement>('button') ?? []);
    const close = () => {
        setResults([]);
        input.current?.focus();
    };
    const onFieldKey = (e: React.KeyboardEvent) => {
        if (e.key === 'ArrowDown' && results.length > 0) {
            e.preventDefault();
            options()[0]?.focus();
        } else if (e.key === 'Escape' && results.length > 0) {
            // Only swallow Escape when it closes something.
            e.preventDefault();
            e.stopPropagation();
            setResults([]);
        }
    };
    const onListKey = (e: React.KeyboardEvent) => {
        const all = options();
        const at = all.indexOf(document.activeElement as HTMLButtonElement);
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            const next = at + (e.key === 'ArrowDown' ? 1 : -1);
            if (next < 0) {
                input.current?.focus();
            } else {
                all[Math.min(next, all.length - 1)]?.focus();
            }
        } else if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            close();
        }
    };
    return (
        <div className='mattermost-ai-picker'>
            {value.length > 0 && (
                <ul
                    className='mattermost-ai-picker__chips'
                    aria-label={t('ai.config.pickerSelected', {label})}
                >
                    {value.map((v) => {
                        const name = names[v] ?? v;
                        return (
                            <li key={v} className='mattermost-ai-chip'>
                                <span className='mattermost-ai-chip__name'>{name}</span>
                                <IconButton
                                    icon='close'
                                    size='xs'
                                    disabled={disabled}
                                    label={t('ai.config.pickerRemove', {name})}
                                    onClick={() => onChange(value.filter((x) => x !== v))}
                                />
                            </li>
                        );
                    })}
                </ul>
            )}
            <input
                {...aria}
                id={id}
                ref={input}
                className='form-control'
                autoComplete='off'
                placeholder={t('ai.config.pickerPlaceholder')}
                aria-controls={results.length > 0 ? resultsId : undefined}
                value={term}
                disabled={disabled}
                onKeyDown={onFieldKey}
                onChange={(e) => search(e.target.value)}
            />
            {results.length > 0 && (
                <ul
                    id={resultsId}
                    ref={list}
                    className='mattermost-ai-picker__results'
                    aria-label={t('ai.config.pickerResults', {label})}
                    onKeyDown={onListKey}
                >
                    {results.map((x) => (
                        <li key={x.id}>
                            <button
                                type='button'
                                className='mattermost-ai-picker__option'
                                onClick={() => add(x)}
                            >
                                {x.name}
                            </button>
                        </li>
                    ))}
                </ul>
            )}
        </div>
    );
}

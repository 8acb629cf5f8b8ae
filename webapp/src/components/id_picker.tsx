import React, {useEffect, useState} from 'react';

import {namesOf, searchNamed} from '../client';
import type {Named} from '../client';

// Picks users, teams or channels by name and keeps their ids, as the configuration stores them.
export default function IdPicker({kind, label, value, onChange, disabled}: {
    kind: 'users' | 'teams' | 'channels';
    label: string;
    value: string[];
    onChange: (ids: string[]) => void;
    disabled?: boolean;
}) {
    const [names, setNames] = useState<Record<string, string>>({});
    const [term, setTerm] = useState('');
    const [results, setResults] = useState<Named[]>([]);
    useEffect(() => {
        namesOf(kind, value).then((list) => setNames((n) => ({...n, ...Object.fromEntries(list.map((x) => [x.id, x.name]))})), () => undefined);
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
    };
    return (
        <div className='mattermost-ai-picker'>
            <ul aria-label={label}>
                {value.map((id) => (
                    <li key={id}>
                        {names[id] ?? id}
                        <button
                            type='button'
                            disabled={disabled}
                            aria-label={`Remove ${names[id] ?? id}`}
                            onClick={() => onChange(value.filter((v) => v !== id))}
                        >
                            {'×'}
                        </button>
                    </li>
                ))}
            </ul>
            <input
                aria-label={label}
                value={term}
                disabled={disabled}
                onChange={(e) => search(e.target.value)}
            />
            {results.length > 0 && (
                <ul role='listbox'>
                    {results.map((x) => (
                        <li key={x.id}>
                            <button type='button' onClick={() => add(x)}>{x.name}</button>
                        </li>
                    ))}
                </ul>
            )}
        </div>
    );
}

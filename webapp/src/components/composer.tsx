import React, {useId} from 'react';

import {t} from '../i18n';

import Icon from './ui/icon';

export interface ComposerProps {
    // The accessible name of the text box, e.g. "Reply to Assistant".
    label: string;
    placeholder: string;
    value: string;
    onChange: (value: string) => void;
    onSend: () => void;
    busy?: boolean;
    textareaRef?: React.Ref<HTMLTextAreaElement>;
}

// The message box at the bottom of the panel, as Mattermost's: Enter sends, Shift+Enter starts
// a new line, and Enter while an input method is composing belongs to the input method.
export default function Composer({label, placeholder, value, onChange, onSend, busy, textareaRef}: ComposerProps) {
    const id = useId();
    const hint = `${id}-hint`;
    const empty = !value.trim();
    return (
        <form
            className='mattermost-ai-composer'
            onSubmit={(e) => {
                e.preventDefault();
                if (!empty && !busy) {
                    onSend();
                }
            }}
        >
            <label
                className='mattermost-ai-sr-only'
                htmlFor={id}
            >
                {label}
            </label>
            <textarea
                id={id}
                ref={textareaRef}
                rows={1}
                value={value}
                placeholder={placeholder}
                aria-describedby={hint}
                onChange={(e) => onChange(e.target.value)}
                onKeyDown={(e) => {
                    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                        e.preventDefault();
                        if (!empty && !busy) {
                            onSend();
                        }
                    }
                }}
            />
            <div className='mattermost-ai-composer__row'>
                <span
                    id={hint}
                    className='mattermost-ai-composer__hint'
                >
                    {t('ai.rhs.composerHint')}
                </span>
                <button
                    type='submit'
                    className='btn btn-primary btn-sm mattermost-ai-send'
                    aria-label={t('ai.rhs.send')}
                    title={t('ai.rhs.send')}
                    disabled={empty || busy}
                >
                    <Icon name='send'/>
                </button>
            </div>
        </form>
    );
}

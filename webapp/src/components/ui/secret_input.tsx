import React, {useState} from 'react';

import IconButton from './icon_button';

export interface SecretInputProps {
    value: string;
    onChange: (value: string) => void;
    // Names of the reveal button in both states ("Show API key" / "Hide API key").
    showLabel: string;
    hideLabel: string;
    disabled?: boolean;
    onBlur?: () => void;
    id?: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
    'aria-required'?: boolean;
}

// A credential: masked until the admin asks to see it, so it is not shown to whoever looks at
// the screen (or a screen share). Browsers are told not to fill in or remember the user's own
// passwords here, since the value is a service's key, not the admin's login.
export default function SecretInput({value, onChange, showLabel, hideLabel, disabled, onBlur, ...aria}: SecretInputProps) {
    const [shown, setShown] = useState(false);
    return (
        <div className='mattermost-ai-secret'>
            <input
                {...aria}
                className='form-control'
                type={shown ? 'text' : 'password'}
                autoComplete={shown ? 'off' : 'new-password'}
                spellCheck={false}
                autoCapitalize='off'
                value={value}
                disabled={disabled}
                onBlur={onBlur}
                onChange={(e) => onChange(e.target.value)}
            />
            <IconButton
                icon={shown ? 'eye-off-outline' : 'eye-outline'}
                label={shown ? hideLabel : showLabel}
                pressed={shown}
                disabled={disabled}
                onClick={() => setShown(!shown)}
            />
        </div>
    );
}

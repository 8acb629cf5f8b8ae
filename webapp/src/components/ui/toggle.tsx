import React from 'react';

export interface ToggleProps {
    checked: boolean;
    onChange: (checked: boolean) => void;
    disabled?: boolean;
    id?: string;
    // Only when no <label htmlFor> names it (a row of a list, say).
    'aria-label'?: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
}

// An on/off setting drawn as a switch. It stays a native check box with the switch role, so
// `checked`, Space, <label htmlFor> and the disabled state of a surrounding fieldset all work
// as they do for any check box; the stylesheet draws it (base.ts, `input[role=switch]`).
export default function Toggle({checked, onChange, disabled, ...aria}: ToggleProps) {
    return (
        <input
            {...aria}
            type='checkbox'
            role='switch'
            className='mattermost-ai-toggle'
            checked={checked}
            disabled={disabled}
            onChange={(e) => onChange(e.target.checked)}
        />
    );
}

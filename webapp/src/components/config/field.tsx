import React, {useId, useState} from 'react';

import {t} from '../../i18n';
import Icon from '../ui/icon';

// What a row hands its control so the label, help and message belong to it.
export interface ControlProps {
    id: string;
    'aria-describedby'?: string;
    'aria-invalid'?: boolean;
}

// The names of a secret's reveal button.
export const revealLabels = (label: string) => ({
    showLabel: t('ai.config.showSecret', {label}),
    hideLabel: t('ai.config.hideSecret', {label}),
});

// "Enterprise", beside what the license does not unlock.
export function EnterpriseTag() {
    return <span className='mattermost-ai-tag'>{t('ai.config.enterprise')}</span>;
}

// Why something is switched off: a quiet line, not an alert, since nothing went wrong.
export function LicenseHint({id}: {id?: string}) {
    return (
        <p
            id={id}
            className='mattermost-ai-license'
        >
            <Icon name='information-outline'/>
            <span>{t('ai.config.licenseNeeded')}</span>
        </p>
    );
}

// One setting as the System Console lays it out: the label in a column on the left, the control
// on the right with its help text and validation message under it. The control is given an id
// for the <label>, `aria-describedby` for the help and message, and `aria-invalid` while there is
// a message.
//
// `problem` is the server's finding and shows at once. `check` is this page's own finding (a
// required field left empty, …) and waits until the admin has left the field once, so a form
// being filled in is not covered in errors. Neither blocks saving: Mattermost saves regardless.
export default function Field({label, help, problem, check, unlicensed, switchRow, children}: {
    label: string;
    help?: React.ReactNode;
    problem?: string;
    check?: string;
    // The license does not cover this setting: say so under it.
    unlicensed?: boolean;
    // The control is a switch: centred on the label's first line.
    switchRow?: boolean;
    children: (control: ControlProps) => React.ReactNode;
}) {
    const id = useId();
    const [touched, setTouched] = useState(false);
    const message = problem || (touched ? check : undefined);
    const describedBy = [message && `${id}-message`, help && `${id}-help`, unlicensed && `${id}-license`].filter(Boolean).join(' ');
    return (
        <div className={`mattermost-ai-row${switchRow ? ' mattermost-ai-row--switch' : ''}`}>
            <label
                className='mattermost-ai-row__label'
                htmlFor={id}
            >
                {label}
            </label>
            <div
                className='mattermost-ai-row__field'
                onBlur={() => setTouched(true)}
            >
                {children({id, 'aria-describedby': describedBy || undefined, 'aria-invalid': message ? true : undefined})}
                {message && (
                    <p
                        id={`${id}-message`}
                        className='mattermost-ai-error-text'
                    >
                        <Icon name='alert-circle-outline'/>
                        <span>{message}</span>
                    </p>
                )}
                {help && (
                    <p
                        id={`${id}-help`}
                        className='mattermost-ai-help'
                    >
                        {help}
                    </p>
                )}
                {unlicensed && <LicenseHint id={`${id}-license`}/>}
            </div>
        </div>
    );
}

// Buttons and their results under the fields, lined up with the controls.
export function FieldActions({children}: {children: React.ReactNode}) {
    return (
        <div className='mattermost-ai-row mattermost-ai-row--actions'>
            <span className='mattermost-ai-row__label'/>
            <div className='mattermost-ai-row__field'>{children}</div>
        </div>
    );
}

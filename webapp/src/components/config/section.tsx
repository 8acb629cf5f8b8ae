import React, {useId} from 'react';

import {EnterpriseTag, LicenseHint} from './field';

// One area of the page, as Mattermost's AdminPanel draws it: a title, a one-line description
// and the settings in a card under them. A <section> named by its title is a region landmark,
// so screen-reader users (and tests) can go straight to it.
//
// `unlicensed` adds the "Enterprise" tag and a quiet line saying what is missing; `disabled`
// turns every control in the section off through a fieldset, the way the browser does it.
export default function Section({title, description, actions, unlicensed, hintId, disabled, children}: {
    title: string;
    description?: string;
    // Buttons at the right of the header ("Add service", …).
    actions?: React.ReactNode;
    unlicensed?: boolean;
    // The id of the license line, for a control that points at it with aria-describedby.
    hintId?: string;
    disabled?: boolean;
    children: React.ReactNode;
}) {
    const headingId = useId();
    return (
        <section
            className='mattermost-ai-section'
            aria-labelledby={headingId}
        >
            <fieldset
                className='mattermost-ai-fieldset'
                disabled={disabled}
            >
                <div className='mattermost-ai-section__header'>
                    <div className='mattermost-ai-section__heading'>
                        <div className='mattermost-ai-section__title-line'>
                            <h3
                                id={headingId}
                                className='mattermost-ai-section__title'
                            >
                                {title}
                            </h3>
                            {unlicensed && <EnterpriseTag/>}
                        </div>
                        {description && <p className='mattermost-ai-section__description'>{description}</p>}
                        {unlicensed && <LicenseHint id={hintId}/>}
                    </div>
                    {actions && <div className='mattermost-ai-section__actions'>{actions}</div>}
                </div>
                <div className='mattermost-ai-section__body'>{children}</div>
            </fieldset>
        </section>
    );
}

// A titled group inside a card (an agent's access rules, an MCP server's OAuth client).
export function Subsection({title, unlicensed, help, disabled, children}: {
    title: string;
    unlicensed?: boolean;
    help?: string;
    disabled?: boolean;
    children: React.ReactNode;
}) {
    const headingId = useId();
    return (
        <div
            role='group'
            aria-labelledby={headingId}
            className='mattermost-ai-subsection'
        >
            <div className='mattermost-ai-subsection__title-line'>
                <h5
                    id={headingId}
                    className='mattermost-ai-subsection__title'
                >
                    {title}
                </h5>
                {unlicensed && <EnterpriseTag/>}
            </div>
            {help && <p className='mattermost-ai-help'>{help}</p>}
            {unlicensed && <LicenseHint/>}
            <fieldset
                className='mattermost-ai-fieldset mattermost-ai-stack'
                disabled={disabled}
            >
                {children}
            </fieldset>
        </div>
    );
}

import React, {useEffect, useId, useRef, useState} from 'react';

import Icon from './icon';

export interface CardProps {
    title: string;
    // A muted line beside the title that tells closed cards apart (a service's type, …).
    subtitle?: string;
    // Controls at the right of the header (delete, …); outside the toggle button.
    actions?: React.ReactNode;
    // Open at first: a card the admin has just added.
    defaultOpen?: boolean;
    // Opens the card whenever it turns true: the server found a problem in it.
    openWhen?: boolean;
    // Moves the focus to the card's first field when it first shows: a card just added.
    autoFocus?: boolean;
    className?: string;
    children: React.ReactNode;
}

const FIELDS = 'input:not([type=hidden]), select, textarea';

// One item of a list of settings (a service, an agent, an MCP server) that folds to its header,
// so a long list stays readable. The header is a heading holding a native button (the
// disclosure pattern): Enter and Space toggle it, and `aria-expanded` says whether it is open.
// A closed card's fields stay in the page, hidden, so what was typed in them is kept.
export default function Card({title, subtitle, actions, defaultOpen = false, openWhen, autoFocus, className, children}: CardProps) {
    const [open, setOpen] = useState(defaultOpen);
    const titleId = useId();
    const bodyId = useId();
    const body = useRef<HTMLDivElement>(null);

    useEffect(() => {
        if (openWhen) {
            setOpen(true);
        }
    }, [openWhen]);

    useEffect(() => {
        if (autoFocus) {
            body.current?.querySelector<HTMLElement>(FIELDS)?.focus();
        }
    // Only when the card appears: later renders must not take the focus back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    }, []);

    return (
        <div
            role='group'
            aria-labelledby={titleId}
            className={`mattermost-ai-card${className ? ` ${className}` : ''}`}
        >
            <div className='mattermost-ai-card__header'>
                <h4 className='mattermost-ai-card__heading'>
                    <button
                        type='button'
                        className='mattermost-ai-card__toggle'
                        aria-expanded={open}
                        aria-controls={bodyId}
                        onClick={() => setOpen(!open)}
                    >
                        <Icon
                            name='chevron-right'
                            className='mattermost-ai-chevron'
                        />
                        <span
                            id={titleId}
                            className='mattermost-ai-card__title'
                        >
                            {title}
                        </span>
                        {subtitle && <span className='mattermost-ai-card__subtitle'>{subtitle}</span>}
                    </button>
                </h4>
                {actions && <div className='mattermost-ai-card__actions'>{actions}</div>}
            </div>
            <div
                id={bodyId}
                ref={body}
                className='mattermost-ai-card__body'
                hidden={!open}
            >
                {children}
            </div>
        </div>
    );
}

import React from 'react';

import Icon from './icon';

// A section that opens on demand (reasoning, sources, tool arguments), as a native
// details/summary so keyboards and screen readers know it; the chevron shows its state.
export default function Disclosure({summary, icon, className, open, children}: {
    summary: string;
    icon?: string;
    className?: string;
    open?: boolean;
    children: React.ReactNode;
}) {
    return (
        <details
            className={`mattermost-ai-disclosure${className ? ` ${className}` : ''}`}
            open={open}
        >
            <summary>
                <Icon
                    name='chevron-right'
                    className='mattermost-ai-chevron'
                />
                {icon && <Icon name={icon}/>}
                {summary}
            </summary>
            {children}
        </details>
    );
}

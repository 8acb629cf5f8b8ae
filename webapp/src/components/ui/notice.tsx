import React from 'react';

import Icon from './icon';

// A message block with an icon: an alert (announced at once) for errors, a status (announced
// politely) for the rest. The icon and the wording carry the meaning, not the colour alone.
export default function Notice({kind = 'info', children, className}: {
    kind?: 'error' | 'info' | 'success';
    children: React.ReactNode;
    className?: string;
}) {
    const icon = {error: 'alert-circle-outline', info: 'information-outline', success: 'check-circle-outline'}[kind];
    return (
        <div
            role={kind === 'error' ? 'alert' : 'status'}
            className={`mattermost-ai-notice mattermost-ai-notice--${kind}${className ? ` ${className}` : ''}`}
        >
            <Icon name={icon}/>
            <div>{children}</div>
        </div>
    );
}

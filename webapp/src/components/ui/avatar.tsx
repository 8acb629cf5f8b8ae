import React, {useState} from 'react';

import Icon from './icon';

// A user's or bot's profile picture as Mattermost serves it; `_` changes with the picture, so a
// new one is not hidden by the browser's cache (Client4 adds it only when it is set).
export function profileImageURL(userId: string, lastPictureUpdate?: number): string {
    const base = `${window.basename ?? ''}/api/v4/users/${encodeURIComponent(userId)}/image`;
    return lastPictureUpdate ? `${base}?_=${lastPictureUpdate}` : base;
}

// Decorative: the name is always written next to it. A picture that fails to load leaves a
// neutral placeholder rather than the browser's broken-image mark.
export default function Avatar({userId, lastPictureUpdate, size = 'md'}: {
    userId?: string;
    lastPictureUpdate?: number;
    size?: 'sm' | 'md' | 'lg';
}) {
    const [failed, setFailed] = useState(false);
    const cls = `mattermost-ai-avatar${size === 'md' ? '' : ` mattermost-ai-avatar--${size}`}`;
    if (!userId || failed) {
        return (
            <span
                className={`${cls} mattermost-ai-avatar--empty`}
                aria-hidden='true'
            >
                <Icon name='account-outline'/>
            </span>
        );
    }
    return (
        <img
            className={cls}
            src={profileImageURL(userId, lastPictureUpdate)}
            alt=''
            aria-hidden='true'
            onError={() => setFailed(true)}
        />
    );
}

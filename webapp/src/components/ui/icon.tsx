import React from 'react';

// A glyph of Mattermost's icon font (compass-icons), which the webapp loads for every plugin.
// Decorative: the control or text next to it carries the meaning.
export default function Icon({name, className}: {name: string; className?: string}) {
    return (
        <i
            className={`icon icon-${name}${className ? ` ${className}` : ''}`}
            aria-hidden='true'
        />
    );
}

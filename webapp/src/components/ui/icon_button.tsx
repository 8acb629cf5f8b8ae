import React from 'react';

import Icon from './icon';

export interface IconButtonProps {
    icon: string;
    // The accessible name, also shown as the tooltip.
    label: string;
    onClick?: (e: React.MouseEvent<HTMLButtonElement>) => void;
    size?: 'xs' | 'sm';
    disabled?: boolean;
    pressed?: boolean;
    className?: string;
    describedBy?: string;
}

// An icon-only button as Mattermost draws them (`btn btn-icon`), named for screen readers and
// with the same name as its tooltip.
const IconButton = React.forwardRef<HTMLButtonElement, IconButtonProps>(function IconButton(
    {icon, label, onClick, size = 'sm', disabled, pressed, className, describedBy},
    ref,
) {
    return (
        <button
            ref={ref}
            type='button'
            className={`btn btn-icon btn-${size}${className ? ` ${className}` : ''}`}
            aria-label={label}
            title={label}
            aria-pressed={pressed}
            aria-describedby={describedBy}
            disabled={disabled}
            onClick={onClick}
        >
            <Icon name={icon}/>
        </button>
    );
});

export default IconButton;

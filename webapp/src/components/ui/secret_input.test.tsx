import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {describe, expect, it, vi} from 'vitest';

import SecretInput from './secret_input';

describe('SecretInput', () => {
    it('masks the value until the reveal button is pressed, and says which state it is in', () => {
        const onChange = vi.fn();
        render(
            <>
                <label htmlFor='k'>{'API key'}</label>
                <SecretInput id='k' value='sk-1' onChange={onChange} showLabel='Show API key' hideLabel='Hide API key'/>
            </>,
        );
        const input = screen.getByLabelText('API key') as HTMLInputElement;
        expect(input.type).toBe('password');
        expect(input.getAttribute('autocomplete')).toBe('new-password');
        const show = screen.getByRole('button', {name: 'Show API key'});
        expect(show.getAttribute('aria-pressed')).toBe('false');
        expect(show.querySelector('.icon-eye-outline')).not.toBeNull();

        fireEvent.click(show);
        expect(input.type).toBe('text');
        expect(input.getAttribute('autocomplete')).toBe('off');
        const hide = screen.getByRole('button', {name: 'Hide API key'});
        expect(hide.getAttribute('aria-pressed')).toBe('true');
        expect(hide.querySelector('.icon-eye-off-outline')).not.toBeNull();

        fireEvent.change(input, {target: {value: 'sk-2'}});
        expect(onChange).toHaveBeenCalledWith('sk-2');
        fireEvent.click(hide);
        expect(input.type).toBe('password');
    });
});

import {fireEvent, render, screen} from '@testing-library/react';
import React, {useState} from 'react';
import {describe, expect, it, vi} from 'vitest';

import Toggle from './toggle';

function Labelled({onChange}: {onChange: (v: boolean) => void}) {
    const [on, setOn] = useState(false);
    return (
        <>
            <label htmlFor='t1'>{'Enable MCP'}</label>
            <Toggle id='t1' checked={on} onChange={(v) => {
                setOn(v);
                onChange(v);
            }}/>
        </>
    );
}

describe('Toggle', () => {
    it('is a check box with the switch role, named by its label and switched by it', () => {
        const onChange = vi.fn();
        render(<Labelled onChange={onChange}/>);
        const toggle = screen.getByRole('switch', {name: 'Enable MCP'}) as HTMLInputElement;
        expect(toggle.type).toBe('checkbox');
        expect(toggle.checked).toBe(false);
        fireEvent.click(screen.getByText('Enable MCP'));
        expect(toggle.checked).toBe(true);
        expect(onChange).toHaveBeenLastCalledWith(true);
        fireEvent.click(toggle);
        expect(toggle.checked).toBe(false);
        expect(onChange).toHaveBeenLastCalledWith(false);
    });

    it('takes an aria-label when no label names it, and can be disabled', () => {
        render(<Toggle aria-label='Enable read_post' checked disabled onChange={vi.fn()}/>);
        const toggle = screen.getByRole('switch', {name: 'Enable read_post'}) as HTMLInputElement;
        expect(toggle.checked).toBe(true);
        expect(toggle.disabled).toBe(true);
    });
});

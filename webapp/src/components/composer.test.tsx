import {fireEvent, render, screen} from '@testing-library/react';
import React, {useState} from 'react';
import {describe, expect, it, vi} from 'vitest';

import Composer from './composer';

function Harness({onSend, busy}: {onSend: (text: string) => void; busy?: boolean}) {
    const [value, setValue] = useState('');
    return (
        <Composer
            label='Reply to Assistant'
            placeholder='Reply to Assistant…'
            value={value}
            onChange={setValue}
            onSend={() => onSend(value)}
            busy={busy}
        />
    );
}

describe('Composer', () => {
    it('sends on Enter and keeps Shift+Enter and input-method Enter for the text', () => {
        const onSend = vi.fn();
        render(<Harness onSend={onSend}/>);
        const box = screen.getByLabelText('Reply to Assistant');
        fireEvent.change(box, {target: {value: 'Hello'}});
        fireEvent.keyDown(box, {key: 'Enter', shiftKey: true});
        fireEvent.keyDown(box, {key: 'Enter', isComposing: true});
        expect(onSend).not.toHaveBeenCalled();
        fireEvent.keyDown(box, {key: 'Enter'});
        expect(onSend).toHaveBeenCalledWith('Hello');
    });

    it('sends nothing empty or while a send is under way, and says so on the button', () => {
        const onSend = vi.fn();
        const {rerender} = render(<Harness onSend={onSend}/>);
        const send = screen.getByRole('button', {name: 'Send'});
        expect(send.hasAttribute('disabled')).toBe(true);
        fireEvent.change(screen.getByLabelText('Reply to Assistant'), {target: {value: '   '}});
        fireEvent.keyDown(screen.getByLabelText('Reply to Assistant'), {key: 'Enter'});
        expect(onSend).not.toHaveBeenCalled();
        rerender(<Harness onSend={onSend} busy/>);
        fireEvent.change(screen.getByLabelText('Reply to Assistant'), {target: {value: 'Hi'}});
        fireEvent.keyDown(screen.getByLabelText('Reply to Assistant'), {key: 'Enter'});
        expect(onSend).not.toHaveBeenCalled();
        expect(screen.getByRole('button', {name: 'Send'}).hasAttribute('disabled')).toBe(true);
    });

    it('names the box, tells how to send, and sends with the icon button', () => {
        const onSend = vi.fn();
        render(<Harness onSend={onSend}/>);
        const box = screen.getByLabelText('Reply to Assistant');
        const hint = document.getElementById(box.getAttribute('aria-describedby') ?? '');
        expect(hint?.textContent).toBe('Enter to send, Shift+Enter for a new line');
        fireEvent.change(box, {target: {value: 'Hi'}});
        const send = screen.getByRole('button', {name: 'Send'});
        expect(send.getAttribute('title')).toBe('Send');
        expect(send.querySelector('i.icon.icon-send[aria-hidden=true]')).toBeTruthy();
        fireEvent.click(send);
        expect(onSend).toHaveBeenCalledWith('Hi');
    });
});

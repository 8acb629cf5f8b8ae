import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {describe, expect, it} from 'vitest';

import Card from './card';

const body = (
    <>
        <label htmlFor='n'>{'Name'}</label>
        <input id='n'/>
    </>
);

describe('Card', () => {
    it('starts closed, and its header button opens and closes the body it controls', () => {
        render(<Card title='OpenAI' subtitle='OpenAI · gpt-4o'>{body}</Card>);
        const header = screen.getByRole('button', {name: /OpenAI/});
        expect(header.getAttribute('aria-expanded')).toBe('false');
        const panel = document.getElementById(header.getAttribute('aria-controls') ?? '') as HTMLElement;
        expect(panel.contains(screen.getByLabelText('Name'))).toBe(true);
        expect(panel.hidden).toBe(true);
        // The chevron is decorative: the button's name is the title and subtitle only.
        expect(header.textContent).toBe('OpenAIOpenAI · gpt-4o');
        expect(header.querySelector('.mattermost-ai-chevron')?.getAttribute('aria-hidden')).toBe('true');

        fireEvent.click(header);
        expect(header.getAttribute('aria-expanded')).toBe('true');
        expect(panel.hidden).toBe(false);
        fireEvent.click(header);
        expect(panel.hidden).toBe(true);
        // A group named by the title, so the fields inside are announced with it.
        expect(screen.getByRole('group', {name: 'OpenAI'})).toBeTruthy();
    });

    it('opens with the focus in its first field when it was just added', () => {
        render(<Card title='New service' defaultOpen autoFocus>{body}</Card>);
        expect(screen.getByRole('button', {name: 'New service'}).getAttribute('aria-expanded')).toBe('true');
        expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    });

    it('opens by itself when something in it needs attention', () => {
        const {rerender} = render(<Card title='OpenAI' openWhen={false}>{body}</Card>);
        const header = screen.getByRole('button', {name: 'OpenAI'});
        expect(header.getAttribute('aria-expanded')).toBe('false');
        rerender(<Card title='OpenAI' openWhen>{body}</Card>);
        expect(header.getAttribute('aria-expanded')).toBe('true');
        // No focus is taken: the admin may be elsewhere on the page.
        expect(document.activeElement).toBe(document.body);
    });
});

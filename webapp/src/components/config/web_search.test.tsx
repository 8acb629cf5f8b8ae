import {fireEvent, render, screen, within} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

const base = (problems: unknown[] = []) => ({
    '/ai_bots': () => ({bots: [], license}),
    '/admin/config/check': () => ({problems}),
    '/admin/mcp/tools': () => ({servers: []}),
});

function renderEditor(value: unknown) {
    const onChange = vi.fn();
    render(<ConfigEditor id='Config' value={value} onChange={onChange}/>);
    const latest = () => onChange.mock.calls[onChange.mock.calls.length - 1][1];
    const section = within(screen.getByRole('region', {name: 'Web search'}));
    return {latest, section};
}

describe('ConfigEditor web search', () => {
    it('writes upstream\'s webSearch object, keys masked until revealed, unknown keys kept', () => {
        serve(base());
        const {latest, section} = renderEditor({
            services: [],
            bots: [],
            webSearch: {brave: {pollTimeout: 10, apiKey: 'old-brave'}, futureWeb: 'kept'},
        });
        fireEvent.click(section.getByLabelText('Enable web search'));
        expect(latest().webSearch).toMatchObject({enabled: true, provider: 'google', futureWeb: 'kept'});

        const key = section.getByLabelText('API key') as HTMLInputElement;
        expect(key.type).toBe('password');
        fireEvent.change(key, {target: {value: 'g-key'}});
        fireEvent.click(section.getByRole('button', {name: 'Show API key'}));
        expect(key.type).toBe('text');
        fireEvent.change(section.getByLabelText('Search engine ID'), {target: {value: 'cx-1'}});
        fireEvent.change(section.getByLabelText('Results per search'), {target: {value: '7'}});
        expect(latest().webSearch.google).toEqual({apiKey: 'g-key', searchEngineId: 'cx-1', resultLimit: 7});

        // Brave has no engine id; its own key and settings stay apart from Google's.
        fireEvent.change(section.getByLabelText('Search provider'), {target: {value: 'brave'}});
        expect(section.queryByLabelText('Search engine ID')).toBeNull();
        expect((section.getByLabelText('API key') as HTMLInputElement).value).toBe('old-brave');
        fireEvent.change(section.getByLabelText('API URL (optional)'), {target: {value: 'https://proxy.example.com'}});
        expect(latest().webSearch).toMatchObject({
            provider: 'brave',
            brave: {pollTimeout: 10, apiKey: 'old-brave', apiURL: 'https://proxy.example.com'},
            google: {apiKey: 'g-key', searchEngineId: 'cx-1', resultLimit: 7},
        });

        fireEvent.change(section.getByLabelText('Blocked domains'), {target: {value: 'example.com\n\n  ads.example.org '}});
        expect(latest().webSearch.domainDenylist).toEqual(['example.com', 'ads.example.org']);
    });

    it('shows the server\'s problems and its own URL check', async () => {
        serve(base([{path: 'webSearch.google.apiKey', message: 'Google search needs an API key'}]));
        const {section} = renderEditor({services: [], bots: [], webSearch: {enabled: true, provider: 'google'}});
        expect(await section.findByText('Google search needs an API key')).toBeTruthy();
        const url = section.getByLabelText('API URL (optional)');
        fireEvent.change(url, {target: {value: 'ftp://nope'}});
        fireEvent.blur(url);
        expect(section.getByText('Enter a URL that starts with http:// or https://.')).toBeTruthy();
    });
});

import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {agent, license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

describe('ConfigEditor services', () => {
    const saved = {
        services: [{id: 's1', name: 'OpenAI', type: 'openai', apiKey: 'sk'}],
        bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1'}],
        extraKeyFromUpstream: 42,
    };

    it('does not delete a service an agent uses, and says why', () => {
        serve({'/ai_bots': () => ({bots: [agent], license}), '/admin/config/check': () => ({problems: []})});
        render(<ConfigEditor id='Config' value={saved}/>);
        const del = screen.getByRole('button', {name: 'Delete OpenAI'}) as HTMLButtonElement;
        expect(del.disabled).toBe(true);
        const why = screen.getByText(/used by an agent \(Assistant\)/);
        expect(del.getAttribute('aria-describedby')).toBe(why.id);
    });

    it('fetches models with the service credentials', async () => {
        const calls = serve({'/admin/models/fetch': () => [{id: 'gpt-4o', displayName: 'gpt-4o'}], '/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        render(<ConfigEditor id='Config' value={saved}/>);
        fireEvent.click(screen.getByText('Fetch models'));
        // While the provider is asked, the button waits and says so.
        expect(screen.getByText('Fetching models…').getAttribute('role')).toBe('status');
        expect(screen.getByText('Fetch models').closest('button')?.getAttribute('aria-busy')).toBe('true');
        expect(await screen.findByText(/1 models available: gpt-4o/)).toBeTruthy();
        expect(screen.getByText('Fetch models').closest('button')?.disabled).toBe(false);
        const call = calls.find((c) => c.url.includes('/admin/models/fetch'));
        expect(JSON.parse(String(call?.init?.body))).toEqual({serviceType: 'openai', apiKey: 'sk', apiURL: '', orgID: ''});
        expect((call?.init?.headers as Record<string, string>)['X-Requested-With']).toBe('XMLHttpRequest');
    });

    it('offers every service type and shows the fields of the chosen one', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={{services: [{id: 's1', name: 'Cloud', type: 'bedrock'}], bots: []}} onChange={onChange}/>);
        const type = screen.getByLabelText('Type') as HTMLSelectElement;
        expect(Array.from(type.options).map((o) => [o.value, o.text])).toEqual(
            ['openai', 'azure', 'openaicompatible', 'anthropic', 'bedrock', 'cohere', 'mistral', 'asage'].map((x) => [x, x]),
        );
        expect(screen.getByLabelText('AWS region *')).toBeTruthy();
        expect((screen.getByLabelText('AWS secret access key') as HTMLInputElement).type).toBe('password');
        expect(screen.queryByText('Fetch models')).toBeNull();
        fireEvent.change(type, {target: {value: 'anthropic'}});
        expect(onChange.mock.calls[onChange.mock.calls.length - 1][1].services[0].type).toBe('anthropic');
        expect(screen.queryByLabelText('AWS region *')).toBeNull();
        expect(screen.getByLabelText('API key *')).toBeTruthy();
        expect(screen.getByText('Fetch models')).toBeTruthy();
    });
});

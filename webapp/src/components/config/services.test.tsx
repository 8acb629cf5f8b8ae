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

    it('edits custom headers as secrets, shows their problems and lists models with them', async () => {
        const problems = [{path: 'services[0].customHeaders[1].name', message: '"Host" is set by the plugin itself and cannot be overridden'}];
        const calls = serve({
            '/admin/models/fetch': () => [],
            '/ai_bots': () => ({bots: [], license}),
            '/admin/config/check': () => ({problems}),
        });
        const onChange = vi.fn();
        const headers = [{name: 'X-Tenant', value: 'tenant-secret'}, {name: 'Host', value: 'elsewhere'}];
        render(
            <ConfigEditor
                id='Config'
                value={{services: [{id: 's1', name: 'Gateway', type: 'openai', apiKey: 'sk', customHeaders: headers}], bots: []}}
                onChange={onChange}
            />,
        );
        // The server's problem opens the card and marks the field.
        expect((await screen.findAllByText(/"Host" is set by the plugin itself/)).length).toBeGreaterThan(0);
        expect(screen.getByLabelText('Header 2 name').getAttribute('aria-invalid')).toBe('true');
        expect((screen.getByLabelText('Header 1 name') as HTMLInputElement).value).toBe('X-Tenant');
        const value = screen.getByLabelText('Header 1 value') as HTMLInputElement;
        expect(value.type).toBe('password');
        fireEvent.click(await screen.findByRole('button', {name: 'Show Header 1 value'}));
        expect((screen.getByLabelText('Header 1 value') as HTMLInputElement).type).toBe('text');

        fireEvent.click(screen.getByText('Fetch models'));
        await screen.findByText(/0 models available/);
        const call = calls.find((c) => c.url.includes('/admin/models/fetch'));
        expect(JSON.parse(String(call?.init?.body)).customHeaders).toEqual(headers);

        const last = () => onChange.mock.calls[onChange.mock.calls.length - 1][1].services[0].customHeaders;
        fireEvent.click(screen.getByText('Add header'));
        expect(last()).toEqual([...headers, {name: '', value: ''}]);
        fireEvent.click(screen.getByRole('button', {name: 'Remove header Host'}));
        expect(last()).toEqual([headers[0], {name: '', value: ''}]);
    });

    it('offers the other services as the fallback', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        const services = [
            {id: 's1', name: 'Main', type: 'openai', apiKey: 'sk'},
            {id: 's2', name: 'Backup', type: 'anthropic', apiKey: 'sk-ant', fallbackServiceID: 's1'},
        ];
        render(<ConfigEditor id='Config' value={{services, bots: []}} onChange={onChange}/>);
        const [main, backup] = screen.getAllByLabelText('Fallback service') as HTMLSelectElement[];
        expect(Array.from(main.options).map((o) => [o.value, o.text])).toEqual([['', 'None'], ['s2', 'Backup']]);
        expect(main.value).toBe('');
        expect(backup.value).toBe('s1');
        fireEvent.change(main, {target: {value: 's2'}});
        expect(onChange.mock.calls[onChange.mock.calls.length - 1][1].services[0].fallbackServiceID).toBe('s2');
    });

    it('offers every service type and shows the fields of the chosen one', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={{services: [{id: 's1', name: 'Cloud', type: 'bedrock'}], bots: []}} onChange={onChange}/>);
        const type = screen.getByLabelText('Type') as HTMLSelectElement;
        expect(Array.from(type.options).map((o) => [o.value, o.text])).toEqual(
            ['openai', 'azure', 'openaicompatible', 'anthropic', 'bedrock', 'cohere', 'mistral', 'asage', 'gemini', 'vertex'].map((x) => [x, x]),
        );
        expect(screen.getByLabelText('AWS region *')).toBeTruthy();
        expect((screen.getByLabelText('AWS secret access key') as HTMLInputElement).type).toBe('password');
        expect(screen.queryByText('Fetch models')).toBeNull();
        fireEvent.change(type, {target: {value: 'anthropic'}});
        expect(onChange.mock.calls[onChange.mock.calls.length - 1][1].services[0].type).toBe('anthropic');
        expect(screen.queryByLabelText('AWS region *')).toBeNull();
        expect(screen.getByLabelText('API key *')).toBeTruthy();
        expect(screen.getByText('Fetch models')).toBeTruthy();
        // Vertex AI: upstream's project and key fields, the key hidden like other secrets.
        fireEvent.change(type, {target: {value: 'vertex'}});
        expect(screen.getByLabelText('Google Cloud project ID *')).toBeTruthy();
        expect((screen.getByLabelText('Service account key (JSON) *') as HTMLInputElement).type).toBe('password');
        expect(screen.queryByLabelText('API key *')).toBeNull();
        expect(screen.queryByText('Fetch models')).toBeNull();
    });
});

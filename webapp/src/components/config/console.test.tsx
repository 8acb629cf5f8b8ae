import {act, fireEvent, render, screen, waitFor, within} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {agent, license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

const saved = {
    services: [{id: 's1', name: 'OpenAI', type: 'openai', apiKey: 'sk', defaultModel: 'gpt-4o'}],
    bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1'}],
};
const routes = (problems: unknown[] = [], lic = license) => ({
    '/ai_bots': () => ({bots: [agent], license: lic}),
    '/admin/config/check': () => ({problems}),
    '/admin/mcp/tools': () => ({servers: []}),
    '/admin/usage': () => ({recording: true, from: '2026-11-09', to: '2026-12-08', totals: {inputTokens: 0, outputTokens: 0, requests: 0},
        days: [], agents: [], models: [], topUsers: [], topTeams: []}),
});
// The description of a control: the text of the elements its aria-describedby names.
const description = (el: HTMLElement) => (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '').join(' ');

describe('ConfigEditor layout', () => {
    it('is one themed root with a named region per area', () => {
        serve(routes());
        const {container} = render(<ConfigEditor id='Config' value={saved}/>);
        expect((container.firstElementChild as HTMLElement).className).toBe('mattermost-ai-root mattermost-ai-config');
        const names = screen.getAllByRole('region').map((r) => r.getAttribute('aria-labelledby') && document.getElementById(r.getAttribute('aria-labelledby') ?? '')?.textContent);
        expect(names).toEqual(['AI services', 'Agents', 'General', 'Token quotas', 'Usage', 'Embedding search', 'Web search', 'MCP servers', 'Tools']);
        expect(screen.getByRole('region', {name: 'MCP servers'})).toBeTruthy();
        expect(within(screen.getByRole('region', {name: 'AI services'})).getByRole('button', {name: 'Add service'}).className).toBe('btn btn-tertiary btn-sm');
        // On/off settings are switches that keep check box semantics.
        const trace = screen.getByLabelText('Enable LLM trace') as HTMLInputElement;
        expect(trace.getAttribute('role')).toBe('switch');
        expect(trace.type).toBe('checkbox');
        // Every control has a label.
        for (const el of container.querySelectorAll<HTMLElement>('input, select, textarea')) {
            const labelled = el.getAttribute('aria-label') || Array.from(container.querySelectorAll('label')).some((l) => l.htmlFor === el.id);
            expect(labelled, el.outerHTML).toBeTruthy();
        }
    });

    it('starts saved items closed, and opens a new one with the focus in its first field', () => {
        serve(routes());
        render(<ConfigEditor id='Config' value={saved} onChange={vi.fn()}/>);
        const services = screen.getByRole('region', {name: 'AI services'});
        const openai = within(services).getByRole('button', {name: /^OpenAI/});
        expect(openai.getAttribute('aria-expanded')).toBe('false');
        expect(openai.textContent).toContain('OpenAI · gpt-4o');
        const assistant = within(screen.getByRole('region', {name: 'Agents'})).getByRole('button', {name: /^Assistant/});
        expect(assistant.textContent).toContain('@ai · OpenAI');
        fireEvent.click(openai);
        expect(openai.getAttribute('aria-expanded')).toBe('true');

        fireEvent.click(screen.getByRole('button', {name: 'Add service'}));
        const fresh = within(services).getByRole('button', {name: /^New service/});
        expect(fresh.getAttribute('aria-expanded')).toBe('true');
        const body = document.getElementById(fresh.getAttribute('aria-controls') ?? '') as HTMLElement;
        expect(document.activeElement).toBe(within(body).getByLabelText('Name'));

        fireEvent.click(screen.getByRole('button', {name: 'Add agent'}));
        const agentBody = document.getElementById(screen.getByRole('button', {name: /^New agent/}).getAttribute('aria-controls') ?? '') as HTMLElement;
        expect(document.activeElement).toBe(within(agentBody).getByLabelText('Display name'));
        expect(screen.getByRole('button', {name: 'Delete New agent'})).toBeTruthy();
    });

    it('opens an item the server found a problem in, with the message tied to the field', async () => {
        serve(routes([{path: 'services[0].apiKey', message: 'an API key is required'}]));
        render(<ConfigEditor id='Config' value={saved}/>);
        const header = within(screen.getByRole('region', {name: 'AI services'})).getByRole('button', {name: /^OpenAI/});
        await waitFor(() => expect(header.getAttribute('aria-expanded')).toBe('true'));
        const key = screen.getByLabelText('API key *');
        expect(key.getAttribute('aria-invalid')).toBe('true');
        expect(description(key)).toContain('an API key is required');
        // The agent card has nothing wrong and stays closed.
        expect(screen.getByRole('button', {name: /^Assistant/}).getAttribute('aria-expanded')).toBe('false');
    });

    it('checks fields once they were left: required, http(s) URLs, no negative numbers', () => {
        serve(routes());
        render(<ConfigEditor id='Config' value={{services: [], bots: []}} onChange={vi.fn()}/>);
        fireEvent.click(screen.getByRole('button', {name: 'Add service'}));
        const key = screen.getByLabelText('API key *');
        expect(key.getAttribute('aria-invalid')).toBeNull();
        expect(screen.queryByText('Required')).toBeNull();
        fireEvent.blur(key);
        expect(key.getAttribute('aria-invalid')).toBe('true');
        expect(description(key)).toBe('Required');
        fireEvent.change(key, {target: {value: 'sk-1'}});
        expect(key.getAttribute('aria-invalid')).toBeNull();

        const url = screen.getAllByLabelText('API URL')[0];
        fireEvent.change(url, {target: {value: 'ftp://example.com'}});
        fireEvent.blur(url);
        expect(description(url)).toBe('Enter a URL that starts with http:// or https://.');
        fireEvent.change(url, {target: {value: 'https://example.com/v1'}});
        expect(url.getAttribute('aria-invalid')).toBeNull();

        const limit = screen.getByLabelText('Input token limit');
        fireEvent.change(limit, {target: {value: '-5'}});
        fireEvent.blur(limit);
        expect(description(limit)).toBe('Enter 0 or a positive number.');
    });

    it('masks secrets with a reveal button', () => {
        serve(routes());
        render(<ConfigEditor id='Config' value={saved}/>);
        const key = screen.getByLabelText('API key *') as HTMLInputElement;
        expect(key.type).toBe('password');
        fireEvent.click(screen.getAllByRole('button', {name: 'Show API key', hidden: true})[0]);
        expect(key.type).toBe('text');
        expect(screen.getAllByRole('button', {name: 'Hide API key', hidden: true})[0].getAttribute('aria-pressed')).toBe('true');
    });
});

describe('ConfigEditor save action', () => {
    it('checks the configuration again after Mattermost saved it, and lets go on unmount', async () => {
        let problems: unknown[] = [];
        const calls = serve({...routes(), '/admin/config/check': () => ({problems})});
        const registerSaveAction = vi.fn();
        const unRegisterSaveAction = vi.fn();
        const {unmount} = render(
            <ConfigEditor id='Config' value={saved} registerSaveAction={registerSaveAction} unRegisterSaveAction={unRegisterSaveAction}/>,
        );
        expect(registerSaveAction).toHaveBeenCalledTimes(1);
        const action = registerSaveAction.mock.calls[0][0] as () => Promise<unknown>;
        const checks = () => calls.filter((c) => c.url.includes('/admin/config/check')).length;
        await waitFor(() => expect(checks()).toBe(1));

        problems = [{path: 'bots[0].name', message: 'a username is taken'}];
        let result: unknown;
        await act(async () => {
            result = await action();
        });
        expect(result).toEqual({});
        expect(checks()).toBe(2);
        expect(screen.getAllByText(/a username is taken/).length).toBeGreaterThan(0);
        expect(screen.getByLabelText('Username *').getAttribute('aria-invalid')).toBe('true');

        unmount();
        expect(unRegisterSaveAction).toHaveBeenCalledWith(action);
    });

    it('never holds the save bar when the check fails', async () => {
        serve({...routes(), '/admin/config/check': () => new Response('{"error":"down"}', {status: 500})});
        const registerSaveAction = vi.fn();
        render(<ConfigEditor id='Config' value={saved} registerSaveAction={registerSaveAction}/>);
        const action = registerSaveAction.mock.calls[0][0] as () => Promise<unknown>;
        await act(async () => {
            expect(await action()).toEqual({});
        });
    });
});

describe('ConfigEditor license hints', () => {
    it('marks what the license does not cover quietly, and switches its controls off', async () => {
        serve(routes([], {...license, embeddingSearch: false, mcp: false, usageTracking: false}));
        render(<ConfigEditor id='Config' value={saved}/>);
        const embedding = screen.getByRole('region', {name: 'Embedding search'});
        await waitFor(() => expect(within(embedding).getByText('Enterprise')).toBeTruthy());
        expect(within(embedding).getByText(/Requires an Entry, Enterprise or Enterprise Advanced license/).closest('.mattermost-ai-license')).not.toBeNull();
        expect(within(embedding).queryByRole('alert')).toBeNull();
        // Switched off through the section's fieldset, as the browser does it.
        expect(within(embedding).getByLabelText('Enable semantic search').matches(':disabled')).toBe(true);

        const mcp = screen.getByRole('region', {name: 'MCP servers'});
        expect(within(mcp).getByText('Enterprise')).toBeTruthy();
        expect(within(mcp).getByLabelText('Enable MCP').matches(':disabled')).toBe(true);
        expect(within(mcp).getByRole('button', {name: 'Add MCP server'}).matches(':disabled')).toBe(true);
        // The region keeps its name: the tag is beside the heading, not in it.
        expect(screen.getByRole('region', {name: 'Tools'})).toBeTruthy();

        const usage = screen.getByLabelText('Enable token usage logging') as HTMLInputElement;
        expect(usage.disabled).toBe(true);
        expect(description(usage)).toContain('Requires an Entry, Enterprise or Enterprise Advanced license.');
        expect(screen.queryAllByRole('alert')).toHaveLength(0);
    });
});

describe('ConfigEditor id picker', () => {
    it('moves into the matches with ArrowDown and closes them with Escape', async () => {
        serve({...routes(), '/api/v4/users/search': () => [{id: 'u2', username: 'bob'}, {id: 'u3', username: 'bobby'}]});
        render(<ConfigEditor id='Config' value={saved} onChange={vi.fn()}/>);
        const search = screen.getByLabelText('Users') as HTMLInputElement;
        expect(search.className).toContain('form-control');
        fireEvent.change(search, {target: {value: 'bo'}});
        const first = await screen.findByText('@bob');
        fireEvent.keyDown(search, {key: 'ArrowDown'});
        expect(document.activeElement).toBe(first);
        fireEvent.keyDown(first, {key: 'ArrowDown'});
        expect(document.activeElement).toBe(screen.getByText('@bobby'));
        fireEvent.keyDown(document.activeElement as HTMLElement, {key: 'Escape'});
        expect(screen.queryByText('@bob')).toBeNull();
        expect(document.activeElement).toBe(search);
    });
});

import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {agent, license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

describe('ConfigEditor pickers and avatar', () => {
    const saved = {
        services: [{id: 's1', name: 'OpenAI', type: 'openai', apiKey: 'sk'}],
        bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1', userAccessLevel: 1, userIDs: []}],
    };

    it('picks users by name and stores their ids', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/admin/config/check': () => ({problems: []}),
            '/api/v4/users/search': () => [{id: 'u2', username: 'bob'}],
        });
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={saved} onChange={onChange}/>);
        const search = screen.getAllByLabelText('Users').find((el) => el.tagName === 'INPUT') as HTMLInputElement;
        fireEvent.change(search, {target: {value: 'bo'}});
        fireEvent.click(await screen.findByText('@bob'));
        const latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.bots[0].userIDs).toEqual(['u2']);
        expect(screen.getByLabelText('Remove @bob')).toBeTruthy();
    });

    it("uploads a saved agent's avatar through the user image API", async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/admin/config/check': () => ({problems: []}),
            '/api/v4/users/bot1/image': () => ({status: 'OK'}),
        });
        render(<ConfigEditor id='Config' value={saved}/>);
        const input = await screen.findByLabelText('Avatar');
        const file = new File([new Uint8Array([1, 2, 3])], 'a.png', {type: 'image/png'});
        fireEvent.change(input, {target: {files: [file]}});
        expect(await screen.findByText('Avatar saved.')).toBeTruthy();
        const call = calls.find((c) => c.url.endsWith('/api/v4/users/bot1/image'));
        expect(call?.init?.body).toBeInstanceOf(FormData);
    });
});

describe('ConfigEditor agent capabilities', () => {
    const withService = (service: Record<string, unknown>) => ({
        services: [{id: 's1', name: 'S', ...service}],
        bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1'}],
    });
    const shown = () => ['Native web search', 'Reasoning', 'Reasoning effort', 'Thinking budget (tokens)'].filter((l) => screen.queryByLabelText(l) !== null);

    it('offers web search and reasoning where the service type has them', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const cases: Array<[Record<string, unknown>, string[]]> = [
            [{type: 'openai'}, []],
            [{type: 'openai', useResponsesAPI: true}, ['Native web search', 'Reasoning', 'Reasoning effort']],
            [{type: 'azure', useResponsesAPI: true}, ['Native web search', 'Reasoning', 'Reasoning effort']],
            [{type: 'anthropic'}, ['Native web search', 'Reasoning', 'Thinking budget (tokens)']],
            [{type: 'bedrock', useResponsesAPI: true}, []],
            [{type: 'mistral'}, []],
        ];
        for (const [service, labels] of cases) {
            const {unmount} = render(<ConfigEditor id='Config' value={withService(service)}/>);
            expect(shown()).toEqual(labels);
            unmount();
        }
    });

    it('stores native web search as the web_search tool', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={withService({type: 'anthropic'})} onChange={onChange}/>);
        fireEvent.click(screen.getByLabelText('Native web search'));
        expect(onChange.mock.calls[onChange.mock.calls.length - 1][1].bots[0].enabledNativeTools).toEqual(['web_search']);
    });
});

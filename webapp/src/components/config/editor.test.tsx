import {fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {agent, license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

describe('ConfigEditor', () => {
    const saved = {
        services: [{id: 's1', name: 'OpenAI', type: 'openai', apiKey: 'sk'}],
        bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1'}],
        extraKeyFromUpstream: 42,
    };

    it('edits services and agents and hands the whole config to Mattermost', async () => {
        serve({'/ai_bots': () => ({bots: [agent], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        const setSaveNeeded = vi.fn();
        render(<ConfigEditor id='Config' value={saved} onChange={onChange} setSaveNeeded={setSaveNeeded}/>);
        fireEvent.click(screen.getByText('Add service'));
        const latest = () => onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(onChange.mock.calls[0][0]).toBe('Config');
        expect(latest().services).toHaveLength(2);
        expect(latest().extraKeyFromUpstream).toBe(42);
        expect(setSaveNeeded).toHaveBeenCalled();
        fireEvent.click(screen.getByText('Add agent'));
        expect(latest().bots).toHaveLength(2);
        expect(latest().bots[1].serviceID).toBe('s1');
        const names = screen.getAllByLabelText('Display name');
        fireEvent.change(names[0], {target: {value: 'Helper'}});
        expect(latest().bots[0].displayName).toBe('Helper');
    });

    it('explains what the license does not unlock, and shows server validation', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license: {...license, multipleAgents: false, fineGrainedAccess: false}}),
            '/admin/config/check': () => ({problems: [{path: 'services[0].apiKey', message: 'an API key is required'}]}),
        });
        render(<ConfigEditor id='Config' value={saved}/>);
        await waitFor(() => expect((screen.getByText('Add agent') as HTMLButtonElement).disabled).toBe(true));
        expect(screen.getAllByText(/Requires an Entry, Enterprise or Enterprise Advanced license/).length).toBeGreaterThan(0);
        expect((await screen.findAllByText(/an API key is required/)).length).toBeGreaterThan(0);
    });

    it('says what was imported from the previous Agents plugin', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/admin/config/check': () => ({
                problems: [],
                upstreamImport: {importedAt: Date.now(), services: 1, agents: 2, skipped: ['conversations (3)'], reindexNeeded: true, tables: ['agents_useragents']},
            }),
        });
        render(<ConfigEditor id='Config' value={saved}/>);
        expect(await screen.findByText(/Imported from the previous Agents plugin/)).toBeTruthy();
        expect(screen.getByText('conversations (3)')).toBeTruthy();
    });
});

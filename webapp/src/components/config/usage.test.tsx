import {fireEvent, render, screen, waitFor, within} from '@testing-library/react';
import React from 'react';
import {afterEach, describe, expect, it, vi} from 'vitest';

import type {Config, UsageReport} from '../../types';

import QuotasPanel from './quotas';
import UsagePanel, {rangeOf} from './usage';

const report: UsageReport = {
    recording: true,
    from: '2026-12-02',
    to: '2026-12-08',
    totals: {inputTokens: 1200, outputTokens: 300, requests: 9},
    days: ['2026-12-06', '2026-12-07', '2026-12-08'].map((day, i) => ({day, inputTokens: i * 400, outputTokens: i * 100, requests: i * 3})),
    agents: [{id: 'b1', name: 'Assistant', inputTokens: 1200, outputTokens: 300, requests: 9}],
    models: [{id: 'gpt-4o', name: 'gpt-4o', inputTokens: 1200, outputTokens: 300, requests: 9}],
    topUsers: [
        {id: 'u1', name: 'alice', inputTokens: 1000, outputTokens: 200, requests: 6},
        {id: 'u2', name: 'bob', inputTokens: 200, outputTokens: 100, requests: 3},
    ],
    topTeams: [],
};

function serve(body: unknown, status = 200) {
    const fetch = vi.fn(async () => new Response(JSON.stringify(body), {status}));
    vi.stubGlobal('fetch', fetch);
    return fetch;
}

afterEach(() => vi.unstubAllGlobals());

// The first argument of a mock's first and last calls.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const first = (m: {mock: {calls: any[][]}}) => m.mock.calls[0][0];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const last = (m: {mock: {calls: any[][]}}) => m.mock.calls[m.mock.calls.length - 1][0];

describe('usage page', () => {
    it('asks for the last 30 UTC days by default and offers other ranges', async () => {
        const fetch = serve(report);
        render(<UsagePanel locked={false}/>);
        await screen.findByText('Top users');
        const url = String(first(fetch));
        const {from, to} = rangeOf(30);
        expect(url).toContain(`/admin/usage?from=${from}&to=${to}`);
        fireEvent.change(screen.getByLabelText('Period'), {target: {value: '7'}});
        await waitFor(() => expect(String(last(fetch))).toContain(`from=${rangeOf(7).from}`));
        const csv = screen.getByRole('link', {name: 'Export CSV'});
        expect(csv.getAttribute('href')).toContain(`/admin/usage/export.csv?from=${rangeOf(7).from}`);
    });

    it('draws a bar per day, named, with the figures as a table too', async () => {
        serve(report);
        render(<UsagePanel locked={false}/>);
        const chart = await screen.findByRole('img', {name: 'Tokens per day: 1,500 in 3 days'});
        expect(chart.querySelectorAll('g[data-day]')).toHaveLength(3);
        expect(chart.querySelector('g[data-day="2026-12-08"] title')?.textContent).toBe('2026-12-08: 800 input, 200 output');
        // The tallest day fills the plot; input is drawn under output.
        const [input, output] = Array.from(chart.querySelectorAll('g[data-day="2026-12-08"] rect'));
        expect(Number(input.getAttribute('height')) + Number(output.getAttribute('height'))).toBeCloseTo(120);
        const table = screen.getByRole('table');
        expect(within(table).getAllByRole('row')).toHaveLength(3); // the header and two days with use
        const users = screen.getByRole('list', {name: 'Top users'});
        expect(within(users).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['alice1,200 tokens', 'bob300 tokens']);
        expect(screen.getByText('Nothing in this period.')).toBeTruthy();
    });

    it('says when usage is not recorded and when it cannot be read', async () => {
        serve({...report, recording: false});
        const {unmount} = render(<UsagePanel locked={false}/>);
        expect(await screen.findByText(/Usage is not being recorded/)).toBeTruthy();
        unmount();
        serve({error: 'token usage could not be read'}, 503);
        render(<UsagePanel locked={false}/>);
        expect((await screen.findByRole('alert')).textContent).toContain('token usage could not be read');
    });

    it('is locked without usage tracking and asks nothing', () => {
        const fetch = serve(report);
        render(<UsagePanel locked/>);
        expect(screen.getByText('Enterprise')).toBeTruthy();
        expect(fetch).not.toHaveBeenCalled();
    });
});

describe('token quotas', () => {
    const base: Config = {services: [], bots: [{id: 'b', name: 'ai', displayName: 'Assistant', serviceID: 's'} as Config['bots'][number]]};

    function editor(config: Config = base) {
        const update = vi.fn();
        render(
            <QuotasPanel
                config={config}
                problems={[{path: 'tokenQuotas.warnAtPercent', message: 'must be a percentage from 1 to 100'}]}
                botIds={{ai: 'bot-user-id'}}
                locked={false}
                update={update}
            />,
        );
        return update;
    }

    it('edits limits per user, team and agent, and the warning share', () => {
        const update = editor();
        fireEvent.click(screen.getByRole('switch', {name: 'Enforce token quotas'}));
        expect(last(update).tokenQuotas.enabled).toBe(true);
        fireEvent.change(screen.getByLabelText('Per user: daily limit'), {target: {value: '100000'}});
        expect(last(update).tokenQuotas.perUser).toEqual({daily: 100000});
        fireEvent.change(screen.getByLabelText('Per agent: monthly limit'), {target: {value: '5000000'}});
        expect(last(update).tokenQuotas.perAgent).toEqual({monthly: 5000000});
        const warn = screen.getByLabelText('Warn at (%)');
        expect(warn.getAttribute('aria-invalid')).toBe('true');
        expect(screen.getByText('must be a percentage from 1 to 100')).toBeTruthy();
    });

    it('adds an override for an agent by its bot user id, and deletes it', () => {
        const update = editor({...base, tokenQuotas: {overrides: [{scope: 'agent', id: '', daily: 0}]}});
        const group = screen.getByRole('group', {name: 'Override 1'});
        fireEvent.change(within(group).getByLabelText('Override 1: who'), {target: {value: 'bot-user-id'}});
        expect(last(update).tokenQuotas.overrides).toEqual([{scope: 'agent', id: 'bot-user-id', daily: 0}]);
        fireEvent.click(within(group).getByRole('button', {name: 'Delete Override 1'}));
        expect(last(update).tokenQuotas.overrides).toEqual([]);
        fireEvent.click(screen.getByRole('button', {name: 'Add override'}));
        expect(last(update).tokenQuotas.overrides).toEqual([
            {scope: 'agent', id: '', daily: 0},
            {scope: 'user', id: '', daily: 0, monthly: 0},
        ]);
    });
});

import {act, fireEvent, render, screen, waitFor, within} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {license, serve} from '../../test_support';
import type {Call} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
});

type Route = (url: string, init?: RequestInit) => unknown;

// Counts are shown in the page's locale.
const N1200 = (1200).toLocaleString();

const noJob = () => new Response('{"status":"no_job"}', {status: 404});

const healthy = (over: Record<string, unknown> = {}) => ({
    status: 'healthy',
    db_post_count: 1200,
    indexed_post_count: 1200,
    missing_posts: 0,
    stale_posts: 0,
    orphaned_posts: 0,
    needs_catch_up: false,
    model_compatible: true,
    model_needs_reindex: false,
    stored_provider_type: 'openai',
    stored_model_name: 'text-embedding-3-small',
    stored_dimensions: 1536,
    vector_index_state: 'ready',
    checked_at: new Date().toISOString(),
    ...over,
});

const job = (over: Record<string, unknown> = {}) => ({
    status: 'running',
    started_at: '2025-01-01T00:00:00Z',
    processed_rows: 0,
    total_rows: 1200,
    operation: 'reindex',
    resumable: false,
    indexed_rows: 0,
    last_updated_at: Date.now(),
    ...over,
});

// The editor with semantic search on, against a server answering the reindex routes (the more
// specific routes first: the fake server matches the first route a URL contains).
function open(routes: {status?: Route; health?: Route; catchUp?: Route; cancel?: Route; reindex?: Route} = {}): Call[] {
    const calls = serve({
        '/ai_bots': () => ({bots: [], license}),
        '/admin/config/check': () => ({problems: []}),
        '/admin/reindex/status': routes.status ?? noJob,
        '/admin/reindex/health-check': routes.health ?? (() => healthy()),
        '/admin/reindex/catchup': routes.catchUp ?? (() => job({operation: 'catch_up'})),
        '/admin/reindex/cancel': routes.cancel ?? (() => new Response('{"status":"not_running"}', {status: 400})),
        '/admin/reindex': routes.reindex ?? (() => job()),
    });
    render(<ConfigEditor id='Config' value={{services: [], bots: [], embeddingSearchConfig: {type: 'composite'}}} onChange={vi.fn()}/>);
    return calls;
}

const posts = (calls: Call[], path: string) => calls.filter((c) => c.url.endsWith(path) && c.init?.method === 'POST');
const bodyOf = (call: Call) => JSON.parse(String(call.init?.body));
const gets = (calls: Call[], path: string) => calls.filter((c) => c.url.endsWith(path) && (c.init?.method ?? 'GET') === 'GET');
const healthCard = () => screen.getByRole('group', {name: 'Index health'});
// Other sections have alerts of their own (tool lists this fake server does not serve).
const section = () => within(screen.getByRole('region', {name: 'Embedding search'}));

describe('ConfigEditor reindex', () => {
    it('reindexes for semantic search and reports progress', async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [], license}),
            '/admin/config/check': () => ({problems: [], search: {enabled: true, ready: false, error: 'semantic search is unavailable: database down'}}),
            '/admin/reindex/status': () => new Response('{"status":"no_job"}', {status: 404}),
            '/admin/reindex/health-check': () => healthy({status: 'error', error: 'database down'}),
            '/admin/reindex': () => ({status: 'running', started_at: 'now', processed_rows: 0, total_rows: 1200}),
        });
        render(<ConfigEditor id='Config' value={{services: [], bots: [], embeddingSearchConfig: {type: 'composite'}}} onChange={vi.fn()}/>);
        expect(await screen.findByText('Semantic search is configured but cannot run: semantic search is unavailable: database down')).toBeTruthy();
        fireEvent.click(screen.getByText('Reindex all messages'));
        fireEvent.click(screen.getByRole('button', {name: 'Reindex'}));
        expect(await screen.findByText(`Reindexing: 0 of about ${N1200} messages (0%)`)).toBeTruthy();
        expect(calls.some((c) => c.url.endsWith('/admin/reindex') && c.init?.method === 'POST')).toBe(true);
        expect(screen.getByText('Cancel reindexing')).toBeTruthy();
    });

    it('shows a healthy index with its counts, and offers no catch-up', async () => {
        open();
        const card = await screen.findByRole('group', {name: 'Index health'});
        expect(await within(card).findByText('Healthy')).toBeTruthy();
        // The state has an icon beside its words.
        expect(within(card).getByText('Healthy').parentElement?.querySelector('.icon-check-circle-outline')).not.toBeNull();
        const rows = Array.from(card.querySelectorAll('dt')).map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`);
        expect(rows).toEqual([
            `Messages on the server: ${N1200}`,
            `Messages in the index: ${N1200}`,
            'Vector index: Ready',
            'Indexed with: openai · text-embedding-3-small (1536 dimensions)',
        ]);
        expect(within(card).getByText(/^Checked/)).toBeTruthy();
        expect(screen.getByRole('button', {name: 'Reindex all messages'}).className).toContain('btn-primary');
        expect(screen.queryByRole('button', {name: 'Catch up'})).toBeNull();
        expect(section().queryByRole('alert')).toBeNull();
    });

    it('offers a catch-up when messages are missing or out of date, and starts it', async () => {
        const calls = open({
            health: () => healthy({status: 'mismatch', indexed_post_count: 1195, missing_posts: 3, stale_posts: 2, orphaned_posts: 1, needs_catch_up: true, vector_index_state: 'missing'}),
            catchUp: () => job({operation: 'catch_up', processed_rows: 10, indexed_rows: 2}),
        });
        const card = await screen.findByRole('group', {name: 'Index health'});
        expect(await within(card).findByText('A few messages are missing or out of date')).toBeTruthy();
        const rows = Array.from(card.querySelectorAll('dt')).map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`);
        expect(rows).toContain('Missing: 3');
        expect(rows).toContain('Edited since indexed: 2');
        expect(rows).toContain('Deleted on the server but still indexed: 1');
        expect(rows).toContain('Vector index: Missing — a reindex or catch-up builds it');

        fireEvent.click(screen.getByRole('button', {name: 'Catch up'}));
        expect(await screen.findByText(`Catching up: 10 of about ${N1200} messages checked, 2 indexed`)).toBeTruthy();
        expect(posts(calls, '/admin/reindex/catchup')).toHaveLength(1);
        expect(posts(calls, '/admin/reindex')).toHaveLength(0);
        expect(screen.getByRole('button', {name: 'Cancel catch-up'})).toBeTruthy();
    });

    it('asks before a full reindex, since it empties the index', async () => {
        const calls = open();
        await within(await screen.findByRole('group', {name: 'Index health'})).findByText('Healthy');
        fireEvent.click(screen.getByRole('button', {name: 'Reindex all messages'}));
        const confirm = screen.getByRole('group', {name: /empties the search index/});
        // The safe answer has the focus.
        expect(document.activeElement).toBe(within(confirm).getByRole('button', {name: 'Keep the index'}));
        expect(posts(calls, '/admin/reindex')).toHaveLength(0);

        fireEvent.click(within(confirm).getByRole('button', {name: 'Keep the index'}));
        expect(screen.queryByRole('group', {name: /empties the search index/})).toBeNull();
        expect(document.activeElement).toBe(screen.getByRole('button', {name: 'Reindex all messages'}));
        expect(posts(calls, '/admin/reindex')).toHaveLength(0);

        fireEvent.click(screen.getByRole('button', {name: 'Reindex all messages'}));
        fireEvent.click(screen.getByRole('button', {name: 'Reindex'}));
        expect(await screen.findByRole('progressbar')).toBeTruthy();
        expect(posts(calls, '/admin/reindex').map(bodyOf)).toEqual([{clearIndex: true}]);
    });

    it('resumes a stopped reindex from where it stopped, or starts over', async () => {
        const calls = open({
            status: () => job({status: 'canceled', processed_rows: 400, resumable: true}),
            reindex: () => job({processed_rows: 400}),
        });
        expect(await screen.findByText('Reindexing was canceled after 400 messages.')).toBeTruthy();
        expect(screen.queryByRole('button', {name: 'Reindex all messages'})).toBeNull();
        fireEvent.click(screen.getByRole('button', {name: 'Start over'}));
        expect(screen.getByRole('group', {name: /empties the search index/})).toBeTruthy();
        fireEvent.click(screen.getByRole('button', {name: 'Keep the index'}));

        fireEvent.click(screen.getByRole('button', {name: 'Resume'}));
        expect(await screen.findByText(`Reindexing: 400 of about ${N1200} messages (33%)`)).toBeTruthy();
        expect(posts(calls, '/admin/reindex').map(bodyOf)).toEqual([{clearIndex: false}]);
    });

    it('shows a running job with its progress, and cancels it', async () => {
        const calls = open({
            status: () => job({processed_rows: 300}),
            cancel: () => job({status: 'canceled', processed_rows: 300, resumable: true}),
        });
        const bar = await screen.findByRole('progressbar', {name: `Reindexing: 300 of about ${N1200} messages (25%)`});
        expect(bar.getAttribute('aria-valuenow')).toBe('25');
        expect(bar.getAttribute('aria-valuemin')).toBe('0');
        expect(bar.getAttribute('aria-valuemax')).toBe('100');
        expect(screen.queryByRole('button', {name: 'Reindex all messages'})).toBeNull();
        const healthChecks = gets(calls, '/admin/reindex/health-check').length;

        fireEvent.click(screen.getByRole('button', {name: 'Cancel reindexing'}));
        expect(await screen.findByText('Reindexing was canceled after 300 messages.')).toBeTruthy();
        expect(posts(calls, '/admin/reindex/cancel')).toHaveLength(1);
        expect(screen.queryByRole('progressbar')).toBeNull();
        expect(document.activeElement).toBe(screen.getByRole('button', {name: 'Resume'}));
        // The job changed the index: the health check runs again.
        await waitFor(() => expect(gets(calls, '/admin/reindex/health-check').length).toBe(healthChecks + 1));
    });

    it('polls a running job every 2 seconds and checks the index again when it finishes', async () => {
        vi.useFakeTimers({shouldAdvanceTime: true});
        let state = job({processed_rows: 600});
        const calls = open({status: () => state});
        expect(await screen.findByText(`Reindexing: 600 of about ${N1200} messages (50%)`)).toBeTruthy();
        const healthChecks = gets(calls, '/admin/reindex/health-check').length;

        state = job({status: 'completed', processed_rows: 1200, indexed_rows: 1200});
        await act(async () => {
            await vi.advanceTimersByTimeAsync(2000);
        });
        expect(await screen.findByText(`Reindexing finished: ${N1200} messages indexed.`)).toBeTruthy();
        await waitFor(() => expect(gets(calls, '/admin/reindex/health-check').length).toBe(healthChecks + 1));
    });

    it('says when the search index is being built after the load', async () => {
        open({status: () => job({processed_rows: 1200, indexed_rows: 1200, phase: 'building_index'})});
        expect(await screen.findByText('Building the search index…')).toBeTruthy();
        expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    });

    it('puts the reindex beside the notice that the embedding model changed', async () => {
        const calls = open({
            health: () => healthy({
                status: 'needs_reindex', model_compatible: false, model_needs_reindex: true, needs_catch_up: true,
                model_compat_reason: 'the index was built with text-embedding-3-small, the settings name text-embedding-3-large',
            }),
        });
        const notice = await section().findByRole('alert');
        expect(notice.textContent).toContain('The embedding model changed (the index was built with text-embedding-3-small, the settings name text-embedding-3-large). ' +
            'Search is off until you reindex all messages.');
        expect(within(healthCard()).getByText('Needs a full reindex')).toBeTruthy();
        // A catch-up cannot help: only the reindex is offered, in the notice.
        expect(screen.queryByRole('button', {name: 'Catch up'})).toBeNull();
        expect(screen.getAllByRole('button', {name: 'Reindex all messages'})).toHaveLength(1);
        fireEvent.click(within(notice).getByRole('button', {name: 'Reindex all messages'}));
        fireEvent.click(within(notice).getByRole('button', {name: 'Reindex'}));
        expect(await screen.findByRole('progressbar')).toBeTruthy();
        expect(posts(calls, '/admin/reindex').map(bodyOf)).toEqual([{clearIndex: true}]);
    });

    it('shows the job already running (409) instead of an error', async () => {
        open({reindex: () => new Response(JSON.stringify(job({processed_rows: 120, last_updated_at: 1})), {status: 409})});
        await within(await screen.findByRole('group', {name: 'Index health'})).findByText('Healthy');
        fireEvent.click(screen.getByRole('button', {name: 'Reindex all messages'}));
        fireEvent.click(screen.getByRole('button', {name: 'Reindex'}));
        expect(await screen.findByRole('progressbar', {name: `Reindexing: 120 of about ${N1200} messages (10%)`})).toBeTruthy();
        expect(screen.getByText('A job was already running; its progress is shown here.')).toBeTruthy();
        expect(section().queryByRole('alert')).toBeNull();
    });

    it('shows the server\'s error as text', async () => {
        open({reindex: () => new Response('{"error":"<b>semantic search is not set up</b>"}', {status: 400})});
        await within(await screen.findByRole('group', {name: 'Index health'})).findByText('Healthy');
        fireEvent.click(screen.getByRole('button', {name: 'Reindex all messages'}));
        fireEvent.click(screen.getByRole('button', {name: 'Reindex'}));
        const alert = await section().findByRole('alert');
        expect(alert.textContent).toBe('Could not start: <b>semantic search is not set up</b>');
        expect(alert.querySelector('b')).toBeNull();
        expect(screen.getByRole('button', {name: 'Reindex all messages'})).toBeTruthy();
    });

    it('checks the index again on Refresh', async () => {
        let n = 0;
        const calls = open({health: () => (++n === 1 ? healthy() : healthy({status: 'mismatch', missing_posts: 4, needs_catch_up: true}))});
        const card = await screen.findByRole('group', {name: 'Index health'});
        await within(card).findByText('Healthy');
        fireEvent.click(within(card).getByRole('button', {name: 'Refresh index health'}));
        expect(await within(card).findByText('A few messages are missing or out of date')).toBeTruthy();
        expect(gets(calls, '/admin/reindex/health-check')).toHaveLength(2);
        expect(screen.getByRole('button', {name: 'Catch up'})).toBeTruthy();
    });

    it('says when the health check fails, and hides the card on a server without it', async () => {
        open({health: () => new Response('{"error":"database down"}', {status: 500})});
        const card = await screen.findByRole('group', {name: 'Index health'});
        expect((await within(card).findByRole('alert')).textContent).toBe('Could not check the index: database down');
    });

    it('shows no health card on a server without the check', async () => {
        const calls = open({health: () => new Response('{"error":"not found"}', {status: 404})});
        await waitFor(() => expect(gets(calls, '/admin/reindex/health-check')).toHaveLength(1));
        expect(screen.getByRole('button', {name: 'Reindex all messages'})).toBeTruthy();
        expect(screen.queryByRole('group', {name: 'Index health'})).toBeNull();
        expect(section().queryByRole('alert')).toBeNull();
    });
});

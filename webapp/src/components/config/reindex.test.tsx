import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

describe('ConfigEditor reindex', () => {
    it('reindexes for semantic search and reports progress', async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [], license}),
            '/admin/config/check': () => ({problems: [], search: {enabled: true, ready: false, error: 'semantic search is unavailable: database down'}}),
            '/admin/reindex/status': () => new Response('{"status":"no_job"}', {status: 404}),
            '/admin/reindex': () => ({status: 'running', started_at: 'now', processed_rows: 0, total_rows: 1200}),
        });
        render(<ConfigEditor id='Config' value={{services: [], bots: [], embeddingSearchConfig: {type: 'composite'}}} onChange={vi.fn()}/>);
        expect(await screen.findByText('Semantic search is configured but cannot run: semantic search is unavailable: database down')).toBeTruthy();
        fireEvent.click(screen.getByText('Reindex all messages'));
        expect(await screen.findByText('Reindexing: 0 of about 1200 messages.')).toBeTruthy();
        expect(calls.some((c) => c.url.endsWith('/admin/reindex') && c.init?.method === 'POST')).toBe(true);
        expect(screen.getByText('Cancel reindexing')).toBeTruthy();
    });
});

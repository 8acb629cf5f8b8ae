import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

describe('ConfigEditor embedding search', () => {
    it('keeps upstream shapes for embedding search', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={{services: [], bots: [], mcp: {enabled: false}}} onChange={onChange}/>);
        fireEvent.click(screen.getByLabelText('Enable semantic search'));
        const latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.embeddingSearchConfig.type).toBe('composite');
        expect(latest.embeddingSearchConfig.vectorStore.type).toBe('pgvector');
    });
});

import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {license, serve} from '../../test_support';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => vi.unstubAllGlobals());

describe('ConfigEditor MCP', () => {
    it('keeps upstream shapes for MCP servers', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={{services: [], bots: [], mcp: {enabled: false}}} onChange={onChange}/>);
        fireEvent.click(screen.getByText('Add MCP server'));
        fireEvent.change(screen.getByLabelText('Server URL'), {target: {value: 'https://mcp.example.com/mcp'}});
        let latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.mcp.servers).toEqual([{name: '', enabled: true, baseURL: 'https://mcp.example.com/mcp', headers: {}}]);
        fireEvent.change(screen.getByLabelText('Headers sent to the server (one "Name: value" per line)'), {target: {value: 'X-Org: acme\nbroken line'}});
        latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.mcp.servers[0].headers).toEqual({'X-Org': 'acme'});
    });
});

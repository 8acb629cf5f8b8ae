import {fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../../agents_store';
import {setSiteURLSource} from '../../client';
import {license, serve} from '../../test_support';
import type {McpServerTools, McpToolsResponse} from '../../types';

import ConfigEditor from '.';

beforeEach(() => resetAgents());
afterEach(() => {
    vi.unstubAllGlobals();
    setSiteURLSource(() => undefined);
});

const base = {'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})};

const toolsResponse = (): McpToolsResponse & {servers: McpServerTools[]} => ({
    servers: [
        {name: 'Built-in tools', url: 'builtin://', tools: [{name: 'LookupMattermostUser', description: 'Look up a user by username', inputSchema: {}}], needsOAuth: false, error: null},
        {
            name: 'Mattermost',
            url: 'embedded://mattermost',
            tools: [{name: 'search_posts', description: 'Search posts', inputSchema: {}}, {name: 'read_channel', description: 'Read a channel', inputSchema: {}}],
            needsOAuth: false,
            error: null,
        },
        {name: 'github', url: 'https://gh.example.com/mcp', tools: [{name: 'create_issue', description: 'Create an issue', inputSchema: {}}], needsOAuth: false, error: null},
        {name: 'jira', url: 'https://jira.example.com/mcp', tools: [], needsOAuth: true, oauthURL: 'https://jira.example.com/authorize?state=1', error: null},
        {name: 'broken', url: 'https://down.example.com/mcp', tools: [], needsOAuth: false, error: 'connection refused'},
    ],
});

const server = (name: string, baseURL: string, extra: Record<string, unknown> = {}) => ({
    name, enabled: true, baseURL, headers: {}, clientID: '', clientSecret: '', tool_configs: [], ...extra,
});

const saved = () => ({
    services: [],
    bots: [],
    extraTop: 'kept',
    enableChannelMentionToolCalling: false,
    builtinTools: {tool_configs: [], futureBuiltin: 1},
    mcp: {
        enabled: true,
        enablePluginServer: false,
        idleTimeoutMinutes: 30,
        futureMcp: 'x',
        embeddedServer: {enabled: true, tool_configs: [{name: 'read_channel', policy: 'auto_run_everywhere', enabled: true, note: 'kept'}], futureEmbedded: true},
        servers: [
            server('github', 'https://gh.example.com/mcp', {futureServer: 7}),
            server('jira', 'https://jira.example.com/mcp'),
            server('broken', 'https://down.example.com/mcp', {tool_configs: [{name: 'old_tool', policy: 'ask', enabled: false}]}),
        ],
    },
});

function renderEditor(value: unknown = saved()) {
    const onChange = vi.fn();
    render(<ConfigEditor id='Config' value={value} onChange={onChange}/>);
    const latest = () => onChange.mock.calls[onChange.mock.calls.length - 1][1];
    return {onChange, latest};
}

describe('ConfigEditor MCP', () => {
    it('keeps upstream shapes for MCP servers', () => {
        serve({...base, '/admin/mcp/tools': () => ({servers: []})});
        const {latest} = renderEditor({services: [], bots: [], mcp: {enabled: false}});
        fireEvent.click(screen.getByText('Add MCP server'));
        fireEvent.change(screen.getByLabelText('Server URL'), {target: {value: 'https://mcp.example.com/mcp'}});
        expect(latest().mcp.servers).toEqual([{name: 'MCP server 1', enabled: true, baseURL: 'https://mcp.example.com/mcp', headers: {}}]);
        fireEvent.change(screen.getByLabelText('Headers sent to the server (one "Name: value" per line)'), {target: {value: 'X-Org: acme\nbroken line'}});
        expect(latest().mcp.servers[0].headers).toEqual({'X-Org': 'acme'});
        fireEvent.change(screen.getByLabelText('OAuth client ID (optional)'), {target: {value: 'client-1'}});
        const secret = screen.getByLabelText('OAuth client secret (optional)') as HTMLInputElement;
        expect(secret.type).toBe('password');
        fireEvent.change(secret, {target: {value: 's3cret'}});
        expect(latest().mcp.servers[0]).toMatchObject({clientID: 'client-1', clientSecret: 's3cret'});
        fireEvent.click(screen.getByLabelText('Enable MCP'));
        fireEvent.change(screen.getByLabelText('Idle timeout (minutes)'), {target: {value: '45'}});
        expect(latest().mcp).toMatchObject({enabled: true, idleTimeoutMinutes: 45});
    });

    it('names servers: generated when empty, unique, from the URL host when there is one', () => {
        serve({...base, '/admin/mcp/tools': () => ({servers: []})});
        const {latest} = renderEditor({services: [], bots: [], mcp: {servers: [server('', 'https://a.example.com/mcp'), server('MCP server 1', '')]}});
        fireEvent.click(screen.getByText('Add MCP server'));
        expect(latest().mcp.servers[2].name).toBe('MCP server 2');
        const names = () => screen.getAllByLabelText('Name') as HTMLInputElement[];
        // Editing a nameless server names it after its host.
        fireEvent.click(screen.getAllByLabelText('Enabled')[0]);
        expect(latest().mcp.servers[0]).toMatchObject({name: 'a.example.com', enabled: false});
        // A cleared name comes back on leaving the field; a duplicate gets a number.
        fireEvent.change(names()[2], {target: {value: ''}});
        expect(latest().mcp.servers[2].name).toBe('');
        fireEvent.blur(names()[2]);
        expect(latest().mcp.servers[2].name).toBe('MCP server 2');
        fireEvent.change(names()[2], {target: {value: 'MCP server 1'}});
        expect(screen.getAllByText(/Another server has this name/)).toHaveLength(2);
        fireEvent.blur(names()[2]);
        expect(latest().mcp.servers.map((s: {name: string}) => s.name)).toEqual(['a.example.com', 'MCP server 1', 'MCP server 1 2']);
        expect(screen.queryByText(/Another server has this name/)).toBeNull();
    });

    it('writes a policy or an on/off change into the tool_configs of the tool\'s source', async () => {
        serve({...base, '/admin/mcp/tools': toolsResponse});
        const {latest} = renderEditor();
        // A remote server's tool: a new entry in that server's list only.
        fireEvent.change(await screen.findByLabelText('Policy for create_issue'), {target: {value: 'auto_run_in_dm'}});
        expect(latest().mcp.servers[0]).toEqual({...server('github', 'https://gh.example.com/mcp', {futureServer: 7}), tool_configs: [{name: 'create_issue', policy: 'auto_run_in_dm', enabled: true}]});
        expect(latest().mcp.servers.slice(1)).toEqual(saved().mcp.servers.slice(1));
        // An embedded tool: appended to the embedded server's list; an existing entry keeps its other keys.
        fireEvent.change(screen.getByLabelText('Policy for search_posts'), {target: {value: 'auto_run_everywhere'}});
        expect((screen.getByLabelText('Policy for read_channel') as HTMLSelectElement).value).toBe('auto_run_everywhere');
        fireEvent.change(screen.getByLabelText('Policy for read_channel'), {target: {value: 'ask'}});
        expect(latest().mcp.embeddedServer).toEqual({
            enabled: true,
            futureEmbedded: true,
            tool_configs: [{name: 'read_channel', policy: 'ask', enabled: true, note: 'kept'}, {name: 'search_posts', policy: 'auto_run_everywhere', enabled: true}],
        });
        // A built-in tool: the top-level builtinTools list.
        const lookup = screen.getByLabelText('Enable LookupMattermostUser') as HTMLInputElement;
        expect(lookup.checked).toBe(true);
        fireEvent.click(lookup);
        expect(latest().builtinTools).toEqual({futureBuiltin: 1, tool_configs: [{name: 'LookupMattermostUser', policy: 'ask', enabled: false}]});
        expect((screen.getByLabelText('Policy for LookupMattermostUser') as HTMLSelectElement).disabled).toBe(true);
        // A saved entry for a tool the server does not list now is still shown and editable.
        expect(screen.getByText('old_tool')).toBeTruthy();
        expect((screen.getByLabelText('Enable old_tool') as HTMLInputElement).checked).toBe(false);
        fireEvent.click(screen.getByLabelText('Enable old_tool'));
        expect(latest().mcp.servers[2].tool_configs).toEqual([{name: 'old_tool', policy: 'ask', enabled: true}]);
        // Everything the editor does not know is kept.
        expect(latest().extraTop).toBe('kept');
        expect(latest().mcp.futureMcp).toBe('x');
        expect(latest().mcp.servers[0].futureServer).toBe(7);
    });

    it('shows each tool with its description and the policy choices', async () => {
        serve({...base, '/admin/mcp/tools': toolsResponse});
        renderEditor();
        expect(await screen.findByText('Create an issue')).toBeTruthy();
        expect(screen.getByText('Look up a user by username')).toBeTruthy();
        const options = Array.from((screen.getByLabelText('Policy for create_issue') as HTMLSelectElement).options).map((o) => o.text);
        expect(options).toEqual(['Ask every time', 'Run automatically in DMs', 'Run automatically everywhere']);
        expect(screen.getByText('Mattermost tools (2)')).toBeTruthy();
        expect(screen.getByText('Built-in tools (1)')).toBeTruthy();
    });

    it('shows a server\'s error and that it needs OAuth', async () => {
        serve({...base, '/admin/mcp/tools': toolsResponse});
        renderEditor();
        expect(await screen.findByText('Could not list this server\'s tools: connection refused')).toBeTruthy();
        expect(screen.getByText(/This server needs OAuth authorization/)).toBeTruthy();
        const link = await screen.findByRole('link', {name: 'Authorize'});
        expect(link.getAttribute('href')).toBe('https://jira.example.com/authorize?state=1');
    });

    it('never links an OAuth URL that is not http(s), and reports a failed tool list', async () => {
        const response = toolsResponse();
        response.servers[3].oauthURL = 'javascript:alert(1)';
        serve({...base, '/admin/mcp/tools': () => response});
        renderEditor();
        expect(await screen.findByText(/This server needs OAuth authorization/)).toBeTruthy();
        expect(screen.queryByRole('link', {name: 'Authorize'})).toBeNull();
        serve({...base, '/admin/mcp/tools/cache/clear': () => new Response('{"error":"cache busy"}', {status: 500}), '/admin/mcp/tools': () => response});
        await waitFor(() => expect((screen.getByText('Refresh tools') as HTMLButtonElement).disabled).toBe(false));
        fireEvent.click(screen.getByText('Refresh tools'));
        expect(await screen.findByText('Could not refresh the tool lists: cache busy')).toBeTruthy();
    });

    it('shows when the tool lists cannot be loaded', async () => {
        serve({...base, '/admin/mcp/tools': () => new Response('{"error":"MCP client unavailable"}', {status: 500})});
        renderEditor();
        expect(await screen.findByText('Could not load the tool lists: MCP client unavailable')).toBeTruthy();
    });

    it('refreshes tools by clearing the cache, then listing again', async () => {
        let listed = 0;
        const calls = serve({
            ...base,
            '/admin/mcp/tools/cache/clear': () => ({cleared_servers: 3, message: 'cleared'}),
            '/admin/mcp/tools': () => {
                listed += 1;
                const r = toolsResponse();
                if (listed > 1) {
                    r.servers[2].tools?.push({name: 'close_issue', description: 'Close an issue', inputSchema: {}});
                }
                return r;
            },
        });
        renderEditor();
        await screen.findByLabelText('Policy for create_issue');
        expect(screen.queryByLabelText('Policy for close_issue')).toBeNull();
        await waitFor(() => expect((screen.getByText('Refresh tools') as HTMLButtonElement).disabled).toBe(false));
        fireEvent.click(screen.getByText('Refresh tools'));
        expect(await screen.findByLabelText('Policy for close_issue')).toBeTruthy();
        expect(screen.getByText('Tool lists refreshed (3 servers asked again).')).toBeTruthy();
        const mcp = calls.filter((c) => c.url.includes('/admin/mcp/'));
        expect(mcp.map((c) => [c.init?.method, c.url.replace(/^.*\/plugins\/mattermost-ai/, '')])).toEqual([
            ['GET', '/admin/mcp/tools'],
            ['POST', '/admin/mcp/tools/cache/clear'],
            ['GET', '/admin/mcp/tools'],
        ]);
    });

    it('shows the MCP server endpoint when it is on, and switches tools in channels', async () => {
        serve({...base, '/admin/mcp/tools': () => ({servers: []})});
        setSiteURLSource(() => 'https://chat.example.com/');
        const {latest} = renderEditor();
        expect(screen.queryByText('https://chat.example.com/plugins/mattermost-ai/mcp-server/mcp')).toBeNull();
        fireEvent.click(screen.getByLabelText('Enable Mattermost MCP Server (HTTP)'));
        expect(latest().mcp.enablePluginServer).toBe(true);
        expect(screen.getByText('https://chat.example.com/plugins/mattermost-ai/mcp-server/mcp')).toBeTruthy();
        expect(screen.getByText(/shown only to the user who asked until they choose to share them/)).toBeTruthy();
        fireEvent.click(screen.getByLabelText('Enable tools in channels'));
        expect(latest().enableChannelMentionToolCalling).toBe(true);
        fireEvent.click(screen.getByLabelText('Enable Embedded Server'));
        expect(latest().mcp.embeddedServer).toEqual({...saved().mcp.embeddedServer, enabled: false});
        expect(latest()).toMatchObject({extraTop: 'kept', builtinTools: {futureBuiltin: 1}, mcp: {futureMcp: 'x'}});
        expect(await screen.findAllByText('No tools listed yet. Save the settings, then refresh the tools.')).toHaveLength(3);
    });

    it('keeps a deleted server\'s typed headers out of the next one', () => {
        serve({...base, '/admin/mcp/tools': () => ({servers: []})});
        const {latest} = renderEditor({services: [], bots: [], mcp: {servers: [
            server('one', 'https://one.example.com', {headers: {'X-One': '1'}}),
            server('two', 'https://two.example.com', {headers: {'X-Two': '2'}}),
        ]}});
        fireEvent.click(screen.getByRole('button', {name: 'Delete one'}));
        expect(latest().mcp.servers.map((s: {name: string}) => s.name)).toEqual(['two']);
        expect((screen.getByLabelText('Headers sent to the server (one "Name: value" per line)') as HTMLTextAreaElement).value).toBe('X-Two: 2');
    });
});

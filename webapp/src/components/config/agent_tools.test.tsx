import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {serve} from '../../test_support';

import AgentTools, {resetToolSources} from './agent_tools';

beforeEach(() => resetToolSources());
afterEach(() => vi.unstubAllGlobals());

const tools = {servers: [
    {name: 'Built-in tools', url: 'builtin://', tools: [{name: 'LookupMattermostUser'}]},
    {name: 'Mattermost', url: 'embedded://mattermost', tools: [{name: 'read_channel'}, {name: 'create_post'}]},
    {name: 'jira', url: 'https://Jira.example.com:8443/mcp', tools: [{name: 'create_issue'}]},
]};

describe("an agent's MCP tools", () => {
    it('allows every tool, new ones included, until the admin picks them', async () => {
        const calls = serve({'/admin/mcp/tools': () => tools});
        const onChange = vi.fn();
        const {rerender} = render(<AgentTools value={{}} onChange={onChange}/>);
        const auto = screen.getByRole('switch', {name: 'Enable new tools automatically'}) as HTMLInputElement;
        expect(auto.checked).toBe(true);
        expect(calls.length).toBe(0); // nothing to list while every tool is allowed
        fireEvent.click(auto);
        expect(onChange).toHaveBeenLastCalledWith({autoEnableNewMCPTools: false, enabledMCPTools: []});

        rerender(<AgentTools value={{autoEnableNewMCPTools: false, enabledMCPTools: []}} onChange={onChange}/>);
        const createIssue = await screen.findByRole('checkbox', {name: 'create_issue'});
        // The built-in tools are not listed: every agent has them.
        expect(screen.queryByRole('checkbox', {name: 'LookupMattermostUser'})).toBeNull();
        expect(screen.getByRole('group', {name: 'Mattermost'})).toBeTruthy();
        fireEvent.click(createIssue);
        // A remote server is matched by its URL's origin, as the server compares it.
        expect(onChange).toHaveBeenLastCalledWith({autoEnableNewMCPTools: false,
            enabledMCPTools: [{server_origin: 'https://jira.example.com:8443', tool_name: 'create_issue'}]});
        fireEvent.click(screen.getByRole('checkbox', {name: 'read_channel'}));
        expect(onChange).toHaveBeenLastCalledWith({autoEnableNewMCPTools: false,
            enabledMCPTools: [{server_origin: 'embedded://mattermost', tool_name: 'read_channel'}]});
    });

    it('shows the saved choices ticked, and unticks one', async () => {
        serve({'/admin/mcp/tools': () => tools});
        const onChange = vi.fn();
        const saved = [{server_origin: 'embedded://mattermost', tool_name: 'create_post'}, {server_origin: 'https://jira.example.com:8443', tool_name: 'create_issue'}];
        render(<AgentTools value={{autoEnableNewMCPTools: false, enabledMCPTools: saved}} onChange={onChange}/>);
        const createPost = await screen.findByRole('checkbox', {name: 'create_post'}) as HTMLInputElement;
        expect(createPost.checked).toBe(true);
        expect((screen.getByRole('checkbox', {name: 'read_channel'}) as HTMLInputElement).checked).toBe(false);
        fireEvent.click(createPost);
        expect(onChange).toHaveBeenLastCalledWith({autoEnableNewMCPTools: false, enabledMCPTools: [saved[1]]});
    });
});

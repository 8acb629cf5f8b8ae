import {act, fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents, setAgents} from './agents_store';
import AgentsPanel from './components/agents_panel';
import ConfigEditor from './components/config_editor';
import LLMBotPost from './components/llmbot_post';
import Plugin, {POST_TYPE, POST_UPDATE_EVENT} from './plugin';
import {handlePostEvent} from './post_events';
import {handlePostUpdate, resetLiveAnswers} from './stream_store';
import {agent, license, serve} from './test_support';
import type {PluginRegistry} from './types';

beforeEach(() => {
    resetLiveAnswers();
    resetAgents();
});
afterEach(() => vi.unstubAllGlobals());

describe('Plugin', () => {
    it('registers every piece with Mattermost', () => {
        serve({'/ai_bots': () => ({bots: [agent], license})});
        const registry = {
            registerAdminConsoleCustomSetting: vi.fn(),
            registerRightHandSidebarComponent: vi.fn(() => ({toggleRHSPlugin: {type: 'toggle'}, showRHSPlugin: {type: 'show'}})),
            registerChannelHeaderButtonAction: vi.fn(),
            registerPostTypeComponent: vi.fn(),
            registerPostDropdownMenuAction: vi.fn(),
            registerNewMessagesSeparatorActionComponent: vi.fn(),
            registerWebSocketEventHandler: vi.fn(),
            registerTranslations: vi.fn(),
        };
        new Plugin().initialize(registry as unknown as PluginRegistry, {getState: () => ({}), dispatch: vi.fn()});
        expect(registry.registerAdminConsoleCustomSetting).toHaveBeenCalledWith('Config', ConfigEditor, {showTitle: true});
        expect(registry.registerPostTypeComponent.mock.calls[0][0]).toBe(POST_TYPE);
        expect(registry.registerWebSocketEventHandler.mock.calls[0][0]).toBe('custom_mattermost-ai_postupdate');
        expect(POST_UPDATE_EVENT).toBe('custom_mattermost-ai_postupdate');
        expect(registry.registerPostDropdownMenuAction).toHaveBeenCalledTimes(4);
        expect(registry.registerRightHandSidebarComponent).toHaveBeenCalled();
        expect(registry.registerChannelHeaderButtonAction).toHaveBeenCalled();
        expect(registry.registerNewMessagesSeparatorActionComponent).toHaveBeenCalled();
    });

    it('opens an AI Action\'s result in the panel without leaving the channel', async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/analyze': () => ({postid: 'r1', channelid: 'dm1'}),
            '/thread': () => ({order: ['r1'], posts: {r1: {id: 'r1', user_id: 'bot1', channel_id: 'dm1', message: 'The thread agrees on Friday.', type: POST_TYPE, create_at: 1, props: {}}}}),
            '/ai_threads': () => [],
        });
        const registry = {
            registerAdminConsoleCustomSetting: vi.fn(),
            registerRightHandSidebarComponent: vi.fn(() => ({toggleRHSPlugin: {type: 'toggle'}, showRHSPlugin: {type: 'show'}})),
            registerPostDropdownMenuAction: vi.fn(),
        };
        const dispatch = vi.fn();
        const assign = vi.fn();
        vi.stubGlobal('location', {...window.location, assign});
        new Plugin().initialize(registry as unknown as PluginRegistry, {getState: () => ({entities: {users: {currentUserId: 'u1'}}}), dispatch});
        const [text, summarize] = registry.registerPostDropdownMenuAction.mock.calls[0] as unknown as [string, (id: string) => Promise<void>];
        expect(text).toBe('Summarize thread');
        await summarize('p7');
        expect(calls.some((c) => c.url.endsWith('/post/p7/analyze'))).toBe(true);
        expect(dispatch).toHaveBeenCalledWith({type: 'show'});
        expect(assign).not.toHaveBeenCalled();
        const Panel = (registry.registerRightHandSidebarComponent.mock.calls[0] as unknown as [React.ComponentType])[0];
        render(<Panel/>);
        expect(await screen.findByText('The thread agrees on Friday.')).toBeTruthy();
    });

    it('works with an older registry that lacks the optional hooks', () => {
        serve({'/ai_bots': () => ({bots: [], license})});
        const registry: PluginRegistry = {registerAdminConsoleCustomSetting: vi.fn()};
        expect(() => new Plugin().initialize(registry)).not.toThrow();
    });
});

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

    it('does not delete a service an agent uses, and says why', () => {
        serve({'/ai_bots': () => ({bots: [agent], license}), '/admin/config/check': () => ({problems: []})});
        render(<ConfigEditor id='Config' value={saved}/>);
        const del = screen.getAllByText('Delete')[0] as HTMLButtonElement;
        expect(del.disabled).toBe(true);
        expect(screen.getByText(/used by an agent \(Assistant\)/)).toBeTruthy();
    });

    it('fetches models with the service credentials', async () => {
        const calls = serve({'/admin/models/fetch': () => [{id: 'gpt-4o', displayName: 'gpt-4o'}], '/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        render(<ConfigEditor id='Config' value={saved}/>);
        fireEvent.click(screen.getByText('Fetch models'));
        expect(await screen.findByText(/1 models available: gpt-4o/)).toBeTruthy();
        const call = calls.find((c) => c.url.includes('/admin/models/fetch'));
        expect(JSON.parse(String(call?.init?.body))).toEqual({serviceType: 'openai', apiKey: 'sk', apiURL: '', orgID: ''});
        expect((call?.init?.headers as Record<string, string>)['X-Requested-With']).toBe('XMLHttpRequest');
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
});

describe('ConfigEditor search and MCP panels', () => {
    it('keeps upstream shapes for embedding search and MCP servers', () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/admin/config/check': () => ({problems: []})});
        const onChange = vi.fn();
        render(<ConfigEditor id='Config' value={{services: [], bots: [], mcp: {enabled: false}}} onChange={onChange}/>);
        fireEvent.click(screen.getByLabelText('Enable semantic search'));
        let latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.embeddingSearchConfig.type).toBe('composite');
        expect(latest.embeddingSearchConfig.vectorStore.type).toBe('pgvector');
        fireEvent.click(screen.getByText('Add MCP server'));
        fireEvent.change(screen.getByLabelText('Server URL'), {target: {value: 'https://mcp.example.com/mcp'}});
        latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.mcp.servers).toEqual([{name: '', enabled: true, baseURL: 'https://mcp.example.com/mcp', headers: {}}]);
        fireEvent.change(screen.getByLabelText('Headers sent to the server (one "Name: value" per line)'), {target: {value: 'X-Org: acme\nbroken line'}});
        latest = onChange.mock.calls[onChange.mock.calls.length - 1][1];
        expect(latest.mcp.servers[0].headers).toEqual({'X-Org': 'acme'});
    });
});

describe('ConfigEditor pickers and avatar', () => {
    const saved = {
        services: [{id: 's1', name: 'OpenAI', type: 'openai', apiKey: 'sk'}],
        bots: [{id: 'b1', name: 'ai', displayName: 'Assistant', serviceID: 's1', userAccessLevel: 1, userIDs: []}],
    };

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

describe('LLMBotPost', () => {
    const post = {id: 'p1', user_id: 'bot1', channel_id: 'c1', message: '', type: POST_TYPE, props: {llm_requester_user_id: 'u1'}};
    beforeEach(() => setAgents({bots: [agent], searchEnabled: false, allowUnsafeLinks: false}));

    it('streams the text from the websocket and lets only the requester stop it', () => {
        serve({});
        const {rerender} = render(<LLMBotPost post={post} currentUserId='u1'/>);
        act(() => handlePostUpdate({post_id: 'p1', control: 'start'}));
        expect(screen.getByText('Starting…')).toBeTruthy();
        act(() => handlePostUpdate({post_id: 'p1', next: 'Hello'}));
        act(() => handlePostUpdate({post_id: 'p1', next: 'Hello world'}));
        expect(screen.getByText('Hello world')).toBeTruthy();
        expect(screen.getByText('Stop')).toBeTruthy();
        rerender(<LLMBotPost post={post} currentUserId='someone-else'/>);
        expect(screen.queryByText('Stop')).toBeNull();
        act(() => handlePostUpdate({post_id: 'p1', control: 'end'}));
        rerender(<LLMBotPost post={post} currentUserId='u1'/>);
        expect(screen.getByText('Regenerate')).toBeTruthy();
    });

    it('offers no regenerate for no_regen posts', () => {
        serve({});
        render(<LLMBotPost post={{...post, message: 'Summary', props: {...post.props, no_regen: 'true'}}} currentUserId='u1'/>);
        expect(screen.getByText('Summary')).toBeTruthy();
        expect(screen.queryByText('Regenerate')).toBeNull();
    });

    it('sends the accepted tool calls', async () => {
        const calls = serve({'/tool_call': () => undefined});
        const pending = JSON.stringify([
            {id: 'c1', name: 'LookupMattermostUser', arguments: {username: 'bob'}, status: 0},
            {id: 'c2', name: 'GetJiraIssue', arguments: {issue_keys: ['MM-1']}, status: 0},
        ]);
        render(<LLMBotPost post={{...post, props: {...post.props, pending_tool_call: pending}}} currentUserId='u1'/>);
        const accepts = screen.getAllByLabelText('Accept');
        const rejects = screen.getAllByLabelText('Reject');
        fireEvent.click(accepts[0]);
        fireEvent.click(rejects[1]);
        fireEvent.click(screen.getByText('Submit decisions'));
        await waitFor(() => expect(calls.some((c) => c.url.endsWith('/post/p1/tool_call'))).toBe(true));
        const call = calls.find((c) => c.url.endsWith('/post/p1/tool_call'));
        expect(JSON.parse(String(call?.init?.body))).toEqual({accepted_tool_ids: ['c1']});
    });

    it('lists the posts a search answer used', () => {
        serve({});
        const results = JSON.stringify([{postId: 'x1', channelId: 'c', channelName: 'Town Square', userId: 'u', username: 'alice', content: 'Release is Friday', score: 0.9}]);
        render(<LLMBotPost post={{...post, message: 'Friday.', props: {...post.props, search_results: results}}} currentUserId='u1'/>);
        expect(screen.getByText('Town Square · @alice')).toBeTruthy();
        expect(screen.getByText('Release is Friday')).toBeTruthy();
    });

    it('shows a failed answer as an error with its partial text', () => {
        serve({});
        const error = 'The AI service refused the credentials.';
        render(<LLMBotPost post={{...post, message: `Half an answer\n\n**Error:** ${error}`, props: {...post.props, llm_error: error}}} currentUserId='u1'/>);
        expect(screen.getByText('Half an answer')).toBeTruthy();
        expect(screen.getByRole('alert').textContent).toBe(`The answer stopped with an error: ${error}`);
        expect(screen.queryByText(/\*\*Error/)).toBeNull();
        expect(screen.getByText('Regenerate')).toBeTruthy();
    });

    it('lists the sources of cited answers', () => {
        serve({});
        const annotations = JSON.stringify([{type: 'url_citation', start_index: 0, end_index: 4, url: 'https://example.com', title: 'Example', index: 1}]);
        render(<LLMBotPost post={{...post, message: 'Text', props: {...post.props, annotations}}} currentUserId='u1'/>);
        expect(screen.getByText('Example').getAttribute('href')).toBe('https://example.com/');
    });
});

describe('AgentsPanel', () => {
    it('shows admins where to configure agents when there are none', async () => {
        serve({'/ai_bots': () => ({bots: [], license}), '/ai_threads': () => []});
        render(<AgentsPanel currentUserId='u1' isAdmin/>);
        expect(await screen.findByText('No agents are configured.')).toBeTruthy();
        expect(screen.getByText('Configure agents in the System Console')).toBeTruthy();
    });

    it('starts a chat in the DM and shows it growing in the panel', async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/ai_threads': () => [{id: 't1', message: 'hi', title: 'Greeting', channel_id: 'dm1', reply_count: 1, update_at: 1}],
            '/api/v4/channels/direct': () => ({id: 'dm1'}),
            '/thread': () => ({order: ['p9'], posts: {p9: {id: 'p9', user_id: 'u1', channel_id: 'dm1', message: 'Hello agent', create_at: 1}}}),
            '/api/v4/posts': (_, init) => {
                const body = JSON.parse(String(init?.body));
                return {id: body.root_id ? 'p11' : 'p9', user_id: 'u1', create_at: body.root_id ? 3 : 1, ...body};
            },
        });
        render(<AgentsPanel currentUserId='u1'/>);
        expect(await screen.findByText('Greeting')).toBeTruthy();
        fireEvent.change(screen.getByLabelText('Message the agent'), {target: {value: 'Hello agent'}});
        fireEvent.click(screen.getByText('New chat'));
        expect(await screen.findByText('Hello agent')).toBeTruthy();
        const post = calls.find((c) => c.url.endsWith('/api/v4/posts'));
        expect(JSON.parse(String(post?.init?.body))).toEqual({channel_id: 'dm1', message: 'Hello agent', root_id: ''});
        const dm = calls.find((c) => c.url.endsWith('/api/v4/channels/direct'));
        expect(JSON.parse(String(dm?.init?.body))).toEqual(['u1', 'bot1']);

        // The agent's post arrives through the server's `posted` event, then streams.
        const reply = {id: 'p10', user_id: 'bot1', channel_id: 'dm1', root_id: 'p9', message: '', type: POST_TYPE, create_at: 2, props: {llm_requester_user_id: 'u1'}};
        act(() => {
            handlePostEvent({post: JSON.stringify(reply)});
            handlePostEvent({post: JSON.stringify({...reply, id: 'elsewhere', root_id: 'other'})});
            handlePostUpdate({post_id: 'p10', control: 'start'});
            handlePostUpdate({post_id: 'p10', next: 'Hi there'});
        });
        expect(await screen.findByText('Hi there')).toBeTruthy();
        expect(screen.getByText('Stop')).toBeTruthy();
        expect(screen.getAllByRole('listitem')).toHaveLength(2);

        fireEvent.change(screen.getByLabelText('Reply to Assistant'), {target: {value: 'And more?'}});
        fireEvent.click(screen.getByText('Send'));
        expect(await screen.findByText('And more?')).toBeTruthy();
        const replyCall = calls.filter((c) => c.url.endsWith('/api/v4/posts'))[1];
        expect(JSON.parse(String(replyCall?.init?.body))).toEqual({channel_id: 'dm1', message: 'And more?', root_id: 'p9'});

        fireEvent.click(screen.getByText('All conversations'));
        expect(await screen.findByText('Greeting')).toBeTruthy();
    });

    it('searches with AI and shows the answer in the panel', async () => {
        const calls = serve({
            '/ai_bots': () => ({bots: [agent], license, searchEnabled: true}),
            '/ai_threads': () => [],
            '/search/run': () => ({postid: 'q1', channelid: 'dm1'}),
            '/thread': () => ({order: ['q1', 'a1'], posts: {
                q1: {id: 'q1', user_id: 'u1', channel_id: 'dm1', message: 'When do we ship?', create_at: 1},
                a1: {id: 'a1', user_id: 'bot1', channel_id: 'dm1', root_id: 'q1', message: 'On Friday [1].', type: POST_TYPE, create_at: 2,
                    props: {search_results: JSON.stringify([{postId: 'p5', channelId: 'c1', channelName: 'Town Square', userId: 'u2', username: 'bob', content: 'We ship Friday', score: 0.9}])}},
            }}),
        });
        render(<AgentsPanel currentUserId='u1'/>);
        fireEvent.change(await screen.findByLabelText('Search messages with AI'), {target: {value: 'When do we ship?'}});
        fireEvent.click(screen.getByText('Search'));
        expect(await screen.findByText('On Friday [1].')).toBeTruthy();
        expect(screen.getByText('Town Square · @bob')).toBeTruthy();
        const run = calls.find((c) => c.url.includes('/search/run'));
        expect(run?.url).toContain('botUsername=ai');
        expect(JSON.parse(String(run?.init?.body))).toEqual({query: 'When do we ship?'});
    });

    it('has no search box when search is off', async () => {
        serve({'/ai_bots': () => ({bots: [agent], license, searchEnabled: false}), '/ai_threads': () => []});
        render(<AgentsPanel currentUserId='u1'/>);
        expect(await screen.findByText('New chat')).toBeTruthy();
        expect(screen.queryByLabelText('Search messages with AI')).toBeNull();
    });

    it('opens an earlier conversation in the panel', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/ai_threads': () => [{id: 't1', message: 'hi', title: 'Greeting', channel_id: 'dm1', reply_count: 1, update_at: 1}],
            '/thread': () => ({order: ['t1', 'a1'], posts: {
                t1: {id: 't1', user_id: 'u1', channel_id: 'dm1', message: 'hi', create_at: 1},
                a1: {id: 'a1', user_id: 'bot1', channel_id: 'dm1', root_id: 't1', message: 'Hello, how can I help?', type: POST_TYPE, create_at: 2, props: {}},
            }}),
        });
        render(<AgentsPanel currentUserId='u1'/>);
        fireEvent.click(await screen.findByText('Greeting'));
        expect(await screen.findByText('Hello, how can I help?')).toBeTruthy();
        expect(screen.getByLabelText('Conversation with Assistant')).toBeTruthy();
    });
});

describe('entry point', () => {
    it('registers the plugin under its id with window.registerPlugin', async () => {
        const registerPlugin = vi.fn();
        window.registerPlugin = registerPlugin;
        await import('./index');
        expect(registerPlugin).toHaveBeenCalledTimes(1);
        const [id, plugin] = registerPlugin.mock.calls[0];
        expect(id).toBe('mattermost-ai');
        expect(plugin).toBeInstanceOf(Plugin);
    });
});

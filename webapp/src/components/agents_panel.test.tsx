import {act, fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../agents_store';
import {handlePostEvent} from '../post_events';
import {handlePostUpdate, resetLiveAnswers} from '../stream_store';
import {agent, anchorsAreSafe, license, serve} from '../test_support';
import {POST_TYPE} from '../wire';

import AgentsPanel from './agents_panel';

beforeEach(() => {
    resetLiveAnswers();
    resetAgents();
});
afterEach(() => vi.unstubAllGlobals());

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
        fireEvent.click(screen.getByRole('button', {name: 'Send'}));
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
        expect(screen.getByRole('button', {name: 'Stop'})).toBeTruthy();
        expect(screen.getAllByRole('listitem')).toHaveLength(2);

        fireEvent.change(screen.getByLabelText('Reply to Assistant'), {target: {value: 'And more?'}});
        fireEvent.click(screen.getByRole('button', {name: 'Send'}));
        expect(await screen.findByText('And more?')).toBeTruthy();
        const replyCall = calls.filter((c) => c.url.endsWith('/api/v4/posts'))[1];
        expect(JSON.parse(String(replyCall?.init?.body))).toEqual({channel_id: 'dm1', message: 'And more?', root_id: 'p9'});

        fireEvent.click(screen.getByRole('button', {name: 'All conversations'}));
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
        expect(await screen.findByRole('button', {name: 'Send'})).toBeTruthy();
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
        expect(screen.getByRole('region', {name: 'Conversation with Assistant'})).toBeTruthy();
    });

    it('moves focus to new content: the reply box after sending, the title when opened, the list on the way back', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/ai_threads': () => [{id: 't1', message: 'hi', title: 'Greeting', channel_id: 'dm1', reply_count: 1, update_at: 1, bot_id: 'bot1'}],
            '/api/v4/channels/direct': () => ({id: 'dm1'}),
            '/thread': () => ({order: ['t1'], posts: {t1: {id: 't1', user_id: 'u1', channel_id: 'dm1', message: 'hi', create_at: 1}}}),
            '/api/v4/posts': () => ({id: 't1', user_id: 'u1', channel_id: 'dm1', message: 'hi', create_at: 1}),
        });
        render(<AgentsPanel currentUserId='u1' currentUsername='alice'/>);
        fireEvent.change(await screen.findByLabelText('Message the agent'), {target: {value: 'hi'}});
        fireEvent.keyDown(screen.getByLabelText('Message the agent'), {key: 'Enter'});
        await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Reply to Assistant')));
        expect(await screen.findByText('alice')).toBeTruthy();

        fireEvent.click(screen.getByRole('button', {name: 'All conversations'}));
        await waitFor(() => expect(document.activeElement?.textContent).toBe('Conversations'));
        fireEvent.click(await screen.findByRole('button', {name: /Greeting/}));
        await waitFor(() => expect(document.activeElement?.tagName).toBe('H2'));
        expect(document.activeElement?.textContent).toContain('Conversation with Assistant');

        fireEvent.click(screen.getByRole('button', {name: 'New chat'}));
        await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Message the agent')));
    });

    it('lists conversations with the agent, the title, the age and a preview', async () => {
        serve({
            '/ai_bots': () => ({bots: [{...agent, lastIconUpdate: 7}], license}),
            '/ai_threads': () => [{id: 't1', message: 'What ships Friday?', title: 'Release plan', channel_id: 'dm1', reply_count: 1, update_at: Date.now(), bot_id: 'bot1'}],
        });
        render(<AgentsPanel currentUserId='u1'/>);
        const item = await screen.findByRole('button', {name: /Release plan/});
        expect(item.textContent).toContain('What ships Friday?');
        expect(item.querySelector('time')?.textContent).toBe('now');
        expect(item.querySelector('img')?.getAttribute('src')).toBe('/api/v4/users/bot1/image?_=7');
        expect(screen.getByRole('list', {name: 'Conversations'})).toBeTruthy();
    });

    it('announces an answer politely once it is complete, not word by word', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/ai_threads': () => [{id: 't1', message: 'hi', title: 'Greeting', channel_id: 'dm1', reply_count: 1, update_at: 1}],
            '/thread': () => ({order: ['t1', 'a1'], posts: {
                t1: {id: 't1', user_id: 'u1', channel_id: 'dm1', message: 'hi', create_at: 1},
                a1: {id: 'a1', user_id: 'bot1', channel_id: 'dm1', root_id: 't1', message: '', type: POST_TYPE, create_at: 2, props: {llm_requester_user_id: 'u1'}},
            }}),
        });
        render(<AgentsPanel currentUserId='u1'/>);
        fireEvent.click(await screen.findByRole('button', {name: /Greeting/}));
        await screen.findByRole('region', {name: 'Conversation with Assistant'});
        const live = () => document.querySelector('.mattermost-ai-conversation [role=status][aria-live=polite]');
        act(() => handlePostUpdate({post_id: 'a1', control: 'start'}));
        await waitFor(() => expect(live()?.textContent).toBe('Assistant is answering…'));
        act(() => handlePostUpdate({post_id: 'a1', next: 'Hello'}));
        act(() => handlePostUpdate({post_id: 'a1', next: 'Hello there'}));
        expect(live()?.textContent).toBe('Assistant is answering…');
        expect(screen.getByRole('list', {hidden: false}).getAttribute('aria-live')).toBeNull();
        act(() => handlePostUpdate({post_id: 'a1', control: 'end'}));
        await waitFor(() => expect(live()?.textContent).toBe('Assistant answered: Hello there'));
    });

    it('says what failed and tries again on request', async () => {
        let fail = true;
        serve({
            '/ai_bots': () => (fail ? new Response('{}', {status: 500}) : {bots: [agent], license}),
            '/ai_threads': () => [],
        });
        render(<AgentsPanel currentUserId='u1'/>);
        expect((await screen.findByRole('alert')).textContent).toContain('Could not reach the Agents plugin');
        fail = false;
        resetAgents();
        fireEvent.click(screen.getByRole('button', {name: 'Try again'}));
        expect(await screen.findByLabelText('Message the agent')).toBeTruthy();
    });

    describe('connections', () => {
        const site = 'https://chat.example.com/plugins/mattermost-ai/mcp/oauth';
        const tools = [
            {name: 'github__search', description: 'Search', server: 'GitHub', policy: 'ask'},
            {name: 'read_post', description: 'Read', server: 'Mattermost', policy: 'ask'},
        ];
        const needsOAuth = {name: 'Git Hub', needsOAuth: true, connected: false, connectURL: `${site}/Git%20Hub/start`};
        const connected = {name: 'Jira/Cloud', needsOAuth: false, connected: true, connectURL: `${site}/Jira%2FCloud/start`};
        const base = {'/ai_bots': () => ({bots: [agent], license}), '/ai_threads': () => []};
        afterEach(() => vi.restoreAllMocks());

        it("shows each server's state and how many tools there are", async () => {
            serve({...base, '/mcp/tools': () => ({tools, servers: [needsOAuth, connected]})});
            render(<AgentsPanel currentUserId='u1'/>);
            const section = await screen.findByRole('region', {name: 'Connections'});
            expect(await screen.findByText('2 tools available')).toBeTruthy();
            const [first, second] = screen.getAllByRole('listitem');
            expect(first.textContent).toContain('Git Hub');
            expect(first.textContent).toContain('Needs your permission');
            expect(screen.getByRole('button', {name: 'Connect to Git Hub'})).toBeTruthy();
            expect(second.textContent).toContain('Jira/Cloud');
            expect(second.textContent).toContain('Connected');
            expect(screen.getByRole('button', {name: 'Disconnect from Jira/Cloud'})).toBeTruthy();
            expect(screen.queryByRole('button', {name: 'Connect to Jira/Cloud'})).toBeNull();
            expect(section.querySelectorAll('a')).toHaveLength(0);
        });

        it('opens the sign-in in a new window, and never a URL that is not http(s)', async () => {
            const open = vi.spyOn(window, 'open').mockImplementation(() => null);
            serve({...base, '/mcp/tools': () => ({tools: [], servers: [
                needsOAuth,
                {name: 'Evil', needsOAuth: true, connected: false, connectURL: 'javascript:alert(document.cookie)'},
                {name: 'Relative', needsOAuth: true, connected: false, connectURL: '/mcp/oauth/Relative/start'},
            ]})});
            render(<AgentsPanel currentUserId='u1'/>);
            expect(await screen.findByText('0 tools available')).toBeTruthy();
            fireEvent.click(screen.getByRole('button', {name: 'Connect to Git Hub'}));
            expect(open).toHaveBeenCalledTimes(1);
            expect(open.mock.calls[0][0]).toBe(needsOAuth.connectURL);
            expect(open.mock.calls[0][1]).toBe('_blank');
            expect(String(open.mock.calls[0][2])).toContain('noopener');

            expect(screen.queryByRole('button', {name: 'Connect to Evil'})).toBeNull();
            expect(screen.queryByRole('button', {name: 'Connect to Relative'})).toBeNull();
            expect(screen.getAllByText('Cannot be connected from here; ask your system admin.')).toHaveLength(2);
            const section = screen.getByRole('region', {name: 'Connections'});
            expect(section.innerHTML).not.toContain('javascript:');
            expect(anchorsAreSafe(section)).toBe(true);
            expect(open).toHaveBeenCalledTimes(1);
        });

        it('disconnects with a DELETE of the encoded name, then reads the list again', async () => {
            let linked = true;
            const calls = serve({
                ...base,
                '/mcp/oauth/': (_, init) => {
                    expect(init?.method).toBe('DELETE');
                    linked = false;
                    return undefined;
                },
                '/mcp/tools': () => ({tools, servers: [{...connected, connected: linked, needsOAuth: !linked}]}),
            });
            render(<AgentsPanel currentUserId='u1'/>);
            fireEvent.click(await screen.findByRole('button', {name: 'Disconnect from Jira/Cloud'}));
            expect(await screen.findByRole('button', {name: 'Connect to Jira/Cloud'})).toBeTruthy();
            expect(screen.getByText('Needs your permission')).toBeTruthy();
            const del = calls.filter((c) => c.init?.method === 'DELETE');
            expect(del.map((c) => c.url)).toEqual(['/plugins/mattermost-ai/mcp/oauth/Jira%2FCloud']);
            expect(calls.filter((c) => c.url.endsWith('/mcp/tools'))).toHaveLength(2);
        });

        it('says so, briefly, when a disconnect fails', async () => {
            serve({
                ...base,
                '/mcp/oauth/': () => new Response('<html>stack trace: secret</html>', {status: 500}),
                '/mcp/tools': () => ({tools, servers: [connected]}),
            });
            render(<AgentsPanel currentUserId='u1'/>);
            fireEvent.click(await screen.findByRole('button', {name: 'Disconnect from Jira/Cloud'}));
            expect(await screen.findByText('Could not disconnect from Jira/Cloud. Try again later.')).toBeTruthy();
            expect(document.body.textContent).not.toContain('secret');
            await waitFor(() => expect((screen.getByRole('button', {name: 'Disconnect from Jira/Cloud'}) as HTMLButtonElement).disabled).toBe(false));
        });

        it('reads the list again when the window regains focus, and on Refresh', async () => {
            let reads = 0;
            const calls = serve({...base, '/mcp/tools': () => {
                reads++;
                return {tools, servers: [reads >= 2 ? {...needsOAuth, needsOAuth: false, connected: true} : needsOAuth]};
            }});
            render(<AgentsPanel currentUserId='u1'/>);
            expect(await screen.findByRole('button', {name: 'Connect to Git Hub'})).toBeTruthy();
            // The sign-in window closed itself: this window has the focus again.
            act(() => {
                window.dispatchEvent(new Event('focus'));
            });
            expect(await screen.findByRole('button', {name: 'Disconnect from Git Hub'})).toBeTruthy();
            expect(screen.queryByText('Needs your permission')).toBeNull();
            fireEvent.click(screen.getByRole('button', {name: 'Refresh'}));
            await waitFor(() => expect(reads).toBe(3));
            expect(calls.filter((c) => c.url.endsWith('/mcp/tools')).every((c) => (c.init?.method ?? 'GET') === 'GET')).toBe(true);
        });

        it('stops listening for focus once the panel is gone', async () => {
            let reads = 0;
            serve({...base, '/mcp/tools': () => {
                reads++;
                return {tools, servers: [needsOAuth]};
            }});
            const {unmount} = render(<AgentsPanel currentUserId='u1'/>);
            expect(await screen.findByRole('button', {name: 'Connect to Git Hub'})).toBeTruthy();
            unmount();
            window.dispatchEvent(new Event('focus'));
            await new Promise((r) => setTimeout(r, 10));
            expect(reads).toBe(1);
        });

        it('is not shown when no server needs a connection', async () => {
            const calls = serve({...base, '/mcp/tools': () => ({tools, servers: []})});
            render(<AgentsPanel currentUserId='u1'/>);
            expect(await screen.findByRole('button', {name: 'Send'})).toBeTruthy();
            await waitFor(() => expect(calls.some((c) => c.url.endsWith('/mcp/tools'))).toBe(true));
            await new Promise((r) => setTimeout(r, 10));
            expect(screen.queryByRole('region', {name: 'Connections'})).toBeNull();
            expect(screen.queryByText('2 tools available')).toBeNull();
        });

        it('shows a short message, never the response body, when the list cannot be read', async () => {
            serve({...base, '/mcp/tools': () => new Response('<!doctype html><p>proxy error: internal-host-7</p>', {status: 502})});
            render(<AgentsPanel currentUserId='u1'/>);
            expect(await screen.findByText('Could not load your connections. Try again later.')).toBeTruthy();
            expect(document.body.textContent).not.toContain('internal-host-7');
            expect(screen.getByRole('button', {name: 'Send'})).toBeTruthy();
        });

        it('shows a short message when the list is not JSON', async () => {
            serve({...base, '/mcp/tools': () => new Response('<!doctype html><p>login page internal-host-7</p>', {status: 200})});
            render(<AgentsPanel currentUserId='u1'/>);
            expect(await screen.findByText('Could not load your connections. Try again later.')).toBeTruthy();
            expect(document.body.textContent).not.toContain('internal-host-7');
        });
    });
});

import {act, fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents} from '../agents_store';
import {handlePostEvent} from '../post_events';
import {handlePostUpdate, resetLiveAnswers} from '../stream_store';
import {agent, license, serve} from '../test_support';
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

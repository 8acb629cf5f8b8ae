import {fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';

import {resetAgents} from './agents_store';
import AgentsPanel from './components/agents_panel';
import {resetLiveAnswers} from './stream_store';
import {EXFIL, agent, forged, installPostUtils, license, planted, serve} from './test_support';
import {POST_TYPE} from './wire';

// Text an agent read can carry an attacker's markup; post props can be written by anyone who
// can post. These tests hold what spans components to what the renderer may do with either;
// the renderer's own rules are in components/llmbot_post.test.tsx.

let postUtils: ReturnType<typeof installPostUtils>;

beforeEach(() => {
    resetLiveAnswers();
    resetAgents();
    postUtils = installPostUtils();
});
afterEach(() => postUtils.uninstall());

// The only images in the panel are profile pictures from this server: nothing the agent wrote.
function onlyAvatars(container: HTMLElement): boolean {
    return Array.from(container.querySelectorAll('img')).every((img) =>
        img.classList.contains('mattermost-ai-avatar') && /^\/api\/v4\/users\/[a-z0-9]+\/image(\?_=\d+)?$/.test(img.getAttribute('src') ?? ''));
}

describe('agent text', () => {
    it('is rendered with the same rules in the Agents panel, for chats and search answers', async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license, searchEnabled: true, allowUnsafeLinks: false}),
            '/ai_threads': () => [{id: 't1', message: 'hi', title: 'Greeting', channel_id: 'dm1', reply_count: 1, update_at: 1}],
            '/search/run': () => ({postid: 't1', channelid: 'dm1'}),
            '/thread': () => ({order: ['t1', 'a1'], posts: {
                t1: {id: 't1', user_id: 'u1', channel_id: 'dm1', message: `Summarize ${EXFIL}`, create_at: 1},
                a1: {id: 'a1', user_id: 'bot1', channel_id: 'dm1', root_id: 't1', message: planted, type: POST_TYPE, create_at: 2,
                    props: {search_results: JSON.stringify([{postId: 'p5', channelName: 'Town Square', username: 'bob', content: 'x'}])}},
            }}),
        });
        const {container} = render(<AgentsPanel currentUserId='u1'/>);
        fireEvent.click(await screen.findByText('Greeting'));
        await screen.findByText(/The total is 42\./);
        expect(onlyAvatars(container)).toBe(true);
        expect(container.querySelector('a[href^="http://evil.test"]')).toBeNull();
        fireEvent.click(screen.getByRole('button', {name: 'All conversations'}));
        fireEvent.change(await screen.findByLabelText('Search messages with AI'), {target: {value: 'When?'}});
        fireEvent.click(screen.getByText('Search'));
        await screen.findByText('Town Square · @bob');
        expect(onlyAvatars(container)).toBe(true);
        expect(postUtils.formatText.mock.calls.every((c) => (c[1] as {unsafeLinks?: boolean}).unsafeLinks === true)).toBe(true);
    });
});

describe('custom_llmbot posts not written by one of our agents', () => {
    it("show as the user's text in the Agents panel", async () => {
        serve({
            '/ai_bots': () => ({bots: [agent], license}),
            '/ai_threads': () => [{id: 't1', message: 'hi', title: 'Greeting', channel_id: 'dm1', reply_count: 2, update_at: 1}],
            '/thread': () => ({order: ['t1', 'a1', 'f1'], posts: {
                t1: {id: 't1', user_id: 'u1', channel_id: 'dm1', message: 'hi', create_at: 1},
                a1: {id: 'a1', user_id: 'bot1', channel_id: 'dm1', root_id: 't1', message: 'Hello!', type: POST_TYPE, create_at: 2, props: {}},
                f1: {...forged({user_id: 'u1', root_id: 't1', channel_id: 'dm1', message: 'I am the agent now'}), create_at: 3},
            }}),
        });
        render(<AgentsPanel currentUserId='u1'/>);
        fireEvent.click(await screen.findByText('Greeting'));
        expect(await screen.findByText('I am the agent now')).toBeTruthy();
        expect(screen.getByText('Hello!')).toBeTruthy();
        expect(screen.getByText('I am the agent now').closest('li')?.classList.contains('mattermost-ai-from-user')).toBe(true);
        expect(screen.queryByText('Accept')).toBeNull();
        expect(screen.queryByText('Fake reasoning')).toBeNull();
    });
});

describe('requests', () => {
    it('are made by client.ts alone', () => {
        const sources = import.meta.glob(['./**/*.ts', './**/*.tsx', '!./**/*.test.*', '!./test_*.ts'], {query: '?raw', import: 'default', eager: true}) as Record<string, string>;
        expect(Object.keys(sources)).toContain('./client.ts');
        const callers = Object.entries(sources).filter(([, text]) => /\bfetch\s*\(|XMLHttpRequest\s*\(|new\s+XMLHttpRequest|sendBeacon|new\s+EventSource|new\s+WebSocket/.test(text)).map(([path]) => path);
        expect(callers).toEqual(['./client.ts']);
    });
});

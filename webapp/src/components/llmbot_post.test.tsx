import {act, fireEvent, render, screen, waitFor} from '@testing-library/react';
import React from 'react';
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';

import {resetAgents, setAgents} from '../agents_store';
import {handlePostProgress, handlePostUpdate, resetLiveAnswers} from '../stream_store';
import {EXFIL, agent, agentPost, anchorsAreSafe, forged, installPostUtils, known, license, planted, serve} from '../test_support';
import {POST_TYPE} from '../wire';

import LLMBotPost from './llmbot_post';

beforeEach(() => {
    resetLiveAnswers();
    resetAgents();
});
afterEach(() => vi.unstubAllGlobals());

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
        expect(screen.getByRole('button', {name: 'Stop'})).toBeTruthy();
        rerender(<LLMBotPost post={post} currentUserId='someone-else'/>);
        expect(screen.queryByRole('button', {name: 'Stop'})).toBeNull();
        act(() => handlePostUpdate({post_id: 'p1', control: 'end'}));
        rerender(<LLMBotPost post={post} currentUserId='u1'/>);
        expect(screen.getByRole('button', {name: 'Regenerate'})).toBeTruthy();
    });

    it('copies the answer and says so, then offers Copy again', async () => {
        serve({});
        const writeText = vi.fn(async () => undefined);
        vi.stubGlobal('navigator', {clipboard: {writeText}});
        vi.useFakeTimers();
        try {
            render(<LLMBotPost post={{...post, message: 'The answer'}} currentUserId='u1'/>);
            await act(async () => {
                fireEvent.click(screen.getByRole('button', {name: 'Copy'}));
            });
            expect(writeText).toHaveBeenCalledWith('The answer');
            expect(screen.getByRole('button', {name: 'Copied'})).toBeTruthy();
            expect(screen.getByRole('status').textContent).toBe('Copied');
            act(() => {
                vi.advanceTimersByTime(2100);
            });
            expect(screen.getByRole('button', {name: 'Copy'})).toBeTruthy();
        } finally {
            vi.useRealTimers();
        }
    });

    it('says which part of a long transcript is being summarized before the text starts', () => {
        serve({});
        const {container} = render(<LLMBotPost post={post} currentUserId='u1'/>);
        act(() => handlePostProgress({post_id: 'p1', stage: 'transcript_parts', step: 2, steps: 3}));
        expect(container.querySelector('.mattermost-ai-typing')?.textContent).toBe('Summarizing part 2 of 3 of the transcript…');
        act(() => handlePostUpdate({post_id: 'p1', control: 'start'}));
        expect(container.querySelector('.mattermost-ai-typing')?.textContent).toBe('Starting…');
    });

    it('shows the streaming state: a typing indicator, then a cursor on the growing text', () => {
        serve({});
        const {container} = render(<LLMBotPost post={post} currentUserId='u1'/>);
        act(() => handlePostUpdate({post_id: 'p1', control: 'start'}));
        expect(container.querySelector('.mattermost-ai-typing')?.textContent).toBe('Starting…');
        act(() => handlePostUpdate({post_id: 'p1', next: 'Hel'}));
        expect(container.querySelector('.mattermost-ai-post.mattermost-ai-streaming')).toBeTruthy();
        act(() => handlePostUpdate({post_id: 'p1', control: 'end'}));
        expect(container.querySelector('.mattermost-ai-streaming')).toBeNull();
    });

    it('keeps reasoning and sources folded away until opened', () => {
        serve({});
        const annotations = JSON.stringify([{url: 'https://example.com/a', title: 'A'}, {url: 'https://example.com/b', title: 'B'}]);
        const {container} = render(<LLMBotPost post={{...post, message: 'Text', props: {...post.props, annotations, reasoning_summary: 'Because.'}}} currentUserId='u1'/>);
        const details = Array.from(container.querySelectorAll('details'));
        expect(details.map((d) => d.querySelector('summary')?.textContent)).toEqual(['Reasoning', 'Sources (2)']);
        expect(details.every((d) => !d.open)).toBe(true);
    });

    it('offers no regenerate for no_regen posts', () => {
        serve({});
        render(<LLMBotPost post={{...post, message: 'Summary', props: {...post.props, no_regen: 'true'}}} currentUserId='u1'/>);
        expect(screen.getByText('Summary')).toBeTruthy();
        expect(screen.queryByRole('button', {name: 'Regenerate'})).toBeNull();
    });

    it('sends the accepted tool calls', async () => {
        const calls = serve({'/tool_call': () => undefined});
        const pending = JSON.stringify([
            {id: 'c1', name: 'LookupMattermostUser', arguments: {username: 'bob'}, status: 0},
            {id: 'c2', name: 'GetJiraIssue', arguments: {issue_keys: ['MM-1']}, status: 0},
        ]);
        render(<LLMBotPost post={{...post, props: {...post.props, pending_tool_call: pending}}} currentUserId='u1'/>);
        const accepts = screen.getAllByRole('button', {name: 'Accept'});
        const rejects = screen.getAllByRole('button', {name: 'Reject'});
        fireEvent.click(accepts[0]);
        // Nothing is sent while a call still waits for its decision.
        expect(accepts[0].getAttribute('aria-pressed')).toBe('true');
        await act(async () => {
            await new Promise((r) => setTimeout(r, 10));
        });
        expect(calls.some((c) => c.url.endsWith('/post/p1/tool_call'))).toBe(false);
        fireEvent.click(rejects[1]);
        await waitFor(() => expect(calls.some((c) => c.url.endsWith('/post/p1/tool_call'))).toBe(true));
        const call = calls.find((c) => c.url.endsWith('/post/p1/tool_call'));
        expect(JSON.parse(String(call?.init?.body))).toEqual({accepted_tool_ids: ['c1']});
    });

    describe('tool calls in channels (upstream contract: redacted calls, private results)', () => {
        const redactedCall = JSON.stringify([{id: 'c1', name: 'get_user_channels', arguments: {}, result: '', status: 0}]);
        const ran = JSON.stringify([
            {id: 'c1', name: 'get_user_channels', arguments: {}, result: '', status: 4},
            {id: 'c2', name: 'get_team_info', arguments: {}, result: '', status: 5},
        ]);
        const callStage = {...post, props: {...post.props, pending_tool_call: redactedCall, pending_tool_call_redacted: 'true'}};
        const resultStage = {...post, props: {...post.props, pending_tool_call: ran, pending_tool_call_redacted: 'true', pending_tool_result: 'true'}};
        const privateCalls = [{id: 'c1', name: 'get_user_channels', arguments: {team_name: 'quincefield'}, result: '', status: 0}];
        const results = [
            {id: 'c1', name: 'get_user_channels', arguments: {team_name: 'quincefield'}, result: 'orchard, town <img src=x onerror=alert(1)>', status: 4},
            {id: 'c2', name: 'get_team_info', arguments: {team_name: 'quincefield'}, result: 'quincefield (handle quincefield)', status: 5},
        ];
        const routes = () => serve({
            '/tool_call_private': () => privateCalls,
            '/tool_result_private': () => results,
            '/tool_result': () => undefined,
            '/tool_call': () => undefined,
        });
        const to = (calls: ReturnType<typeof serve>, route: string) => calls.filter((c) => c.url.endsWith(`/plugins/mattermost-ai/post/p1/${route}`));
        const settle = () => act(async () => {
            await new Promise((r) => setTimeout(r, 10));
        });

        it('shows the requester the arguments the post hides, and lets them approve', async () => {
            const calls = routes();
            render(<LLMBotPost post={callStage} currentUserId='u1'/>);
            expect(await screen.findByText(/quincefield/)).toBeTruthy();
            expect(to(calls, 'tool_call_private').map((c) => c.init?.method)).toEqual(['GET']);
            fireEvent.click(screen.getByRole('button', {name: 'Accept'}));
            await waitFor(() => expect(to(calls, 'tool_call')).toHaveLength(1));
            expect(JSON.parse(String(to(calls, 'tool_call')[0].init?.body))).toEqual({accepted_tool_ids: ['c1']});
        });

        it('shows other users the call without arguments, and asks them nothing', async () => {
            const calls = routes();
            const {container} = render(<LLMBotPost post={callStage} currentUserId='u2'/>);
            await settle();
            expect(screen.getByText('The agent wants to use get_user_channels')).toBeTruthy();
            expect(container.querySelector('pre')).toBeNull();
            expect(screen.queryByText('Accept')).toBeNull();
            expect(calls.filter((c) => c.url.includes('_private'))).toHaveLength(0);
        });

        it('shows the requester their results as plain text, all chosen, and shares those still chosen', async () => {
            const calls = routes();
            const {container} = render(<LLMBotPost post={resultStage} currentUserId='u1'/>);
            expect(await screen.findByText(/Only you can see these results/)).toBeTruthy();
            expect(screen.getByText('orchard, town <img src=x onerror=alert(1)>')).toBeTruthy();
            expect(container.querySelector('img')).toBeNull();
            expect(screen.getByText('Done')).toBeTruthy();
            expect(screen.getByText('Ran automatically')).toBeTruthy();
            const boxes = screen.getAllByRole('checkbox') as HTMLInputElement[];
            expect(boxes.map((b) => b.checked)).toEqual([true, true]);
            fireEvent.click(screen.getByLabelText('Result of get_user_channels'));
            fireEvent.click(screen.getByText('Share selected'));
            await waitFor(() => expect(screen.queryByText(/Only you can see these results/)).toBeNull());
            expect(to(calls, 'tool_result_private').map((c) => c.init?.method)).toEqual(['GET']);
            const sent = to(calls, 'tool_result');
            expect(sent.map((c) => c.init?.method)).toEqual(['POST']);
            expect(JSON.parse(String(sent[0].init?.body))).toEqual({accepted_tool_ids: ['c2']});
        });

        it('keeps them all private on request', async () => {
            const calls = routes();
            render(<LLMBotPost post={resultStage} currentUserId='u1'/>);
            fireEvent.click(await screen.findByText('Keep all private'));
            await waitFor(() => expect(to(calls, 'tool_result')).toHaveLength(1));
            expect(JSON.parse(String(to(calls, 'tool_result')[0].init?.body))).toEqual({accepted_tool_ids: []});
            await waitFor(() => expect(screen.queryByText('Share selected')).toBeNull());
        });

        it('says why a decision failed and keeps the choice', async () => {
            serve({
                '/tool_result_private': () => results,
                '/tool_result': () => new Response('{"error":"these tool results were already decided"}', {status: 400}),
            });
            render(<LLMBotPost post={resultStage} currentUserId='u1'/>);
            fireEvent.click(await screen.findByText('Share selected'));
            expect((await screen.findByRole('alert')).textContent).toBe('That did not work: these tool results were already decided');
            expect(screen.getByText('Keep all private')).toBeTruthy();
        });

        it('shows other users only the statuses, and asks nothing', async () => {
            const calls = routes();
            render(<LLMBotPost post={resultStage} currentUserId='u2'/>);
            expect(screen.getByText('Done')).toBeTruthy();
            await settle();
            expect(screen.queryByText(/Only you can see these results/)).toBeNull();
            expect(screen.queryByText('Share selected')).toBeNull();
            expect(calls.filter((c) => c.url.includes('/tool_'))).toHaveLength(0);
        });

        it('asks nothing once decided, and hides nothing in a DM', async () => {
            const calls = routes();
            const decided = {...post, props: {...post.props, pending_tool_call: ran, pending_tool_call_redacted: 'true'}};
            render(<LLMBotPost post={decided} currentUserId='u1'/>);
            const dm = JSON.stringify([{id: 'c3', name: 'get_team_info', arguments: {team_name: 'eng'}, result: 'eng', status: 5}]);
            render(<LLMBotPost post={{...post, id: 'p2', props: {...post.props, pending_tool_call: dm}}} currentUserId='u2'/>);
            await settle();
            expect(calls.filter((c) => c.url.includes('/tool_'))).toHaveLength(0);
            expect(screen.queryByText(/Only you can see these results/)).toBeNull();
            expect(screen.getByText(/"team_name": "eng"/)).toBeTruthy();
        });

        it('shows nothing when there are no results left', async () => {
            const calls = serve({'/tool_result_private': () => []});
            render(<LLMBotPost post={resultStage} currentUserId='u1'/>);
            await waitFor(() => expect(to(calls, 'tool_result_private')).toHaveLength(1));
            await settle();
            expect(screen.queryByText(/Only you can see these results/)).toBeNull();
            expect(screen.queryByText('Share selected')).toBeNull();
        });
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
        expect(screen.getByRole('button', {name: 'Regenerate'})).toBeTruthy();
    });

    it('lists the sources of cited answers', () => {
        serve({});
        const annotations = JSON.stringify([{type: 'url_citation', start_index: 0, end_index: 4, url: 'https://example.com', title: 'Example', index: 1}]);
        render(<LLMBotPost post={{...post, message: 'Text', props: {...post.props, annotations}}} currentUserId='u1'/>);
        expect(screen.getByText('Example').getAttribute('href')).toBe('https://example.com/');
    });
});

// Text an agent read can carry an attacker's markup; post props can be written by anyone who
// can post. These tests hold the renderer to what it may do with either.
describe('LLMBotPost trust', () => {
    let postUtils: ReturnType<typeof installPostUtils>;
    beforeEach(() => {
        postUtils = installPostUtils();
    });
    afterEach(() => postUtils.uninstall());

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
        it('render as plain posts: the message with the safe rules, nothing from props', () => {
            const calls = serve({});
            known(true);
            const {container} = render(<LLMBotPost post={forged()} currentUserId='u1'/>);
            act(() => handlePostUpdate({post_id: 'f1', next: 'Injected live text'}));
            expect(screen.getByText(/Please approve\./)).toBeTruthy();
            expect(container.querySelector('img')).toBeNull();
            expect(container.querySelectorAll('button, input, details').length).toBe(0);
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
    });
});

import {beforeEach, describe, expect, it} from 'vitest';

import {getLiveAnswer, handlePostProgress, handlePostUpdate, parseList, resetLiveAnswers} from './stream_store';

beforeEach(() => resetLiveAnswers());

describe('live answers', () => {
    it('follow the postupdate events of one post', () => {
        handlePostUpdate({post_id: 'p1', control: 'start'});
        expect(getLiveAnswer('p1')).toEqual({streaming: true, text: '', reasoning: undefined, toolCalls: undefined, annotations: undefined, progress: undefined});
        handlePostUpdate({post_id: 'p1', next: 'Hel'});
        handlePostUpdate({post_id: 'p1', next: 'Hello'});
        handlePostUpdate({post_id: 'p1', control: 'reasoning_summary', reasoning: 'Thinking'});
        handlePostUpdate({post_id: 'p1', control: 'reasoning_summary_done'});
        handlePostUpdate({post_id: 'p1', control: 'tool_call', tool_call: JSON.stringify([{id: 'c1', name: 'T', arguments: {}, status: 0}])});
        handlePostUpdate({post_id: 'p1', control: 'annotations', annotations: [{url: 'https://example.com', title: 'E'}]});
        expect(getLiveAnswer('p1')).toMatchObject({
            streaming: true,
            text: 'Hello',
            reasoning: 'Thinking',
            toolCalls: [{id: 'c1', name: 'T', arguments: {}, status: 0}],
            annotations: [{url: 'https://example.com', title: 'E'}],
        });
        handlePostUpdate({post_id: 'p1', control: 'end'});
        expect(getLiveAnswer('p1')?.streaming).toBe(false);
        expect(getLiveAnswer('p1')?.text).toBe('Hello');
    });

    it('follow the progress of work before the text, until the text starts', () => {
        handlePostProgress({post_id: 'p1', stage: 'transcript_parts', step: 2, steps: 5});
        expect(getLiveAnswer('p1')).toEqual({streaming: true, progress: {stage: 'transcript_parts', step: 2, steps: 5}});
        // Nonsense is ignored: a step past the steps, no stage, no post.
        handlePostProgress({post_id: 'p1', stage: 'transcript_parts', step: 6, steps: 5});
        handlePostProgress({post_id: 'p1', step: 3, steps: 5});
        handlePostProgress({stage: 'transcript_parts', step: 3, steps: 5});
        expect(getLiveAnswer('p1')?.progress?.step).toBe(2);
        handlePostUpdate({post_id: 'p1', control: 'start'});
        expect(getLiveAnswer('p1')?.progress).toBeUndefined();
    });

    it('ignore events without a post id, and keep other answers as they were', () => {
        handlePostUpdate({post_id: 'p1', next: 'One'});
        const first = getLiveAnswer('p1');
        handlePostUpdate({next: 'Lost'});
        handlePostUpdate({post_id: 42, next: 'Lost'});
        handlePostUpdate({post_id: 'p2', control: 'cancel'});
        expect(getLiveAnswer('p1')).toBe(first);
        expect(getLiveAnswer('p2')).toEqual({streaming: false});
        resetLiveAnswers();
        expect(getLiveAnswer('p1')).toBeUndefined();
    });

    it('read lists from JSON text or arrays, and nothing else', () => {
        expect(parseList('[1,2]')).toEqual([1, 2]);
        expect(parseList([3])).toEqual([3]);
        expect(parseList('{"a":1}')).toBeUndefined();
        expect(parseList('not json')).toBeUndefined();
        expect(parseList(7)).toBeUndefined();
    });
});

import {createStore, useStore} from './store';
import type {Annotation, ToolCall} from './types';
import {PostUpdateControl, PostUpdateField, ProgressField} from './wire';

// Live state of answers as the `custom_mattermost-ai_postupdate` websocket event reports it.
// The server sends the whole text so far each time, so a missed event costs nothing.
export interface LiveAnswer {
    text?: string;
    streaming: boolean;
    reasoning?: string;
    toolCalls?: ToolCall[];
    annotations?: Annotation[];
    // Work before the text starts, e.g. part 2 of 5 of a long transcript.
    progress?: {stage: string; step: number; steps: number};
}

// By post id; replaced, never changed in place, so an unchanged answer keeps its object.
const answers = createStore<ReadonlyMap<string, LiveAnswer>>(new Map());

function parseList<T>(raw: unknown): T[] | undefined {
    if (typeof raw !== 'string') {
        return Array.isArray(raw) ? (raw as T[]) : undefined;
    }
    try {
        const v = JSON.parse(raw) as unknown;
        return Array.isArray(v) ? (v as T[]) : undefined;
    } catch {
        return undefined;
    }
}

export function handlePostUpdate(data: Record<string, unknown>): void {
    const id = data[PostUpdateField.postId];
    const postId = typeof id === 'string' ? id : '';
    if (!postId) {
        return;
    }
    const prev: LiveAnswer = answers.get().get(postId) ?? {streaming: false};
    const next: LiveAnswer = {...prev};
    const text = data[PostUpdateField.next];
    const reasoning = data[PostUpdateField.reasoning];
    switch (data[PostUpdateField.control]) {
    case PostUpdateControl.start:
        next.streaming = true;
        next.text = '';
        next.reasoning = undefined;
        next.toolCalls = undefined;
        next.annotations = undefined;
        next.progress = undefined;
        break;
    case PostUpdateControl.end:
    case PostUpdateControl.cancel:
        next.streaming = false;
        break;
    case PostUpdateControl.reasoning:
    case PostUpdateControl.reasoningDone:
        next.reasoning = typeof reasoning === 'string' ? reasoning : prev.reasoning;
        break;
    case PostUpdateControl.toolCall:
        next.toolCalls = parseList<ToolCall>(data[PostUpdateField.toolCall]);
        break;
    case PostUpdateControl.annotations:
        next.annotations = parseList<Annotation>(data[PostUpdateField.annotations]);
        break;
    default:
        if (typeof text === 'string') {
            next.text = text;
            next.streaming = true;
        }
    }
    answers.set(new Map(answers.get()).set(postId, next));
}

// A `postprogress` event: the answer is being worked on, at step `step` of `steps`.
export function handlePostProgress(data: Record<string, unknown>): void {
    const postId = data[ProgressField.postId];
    const step = Number(data[ProgressField.step]);
    const steps = Number(data[ProgressField.steps]);
    const stage = data[ProgressField.stage];
    if (typeof postId !== 'string' || !postId || typeof stage !== 'string' || !(step >= 1 && steps >= step)) {
        return;
    }
    const prev: LiveAnswer = answers.get().get(postId) ?? {streaming: false};
    answers.set(new Map(answers.get()).set(postId, {...prev, streaming: true, progress: {stage, step, steps}}));
}

export function getLiveAnswer(postId: string): LiveAnswer | undefined {
    return answers.get().get(postId);
}

export function resetLiveAnswers(): void {
    answers.set(new Map());
}

export function useLiveAnswer(postId: string): LiveAnswer | undefined {
    return useStore(answers, (all) => all.get(postId));
}

export {parseList};

import {useSyncExternalStore} from 'react';

import type {Annotation, ToolCall} from './types';

// Live state of answers as the `custom_mattermost-ai_postupdate` websocket event reports it.
// The server sends the whole text so far each time, so a missed event costs nothing.
export interface LiveAnswer {
    text?: string;
    streaming: boolean;
    reasoning?: string;
    toolCalls?: ToolCall[];
    annotations?: Annotation[];
}

type Listener = () => void;

const answers = new Map<string, LiveAnswer>();
const listeners = new Set<Listener>();

function notify() {
    for (const l of listeners) {
        l();
    }
}

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
    const postId = typeof data.post_id === 'string' ? data.post_id : '';
    if (!postId) {
        return;
    }
    const prev: LiveAnswer = answers.get(postId) ?? {streaming: false};
    const next: LiveAnswer = {...prev};
    switch (data.control) {
    case 'start':
        next.streaming = true;
        next.text = '';
        next.reasoning = undefined;
        next.toolCalls = undefined;
        next.annotations = undefined;
        break;
    case 'end':
    case 'cancel':
        next.streaming = false;
        break;
    case 'reasoning_summary':
    case 'reasoning_summary_done':
        next.reasoning = typeof data.reasoning === 'string' ? data.reasoning : prev.reasoning;
        break;
    case 'tool_call':
        next.toolCalls = parseList<ToolCall>(data.tool_call);
        break;
    case 'annotations':
        next.annotations = parseList<Annotation>(data.annotations);
        break;
    default:
        if (typeof data.next === 'string') {
            next.text = data.next;
            next.streaming = true;
        }
    }
    answers.set(postId, next);
    notify();
}

export function getLiveAnswer(postId: string): LiveAnswer | undefined {
    return answers.get(postId);
}

export function resetLiveAnswers(): void {
    answers.clear();
    notify();
}

function subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
}

export function useLiveAnswer(postId: string): LiveAnswer | undefined {
    return useSyncExternalStore(subscribe, () => answers.get(postId));
}

export {parseList};

import {useEffect} from 'react';

import {getAgents} from './client';
import {createStore, useStore} from './store';
import type {AgentsResponse} from './types';

// What the webapp knows about our agents from `/ai_bots`: which user ids are our agent bots
// (only their `custom_llmbot` posts are trusted) and whether the admin allowed unsafe links.
// Until the list is known every post renders with the safe rules and no props.
export interface AgentsState {
    loaded: boolean;
    botIds: ReadonlySet<string>;
    allowUnsafeLinks: boolean;
}

const initial: AgentsState = {loaded: false, botIds: new Set(), allowUnsafeLinks: false};
const agents = createStore<AgentsState>(initial);
let inflight: Promise<AgentsResponse> | null = null;
let lastAttempt = 0;
// Authors of `custom_llmbot` posts not in the list, each re-checked once (an agent added
// since the page loaded shows up; a user's own such posts cost one request, not one each).
const rechecked = new Set<string>();

const RETRY_MS = 30_000;

export function setAgents(r: AgentsResponse): void {
    const bots = Array.isArray(r?.bots) ? r.bots : [];
    agents.set({
        loaded: true,
        botIds: new Set(bots.map((b) => b.id).filter((id): id is string => typeof id === 'string' && id !== '')),
        allowUnsafeLinks: r?.allowUnsafeLinks === true,
    });
}

// Reads `/ai_bots` again (concurrent callers share one request) and keeps what it says.
export function loadAgents(): Promise<AgentsResponse> {
    if (inflight) {
        return inflight;
    }
    lastAttempt = Date.now();
    // Done before listeners hear of the answer, so a re-check they make is a new request.
    const done = () => {
        if (inflight === request) {
            inflight = null;
        }
    };
    const request: Promise<AgentsResponse> = getAgents().then((r) => {
        done();
        setAgents(r);
        return r;
    }, (e: unknown) => {
        done();
        throw e;
    });
    inflight = request;
    return request;
}

function ensureLoaded(): void {
    if (!agents.get().loaded && !inflight && Date.now() - lastAttempt > RETRY_MS) {
        loadAgents().catch(() => undefined);
    }
}

function recheck(userId: string): void {
    const state = agents.get();
    if (state.loaded && userId && !state.botIds.has(userId) && !rechecked.has(userId)) {
        rechecked.add(userId);
        loadAgents().catch(() => undefined);
    }
}

// The agents state, loading it on first use; `author` (a post's user id) that is not a known
// agent makes one fresh read of the list.
export function useAgents(author?: string): AgentsState {
    const current = useStore(agents);
    useEffect(() => {
        ensureLoaded();
        if (author) {
            recheck(author);
        }
    }, [author, current.loaded]);
    return current;
}

export function getAgentsState(): AgentsState {
    return agents.get();
}

// For tests.
export function resetAgents(): void {
    inflight = null;
    lastAttempt = 0;
    rechecked.clear();
    agents.set(initial);
}

import {PLUGIN_ID} from './manifest';
import type {AgentsResponse, Config, ConfigCheck, ModelInfo, PluginVersion, Thread} from './types';

function base(): string {
    // Honour subpath deployments; an absolute "/plugins/..." would miss them.
    return window.basename ?? '';
}

export function pluginUrl(path: string): string {
    return `${base()}/plugins/${PLUGIN_ID}${path}`;
}

export class HttpError extends Error {
    constructor(public status: number, message: string) {
        super(message);
    }
}

async function call<T>(url: string, method: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {'X-Requested-With': 'XMLHttpRequest'};
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(url, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
        let message = `HTTP ${response.status}`;
        try {
            const parsed = JSON.parse(text) as {error?: string; message?: string};
            message = parsed.error ?? parsed.message ?? message;
        } catch {
            // Not JSON: keep the status.
        }
        throw new HttpError(response.status, message);
    }
    return (text ? JSON.parse(text) : undefined) as T;
}

export const fetchPluginVersion = () => call<PluginVersion>(pluginUrl('/version'), 'GET');
export const getAgents = () => call<AgentsResponse>(pluginUrl('/ai_bots'), 'GET');
export const getThreads = () => call<Thread[]>(pluginUrl('/ai_threads'), 'GET');
export const stopPost = (postId: string) => call<void>(pluginUrl(`/post/${postId}/stop`), 'POST');
export const regeneratePost = (postId: string) => call<void>(pluginUrl(`/post/${postId}/regenerate`), 'POST');
export const decideToolCalls = (postId: string, accepted: string[]) =>
    call<void>(pluginUrl(`/post/${postId}/tool_call`), 'POST', {accepted_tool_ids: accepted});

const withBot = (path: string, bot?: string) => (bot ? `${path}?botUsername=${encodeURIComponent(bot)}` : path);
export const analyzeThread = (postId: string, kind: string, bot?: string) =>
    call<{postid: string; channelid: string}>(pluginUrl(withBot(`/post/${postId}/analyze`, bot)), 'POST', {analysis_type: kind});
export const summarizeInterval = (channelId: string, preset: string, startTime: number, bot?: string) =>
    call<{postid: string; channelid: string}>(pluginUrl(withBot(`/channel/${channelId}/interval`, bot)), 'POST', {
        start_time: startTime, end_time: 0, preset_prompt: preset,
    });
export const reactForMe = (postId: string, bot?: string) => call<void>(pluginUrl(withBot(`/post/${postId}/react`, bot)), 'POST');
export const fetchModels = (service: {serviceType: string; apiKey: string; apiURL: string; orgID: string}) =>
    call<ModelInfo[]>(pluginUrl('/admin/models/fetch'), 'POST', service);
export const checkConfig = () => call<ConfigCheck>(pluginUrl('/admin/config/check'), 'GET');

// Mattermost's own REST API, for opening a DM with an agent and posting as the user.
export const createDirectChannel = (userId: string, botId: string) =>
    call<{id: string}>(`${base()}/api/v4/channels/direct`, 'POST', [userId, botId]);
export const createPost = (channelId: string, message: string) =>
    call<{id: string}>(`${base()}/api/v4/posts`, 'POST', {channel_id: channelId, message});

export type {Config};

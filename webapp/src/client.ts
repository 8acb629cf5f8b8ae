import {PLUGIN_ID} from './manifest';
import type {
    AgentsResponse, Config, ConfigCheck, CustomHeader, IndexHealth, McpCacheCleared, McpToolsResponse, ModelInfo, PluginVersion, Post, PostList,
    ReindexJob, ReindexStart, Thread, ToolCall, UsageReport, UserMcpToolsResponse,
} from './types';
import {BOT_USERNAME_PARAM, Route} from './wire';

function base(): string {
    // Honour subpath deployments; an absolute "/plugins/..." would miss them.
    return window.basename ?? '';
}

export function pluginUrl(path: string): string {
    return `${base()}/plugins/${PLUGIN_ID}${path}`;
}

// Mattermost's Site URL as the store knows it; plugin registration supplies the reader.
let siteURLSource: () => string | undefined = () => undefined;

export function setSiteURLSource(source: () => string | undefined): void {
    siteURLSource = source;
}

// The address users reach Mattermost at: the configured Site URL, else this page's origin
// with its subpath.
export function siteURL(): string {
    const configured = (siteURLSource() ?? '').replace(/\/+$/, '');
    return configured || `${window.location.origin}${base()}`;
}

// Where external MCP clients reach the plugin's Mattermost MCP server.
export const mcpServerEndpoint = () => `${siteURL()}/plugins/${PLUGIN_ID}${Route.mcpServer}`;

export class HttpError extends Error {
    constructor(public status: number, message: string) {
        super(message);
    }
}

// Mattermost's CSRF token: the session's `MMCSRF` cookie, echoed in `X-CSRF-Token` on every
// request that is not a GET, as Mattermost's own client does. `X-Requested-With` is what older
// servers accept instead.
export const CSRF_COOKIE = 'MMCSRF';
export const CSRF_HEADER = 'X-CSRF-Token';

export function csrfToken(): string {
    const cookies = typeof document === 'undefined' ? '' : document.cookie;
    for (const part of cookies.split(';')) {
        const c = part.trim();
        if (c.startsWith(`${CSRF_COOKIE}=`)) {
            return c.slice(CSRF_COOKIE.length + 1);
        }
    }
    return '';
}

function headersFor(method: string, contentType?: string): Record<string, string> {
    const headers: Record<string, string> = {'X-Requested-With': 'XMLHttpRequest'};
    if (contentType) {
        headers['Content-Type'] = contentType;
    }
    if (method.toUpperCase() !== 'GET') {
        const token = csrfToken();
        if (token) {
            headers[CSRF_HEADER] = token;
        }
    }
    return headers;
}

// The one place the webapp talks to the server.
async function request(url: string, method: string, body?: BodyInit, contentType?: string): Promise<string> {
    const response = await fetch(url, {
        method,
        headers: headersFor(method, contentType),
        credentials: 'same-origin',
        body,
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
    return text;
}

async function call<T>(url: string, method: string, body?: unknown): Promise<T> {
    const text = body === undefined ? await request(url, method) : await request(url, method, JSON.stringify(body), 'application/json');
    return (text ? JSON.parse(text) : undefined) as T;
}

export const fetchPluginVersion = () => call<PluginVersion>(pluginUrl(Route.version), 'GET');
export const getAgents = () => call<AgentsResponse>(pluginUrl(Route.agents), 'GET');
export const getThreads = () => call<Thread[]>(pluginUrl(Route.threads), 'GET');
export const stopPost = (postId: string) => call<void>(pluginUrl(Route.stop(postId)), 'POST');
export const regeneratePost = (postId: string) => call<void>(pluginUrl(Route.regenerate(postId)), 'POST');
export const decideToolCalls = (postId: string, accepted: string[]) =>
    call<void>(pluginUrl(Route.toolCall(postId)), 'POST', {accepted_tool_ids: accepted});

// A channel tool post's calls as only their requester sees them: with arguments, and once they
// ran, with results; then the ids of the calls whose results they share.
export const getPrivateToolCalls = (postId: string) => call<ToolCall[]>(pluginUrl(Route.toolCallPrivate(postId)), 'GET');
export const getPrivateToolResults = (postId: string) => call<ToolCall[]>(pluginUrl(Route.toolResultPrivate(postId)), 'GET');
export const shareToolResults = (postId: string, shared: string[]) =>
    call<void>(pluginUrl(Route.toolResult(postId)), 'POST', {accepted_tool_ids: shared});

const withBot = (path: string, bot?: string) => (bot ? `${path}?${BOT_USERNAME_PARAM}=${encodeURIComponent(bot)}` : path);
export const analyzeThread = (postId: string, kind: string, bot?: string) =>
    call<{postid: string; channelid: string}>(pluginUrl(withBot(Route.analyze(postId), bot)), 'POST', {analysis_type: kind});
export const summarizeInterval = (channelId: string, preset: string, startTime: number, bot?: string) =>
    call<{postid: string; channelid: string}>(pluginUrl(withBot(Route.interval(channelId), bot)), 'POST', {
        start_time: startTime, end_time: 0, preset_prompt: preset,
    });
export const reactForMe = (postId: string, bot?: string) => call<void>(pluginUrl(withBot(Route.react(postId), bot)), 'POST');
export const fetchModels = (service: {serviceType: string; apiKey: string; apiURL: string; orgID: string; customHeaders?: CustomHeader[]}) =>
    call<ModelInfo[]>(pluginUrl(Route.fetchModels), 'POST', service);

// Starts a job of the search index. A 409 carries the job already running (on any node of the
// cluster): that is what the admin wants to see, so it is returned rather than thrown.
async function startIndexJob(url: string, body: unknown): Promise<ReindexStart> {
    const method = 'POST';
    const response = await fetch(url, {
        method,
        headers: headersFor(method, 'application/json'),
        credentials: 'same-origin',
        body: JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: {status?: unknown; error?: string; message?: string} | undefined;
    try {
        parsed = text ? JSON.parse(text) : undefined;
    } catch {
        // Not JSON: the status says what happened.
    }
    if (response.ok || (response.status === 409 && typeof parsed?.status === 'string')) {
        return {job: (parsed ?? {status: ''}) as ReindexJob, alreadyRunning: !response.ok};
    }
    throw new HttpError(response.status, parsed?.error ?? parsed?.message ?? `HTTP ${response.status}`);
}

// A full reindex from an empty index, or (`clearIndex` false) on from where the last one stopped.
export const reindexAll = (clearIndex: boolean) => startIndexJob(pluginUrl(Route.reindex), {clearIndex});
export const catchUpIndex = () => startIndexJob(pluginUrl(Route.reindexCatchUp), {});
export const getReindexJob = () => call<ReindexJob>(pluginUrl(Route.reindexStatus), 'GET');
export const cancelReindexJob = () => call<ReindexJob>(pluginUrl(Route.reindexCancel), 'POST');
export const checkIndexHealth = () => call<IndexHealth>(pluginUrl(Route.reindexHealthCheck), 'GET');
export const runSearch = (query: string, bot?: string) =>
    call<{postid: string; channelid: string}>(pluginUrl(withBot(Route.searchRun, bot)), 'POST', {query});
export const checkConfig = () => call<ConfigCheck>(pluginUrl(Route.configCheck), 'GET');
export const getMcpTools = () => call<McpToolsResponse>(pluginUrl(Route.mcpTools), 'GET');
export const clearMcpToolsCache = () => call<McpCacheCleared>(pluginUrl(Route.mcpToolsCacheClear), 'POST');
// The user's own view: their tools and their OAuth connections to MCP servers.
export const getUserMcpTools = () => call<UserMcpToolsResponse>(pluginUrl(Route.userMcpTools), 'GET');
export const disconnectMcpServer = (server: string) => call<void>(pluginUrl(Route.mcpConnection(server)), 'DELETE');

// Mattermost's own REST API, for opening a DM with an agent and posting as the user.
export const createDirectChannel = (userId: string, botId: string) =>
    call<{id: string}>(`${base()}/api/v4/channels/direct`, 'POST', [userId, botId]);
export const createPost = (channelId: string, message: string, rootId = '') =>
    call<Post>(`${base()}/api/v4/posts`, 'POST', {channel_id: channelId, message, root_id: rootId});
export const getThread = (postId: string) => call<PostList>(`${base()}/api/v4/posts/${postId}/thread`, 'GET');

// Mattermost's user image API: the agent's avatar is its bot user's profile image.
export async function uploadAvatar(userId: string, file: Blob): Promise<void> {
    const form = new FormData();
    form.append('image', file);
    await request(`${base()}/api/v4/users/${encodeURIComponent(userId)}/image`, 'POST', form);
}

export interface Named {
    id: string;
    name: string;
}

// Searches for the access-control pickers, through Mattermost's REST API.
export async function searchNamed(kind: 'users' | 'teams' | 'channels', term: string): Promise<Named[]> {
    const found = await call<Array<Record<string, string>>>(`${base()}/api/v4/${kind}/search`, 'POST', {term});
    return (Array.isArray(found) ? found : []).map((x) => ({
        id: x.id,
        name: kind === 'users' ? `@${x.username}` : x.display_name || x.name,
    }));
}

// Names for ids already in the configuration.
export async function namesOf(kind: 'users' | 'teams' | 'channels', idList: string[]): Promise<Named[]> {
    if (idList.length === 0) {
        return [];
    }
    if (kind === 'users') {
        const users = await call<Array<{id: string; username: string}>>(`${base()}/api/v4/users/ids`, 'POST', idList);
        return users.map((u) => ({id: u.id, name: `@${u.username}`}));
    }
    const out: Named[] = [];
    for (const id of idList) {
        try {
            const x = await call<{id: string; display_name?: string; name: string}>(`${base()}/api/v4/${kind}/${id}`, 'GET');
            out.push({id: x.id, name: x.display_name || x.name});
        } catch {
            // Deleted or hidden: the id is shown as it is.
        }
    }
    return out;
}

export type {Config};

// Token usage for admins over a range of UTC days (`YYYY-MM-DD`), and the CSV of every row.
const usageRange = (from: string, to: string) => `?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
export const getUsage = (from: string, to: string) => call<UsageReport>(pluginUrl(Route.usage + usageRange(from, to)), 'GET');
export const usageExportUrl = (from: string, to: string) => pluginUrl(Route.usageExport + usageRange(from, to));

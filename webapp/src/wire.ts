// Everything the webapp and the Rust server must spell the same way. The server has the same
// values: the post type, post props, the `postupdate` event with its payload and controls, and
// tool-call statuses in src/answer/props.rs (module `answer::props`); the routes in
// src/http/mod.rs; tool policies in src/answer/policy.rs; analysis kinds in src/actions/analyze.rs, interval presets in
// src/actions/channel.rs, reindex job statuses in src/search/indexer.rs. Change both sides
// together.

import {PLUGIN_ID} from './manifest';

// The post type of agent answers; the webapp registers its renderer for it.
export const POST_TYPE = 'custom_llmbot';

// Props the server sets on agent answers.
export const PostProp = {
    // Who asked: only they may stop, regenerate or decide tool calls.
    requester: 'llm_requester_user_id',
    noRegen: 'no_regen',
    // Tool calls of the answer, a JSON string of `ToolCall`s.
    pendingToolCall: 'pending_tool_call',
    reasoning: 'reasoning_summary',
    // Citations, a JSON string of `Annotation`s.
    annotations: 'annotations',
    // Posts a search answer used, a JSON string.
    searchResults: 'search_results',
    // The short error message of an answer that failed.
    error: 'llm_error',
    // "true" on a tool post outside a DM: its calls show no arguments; the requester reads
    // them from `Route.toolCallPrivate`.
    toolCallRedacted: 'pending_tool_call_redacted',
    // "true" while the results of a channel tool post's calls wait, readable by the requester
    // alone (`Route.toolResultPrivate`), for them to choose which to share (`Route.toolResult`).
    pendingToolResult: 'pending_tool_result',
} as const;

// `ToolCall.status` in `pending_tool_call`.
export const ToolCallStatus = {
    pending: 0,
    accepted: 1,
    rejected: 2,
    error: 3,
    success: 4,
    // Ran without asking (an admin's policy) and succeeded.
    autoApproved: 5,
} as const;
export type ToolCallStatus = typeof ToolCallStatus[keyof typeof ToolCallStatus];

// The server's websocket event as it sends it; Mattermost delivers it as `custom_<plugin id>_<name>`.
export const POST_UPDATE = 'postupdate';
export const POST_UPDATE_EVENT = `custom_${PLUGIN_ID}_${POST_UPDATE}`;

// Fields of a `postupdate` event's data.
export const PostUpdateField = {
    postId: 'post_id',
    control: 'control',
    // The whole text so far.
    next: 'next',
    reasoning: 'reasoning',
    toolCall: 'tool_call',
    annotations: 'annotations',
} as const;

// `control` values of a `postupdate` event (an event without one carries `next`).
export const PostUpdateControl = {
    start: 'start',
    end: 'end',
    cancel: 'cancel',
    reasoning: 'reasoning_summary',
    reasoningDone: 'reasoning_summary_done',
    toolCall: 'tool_call',
    annotations: 'annotations',
} as const;

// How far the work before an answer's text has come (a long transcript's parts), as its own
// event: `post_id`, `stage`, `step` of `steps`.
export const POST_PROGRESS = 'postprogress';
export const POST_PROGRESS_EVENT = `custom_${PLUGIN_ID}_${POST_PROGRESS}`;
export const ProgressField = {postId: 'post_id', stage: 'stage', step: 'step', steps: 'steps'} as const;
export const ProgressStage = {transcriptParts: 'transcript_parts'} as const;

// Mattermost's own websocket events for posts, whose data carries the post as JSON in `post`.
export const POSTED_EVENT = 'posted';
export const POST_EDITED_EVENT = 'post_edited';

// The plugin's HTTP routes, below `/plugins/<plugin id>`.
export const Route = {
    version: '/version',
    agents: '/ai_bots',
    threads: '/ai_threads',
    stop: (postId: string) => `/post/${postId}/stop`,
    regenerate: (postId: string) => `/post/${postId}/regenerate`,
    toolCall: (postId: string) => `/post/${postId}/tool_call`,
    // The requester's tool calls of a channel post with their arguments, and what they returned
    // (both `ToolCall[]`); POST `{accepted_tool_ids}` on `toolResult` shares those results.
    toolCallPrivate: (postId: string) => `/post/${postId}/tool_call_private`,
    toolResultPrivate: (postId: string) => `/post/${postId}/tool_result_private`,
    toolResult: (postId: string) => `/post/${postId}/tool_result`,
    analyze: (postId: string) => `/post/${postId}/analyze`,
    react: (postId: string) => `/post/${postId}/react`,
    interval: (channelId: string) => `/channel/${channelId}/interval`,
    searchRun: '/search/run',
    configCheck: '/admin/config/check',
    fetchModels: '/admin/models/fetch',
    reindex: '/admin/reindex',
    reindexStatus: '/admin/reindex/status',
    reindexCancel: '/admin/reindex/cancel',
    // A catch-up of missing and edited posts, and how complete and current the index is.
    reindexCatchUp: '/admin/reindex/catchup',
    reindexHealthCheck: '/admin/reindex/health-check',
    // Every tool the agents can be given, by server, and forgetting the cached MCP tool lists.
    mcpTools: '/admin/mcp/tools',
    usage: '/admin/usage',
    usageExport: '/admin/usage/export.csv',
    mcpToolsCacheClear: '/admin/mcp/tools/cache/clear',
    // The Mattermost MCP server for external clients (`mcp.enablePluginServer`).
    mcpServer: '/mcp-server/mcp',
    // The tools the calling user's conversations may offer, and their OAuth connections to MCP
    // servers; DELETE on `mcpConnection` forgets the user's tokens for that server.
    userMcpTools: '/mcp/tools',
    mcpConnection: (server: string) => `/mcp/oauth/${encodeURIComponent(server)}`,
} as const;

// The query parameter naming the agent an action or search uses.
export const BOT_USERNAME_PARAM = 'botUsername';

// `analysis_type` of `/post/{id}/analyze`.
export const AnalysisKind = {
    summarizeThread: 'summarize_thread',
    actionItems: 'action_items',
    openQuestions: 'open_questions',
} as const;

// `preset_prompt` of `/channel/{id}/interval`.
export const IntervalPreset = {
    summarizeUnreads: 'summarize_unreads',
    actionItems: 'action_items',
    openQuestions: 'open_questions',
} as const;

// `status` of the reindex job.
export const JobState = {
    running: 'running',
    completed: 'completed',
    failed: 'failed',
    canceled: 'canceled',
} as const;

// `operation` and `phase` of the reindex job.
export const JobOperation = {
    reindex: 'reindex',
    catchUp: 'catch_up',
} as const;
export const JobPhase = {
    buildingIndex: 'building_index',
} as const;

// `status` and `vector_index_state` of the index health check (src/search/health.rs).
export const IndexHealthState = {
    healthy: 'healthy',
    mismatch: 'mismatch',
    needsReindex: 'needs_reindex',
    notConfigured: 'not_configured',
    error: 'error',
} as const;
export const VectorIndexState = {
    ready: 'ready',
    missing: 'missing',
    building: 'building',
} as const;

// `policy` of a `tool_configs` entry; no entry, or an unknown policy, asks.
export const ToolPolicy = {
    ask: 'ask',
    autoRunInDM: 'auto_run_in_dm',
    autoRunEverywhere: 'auto_run_everywhere',
} as const;
export type ToolPolicy = typeof ToolPolicy[keyof typeof ToolPolicy];

// `url` of the tool sources in `/admin/mcp/tools` that are not remote MCP servers.
export const ToolSourceURL = {
    embedded: 'embedded://mattermost',
    builtin: 'builtin://',
} as const;

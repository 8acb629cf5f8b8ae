import type React from 'react';

// The subset of Mattermost's PluginRegistry this plugin calls; optional members are missing
// on older servers, so registration checks before calling them.
export interface PluginRegistry {
    registerAdminConsoleCustomSetting(
        key: string,
        component: React.ComponentType<AdminCustomSettingProps>,
        options?: {showTitle?: boolean},
    ): void;
    registerRightHandSidebarComponent?(component: React.ComponentType, title: string): {
        toggleRHSPlugin: unknown;
        showRHSPlugin: unknown;
    };
    registerChannelHeaderButtonAction?(icon: React.ReactNode, action: () => void, dropdownText: string, tooltipText: string): void;
    registerPostTypeComponent?(type: string, component: React.ComponentType<{post: Post}>): void;
    registerPostDropdownMenuAction?(text: string, action: (postId: string) => void, filter?: (postId: string) => boolean): void;
    registerNewMessagesSeparatorActionComponent?(component: React.ComponentType<{channelId?: string; lastViewedAt?: number}>): void;
    registerWebSocketEventHandler?(event: string, handler: (msg: {data: Record<string, unknown>}) => void): void;
    registerTranslations?(getForLocale: (locale: string) => Record<string, string>): void;
}

export interface Store {
    getState(): {entities?: {users?: {currentUserId?: string; profiles?: Record<string, {roles?: string; username?: string; last_picture_update?: number}>}; general?: {config?: {SiteURL?: string}}}};
    dispatch(action: unknown): unknown;
}

// Props Mattermost passes to an admin console custom setting.
export interface AdminCustomSettingProps {
    id: string;
    label?: string;
    helpText?: React.ReactNode;
    value?: unknown;
    disabled?: boolean;
    setByEnv?: boolean;
    onChange?: (id: string, value: unknown) => void;
    setSaveNeeded?: () => void;
    // Run by the System Console after it saved the configuration; an error keeps the save bar.
    registerSaveAction?: (action: () => Promise<{error?: {message: string}}>) => void;
    unRegisterSaveAction?: (action: () => Promise<{error?: {message: string}}>) => void;
}

export interface PluginVersion {
    id: string;
    version: string;
    transport: string;
}

export interface ServiceConfig {
    id: string;
    name: string;
    type: string;
    apiKey?: string;
    orgId?: string;
    apiURL?: string;
    defaultModel?: string;
    region?: string;
    awsAccessKeyID?: string;
    awsSecretAccessKey?: string;
    // Vertex AI, with upstream's names: the Google Cloud project and the service-account JSON key.
    vertexProjectID?: string;
    vertexAuthCredentials?: string;
    tokenLimit?: number;
    outputTokenLimit?: number;
    streamingTimeoutSeconds?: number;
    sendUserId?: boolean;
    useResponsesAPI?: boolean;
    // Sent with every request to the service; values are secrets like the API key.
    customHeaders?: CustomHeader[];
    // Upstream's name: the service that answers once when this one fails before answering.
    fallbackServiceID?: string;
    [other: string]: unknown;
}

export interface CustomHeader {
    name: string;
    value: string;
}

export interface BotConfig {
    id: string;
    name: string;
    displayName: string;
    serviceID: string;
    model?: string;
    customInstructions?: string;
    enableVision?: boolean;
    disableTools?: boolean;
    channelAccessLevel?: number;
    channelIDs?: string[];
    userAccessLevel?: number;
    userIDs?: string[];
    teamIDs?: string[];
    enabledNativeTools?: string[];
    reasoningEnabled?: boolean;
    reasoningEffort?: string;
    thinkingBudget?: number;
    [other: string]: unknown;
}

export interface Config {
    services: ServiceConfig[];
    bots: BotConfig[];
    defaultBotName?: string;
    enableLLMTrace?: boolean;
    enableTokenUsageLogging?: boolean;
    allowedUpstreamHostnames?: string;
    allowUnsafeLinks?: boolean;
    embeddingSearchConfig?: Record<string, unknown>;
    mcp?: Record<string, unknown>;
    // Policies of the built-in tools: `{tool_configs: ToolConfig[]}`.
    builtinTools?: Record<string, unknown>;
    // Whether agents mentioned in channel threads may call tools.
    enableChannelMentionToolCalling?: boolean;
    tokenQuotas?: TokenQuotas;
    // Days of per-day usage kept; 0 or missing means 400.
    usageRetentionDays?: number;
    [other: string]: unknown;
}

// Daily and monthly token limits (0: none), UTC days and months.
export interface TokenLimit {
    daily?: number;
    monthly?: number;
}

export interface TokenLimitOverride extends TokenLimit {
    scope: 'user' | 'team' | 'agent';
    // The user's, team's or agent's (bot user) id.
    id: string;
}

export interface TokenQuotas {
    enabled?: boolean;
    warnAtPercent?: number;
    applyToAdmins?: boolean;
    perUser?: TokenLimit;
    perTeam?: TokenLimit;
    perAgent?: TokenLimit;
    overrides?: TokenLimitOverride[];
}

// Token sums (GET /admin/usage).
export interface UsageCounts {
    inputTokens: number;
    outputTokens: number;
    requests: number;
}

export interface UsageNamed extends UsageCounts {
    id: string;
    name: string;
}

export interface UsageReport {
    recording: boolean;
    from: string;
    to: string;
    totals: UsageCounts;
    days: Array<UsageCounts & {day: string}>;
    agents: UsageNamed[];
    models: UsageNamed[];
    topUsers: UsageNamed[];
    topTeams: UsageNamed[];
}

// An admin's decision about one tool, in a `tool_configs` list. No entry means policy "ask"
// and enabled.
export interface ToolConfig {
    name: string;
    policy: string;
    enabled: boolean;
    [other: string]: unknown;
}

export interface McpToolInfo {
    name: string;
    description?: string;
    inputSchema?: unknown;
}

// One tool source of `GET /admin/mcp/tools`: a remote MCP server by its configured name, the
// embedded Mattermost server, or the built-in tools (told apart by `url`).
export interface McpServerTools {
    name: string;
    url: string;
    tools: McpToolInfo[] | null;
    needsOAuth?: boolean;
    oauthURL?: string;
    error?: string | null;
}

export interface McpToolsResponse {
    servers: McpServerTools[] | null;
}

// One tool of `GET /mcp/tools`: `server` is the source's name, `policy` the admin's.
export interface UserMcpTool {
    name: string;
    description?: string;
    server: string;
    policy: string;
}

// The calling user's standing with an MCP server that wants OAuth, or that they connected.
// `connectURL` starts the sign-in (absolute, under the Site URL).
export interface McpConnection {
    name: string;
    needsOAuth: boolean;
    connected: boolean;
    connectURL: string;
}

export interface UserMcpToolsResponse {
    tools: UserMcpTool[] | null;
    servers: McpConnection[] | null;
}

export interface McpCacheCleared {
    cleared_servers: number;
    message: string;
}

export interface License {
    tier: string;
    multipleAgents: boolean;
    fineGrainedAccess: boolean;
    embeddingSearch: boolean;
    mcp: boolean;
    usageTracking: boolean;
    aiActions: boolean;
    channelSummaries: boolean;
    meetingSummaries: boolean;
}

export interface AgentInfo {
    id: string;
    displayName: string;
    username: string;
    lastIconUpdate: number;
    dmChannelID: string;
    serviceType: string;
    enableVision: boolean;
    disableTools: boolean;
    enabledNativeTools: string[];
    reasoningEnabled: boolean;
}

export interface AgentsResponse {
    bots: AgentInfo[];
    searchEnabled: boolean;
    allowUnsafeLinks: boolean;
    license?: License;
}

export interface Thread {
    id: string;
    message: string;
    title: string;
    channel_id: string;
    reply_count: number;
    update_at: number;
    // The agent the conversation is with (this plugin's `/ai_threads` adds it).
    bot_id?: string;
}

export interface ModelInfo {
    id: string;
    displayName: string;
}

export interface ConfigProblem {
    path: string;
    message: string;
}

export interface ConfigCheck {
    loadError?: string | null;
    problems: ConfigProblem[];
    license?: License;
    search?: {enabled: boolean; ready: boolean; error?: string; indexedPosts?: number | null};
    upstreamImport?: UpstreamImport | null;
}

// What activation did with the previous (upstream 2.x) Agents plugin's data. importedAt is null
// when its tables were found but nothing was imported; skipped says why, or what was left out.
export interface UpstreamImport {
    importedAt: number | null;
    services: number;
    agents: number;
    skipped: string[];
    reindexNeeded: boolean;
    tables: string[];
}

// The search index's job as `/admin/reindex/status` reports it (upstream's field names): a full
// reindex, or a catch-up of missing and edited posts. Counts are posts; `last_updated_at` is ms.
export interface ReindexJob {
    status: string;
    error?: string;
    started_at?: string;
    completed_at?: string;
    processed_rows?: number;
    total_rows?: number;
    operation?: string;
    // A stopped reindex can go on from where it stopped.
    resumable?: boolean;
    phase?: string;
    indexed_rows?: number;
    last_updated_at?: number;
}

// A job the server started, or (409) the one already running on some node of the cluster.
export interface ReindexStart {
    job: ReindexJob;
    alreadyRunning: boolean;
}

// `/admin/reindex/health-check`: how complete and current the index is.
export interface IndexHealth {
    status: string;
    db_post_count: number;
    indexed_post_count: number;
    missing_posts: number;
    stale_posts: number;
    orphaned_posts: number;
    needs_catch_up: boolean;
    model_compatible: boolean;
    model_needs_reindex: boolean;
    model_compat_reason?: string;
    stored_provider_type?: string;
    stored_model_name?: string;
    stored_dimensions: number;
    vector_index_state: string;
    // RFC 3339.
    checked_at: string;
    error?: string;
}

export interface ToolCall {
    id: string;
    name: string;
    description?: string;
    arguments: unknown;
    result?: string;
    status: number;
}

export interface Annotation {
    type: string;
    start_index: number;
    end_index: number;
    url: string;
    title: string;
    index: number;
}

export interface Post {
    id: string;
    user_id: string;
    channel_id: string;
    root_id?: string;
    create_at?: number;
    message: string;
    type?: string;
    props?: Record<string, unknown>;
}

// A thread as Mattermost's REST API returns it.
export interface PostList {
    order: string[];
    posts: Record<string, Post>;
}

declare global {
    interface Window {
        registerPlugin(id: string, plugin: unknown): void;
        // Set by Mattermost when it is served under a subpath (e.g. "/chat").
        basename?: string;
    }
}

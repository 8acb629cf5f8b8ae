//! MCP client: the tools of the MCP servers an admin configured, offered to agents in DMs and
//! run, like the built-in tools, only after the user approves each call.
//!
//! Each user gets their own connection to each server (the server learns who is asking from
//! `X-Mattermost-UserID`), opened on first use and closed after `idleTimeoutMinutes` without
//! use. A server that cannot be reached costs its tools, never the conversation.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderName, HeaderValue};
use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{RunningService, ServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::auth::AuthClient;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::answer::tools::{Tool, ToolContext, ToolError, ToolOrigin, ToolProvider};
use crate::config::{McpConfig, McpServer};
use crate::i18n::{Locale, arg};
use crate::infra::Infra;
use crate::llm::ToolSpec;
use crate::outbound::{OutboundClient, Trust};
use plugin_runtime::host::MattermostApi;

pub mod cache;
pub mod oauth;

/// The header that tells an MCP server which Mattermost user is asking (upstream's name).
pub const USER_HEADER: &str = "X-Mattermost-UserID";
/// The largest JSON response or SSE event accepted from an MCP server.
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;
const CLIENT_NAME: &str = "mattermost-agents";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CALL_TIMEOUT: Duration = Duration::from_secs(120);
/// Tool lists are read again after this, so servers can change theirs.
const TOOLS_TTL: Duration = Duration::from_secs(300);

type Client = RunningService<RoleClient, ClientConfig>;

struct Session {
    client: Arc<Client>,
    /// Which server settings it was opened with: changed settings mean a new connection.
    settings: String,
    tools: Vec<rmcp::model::Tool>,
    listed: Instant,
    used: Instant,
}

/// Open connections, per (user, server name).
#[derive(Default)]
pub struct Clients {
    sessions: Mutex<HashMap<(String, String), Session>>,
    /// Servers that just failed for a user (with the settings tried): skipped for a while, so
    /// an unreachable server does not delay every answer by its connect timeout.
    failed: Mutex<HashMap<(String, String), (String, Instant)>>,
    /// Servers seen asking for OAuth (name → the settings they had then).
    oauth_servers: Mutex<HashMap<String, String>>,
}

/// The MCP servers' tools as a conversation sees them.
pub struct McpTools {
    pub infra: Infra,
    pub clients: Arc<Clients>,
}

#[async_trait::async_trait]
impl ToolProvider for McpTools {
    async fn tools_for(&self, _api: &dyn MattermostApi, user_id: &str) -> Vec<Arc<dyn Tool>> {
        self.clients.tools_for(&self.infra, user_id).await
    }

    /// A link to connect each server that wants OAuth and that the user has not connected.
    async fn notices(&self, api: &dyn MattermostApi, user_id: &str, locale: &Locale) -> Vec<String> {
        let snap = self.infra.snapshot();
        let cfg = &snap.effective.config.mcp;
        if !cfg.enabled || !snap.entitlements.mcp {
            return Vec::new();
        }
        let site = self.infra.site_url();
        let mut out = Vec::new();
        for server in enabled_servers(cfg) {
            if self.clients.wants_oauth(server).await && !oauth::connected(api, &server.name, user_id).await {
                out.push(locale.tr(
                    "mcp.connect_notice",
                    &[
                        // The name sits in Markdown emphasis: nothing in it may close it.
                        arg("Server", server.name.replace(['*', '[', ']', '(', ')'], "")),
                        arg("Link", oauth::connect_url(&site, &server.name)),
                    ],
                ));
            }
        }
        out
    }
}

/// How long a server that failed is left alone.
const RETRY_AFTER: Duration = Duration::from_secs(60);
/// The longest a conversation waits for one server's tool list.
const LIST_BUDGET: Duration = Duration::from_secs(12);

/// What reaching a server needs: the plugin API (KV store for tokens), the outbound client
/// and the site's address (the OAuth callback's).
#[derive(Clone, Copy)]
pub struct Reach<'a> {
    pub api: &'a Arc<dyn MattermostApi>,
    pub outbound: &'a OutboundClient,
    pub site_url: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error("MCP server {server}: {message}")]
    Server { server: String, message: String },
    /// It failed moments ago (already reported); left alone for a while.
    #[error("MCP server {0} failed recently; trying again later")]
    Resting(String),
    /// It wants the user to authorize (OAuth) before it says anything.
    #[error("MCP server {0} needs you to connect your account")]
    NeedsOAuth(String),
}

fn server_error(server: &McpServer, message: impl std::fmt::Display) -> McpError {
    McpError::Server {
        server: server.name.clone(),
        message: message.to_string(),
    }
}

impl Clients {
    /// The MCP tools for `user_id`, from every enabled server that answers, each named
    /// `<server>__<tool>` so two servers never collide. A server's list comes from the KV
    /// cache when it is there (no connection until a tool runs), else from the server.
    pub async fn tools_for(self: &Arc<Self>, infra: &Infra, user_id: &str) -> Vec<Arc<dyn Tool>> {
        let snap = infra.snapshot();
        let cfg = &snap.effective.config.mcp;
        if !cfg.enabled || !snap.entitlements.mcp {
            return Vec::new();
        }
        self.sweep(cfg).await;
        let api = infra.api();
        let site = infra.site_url();
        let reach = Reach {
            api: &api,
            outbound: &infra.outbound,
            site_url: &site,
        };
        // Side by side, each within a budget: a server that hangs costs its own tools and at
        // most that long, once a minute, never the others or the conversation.
        let servers: Vec<&McpServer> = enabled_servers(cfg).collect();
        let listed = futures_util::future::join_all(servers.iter().map(|server| async move {
            match tokio::time::timeout(LIST_BUDGET, self.server_tools(reach, server, user_id)).await {
                Ok(r) => r,
                Err(_) => {
                    self.failed
                        .lock()
                        .await
                        .insert(key(server, user_id), (settings_of(server), Instant::now()));
                    Err(server_error(server, "listing tools took too long"))
                }
            }
        }))
        .await;
        let mut out: Vec<Arc<dyn Tool>> = Vec::new();
        let mut prefixes: Vec<String> = Vec::new();
        for (server, listed) in servers.into_iter().zip(listed) {
            let tools = match listed {
                Ok(t) => t,
                Err(McpError::Resting(_) | McpError::NeedsOAuth(_)) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "MCP tools unavailable");
                    continue;
                }
            };
            let prefix = unique_prefix(&server.name, &prefixes);
            prefixes.push(prefix.clone());
            for t in tools {
                out.push(Arc::new(McpTool {
                    clients: self.clone(),
                    server: server.clone(),
                    name: tool_name(&prefix, &t.name),
                    tool: t,
                }));
            }
        }
        out
    }

    /// One server's tools: cached, or listed (as `user_id`) and cached. A server that just
    /// failed is left alone for a while.
    pub async fn server_tools(
        &self,
        reach: Reach<'_>,
        server: &McpServer,
        user_id: &str,
    ) -> Result<Vec<rmcp::model::Tool>, McpError> {
        let settings = settings_of(server);
        // A server that wants OAuth offers nothing to a user who has not connected.
        if self.wants_oauth(server).await
            && !oauth::connected(reach.api.as_ref(), &server.name, user_id).await
        {
            return Err(McpError::NeedsOAuth(server.name.clone()));
        }
        if let Some(tools) = cache::read(reach.api.as_ref(), server, &settings).await {
            return Ok(tools);
        }
        let k = key(server, user_id);
        if self
            .failed
            .lock()
            .await
            .get(&k)
            .is_some_and(|(s, at)| *s == settings && at.elapsed() < RETRY_AFTER)
        {
            return Err(McpError::Resting(server.name.clone()));
        }
        match self.list(reach, server, user_id).await {
            Ok(tools) => {
                cache::write(reach.api.as_ref(), server, &settings, &tools).await;
                Ok(tools)
            }
            Err(e @ McpError::NeedsOAuth(_)) => Err(e),
            Err(e) => {
                self.failed.lock().await.insert(k, (settings, Instant::now()));
                Err(e)
            }
        }
    }

    /// Whether `server` was seen asking for OAuth (with its current settings).
    pub async fn wants_oauth(&self, server: &McpServer) -> bool {
        self.oauth_servers
            .lock()
            .await
            .get(&server.name)
            .is_some_and(|s| *s == settings_of(server))
    }

    /// Closes `user_id`'s connection to `server` (after they connected or disconnected their
    /// account, so the next use connects with what they have now).
    pub async fn reset(&self, server: &McpServer, user_id: &str) {
        let k = key(server, user_id);
        self.sessions.lock().await.remove(&k);
        self.failed.lock().await.remove(&k);
    }

    /// Forgets every open connection's tool list and every recent failure (the admin's
    /// "refresh").
    pub async fn forget(&self) {
        self.failed.lock().await.clear();
        for s in self.sessions.lock().await.values_mut() {
            s.tools.clear();
        }
    }

    /// Closes connections idle longer than the configured timeout (30 minutes by default).
    async fn sweep(&self, cfg: &McpConfig) {
        let minutes = u64::try_from(cfg.idle_timeout_minutes)
            .ok()
            .filter(|m| *m > 0)
            .unwrap_or(30);
        let idle = Duration::from_secs(minutes * 60);
        let mut sessions = self.sessions.lock().await;
        sessions.retain(|_, s| s.used.elapsed() < idle);
    }

    async fn list(
        &self,
        reach: Reach<'_>,
        server: &McpServer,
        user_id: &str,
    ) -> Result<Vec<rmcp::model::Tool>, McpError> {
        let (client, cached) = self.session(reach, server, user_id).await?;
        if let Some(tools) = cached {
            return Ok(tools);
        }
        let tools = tokio::time::timeout(CONNECT_TIMEOUT, client.list_all_tools())
            .await
            .map_err(|_| server_error(server, "listing tools timed out"))?
            .map_err(|e| server_error(server, format!("listing tools: {e}")))?;
        if let Some(s) = self.sessions.lock().await.get_mut(&key(server, user_id)) {
            s.tools = tools.clone();
            s.listed = Instant::now();
        }
        Ok(tools)
    }

    /// The user's connection to `server` (opened if needed) and its tool list when still fresh.
    async fn session(
        &self,
        reach: Reach<'_>,
        server: &McpServer,
        user_id: &str,
    ) -> Result<(Arc<Client>, Option<Vec<rmcp::model::Tool>>), McpError> {
        let settings = settings_of(server);
        let k = key(server, user_id);
        {
            let mut sessions = self.sessions.lock().await;
            if let Some(s) = sessions.get_mut(&k)
                && s.settings == settings
                && !s.client.is_closed()
            {
                s.used = Instant::now();
                let fresh = (s.listed.elapsed() < TOOLS_TTL && !s.tools.is_empty()).then(|| s.tools.clone());
                return Ok((s.client.clone(), fresh));
            }
        }
        let client = match connect(reach, server, user_id).await {
            Ok(c) => Arc::new(c),
            Err(e) => {
                // Connecting failed: a server asking for OAuth says so with a 401.
                if probe_wants_oauth(reach.outbound, server).await {
                    self.oauth_servers
                        .lock()
                        .await
                        .insert(server.name.clone(), settings_of(server));
                    return Err(McpError::NeedsOAuth(server.name.clone()));
                }
                return Err(e);
            }
        };
        let now = Instant::now();
        self.sessions.lock().await.insert(
            k,
            Session {
                client: client.clone(),
                settings,
                tools: Vec::new(),
                listed: now,
                used: now,
            },
        );
        Ok((client, None))
    }
}

/// The servers the admin configured and left on.
pub fn enabled_servers(cfg: &McpConfig) -> impl Iterator<Item = &McpServer> {
    cfg.servers
        .iter()
        .filter(|s| s.enabled && !s.base_url.trim().is_empty())
}

/// What a connection or a cached list depends on: changed settings mean a fresh one.
fn settings_of(server: &McpServer) -> String {
    let mut s = server.clone();
    // Policies do not change what the server offers.
    s.tool_configs.clear();
    serde_json::to_string(&s).unwrap_or_default()
}

/// Model APIs accept tool names of `[A-Za-z0-9_-]{1,64}`; a server name becomes a prefix in
/// that alphabet, kept short enough to leave room for the tool's own name.
fn unique_prefix(server: &str, taken: &[String]) -> String {
    let mut base: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(24)
        .collect();
    if base.trim_matches('_').is_empty() {
        base = "mcp".into();
    }
    let mut prefix = base.clone();
    let mut n = 2;
    while taken.contains(&prefix) {
        prefix = format!("{base}{n}");
        n += 1;
    }
    prefix
}

/// `<prefix>__<tool>`, the tool's part in the same alphabet and the whole at most 64.
pub fn tool_name(prefix: &str, tool: &str) -> String {
    let tool: String = tool
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!("{prefix}__{tool}");
    name.truncate(64);
    name
}

fn key(server: &McpServer, user_id: &str) -> (String, String) {
    (user_id.to_owned(), server.name.clone())
}

/// Whether `server` answers an unauthenticated request with 401 (it wants OAuth).
async fn probe_wants_oauth(outbound: &OutboundClient, server: &McpServer) -> bool {
    let Ok(request) = outbound.post(Trust::Configured, server.base_url.trim()) else {
        return false;
    };
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "ping"});
    matches!(
        request
            .header("accept", "application/json, text/event-stream")
            .json(&body)
            .timeout(CONNECT_TIMEOUT)
            .send()
            .await,
        Ok(r) if r.status() == reqwest::StatusCode::UNAUTHORIZED
    )
}

async fn connect(reach: Reach<'_>, server: &McpServer, user_id: &str) -> Result<Client, McpError> {
    let outbound = reach.outbound;
    let url = server.base_url.trim();
    // The admin's allowlist applies to MCP servers as to model providers.
    let http = outbound
        .configured_client(url)
        .map_err(|e| server_error(server, e))?;
    let mut headers: HashMap<HeaderName, HeaderValue> = HashMap::new();
    for (name, value) in &server.headers {
        let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) else {
            return Err(server_error(
                server,
                format!("the header {name:?} is not a valid HTTP header"),
            ));
        };
        headers.insert(n, v);
    }
    if let Ok(v) = HeaderValue::try_from(user_id) {
        headers.insert(HeaderName::from_static("x-mattermost-userid"), v);
    }
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned()).custom_headers(headers);
    // What a server sends is bounded before it is parsed (rmcp enforces both); results are
    // cut again to the tool result size before anyone reads them.
    config.max_json_response_size = MAX_MESSAGE_BYTES;
    config.max_sse_event_size = MAX_MESSAGE_BYTES;
    let info = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(CLIENT_NAME, crate::PLUGIN_VERSION),
    );
    // With the user's OAuth tokens when they connected their account (refreshed as needed).
    let running = match oauth::authorized(reach.api, outbound, server, user_id, reach.site_url).await {
        Some(manager) => {
            let transport =
                StreamableHttpClientTransport::with_client(AuthClient::new(http, manager), config);
            tokio::time::timeout(CONNECT_TIMEOUT, info.serve(transport)).await
        }
        None => {
            let transport = StreamableHttpClientTransport::with_client(http, config);
            tokio::time::timeout(CONNECT_TIMEOUT, info.serve(transport)).await
        }
    };
    running
        .map_err(|_| server_error(server, "connecting timed out"))?
        .map_err(|e| server_error(server, format!("connecting: {e}")))
}

/// One tool of one MCP server, as the agent sees it.
pub struct McpTool {
    clients: Arc<Clients>,
    server: McpServer,
    /// The name the model sees (`<server>__<tool>`); the server is called with its own.
    name: String,
    tool: rmcp::model::Tool,
}

#[async_trait::async_trait]
impl Tool for McpTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.name.clone(),
            description: self.tool.description.as_deref().unwrap_or("").to_owned(),
            parameters: Value::Object((*self.tool.input_schema).clone()),
        }
    }

    fn origin(&self) -> ToolOrigin {
        ToolOrigin::Server {
            server: self.server.name.clone(),
            tool: self.tool.name.to_string(),
        }
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError> {
        let Value::Object(arguments) = args else {
            return Err(ToolError::Arguments("the arguments must be a JSON object".into()));
        };
        let site = crate::infra::site_url_of(&ctx.server_config);
        let reach = Reach {
            api: &ctx.api,
            outbound: &ctx.outbound,
            site_url: &site,
        };
        let (client, _) = self
            .clients
            .session(reach, &self.server, &ctx.user_id)
            .await
            .map_err(|e| {
                // The connection error may quote the server's URL, and with it a token.
                tracing::warn!(server = %self.server.name, error = %e, "MCP server unavailable for a tool call");
                ToolError::Failed(format!("the MCP server {} is not available", self.server.name))
            })?;
        let call = CallToolRequestParams::new(self.tool.name.clone()).with_arguments(arguments);
        let result = tokio::time::timeout(CALL_TIMEOUT, client.call_tool(call))
            .await
            .map_err(|_| ToolError::Failed(format!("{} did not answer in time", self.server.name)))?
            .map_err(|e| {
                tracing::warn!(server = %self.server.name, error = %e, "an MCP tool call failed");
                ToolError::Failed(format!(
                    "the MCP server {} could not run the tool",
                    self.server.name
                ))
            })?;
        let mut text: Vec<String> = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect();
        if text.is_empty()
            && let Some(s) = &result.structured_content
        {
            text.push(s.to_string());
        }
        let text = text.join("\n");
        if result.is_error == Some(true) {
            return Err(ToolError::Failed(text));
        }
        Ok(text)
    }
}

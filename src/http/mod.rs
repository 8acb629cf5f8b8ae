//! The plugin's HTTP API: one axum `Router` that ServeHTTP feeds, whatever the transport.
//! Mattermost has already authenticated the caller and strips the `/plugins/<id>` prefix; the
//! user arrives as the `Mattermost-User-Id` header.
//!
//! Routes are grouped by who may call them, and each group's check is a layer, so a handler
//! cannot be added without it: anyone (`/version`), other plugins and the core server (the LLM
//! Bridge, by `Mattermost-Plugin-ID`), any user, the requester of an answer post
//! (an extractor, `answers::Requested`), readers of the channel a route names, and system
//! admins. Handlers are thin: they extract, call one domain function and map its result.
//! Every route is a literal path in this file (tests/it/permissions.rs reads
//! them); groups are merged, never nested under a prefix.

mod actions;
mod admin_config;
mod admin_reindex;
mod admin_usage;
mod agents;
mod answers;
mod bridge;
mod error;
mod extract;
mod guard;
mod locale;
mod mcp_oauth;
mod mcp_server;
mod mcp_tools;
mod meta;
mod search;
mod threads;

use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state, map_response};
use axum::routing::{any, delete, get, post};

pub use error::{HttpError, HttpResult};
pub use extract::{BotQuery, JsonBody, USER_ID_HEADER, UserId};

use crate::answer::AnswerCore;
use crate::bridge::Bridge;
use crate::conversations::Conversations;
use crate::mcp::McpTools;
use crate::mcpserver::MattermostMcp;
use crate::mcpserver::protocol::Endpoint;
use crate::search::SearchService;

/// What the handlers call: the features, wired by the composition root.
pub struct Services {
    pub answers: Arc<AnswerCore>,
    pub conversations: Arc<Conversations>,
    pub search: Arc<SearchService>,
    /// The Mattermost MCP server: its tools and its streamable HTTP endpoint.
    pub mattermost_tools: Arc<MattermostMcp>,
    pub mcp_server: Arc<Endpoint>,
    /// The remote MCP servers' tools.
    pub mcp_clients: Arc<McpTools>,
    /// The LLM Bridge, for the core server and other plugins.
    pub bridge: Arc<Bridge>,
}

type State = Arc<Services>;

pub fn router(services: State) -> Router {
    let anyone = Router::new().route("/version", get(meta::version));

    // The MCP server authenticates as MCP clients expect (401 with the metadata's address),
    // and exists only while the admin has it on (404 otherwise).
    let mcp_clients = Router::new()
        .route("/mcp-server/mcp", any(mcp_server::endpoint))
        .route(
            "/mcp-server/.well-known/oauth-protected-resource",
            get(mcp_server::resource_metadata).options(mcp_server::preflight),
        )
        .route_layer(from_fn_with_state(services.clone(), mcp_server::require_enabled));

    // The LLM Bridge, for the core server and other plugins: `Mattermost-Plugin-ID` is the
    // identity (the server sets it only on inter-plugin and core requests), before user auth.
    let plugins = Router::new()
        .route("/bridge/v1/agents", get(bridge::agents))
        .route("/bridge/v1/services", get(bridge::services))
        .route("/bridge/v1/completion/agent/{agent}", post(bridge::agent_stream))
        .route(
            "/bridge/v1/completion/agent/{agent}/nostream",
            post(bridge::agent_nostream),
        )
        .route(
            "/bridge/v1/completion/service/{service}",
            post(bridge::service_stream),
        )
        .route(
            "/bridge/v1/completion/service/{service}/nostream",
            post(bridge::service_nostream),
        )
        .route_layer(map_response(bridge::gin_json))
        .route_layer(from_fn(bridge::require_plugin));

    let users = Router::new()
        .route("/ai_bots", get(agents::ai_bots))
        .route("/ai_threads", get(threads::ai_threads))
        .route("/search", post(search::search))
        .route("/search/run", post(search::run))
        .route("/mcp/tools", get(mcp_tools::user_tools))
        .route("/mcp/oauth/{server}/start", get(mcp_oauth::start))
        .route("/mcp/oauth/{server}", delete(mcp_oauth::disconnect))
        .route("/oauth/callback", get(mcp_oauth::callback))
        .route_layer(from_fn(guard::require_user));

    // The requester check is the `Requested` extractor each handler takes.
    let requesters = Router::new()
        .route("/post/{post_id}/stop", post(answers::stop))
        .route("/post/{post_id}/regenerate", post(answers::regenerate))
        .route("/post/{post_id}/tool_call", post(answers::tool_call))
        .route(
            "/post/{post_id}/tool_call_private",
            get(answers::tool_call_private),
        )
        .route(
            "/post/{post_id}/tool_result_private",
            get(answers::tool_result_private),
        )
        .route("/post/{post_id}/tool_result", post(answers::tool_result))
        .route_layer(from_fn(guard::require_user));

    let readers = Router::new()
        .route("/post/{post_id}/analyze", post(actions::analyze))
        .route("/post/{post_id}/react", post(actions::react))
        .route(
            "/post/{post_id}/summarize_transcription",
            post(actions::summarize_transcription),
        )
        .route(
            "/post/{post_id}/postback_summary",
            post(actions::postback_summary),
        )
        .route("/channel/{channel_id}/interval", post(actions::interval))
        .route("/channel/{channel_id}/analyze", post(actions::analyze_channel))
        .route_layer(from_fn_with_state(services.clone(), guard::require_reader))
        .route_layer(from_fn(guard::require_user));

    let admins = Router::new()
        .route("/echo", post(meta::echo))
        .route("/metrics", get(meta::metrics))
        .route("/admin/config/check", get(admin_config::config_check))
        .route("/admin/models/fetch", post(admin_config::fetch_models))
        .route("/admin/reindex", post(admin_reindex::reindex))
        .route("/admin/reindex/status", get(admin_reindex::reindex_status))
        .route("/admin/reindex/cancel", post(admin_reindex::reindex_cancel))
        .route("/admin/reindex/catchup", post(admin_reindex::catch_up))
        .route("/admin/reindex/health-check", get(admin_reindex::health_check))
        .route("/admin/usage", get(admin_usage::usage))
        .route("/admin/usage/export.csv", get(admin_usage::export))
        .route("/admin/mcp/tools", get(mcp_tools::admin_tools))
        .route("/admin/mcp/tools/cache/clear", post(mcp_tools::clear_cache))
        .route_layer(from_fn_with_state(services.clone(), guard::require_admin))
        .route_layer(from_fn(guard::require_user));

    Router::new()
        .merge(anyone)
        .merge(mcp_clients)
        .merge(plugins)
        .merge(users)
        .merge(requesters)
        .merge(readers)
        .merge(admins)
        .fallback(meta::not_found)
        .layer(from_fn_with_state(services.clone(), locale::localize))
        .layer(from_fn_with_state(services.clone(), meta::track))
        .with_state(services)
}

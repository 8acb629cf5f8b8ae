//! Tool lists: `GET /admin/mcp/tools` (every source, for the System Console's policies),
//! `POST /admin/mcp/tools/cache/clear` (the admin's refresh) and `GET /mcp/tools` (what the
//! caller's conversations may use, with each tool's policy).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::UserId;
use crate::answer::policy::{ToolOrigin, policy_of};
use crate::mcp::{McpError, Reach, cache, enabled_servers, oauth};

/// How the System Console names the sources that are not remote servers (upstream's names
/// for the embedded server).
const BUILTIN_NAME: &str = "Built-in tools";
const BUILTIN_URL: &str = "builtin://";
const EMBEDDED_NAME: &str = "Mattermost";
const EMBEDDED_URL: &str = "embedded://mattermost";

fn tool_json(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "description": description, "inputSchema": schema})
}

fn source(name: &str, url: &str, tools: Vec<Value>, error: Option<String>) -> Value {
    json!({"name": name, "url": url, "tools": tools, "needsOAuth": false, "error": error})
}

fn needs_oauth(name: &str, url: &str, site: &str) -> Value {
    json!({
        "name": name, "url": url, "tools": [], "needsOAuth": true,
        "oauthURL": oauth::connect_url(site, name), "error": null,
    })
}

/// `GET /admin/mcp/tools`: `{servers: [MCPServerInfo]}`, the built-in tools first, then the
/// embedded server's, then each enabled remote server's as listed for the admin (or why not).
pub async fn admin_tools(State(s): State<super::State>, UserId(user): UserId) -> Json<Value> {
    let api = s.answers.api();
    let snap = s.answers.snapshot();
    let mut builtin = Vec::new();
    let mut embedded = Vec::new();
    for t in s.conversations.tools.tools_for(api.as_ref(), &user).await {
        let spec = t.spec();
        let entry = tool_json(&spec.name, &spec.description, spec.parameters);
        match t.origin() {
            ToolOrigin::Builtin => builtin.push(entry),
            ToolOrigin::Embedded => embedded.push(entry),
            ToolOrigin::Server { .. } => {}
        }
    }
    let mut servers = vec![source(BUILTIN_NAME, BUILTIN_URL, builtin, None)];
    let mcp = &snap.effective.config.mcp;
    let site = s.answers.site_url();
    let reach = Reach {
        api: &api,
        outbound: &s.answers.outbound,
        site_url: &site,
    };
    if mcp.enabled && snap.entitlements.mcp {
        if !embedded.is_empty() {
            servers.push(source(EMBEDDED_NAME, EMBEDDED_URL, embedded, None));
        }
        for server in enabled_servers(mcp) {
            let listed = s.mcp_clients.clients.server_tools(reach, server, &user).await;
            servers.push(match listed {
                Ok(tools) => source(
                    &server.name,
                    &server.base_url,
                    tools
                        .iter()
                        .map(|t| {
                            tool_json(
                                &t.name,
                                t.description.as_deref().unwrap_or(""),
                                Value::Object((*t.input_schema).clone()),
                            )
                        })
                        .collect(),
                    None,
                ),
                Err(McpError::NeedsOAuth(_)) => needs_oauth(&server.name, &server.base_url, &site),
                Err(e) => source(&server.name, &server.base_url, Vec::new(), Some(e.to_string())),
            });
        }
    }
    Json(json!({"servers": servers}))
}

/// `POST /admin/mcp/tools/cache/clear`: every cached list goes; the next use lists afresh.
pub async fn clear_cache(State(s): State<super::State>) -> Json<Value> {
    let api = s.answers.api();
    let cleared = cache::clear(api.as_ref()).await;
    s.mcp_clients.clients.forget().await;
    crate::cluster::publish(api.as_ref(), crate::cluster::events::MCP_TOOLS_CLEARED, "").await;
    Json(json!({
        "cleared_servers": cleared,
        "message": format!("Cleared the cached tools of {cleared} server(s)."),
    }))
}

/// `GET /mcp/tools`: `{tools: [{name, description, server, policy}]}`, the tools the caller's
/// conversations may offer (those the admin left on).
pub async fn user_tools(State(s): State<super::State>, UserId(user): UserId) -> Json<Value> {
    let api = s.answers.api();
    let snap = s.answers.snapshot();
    let cfg = &snap.effective.config;
    let mut tools = Vec::new();
    for t in s.conversations.tools.tools_for(api.as_ref(), &user).await {
        let Some(policy) = policy_of(cfg, t.as_ref()) else {
            continue;
        };
        let spec = t.spec();
        let server = match t.origin() {
            ToolOrigin::Builtin => BUILTIN_NAME.to_owned(),
            ToolOrigin::Embedded => EMBEDDED_NAME.to_owned(),
            ToolOrigin::Server { server, .. } => server,
        };
        tools.push(json!({
            "name": spec.name,
            "description": spec.description,
            "server": server,
            "policy": policy.as_str(),
        }));
    }
    // The servers asking for OAuth, and whether the caller connected.
    let mut servers = Vec::new();
    let mcp = &cfg.mcp;
    if mcp.enabled && snap.entitlements.mcp {
        let site = s.answers.site_url();
        for server in enabled_servers(mcp) {
            let wants = s.mcp_clients.clients.wants_oauth(server).await;
            let connected = oauth::connected(api.as_ref(), &server.name, &user).await;
            if wants || connected {
                servers.push(json!({
                    "name": server.name,
                    "needsOAuth": wants && !connected,
                    "connected": connected,
                    "connectURL": oauth::connect_url(&site, &server.name),
                }));
            }
        }
    }
    Json(json!({"tools": tools, "servers": servers}))
}

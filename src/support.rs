//! The plugin's part of Mattermost's support packet (the `GenerateSupportData` hook): what an
//! admin or Mattermost support needs to understand a deployment, and nothing secret — no
//! keys, tokens, headers, prompts or URLs with credentials, only counts, types and states.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::config::snapshot::{ServerFacts, Snapshot};

/// The file's name inside the packet.
pub const FILE_NAME: &str = "mattermost-ai/diagnostics.json";

/// The diagnostics document; `search` is the search feature's own status.
pub fn packet(snap: &Snapshot, facts: &ServerFacts, transport: &str, search: Value) -> Value {
    let cfg = &snap.effective.config;
    let mut service_types: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &cfg.services {
        *service_types.entry(s.service_type.as_str()).or_default() += 1;
    }
    let active: Vec<&str> = snap.agents().map(|a| a.name.as_str()).collect();
    json!({
        "plugin": {
            "id": crate::PLUGIN_ID,
            "version": crate::PLUGIN_VERSION,
            "transport": transport,
        },
        "server": {"version": facts.version, "licensed": facts.license.is_some()},
        "entitlements": snap.entitlements,
        "configuration": {
            "loadError": snap.load_error,
            "problems": snap.effective.problems,
            "services": {"configured": cfg.services.len(), "usable": snap.effective.services.len(), "types": service_types},
            "agents": {"configured": cfg.bots.len(), "active": active.len(), "names": active},
            "defaultAgent": cfg.default_bot_name,
            "tokenUsageLogging": cfg.enable_token_usage_logging,
            "llmTrace": cfg.enable_llm_trace,
            "allowedUpstreamHostnames": !cfg.allowed_upstream_hostnames.trim().is_empty(),
            "channelToolCalling": cfg.enable_channel_mention_tool_calling,
        },
        "search": search,
        "mcp": {
            "enabled": cfg.mcp.enabled,
            "embeddedServer": cfg.mcp.embedded_server.enabled,
            "pluginServer": cfg.mcp.enable_plugin_server,
            "servers": cfg.mcp.servers.iter().filter(|s| s.enabled).count(),
            "serversWithOAuthClient": cfg.mcp.servers.iter().filter(|s| !s.client_id.is_empty()).count(),
        },
    })
}

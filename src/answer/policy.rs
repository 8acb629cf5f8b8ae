//! What the admin decided about each tool: off, ask the user every time (the default), or run
//! without asking in DMs or everywhere. One place answers "may this call run now?" for every
//! kind of tool (built-in, the embedded Mattermost tools, each remote MCP server's).

use std::sync::Arc;

use super::tools::Tool;
use crate::config::{BotConfig, Config, ToolConfig};

/// The policy strings as the config stores them (upstream's spelling).
pub const ASK: &str = "ask";
pub const AUTO_RUN_IN_DM: &str = "auto_run_in_dm";
pub const AUTO_RUN_EVERYWHERE: &str = "auto_run_everywhere";

/// Where a tool comes from: it picks the list of `tool_configs` that governs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOrigin {
    Builtin,
    /// The embedded Mattermost MCP server.
    Embedded,
    /// A remote MCP server by its configured name, with the tool's name as the server knows it.
    Server {
        server: String,
        tool: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolPolicy {
    Ask,
    AutoRunInDm,
    AutoRunEverywhere,
}

impl ToolPolicy {
    /// An unknown or empty policy asks: a typo never lets a tool run unasked.
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            AUTO_RUN_IN_DM => ToolPolicy::AutoRunInDm,
            AUTO_RUN_EVERYWHERE => ToolPolicy::AutoRunEverywhere,
            _ => ToolPolicy::Ask,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ToolPolicy::Ask => ASK,
            ToolPolicy::AutoRunInDm => AUTO_RUN_IN_DM,
            ToolPolicy::AutoRunEverywhere => AUTO_RUN_EVERYWHERE,
        }
    }

    /// Whether a call may run without the user's approval, in a DM or elsewhere.
    pub fn runs_unasked(self, in_dm: bool) -> bool {
        match self {
            ToolPolicy::Ask => false,
            ToolPolicy::AutoRunInDm => in_dm,
            ToolPolicy::AutoRunEverywhere => true,
        }
    }
}

fn entries<'a>(cfg: &'a Config, origin: &ToolOrigin) -> (&'a [ToolConfig], String) {
    match origin {
        ToolOrigin::Builtin => (&cfg.builtin_tools.tool_configs, String::new()),
        ToolOrigin::Embedded => (&cfg.mcp.embedded_server.tool_configs, String::new()),
        ToolOrigin::Server { server, tool } => (
            cfg.mcp
                .servers
                .iter()
                .find(|s| s.name == *server)
                .map_or(&[][..], |s| &s.tool_configs[..]),
            tool.clone(),
        ),
    }
}

/// The policy of `tool`, or `None` when the admin turned it off.
pub fn policy_of(cfg: &Config, tool: &dyn Tool) -> Option<ToolPolicy> {
    let origin = tool.origin();
    let (list, name) = entries(cfg, &origin);
    let name = if name.is_empty() { tool.spec().name } else { name };
    match list.iter().find(|c| c.name == name) {
        Some(c) if !c.enabled => None,
        Some(c) => Some(ToolPolicy::parse(&c.policy)),
        None => Some(ToolPolicy::Ask),
    }
}

/// The tools the admin left on.
pub fn enabled(cfg: &Config, tools: Vec<Arc<dyn Tool>>) -> Vec<Arc<dyn Tool>> {
    tools
        .into_iter()
        .filter(|t| policy_of(cfg, t.as_ref()).is_some())
        .collect()
}

/// The tools the admin left on that `bot` may use. An agent carrying upstream 2.x's per-agent
/// MCP settings (imported) keeps its limit: with `autoEnableNewMCPTools` off, only the MCP
/// tools in its `enabledMCPTools` list (`{server_origin, tool_name}`); built-in tools are not
/// MCP tools and stay.
pub fn for_agent(cfg: &Config, bot: &BotConfig, tools: Vec<Arc<dyn Tool>>) -> Vec<Arc<dyn Tool>> {
    enabled(cfg, tools)
        .into_iter()
        .filter(|t| agent_allows(cfg, bot, t.as_ref()))
        .collect()
}

fn agent_allows(cfg: &Config, bot: &BotConfig, tool: &dyn Tool) -> bool {
    if bot.extra.get("autoEnableNewMCPTools") != Some(&serde_json::Value::Bool(false)) {
        return true;
    }
    let (origins, name): (Vec<String>, String) = match tool.origin() {
        ToolOrigin::Builtin => return true,
        ToolOrigin::Embedded => (
            vec!["embedded://mattermost".into(), "mattermost".into()],
            tool.spec().name,
        ),
        ToolOrigin::Server { server, tool } => {
            let mut origins = vec![server.to_lowercase()];
            if let Some(s) = cfg.mcp.servers.iter().find(|s| s.name == server) {
                let url = s.base_url.trim().trim_end_matches('/').to_lowercase();
                if let Some(origin) = reqwest::Url::parse(&url)
                    .ok()
                    .map(|u| u.origin().ascii_serialization())
                {
                    origins.push(origin);
                }
                origins.push(url);
            }
            (origins, tool)
        }
    };
    let Some(list) = bot.extra.get("enabledMCPTools").and_then(|v| v.as_array()) else {
        return false;
    };
    list.iter().any(|e| {
        let origin = e["server_origin"]
            .as_str()
            .unwrap_or("")
            .trim()
            .trim_end_matches('/')
            .to_lowercase();
        e["tool_name"].as_str() == Some(name.as_str()) && origins.contains(&origin)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_policies_ask() {
        assert_eq!(ToolPolicy::parse("run_always"), ToolPolicy::Ask);
        assert_eq!(ToolPolicy::parse(""), ToolPolicy::Ask);
        assert!(!ToolPolicy::Ask.runs_unasked(true));
        assert!(ToolPolicy::AutoRunInDm.runs_unasked(true));
        assert!(!ToolPolicy::AutoRunInDm.runs_unasked(false));
        assert!(ToolPolicy::AutoRunEverywhere.runs_unasked(false));
    }
}

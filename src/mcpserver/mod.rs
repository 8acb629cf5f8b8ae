//! The Mattermost MCP server: Mattermost's own tools (read, search and write posts, channels,
//! teams, users, agents) for agents in-process (`embedded`) and for external MCP clients over
//! streamable HTTP (`protocol`, mounted by `http`).
//!
//! Every call runs as the calling user and is judged here, before anything is read or written,
//! with the user's permissions through the plugin API: a user sees and does only what they
//! could in Mattermost, and membership, not a system admin's power, opens private channels
//! and other people's conversations.

pub mod agents;
pub mod channels;
pub mod embedded;
pub mod posts;
pub mod protocol;
pub mod scope;
pub mod sessions;
pub mod teams;
pub mod users;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::answer::MessageSearch;
use crate::answer::tools::ToolError;
use crate::config::snapshot::Snapshot;
use crate::infra::Infra;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::ServerConfig;

/// The prop upstream puts on posts written through these tools: who generated them (the agent
/// for embedded calls, the user for external clients).
pub const AI_GENERATED_BY: &str = "ai_generated_by";

/// Who calls a tool, and with what.
pub struct Caller {
    pub api: Arc<dyn MattermostApi>,
    pub user_id: String,
    /// The agent calling on the user's behalf (embedded calls): its channel restrictions bound
    /// what the tools reach. `None` for external clients.
    pub agent: Option<(crate::config::BotConfig, String)>,
    pub snapshot: Arc<Snapshot>,
    /// The server's settings (privacy settings decide what user fields are shown).
    pub server_config: ServerConfig,
    pub search: Option<Arc<dyn MessageSearch>>,
}

/// One of the server's tools.
#[async_trait::async_trait]
pub trait ServerTool: Send + Sync {
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// The JSON schema of the arguments (an object schema).
    fn schema(&self) -> Value;
    /// Whether it only reads: MCP clients show it as such (`readOnlyHint`).
    fn read_only(&self) -> bool;
    async fn call(&self, caller: &Caller, args: Value) -> Result<String, ToolError>;
}

/// The server: its tools and what they need.
pub struct MattermostMcp {
    pub infra: Infra,
    pub search: Option<Arc<dyn MessageSearch>>,
    tools: Vec<Arc<dyn ServerTool>>,
}

impl MattermostMcp {
    pub fn new(infra: Infra, search: Option<Arc<dyn MessageSearch>>) -> Self {
        MattermostMcp {
            infra,
            search,
            tools: catalogue(),
        }
    }

    pub fn tools(&self) -> &[Arc<dyn ServerTool>] {
        &self.tools
    }

    pub fn tool(&self, name: &str) -> Option<&Arc<dyn ServerTool>> {
        self.tools.iter().find(|t| t.name() == name)
    }

    pub fn caller(&self, user_id: &str, agent: Option<(crate::config::BotConfig, String)>) -> Caller {
        Caller {
            api: self.infra.api(),
            user_id: user_id.to_owned(),
            agent,
            snapshot: self.infra.snapshot(),
            server_config: self.infra.server().config,
            search: self.search.clone(),
        }
    }

    /// Whether external clients may connect: the switch and the license (MCP is a licensed
    /// feature, as the admin guide lists it).
    pub fn http_enabled(&self) -> bool {
        let snap = self.infra.snapshot();
        snap.effective.config.mcp.enable_plugin_server && snap.entitlements.mcp
    }

    /// Whether agents get these tools: MCP on, the embedded server on, and licensed.
    pub fn embedded_enabled(&self) -> bool {
        let snap = self.infra.snapshot();
        let mcp = &snap.effective.config.mcp;
        mcp.enabled && mcp.embedded_server.enabled && snap.entitlements.mcp
    }
}

fn catalogue() -> Vec<Arc<dyn ServerTool>> {
    vec![
        Arc::new(posts::ReadPost),
        Arc::new(posts::ReadChannel),
        Arc::new(posts::SearchPosts),
        Arc::new(posts::CreatePost),
        Arc::new(posts::DirectMessage),
        Arc::new(posts::GroupMessage),
        Arc::new(channels::CreateChannel),
        Arc::new(channels::GetChannelInfo),
        Arc::new(channels::GetChannelMembers),
        Arc::new(channels::AddUserToChannel),
        Arc::new(channels::GetUserChannels),
        Arc::new(teams::GetTeamInfo),
        Arc::new(teams::GetTeamMembers),
        Arc::new(users::SearchUsers),
        Arc::new(agents::ListAgents),
    ]
}

/// Decodes a tool's arguments, naming what is wrong.
pub fn parse<T: DeserializeOwned>(args: Value) -> Result<T, ToolError> {
    let args = match args {
        Value::Null => Value::Object(Map::new()),
        v => v,
    };
    serde_json::from_value(args).map_err(|e| ToolError::Arguments(e.to_string()))
}

/// A page size within 1..=100, `default` when absent.
pub fn limit(v: Option<i64>, default: i64) -> Result<i64, ToolError> {
    match v {
        None => Ok(default),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ToolError::Arguments("limit must be between 1 and 100".into())),
    }
}

/// Mattermost ids are 26 lowercase letters and digits; anything else is refused before it
/// reaches the server.
pub fn id(field: &str, v: &str) -> Result<String, ToolError> {
    let v = v.trim();
    if v.len() == 26 && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        Ok(v.to_owned())
    } else {
        Err(ToolError::Arguments(format!("{field} is not a Mattermost id")))
    }
}

/// An object schema from its properties and required names.
pub fn object_schema(properties: Value, required: &[&str]) -> Value {
    serde_json::json!({"type": "object", "properties": properties, "required": required})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_limits_are_checked() {
        assert!(id("post_id", "abcdefghijklmnopqrstuvwxyz").is_ok());
        assert!(id("post_id", "ABCDEFGHIJKLMNOPQRSTUVWXYZ").is_err());
        assert!(id("post_id", "../etc").is_err());
        assert_eq!(limit(None, 20).ok(), Some(20));
        assert!(limit(Some(0), 20).is_err());
        assert!(limit(Some(101), 20).is_err());
    }

    #[test]
    fn every_tool_has_an_object_schema_and_a_unique_name() {
        let tools = catalogue();
        let mut names: Vec<_> = tools.iter().map(|t| t.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), tools.len());
        for t in &tools {
            assert_eq!(t.schema()["type"], "object", "{}", t.name());
            assert!(!t.description().is_empty());
        }
    }
}

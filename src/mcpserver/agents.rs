//! `list_agents`: the agents the caller may use.

use serde_json::{Value, json};

use super::{Caller, ServerTool, object_schema};
use crate::agents::access::check_user;
use crate::answer::tools::ToolError;

pub struct ListAgents;

#[async_trait::async_trait]
impl ServerTool for ListAgents {
    fn name(&self) -> &'static str {
        "list_agents"
    }
    fn description(&self) -> &'static str {
        "List the AI agents the user may talk to: their usernames, display names and what they run on."
    }
    fn schema(&self) -> Value {
        object_schema(json!({}), &[])
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, _args: Value) -> Result<String, ToolError> {
        let snap = &c.snapshot;
        let mut lines = Vec::new();
        for agent in snap.agents() {
            let Some(bot_id) = snap.bot_ids.get(&agent.name) else {
                continue;
            };
            if check_user(c.api.as_ref(), agent, &c.user_id).await.is_err() {
                continue;
            }
            let service = snap
                .effective
                .service_for(agent)
                .map(|s| crate::config::service_type::display_name(&s.service_type).to_owned())
                .unwrap_or_default();
            lines.push(format!(
                "- @{} ({}, user id {bot_id}){}",
                agent.name,
                agent.display_name,
                if service.is_empty() {
                    String::new()
                } else {
                    format!(", runs on {service}")
                }
            ));
        }
        if lines.is_empty() {
            return Ok("No agents are available to you.".into());
        }
        Ok(lines.join("\n"))
    }
}

//! SearchServer: semantic search over the messages the caller can read, for agents, when
//! search is set up.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Search;
use super::store::Filter;
use crate::answer::tools::{Tool, ToolContext, ToolError, str_arg};
use crate::llm::ToolSpec;

pub struct SearchServer(pub Arc<Search>);

#[async_trait::async_trait]
impl Tool for SearchServer {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "SearchServer".into(),
            description: "Search the Mattermost messages the user can read, by meaning. Returns the best matches with channel and author.".into(),
            parameters: json!({
                "type": "object",
                "properties": {"query": {"type": "string", "description": "What to look for, in plain words"}},
                "required": ["query"],
            }),
        }
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError> {
        let query = str_arg(&args, "query")?;
        let results = self
            .0
            .search(
                ctx.api.as_ref(),
                &ctx.user_id,
                Some((&ctx.bot, &ctx.bot_user_id)),
                query,
                &Filter::default(),
                super::DEFAULT_RESULTS,
            )
            .await
            .map_err(|e| ToolError::Failed(e.for_user()))?;
        if results.is_empty() {
            return Ok("No messages match.".into());
        }
        Ok(results
            .iter()
            .enumerate()
            .map(|(i, r)| format!("[{}] {}, @{}: {}", i + 1, r.channel_name, r.username, r.content))
            .collect::<Vec<_>>()
            .join("\n\n"))
    }
}

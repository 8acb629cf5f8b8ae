//! The server's tools for agents, in-process: no HTTP hop and no session, the same tools and
//! checks, offered through the same approval flow as every other tool.

use std::sync::Arc;

use serde_json::Value;

use super::{MattermostMcp, ServerTool};
use crate::answer::tools::{Tool, ToolContext, ToolError, ToolOrigin, ToolProvider};
use crate::llm::ToolSpec;
use plugin_runtime::host::MattermostApi;

pub struct EmbeddedTools(pub Arc<MattermostMcp>);

#[async_trait::async_trait]
impl ToolProvider for EmbeddedTools {
    async fn tools_for(&self, _api: &dyn MattermostApi, _user_id: &str) -> Vec<Arc<dyn Tool>> {
        if !self.0.embedded_enabled() {
            return Vec::new();
        }
        self.0
            .tools()
            .iter()
            .map(|t| {
                Arc::new(EmbeddedTool {
                    server: self.0.clone(),
                    tool: t.clone(),
                }) as Arc<dyn Tool>
            })
            .collect()
    }
}

struct EmbeddedTool {
    server: Arc<MattermostMcp>,
    tool: Arc<dyn ServerTool>,
}

#[async_trait::async_trait]
impl Tool for EmbeddedTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.tool.name().into(),
            description: self.tool.description().into(),
            parameters: self.tool.schema(),
        }
    }

    fn origin(&self) -> ToolOrigin {
        ToolOrigin::Embedded
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError> {
        // The switch is read again at run time: turned off after the offer, nothing runs.
        if !self.server.embedded_enabled() {
            return Err(ToolError::Denied("the Mattermost tools are turned off".into()));
        }
        let mut caller = self
            .server
            .caller(&ctx.user_id, Some((ctx.bot.clone(), ctx.bot_user_id.clone())));
        caller.api = ctx.api.clone();
        self.tool.call(&caller, args).await
    }
}

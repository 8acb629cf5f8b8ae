//! What a tool is to an answer: the `Tool` trait, who runs it (`ToolContext`), the
//! `ToolProvider` capability a feature offers tools through (built-ins, semantic search, MCP
//! servers), and running one call with its result capped. Which tools exist is not decided
//! here: the composition root hands conversations one provider.

use std::sync::Arc;

use serde_json::Value;

pub use super::policy::ToolOrigin;
use crate::i18n::Locale;
use crate::llm::ToolSpec;
use crate::outbound::OutboundClient;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::ServerConfig;

/// Offers tools for one user's conversation.
#[async_trait::async_trait]
pub trait ToolProvider: Send + Sync {
    async fn tools_for(&self, api: &dyn MattermostApi, user_id: &str) -> Vec<Arc<dyn Tool>>;

    /// What the user should do so more tools become available (Markdown lines, e.g. "connect
    /// your account to …", in the user's `locale`), said once in a while by the conversation
    /// that offers the tools.
    async fn notices(&self, _api: &dyn MattermostApi, _user_id: &str, _locale: &Locale) -> Vec<String> {
        Vec::new()
    }
}

/// A tool result is cut here: the model needs the gist, not megabytes.
pub const MAX_RESULT_CHARS: usize = 20_000;

/// Who runs a tool, and with what.
pub struct ToolContext {
    pub api: Arc<dyn MattermostApi>,
    pub outbound: OutboundClient,
    /// The user who approved the call; tools act with their permissions.
    pub user_id: String,
    /// The agent whose call this is: its restrictions (channels) bound what tools return.
    pub bot: crate::config::BotConfig,
    pub bot_user_id: String,
    pub server_config: ServerConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("invalid arguments: {0}")]
    Arguments(String),
    #[error("{0}")]
    Denied(String),
    #[error("{0}")]
    Failed(String),
}

#[async_trait::async_trait]
pub trait Tool: Send + Sync {
    fn spec(&self) -> ToolSpec;
    /// Which admin policies govern it (`super::policy`).
    fn origin(&self) -> ToolOrigin {
        ToolOrigin::Builtin
    }
    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError>;
}

/// Runs the named tool, turning every failure into a result the model can read.
pub async fn run(
    tools: &[Arc<dyn Tool>],
    ctx: &ToolContext,
    name: &str,
    arguments: &str,
) -> Result<String, String> {
    let Some(tool) = tools.iter().find(|t| t.spec().name == name) else {
        return Err(format!("there is no tool named {name}"));
    };
    let args: Value =
        serde_json::from_str(arguments).map_err(|e| format!("the arguments are not JSON: {e}"))?;
    match tool.run(ctx, args).await {
        Ok(mut out) => {
            if out.chars().count() > MAX_RESULT_CHARS {
                out = out.chars().take(MAX_RESULT_CHARS).collect::<String>() + "\n[…truncated]";
            }
            Ok(out)
        }
        // An error text comes from a server too: capped like a result.
        Err(e) => Err(e.to_string().chars().take(MAX_RESULT_CHARS).collect()),
    }
}

/// Arguments as the approval card shows them: control and bidirectional-formatting characters
/// become visible `[U+XXXX]` so a model cannot hide text from the user who approves.
pub fn sanitize_for_display(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF);
        if (c.is_control() && c != '\n' && c != '\t') || bidi {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `sanitize_for_display` over every string in a JSON value.
pub fn sanitize_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(sanitize_for_display(s)),
        Value::Array(a) => Value::Array(a.iter().map(sanitize_value).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (sanitize_for_display(k), sanitize_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A string argument, required.
pub fn str_arg<'a>(args: &'a Value, name: &str) -> Result<&'a str, ToolError> {
    args.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ToolError::Arguments(format!("{name} is required")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_become_visible() {
        assert_eq!(sanitize_for_display("a\u{202E}b\u{0007}c"), "a[U+202E]b[U+0007]c");
        assert_eq!(sanitize_for_display("line\nnext"), "line\nnext");
        let v = sanitize_value(&serde_json::json!({"k": ["x\u{200B}"]}));
        assert_eq!(v["k"][0], "x[U+200B]");
    }
}

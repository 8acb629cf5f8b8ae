//! Talking to language models: one provider-neutral request and event stream, and one
//! implementation per wire format. Providers never see Mattermost types; conversations never
//! see a wire format.

pub mod anthropic;
pub mod asksage;
pub mod bedrock;
pub mod budget;
pub mod embeddings;
pub mod error;
pub mod factory;
pub mod gemini;
pub mod google_auth;
pub mod models;
pub mod openai;
pub mod responses;
pub mod sse;
pub mod tokens;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

pub use error::{ErrorClass, LlmError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Image { mime: String, data: Vec<u8> },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as the model wrote them (a JSON object, as text).
    pub arguments: String,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
    /// Calls an assistant turn made.
    pub tool_calls: Vec<ToolCall>,
    /// For a tool turn: which call this is the result of.
    pub tool_call_id: Option<String>,
    /// The model's signed reasoning from an earlier assistant turn, replayed verbatim where the
    /// provider requires it (Anthropic, before tool use).
    pub thinking: Option<Thinking>,
}

/// A reasoning block as the provider returned it, signature included.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Thinking {
    pub text: String,
    pub signature: String,
}

impl Message {
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Message {
            role,
            parts: vec![Part::Text(text.into())],
            tool_calls: Vec::new(),
            tool_call_id: None,
            thinking: None,
        }
    }

    pub fn tool_result(call_id: impl Into<String>, result: impl Into<String>) -> Self {
        Message {
            role: Role::Tool,
            parts: vec![Part::Text(result.into())],
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.into()),
            thinking: None,
        }
    }

    /// The turn's text, parts joined.
    pub fn joined_text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Image { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments.
    pub parameters: Value,
}

/// How hard a reasoning model thinks (OpenAI's `reasoning.effort`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Effort {
    Minimal,
    Low,
    #[default]
    Medium,
    High,
}

impl Effort {
    /// The agent's `reasoningEffort`; anything unknown is the default.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "minimal" => Effort::Minimal,
            "low" => Effort::Low,
            "high" => Effort::High,
            _ => Effort::Medium,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Minimal => "minimal",
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }
}

/// Extended reasoning, where the provider and model offer it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReasoningOptions {
    /// Anthropic's thinking budget in tokens (0 = a quarter of the output limit, capped 8192).
    pub budget_tokens: u32,
    /// OpenAI Responses API effort.
    pub effort: Effort,
}

/// A web-search citation, with upstream's field names (post prop `annotations`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// Always "url_citation".
    #[serde(rename = "type")]
    pub kind: String,
    pub start_index: usize,
    pub end_index: usize,
    pub url: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cited_text: String,
    /// 1-based position among the answer's citations.
    pub index: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    pub messages: Vec<Message>,
    /// Empty means the service's default model.
    pub model: String,
    pub max_output_tokens: Option<u32>,
    pub tools: Vec<ToolSpec>,
    /// Sent as the provider's end-user identifier when the service has "send user ID" on.
    pub user_id: Option<String>,
    /// Ask for JSON matching this schema.
    pub json_schema: Option<Value>,
    pub reasoning: Option<ReasoningOptions>,
    /// The provider's own web search tool (OpenAI Responses, Anthropic), when the agent enables it.
    pub web_search: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    /// The answer hit the output token limit.
    Length,
    /// The model wants tools run before it continues.
    ToolCalls,
    ContentFilter,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Text(String),
    Reasoning(String),
    /// A finished reasoning block, to store with the answer and replay on the next turn.
    Thinking(Thinking),
    ToolCalls(Vec<ToolCall>),
    /// Citations of the answer's text, each with its offsets in the text streamed so far.
    Annotations(Vec<Annotation>),
    Usage(Usage),
    /// The last event of a successful stream.
    End(FinishReason),
    /// The last event of a failed stream; text already delivered stays valid.
    Error(LlmError),
    /// What follows comes from another service than the one asked (its fallback): sent once,
    /// before any other event of that service, so the answer can say who answered and its
    /// usage is counted for that service.
    AnsweredBy(Answerer),
}

/// A service and model that answered in place of the one asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answerer {
    pub service_id: String,
    /// The name admins gave the service (its id when it has none).
    pub service_name: String,
    pub service_type: String,
    pub model: String,
}

/// A stream of events; dropping it cancels the upstream request.
pub type EventStream = mpsc::Receiver<Event>;

/// How long a stream may wait for a provider's first byte (a model may think a while first).
pub const FIRST_BYTE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The longest silence between two chunks of a stream: the service's
/// `streamingTimeoutSeconds` when set, else `default_secs`.
pub fn chunk_timeout(service_seconds: i64, default_secs: u64) -> std::time::Duration {
    std::time::Duration::from_secs(
        u64::try_from(service_seconds)
            .ok()
            .filter(|v| *v > 0)
            .unwrap_or(default_secs),
    )
}

#[async_trait::async_trait]
pub trait LanguageModel: Send + Sync {
    /// Starts a streamed completion. Failures before the first byte come back here; later ones
    /// arrive as a final `Event::Error`.
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError>;
}

/// Collects a whole answer, for callers that do not stream (titles, tests).
pub async fn collect(
    mut s: EventStream,
) -> (
    String,
    Vec<ToolCall>,
    Option<Usage>,
    Result<FinishReason, LlmError>,
) {
    let (mut text, mut calls, mut usage) = (String::new(), Vec::new(), None);
    while let Some(ev) = s.recv().await {
        match ev {
            Event::Text(t) => text.push_str(&t),
            Event::Reasoning(_) | Event::Thinking(_) | Event::Annotations(_) | Event::AnsweredBy(_) => {}
            Event::ToolCalls(c) => calls.extend(c),
            Event::Usage(u) => usage = Some(u),
            Event::End(r) => return (text, calls, usage, Ok(r)),
            Event::Error(e) => return (text, calls, usage, Err(e)),
        }
    }
    (
        text,
        calls,
        usage,
        Err(LlmError::new(
            ErrorClass::Malformed,
            "the stream ended without an end event",
        )),
    )
}

/// Turns texts into vectors, for semantic search.
#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    /// One vector per input, in order.
    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, LlmError>;
    /// The vectors' length.
    fn dimensions(&self) -> usize;
}

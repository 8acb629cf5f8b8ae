//! The OpenAI Chat Completions wire format, spoken by OpenAI, Azure OpenAI, OpenAI-compatible
//! servers, Cohere's and Mistral's compatibility endpoints. Streams with SSE.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::sse::{Read, SseReader};
use super::{
    ErrorClass, Event, EventStream, FinishReason, LlmError, Message, Part, Request, Role, ToolCall, Usage,
};
use crate::config::{ServiceConfig, service_type};
use crate::outbound::{OutboundClient, Trust};

const AZURE_API_VERSION: &str = "2025-04-01-preview";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    OpenAi,
    Azure,
    Compatible,
    Cohere,
    Mistral,
}

/// An OpenAI-family service as configured: where to send, how to authenticate, and limits.
/// Shared by Chat Completions and the Responses API.
pub struct Endpoint {
    pub flavor: Flavor,
    pub base_url: String,
    api_key: String,
    org_id: String,
    pub default_model: String,
    pub send_user_id: bool,
    pub output_limit: Option<u32>,
    /// Inter-chunk inactivity limit (`streamingTimeoutSeconds`, default 30 s).
    pub chunk_timeout: Duration,
    /// Until the first byte of the answer.
    pub first_byte_timeout: Duration,
}

impl Endpoint {
    pub fn from_service(s: &ServiceConfig) -> Result<Self, LlmError> {
        let flavor = match s.service_type.as_str() {
            service_type::OPENAI => Flavor::OpenAi,
            service_type::AZURE => Flavor::Azure,
            service_type::OPENAI_COMPATIBLE => Flavor::Compatible,
            service_type::COHERE => Flavor::Cohere,
            service_type::MISTRAL => Flavor::Mistral,
            other => {
                return Err(LlmError::new(
                    ErrorClass::BadRequest,
                    format!("{other} does not speak the OpenAI API"),
                ));
            }
        };
        let configured = s.api_url.trim().trim_end_matches('/').to_owned();
        let base_url = match (flavor, configured.is_empty()) {
            (_, false) => configured,
            (Flavor::OpenAi, true) => "https://api.openai.com/v1".into(),
            (Flavor::Cohere, true) => "https://api.cohere.ai/compatibility/v1".into(),
            (Flavor::Mistral, true) => "https://api.mistral.ai/v1".into(),
            (Flavor::Azure | Flavor::Compatible, true) => {
                return Err(LlmError::new(
                    ErrorClass::BadRequest,
                    "this service type needs an API URL",
                ));
            }
        };
        Ok(Endpoint {
            flavor,
            base_url,
            api_key: s.api_key.clone(),
            org_id: s.org_id.clone(),
            default_model: s.default_model.clone(),
            // Neither Mistral nor Cohere's compatibility API takes `user`.
            send_user_id: s.send_user_id && !matches!(flavor, Flavor::Mistral | Flavor::Cohere),
            output_limit: u32::try_from(s.output_token_limit).ok().filter(|v| *v > 0),
            chunk_timeout: super::chunk_timeout(s.streaming_timeout_seconds, 30),
            first_byte_timeout: super::FIRST_BYTE_TIMEOUT,
        })
    }

    /// Whether an Azure endpoint was given with the v1 API path already on it.
    pub fn azure_v1(&self) -> bool {
        self.base_url.ends_with("/openai/v1")
    }

    /// The request's model, else the service's default.
    pub fn model<'a>(&'a self, r: &'a Request) -> &'a str {
        if r.model.is_empty() {
            &self.default_model
        } else {
            &r.model
        }
    }

    /// Azure's `api-key`, a bearer token elsewhere (none for keyless local servers), and
    /// OpenAI's organization header.
    pub fn authorize(&self, req: crate::outbound::OutboundRequest) -> crate::outbound::OutboundRequest {
        let req = match self.flavor {
            Flavor::Azure => req.header("api-key", &self.api_key),
            _ if self.api_key.is_empty() => req,
            _ => req.bearer_auth(&self.api_key),
        };
        if self.flavor == Flavor::OpenAi && !self.org_id.is_empty() {
            req.header("OpenAI-Organization", &self.org_id)
        } else {
            req
        }
    }
}

pub struct ChatCompletions {
    http: OutboundClient,
    ep: Endpoint,
    /// Some compatible servers reject `stream_options`; learnt once, then left out.
    skip_stream_options: AtomicBool,
    /// Some compatible servers (or their models) reject tools; learnt once, then left out.
    skip_tools: AtomicBool,
}

impl ChatCompletions {
    pub fn from_service(s: &ServiceConfig, http: OutboundClient) -> Result<Self, LlmError> {
        let ep = Endpoint::from_service(s)?;
        Ok(ChatCompletions {
            http,
            // Documented as unsupported there; usage is then counted locally.
            skip_stream_options: AtomicBool::new(matches!(ep.flavor, Flavor::Mistral | Flavor::Cohere)),
            skip_tools: AtomicBool::new(false),
            ep,
        })
    }

    /// Shorter limits, for tests of the timeout paths.
    pub fn with_timeouts(mut self, first_byte: Duration, chunk: Duration) -> Self {
        self.ep.first_byte_timeout = first_byte;
        self.ep.chunk_timeout = chunk;
        self
    }

    fn url(&self, model: &str) -> String {
        match self.ep.flavor {
            // An endpoint given as `…/openai/v1` is Azure's v1 API: the model goes in the body.
            Flavor::Azure if self.ep.azure_v1() => format!("{}/chat/completions", self.ep.base_url),
            Flavor::Azure => format!(
                "{}/openai/deployments/{model}/chat/completions?api-version={AZURE_API_VERSION}",
                self.ep.base_url
            ),
            _ => format!("{}/chat/completions", self.ep.base_url),
        }
    }

    pub fn body(&self, r: &Request, stream_options: bool) -> Value {
        let model = self.ep.model(r);
        let mut body = json!({
            "model": model,
            "messages": r.messages.iter().map(message_json).collect::<Vec<_>>(),
            "stream": true,
        });
        let limit = r.max_output_tokens.or(self.ep.output_limit);
        if let Some(limit) = limit {
            // OpenAI replaced max_tokens with max_completion_tokens; other servers kept it.
            let key = if matches!(self.ep.flavor, Flavor::OpenAi | Flavor::Azure) {
                "max_completion_tokens"
            } else {
                "max_tokens"
            };
            body[key] = json!(limit);
        }
        if stream_options {
            body["stream_options"] = json!({"include_usage": true});
        }
        if !r.tools.is_empty() && !self.skip_tools.load(Ordering::Relaxed) {
            body["tools"] = r
                .tools
                .iter()
                .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
                .collect();
        }
        if self.ep.send_user_id
            && let Some(u) = &r.user_id
        {
            body["user"] = json!(u);
        }
        if let Some(schema) = &r.json_schema {
            body["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "output", "strict": true, "schema": schema}});
        }
        body
    }

    async fn send(&self, r: &Request) -> Result<reqwest::Response, LlmError> {
        let model = self.ep.model(r).to_owned();
        // At most one retry per thing a server can refuse (stream_options, tools).
        for _ in 0..3 {
            let with_options = !self.skip_stream_options.load(Ordering::Relaxed);
            let with_tools = !r.tools.is_empty() && !self.skip_tools.load(Ordering::Relaxed);
            // Admin-configured endpoints: the allowlist applies, the private-address guard
            // does not (local model servers are a normal setup).
            let mut req = self
                .http
                .post(Trust::Configured, &self.url(&model))
                .map_err(|e| LlmError::from(&e))?
                .json(&self.body(r, with_options));
            req = self.ep.authorize(req);
            let resp = super::error::send_within(req, self.ep.first_byte_timeout).await?;
            if resp.status().is_success() {
                return Ok(resp);
            }
            let status = resp.status().as_u16();
            let retry_after = super::error::retry_after(resp.headers());
            let text = crate::outbound::error_text(resp).await;
            // Servers that do not know stream_options say so in a 400; ask once more without.
            if with_options && status == 400 && text.contains("stream_options") {
                self.skip_stream_options.store(true, Ordering::Relaxed);
                tracing::info!(
                    "the OpenAI-compatible server rejects stream_options; continuing without usage in the stream"
                );
                continue;
            }
            // Local servers often serve models without function calling; answer without tools.
            if with_tools && (status == 400 || status == 422) && rejects_tools(&text) {
                self.skip_tools.store(true, Ordering::Relaxed);
                tracing::info!(
                    "the OpenAI-compatible server rejects tools; this service answers without them"
                );
                continue;
            }
            return Err(LlmError::from_status(status, &text, retry_after));
        }
        Err(LlmError::new(
            ErrorClass::BadRequest,
            "the server kept rejecting the request",
        ))
    }
}

/// Whether an error body says the server or model cannot take tools.
fn rejects_tools(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    (b.contains("tool") || b.contains("function"))
        && (b.contains("not support")
            || b.contains("unsupported")
            || b.contains("not allowed")
            || b.contains("unrecognized")
            || b.contains("unknown")
            || b.contains("does not accept"))
}

fn message_json(m: &Message) -> Value {
    let role = match m.role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
        Role::Tool => "tool",
    };
    let has_image = m.parts.iter().any(|p| matches!(p, Part::Image { .. }));
    let content = if has_image {
        Value::Array(
            m.parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => json!({"type": "text", "text": t}),
                    Part::Image { mime, data } => json!({"type": "image_url", "image_url": {"url": format!(
                        "data:{mime};base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(data)
                    )}}),
                })
                .collect(),
        )
    } else {
        Value::String(m.joined_text())
    };
    let mut out = json!({"role": role, "content": content});
    if !m.tool_calls.is_empty() {
        out["tool_calls"] = m
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            .collect();
    }
    if let Some(id) = &m.tool_call_id {
        out["tool_call_id"] = json!(id);
    }
    out
}

#[async_trait::async_trait]
impl super::LanguageModel for ChatCompletions {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let resp = self.send(request).await?;
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(pump(SseReader::new(resp, self.ep.chunk_timeout), tx));
        Ok(rx)
    }
}

/// Reads the SSE body into events until `[DONE]`, an error, or the receiver going away (which
/// drops the response and so closes the upstream request).
async fn pump(mut reader: SseReader, tx: mpsc::Sender<Event>) {
    let mut calls: BTreeMap<u64, ToolCall> = BTreeMap::new();
    let mut finish: Option<FinishReason> = None;
    let mut usage: Option<Usage> = None;
    loop {
        let events = match reader.next().await {
            Read::Failed(e) => {
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
            Read::Ended(tail) => {
                if let Some(ev) = tail
                    && handle(&ev.data, &tx, &mut calls, &mut finish, &mut usage)
                        .await
                        .is_err()
                {
                    return;
                }
                // Ended without [DONE]: fine if the model had finished, else a cut stream.
                match finish {
                    Some(f) => {
                        let _ = end(&tx, f, &mut calls, usage).await;
                    }
                    None => {
                        let _ = tx
                            .send(Event::Error(LlmError::new(
                                ErrorClass::Unavailable,
                                "the stream ended before the answer was complete",
                            )))
                            .await;
                    }
                }
                return;
            }
            Read::Events(evs) => evs,
        };
        for ev in events {
            if ev.data.trim() == "[DONE]" {
                let _ = end(&tx, finish.unwrap_or(FinishReason::Stop), &mut calls, usage).await;
                return;
            }
            match handle(&ev.data, &tx, &mut calls, &mut finish, &mut usage).await {
                Ok(()) => {}
                Err(()) => return,
            }
        }
    }
}

async fn end(
    tx: &mpsc::Sender<Event>,
    finish: FinishReason,
    calls: &mut BTreeMap<u64, ToolCall>,
    usage: Option<Usage>,
) -> Result<(), ()> {
    if !calls.is_empty() {
        let list: Vec<ToolCall> = std::mem::take(calls).into_values().collect();
        tx.send(Event::ToolCalls(list)).await.map_err(|_| ())?;
    }
    if let Some(u) = usage {
        tx.send(Event::Usage(u)).await.map_err(|_| ())?;
    }
    tx.send(Event::End(finish)).await.map_err(|_| ())
}

/// One `data:` payload. `Err` means stop (receiver gone or a fatal error already sent).
async fn handle(
    data: &str,
    tx: &mpsc::Sender<Event>,
    calls: &mut BTreeMap<u64, ToolCall>,
    finish: &mut Option<FinishReason>,
    usage: &mut Option<Usage>,
) -> Result<(), ()> {
    let v: Value = match serde_json::from_str(data) {
        Ok(v) => v,
        Err(e) => {
            let shown: String = data.chars().take(200).collect();
            let _ = tx
                .send(Event::Error(LlmError::new(
                    ErrorClass::Malformed,
                    format!("unreadable event ({e}): {shown}"),
                )))
                .await;
            return Err(());
        }
    };
    if let Some(err) = v.get("error") {
        let _ = tx
            .send(Event::Error(LlmError::from_status(500, &err.to_string(), None)))
            .await;
        return Err(());
    }
    if let Some(u) = v.get("usage").filter(|u| !u.is_null()) {
        *usage = Some(Usage {
            input_tokens: u["prompt_tokens"].as_u64().unwrap_or(0),
            output_tokens: u["completion_tokens"].as_u64().unwrap_or(0),
        });
    }
    let Some(choice) = v.get("choices").and_then(|c| c.get(0)) else {
        return Ok(());
    };
    let delta = &choice["delta"];
    if let Some(t) = delta["content"].as_str().filter(|t| !t.is_empty()) {
        tx.send(Event::Text(t.to_owned())).await.map_err(|_| ())?;
    }
    // Reasoning models behind compatible servers stream their thoughts here.
    if let Some(t) = delta["reasoning_content"]
        .as_str()
        .or(delta["reasoning"].as_str())
        .filter(|t| !t.is_empty())
    {
        tx.send(Event::Reasoning(t.to_owned())).await.map_err(|_| ())?;
    }
    if let Some(list) = delta["tool_calls"].as_array() {
        for c in list {
            let index = c["index"].as_u64().unwrap_or(calls.len() as u64);
            let entry = calls.entry(index).or_default();
            if let Some(id) = c["id"].as_str() {
                entry.id = id.to_owned();
            }
            if let Some(name) = c["function"]["name"].as_str() {
                entry.name.push_str(name);
            }
            if let Some(args) = c["function"]["arguments"].as_str() {
                entry.arguments.push_str(args);
            }
        }
    }
    if let Some(reason) = choice["finish_reason"].as_str() {
        *finish = Some(match reason {
            "length" => FinishReason::Length,
            "tool_calls" | "function_call" => FinishReason::ToolCalls,
            "content_filter" => FinishReason::ContentFilter,
            _ => FinishReason::Stop,
        });
    }
    Ok(())
}

//! OpenAI's Responses API (`useResponsesAPI`): reasoning effort with streamed reasoning
//! summaries, the native web search tool with URL citations, function tools, images, and
//! `safety_identifier` as the end-user id. Served by OpenAI, Azure OpenAI and compatible
//! servers that implement it.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::openai::{Endpoint, Flavor};
use super::sse::{Read, SseEvent, SseReader};
use super::{
    Annotation, ErrorClass, Event, EventStream, FinishReason, LlmError, Message, Part, Request, Role,
    ToolCall, Usage,
};
use crate::config::ServiceConfig;
use crate::outbound::{OutboundClient, Trust};

pub struct Responses {
    http: OutboundClient,
    ep: Endpoint,
}

impl Responses {
    pub fn from_service(s: &ServiceConfig, http: OutboundClient) -> Result<Self, LlmError> {
        Ok(Responses {
            http,
            ep: Endpoint::from_service(s)?,
        })
    }

    pub fn with_timeouts(mut self, first_byte: std::time::Duration, chunk: std::time::Duration) -> Self {
        self.ep.first_byte_timeout = first_byte;
        self.ep.chunk_timeout = chunk;
        self
    }

    fn url(&self) -> String {
        match self.ep.flavor {
            // Azure's v1 API serves the Responses API without an api-version.
            Flavor::Azure if self.ep.azure_v1() => format!("{}/responses", self.ep.base_url),
            Flavor::Azure => format!("{}/openai/v1/responses", self.ep.base_url),
            _ => format!("{}/responses", self.ep.base_url),
        }
    }

    pub fn body(&self, r: &Request) -> Value {
        let instructions: Vec<String> = r
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.joined_text())
            .collect();
        let input: Vec<Value> = r
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .flat_map(items)
            .collect();
        let mut body = json!({
            "model": self.ep.model(r),
            "input": input,
            "stream": true,
            // Conversations live in Mattermost; nothing needs keeping at OpenAI.
            "store": false,
        });
        if !instructions.is_empty() {
            body["instructions"] = json!(instructions.join("\n\n"));
        }
        if let Some(limit) = r.max_output_tokens.or(self.ep.output_limit) {
            body["max_output_tokens"] = json!(limit);
        }
        let mut tools: Vec<Value> = r
            .tools
            .iter()
            .map(|t| json!({"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters}))
            .collect();
        if r.web_search {
            // The tool's current name in OpenAI's reference ("web_search_preview" was its
            // name during the preview).
            tools.push(json!({"type": "web_search"}));
        }
        if !tools.is_empty() {
            body["tools"] = Value::Array(tools);
        }
        if let Some(reasoning) = &r.reasoning {
            body["reasoning"] = json!({"effort": reasoning.effort.as_str(), "summary": "auto"});
        }
        if self.ep.send_user_id
            && let Some(u) = &r.user_id
        {
            body["safety_identifier"] = json!(u);
        }
        if let Some(schema) = &r.json_schema {
            body["text"] = json!({"format": {"type": "json_schema", "name": "output", "strict": true, "schema": schema}});
        }
        body
    }
}

/// One turn as Responses input items: a message, then any function calls it made; a tool
/// turn becomes a function call output.
fn items(m: &Message) -> Vec<Value> {
    if m.role == Role::Tool {
        return vec![json!({
            "type": "function_call_output",
            "call_id": m.tool_call_id.clone().unwrap_or_default(),
            "output": m.joined_text(),
        })];
    }
    let assistant = m.role == Role::Assistant;
    let content: Vec<Value> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) if t.is_empty() => None,
            Part::Text(t) if assistant => Some(json!({"type": "output_text", "text": t})),
            Part::Text(t) => Some(json!({"type": "input_text", "text": t})),
            Part::Image { .. } if assistant => None,
            Part::Image { mime, data } => Some(json!({"type": "input_image", "image_url": format!(
                "data:{mime};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(data)
            )})),
        })
        .collect();
    let mut out = Vec::new();
    if !content.is_empty() {
        out.push(json!({"role": if assistant { "assistant" } else { "user" }, "content": content}));
    }
    for c in &m.tool_calls {
        out.push(json!({"type": "function_call", "call_id": c.id, "name": c.name, "arguments": c.arguments}));
    }
    out
}

#[async_trait::async_trait]
impl super::LanguageModel for Responses {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let req = self
            .http
            .post(Trust::Configured, &self.url())
            .map_err(|e| LlmError::from(&e))?
            .json(&self.body(request));
        let resp = super::error::send_within(self.ep.authorize(req), self.ep.first_byte_timeout).await?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let retry_after = super::error::retry_after(resp.headers());
            let text = crate::outbound::error_text(resp).await;
            return Err(LlmError::from_status(status, &text, retry_after));
        }
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(pump(SseReader::new(resp, self.ep.chunk_timeout), tx));
        Ok(rx)
    }
}

#[derive(Default)]
struct State {
    /// Function calls by output index.
    calls: BTreeMap<u64, ToolCall>,
    citations: usize,
    /// Characters of text streamed so far: citation offsets are relative to the message they
    /// are in, this makes them point into the whole answer.
    text_chars: usize,
    message_start: usize,
}

fn failed(v: &Value) -> LlmError {
    let err = v
        .pointer("/response/error")
        .or_else(|| v.get("error"))
        .unwrap_or(v);
    let code = err.get("code").and_then(Value::as_str).unwrap_or("");
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("the response failed");
    let detail = format!("{code}: {message}");
    let class = match code {
        "rate_limit_exceeded" | "insufficient_quota" => ErrorClass::RateLimited,
        "context_length_exceeded" => ErrorClass::ContextTooLong,
        "invalid_api_key" => ErrorClass::Authentication,
        "model_not_found" => ErrorClass::ModelNotFound,
        "server_error" | "" => ErrorClass::Unavailable,
        _ => ErrorClass::BadRequest,
    };
    LlmError::new(class, detail)
}

/// What one event means; `Some` is the stream's last event.
async fn handle(ev: &SseEvent, st: &mut State, tx: &mpsc::Sender<Event>) -> Result<Option<Event>, ()> {
    let v: Value = match serde_json::from_str(&ev.data) {
        Ok(v) => v,
        Err(_) => {
            let shown: String = ev.data.chars().take(200).collect();
            return Ok(Some(Event::Error(LlmError::new(
                ErrorClass::Malformed,
                format!("unreadable event: {shown}"),
            ))));
        }
    };
    let kind = v.get("type").and_then(Value::as_str).unwrap_or(ev.event.as_str());
    let send = |e: Event| async move { tx.send(e).await.map_err(|_| ()) };
    match kind {
        "response.output_text.delta" => {
            if let Some(d) = v.get("delta").and_then(Value::as_str) {
                st.text_chars += d.chars().count();
                send(Event::Text(d.to_owned())).await?;
            }
        }
        "response.reasoning_summary_text.delta" => {
            if let Some(d) = v.get("delta").and_then(Value::as_str) {
                send(Event::Reasoning(d.to_owned())).await?;
            }
        }
        "response.output_item.added" => {
            let item = &v["item"];
            match item.get("type").and_then(Value::as_str) {
                Some("function_call") => {
                    let index = v.get("output_index").and_then(Value::as_u64).unwrap_or(0);
                    st.calls.insert(
                        index,
                        ToolCall {
                            id: item
                                .get("call_id")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned(),
                            name: item.get("name").and_then(Value::as_str).unwrap_or("").to_owned(),
                            arguments: item
                                .get("arguments")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned(),
                        },
                    );
                }
                Some("message") => st.message_start = st.text_chars,
                _ => {}
            }
        }
        "response.function_call_arguments.delta" => {
            let index = v.get("output_index").and_then(Value::as_u64).unwrap_or(0);
            if let (Some(c), Some(d)) = (st.calls.get_mut(&index), v.get("delta").and_then(Value::as_str)) {
                c.arguments.push_str(d);
            }
        }
        "response.function_call_arguments.done" => {
            let index = v.get("output_index").and_then(Value::as_u64).unwrap_or(0);
            if let (Some(c), Some(a)) = (
                st.calls.get_mut(&index),
                v.get("arguments").and_then(Value::as_str),
            ) {
                c.arguments = a.to_owned();
            }
        }
        "response.output_text.annotation.added" => {
            let a = &v["annotation"];
            if a.get("type").and_then(Value::as_str) == Some("url_citation") {
                st.citations += 1;
                let at = |k: &str| a.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
                let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                let annotation = Annotation {
                    kind: "url_citation".into(),
                    start_index: st.message_start + at("start_index"),
                    end_index: st.message_start + at("end_index"),
                    url: s("url"),
                    title: s("title"),
                    cited_text: String::new(),
                    index: st.citations,
                };
                send(Event::Annotations(vec![annotation])).await?;
            }
        }
        "response.completed" | "response.incomplete" => {
            if let Some(u) = v.pointer("/response/usage") {
                let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
                send(Event::Usage(Usage {
                    input_tokens: n("input_tokens"),
                    output_tokens: n("output_tokens"),
                }))
                .await?;
            }
            let incomplete = v
                .pointer("/response/incomplete_details/reason")
                .and_then(Value::as_str);
            let reason = match incomplete {
                Some("max_output_tokens") => FinishReason::Length,
                Some("content_filter") => FinishReason::ContentFilter,
                _ if !st.calls.is_empty() => FinishReason::ToolCalls,
                _ => FinishReason::Stop,
            };
            if !st.calls.is_empty() {
                let calls: Vec<ToolCall> = std::mem::take(&mut st.calls).into_values().collect();
                send(Event::ToolCalls(calls)).await?;
            }
            return Ok(Some(Event::End(reason)));
        }
        "response.failed" | "error" => return Ok(Some(Event::Error(failed(&v)))),
        _ => {}
    }
    Ok(None)
}

async fn pump(mut reader: SseReader, tx: mpsc::Sender<Event>) {
    let mut st = State::default();
    loop {
        let events = match reader.next().await {
            Read::Events(evs) => evs,
            Read::Ended(last) => {
                if let Some(ev) = last
                    && let Ok(Some(final_event)) = handle(&ev, &mut st, &tx).await
                {
                    let _ = tx.send(final_event).await;
                    return;
                }
                let e = LlmError::new(
                    ErrorClass::Unavailable,
                    "the stream ended before the answer was complete",
                );
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
            Read::Failed(e) => {
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
        };
        for ev in events {
            match handle(&ev, &mut st, &tx).await {
                Ok(None) => {}
                Ok(Some(last)) => {
                    let _ = tx.send(last).await;
                    return;
                }
                Err(()) => return,
            }
        }
    }
}

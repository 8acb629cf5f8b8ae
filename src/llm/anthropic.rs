//! Anthropic's Messages API: text, tool use, images, extended thinking (with the signed
//! thinking block replayed on later turns) and usage, streamed with SSE.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::sse::{Read, SseReader};
use super::{
    Annotation, ErrorClass, Event, EventStream, FinishReason, LlmError, Message, Part, Request, Role,
    Thinking, ToolCall, Usage,
};
use crate::config::ServiceConfig;
use crate::outbound::{OutboundClient, Trust};

const API_VERSION: &str = "2023-06-01";
const DEFAULT_MAX_TOKENS: u32 = 8192;

pub struct Messages {
    http: OutboundClient,
    base_url: String,
    api_key: String,
    default_model: String,
    send_user_id: bool,
    output_limit: u32,
    chunk_timeout: Duration,
    first_byte_timeout: Duration,
}

impl Messages {
    pub fn from_service(s: &ServiceConfig, http: OutboundClient) -> Self {
        let url = s.api_url.trim().trim_end_matches('/');
        Messages {
            http,
            base_url: if url.is_empty() {
                "https://api.anthropic.com".into()
            } else {
                url.to_owned()
            },
            api_key: s.api_key.clone(),
            default_model: s.default_model.clone(),
            send_user_id: s.send_user_id,
            output_limit: u32::try_from(s.output_token_limit)
                .ok()
                .filter(|v| *v > 0)
                .unwrap_or(DEFAULT_MAX_TOKENS),
            chunk_timeout: super::chunk_timeout(s.streaming_timeout_seconds, 60),
            first_byte_timeout: super::FIRST_BYTE_TIMEOUT,
        }
    }

    pub fn with_timeouts(mut self, first_byte: Duration, chunk: Duration) -> Self {
        self.first_byte_timeout = first_byte;
        self.chunk_timeout = chunk;
        self
    }

    pub fn body(&self, r: &Request) -> Value {
        let model = if r.model.is_empty() {
            self.default_model.as_str()
        } else {
            r.model.as_str()
        };
        let max_tokens = r.max_output_tokens.unwrap_or(self.output_limit);
        let system: Vec<String> = r
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(Message::joined_text)
            .collect();
        let mut messages: Vec<Value> = Vec::new();
        for m in r.messages.iter().filter(|m| m.role != Role::System) {
            let (role, blocks) = blocks(m);
            // Consecutive turns of one role merge, as the API requires alternation (tool
            // results are user turns).
            match messages.last_mut() {
                Some(last) if last["role"] == role => {
                    if let Some(arr) = last["content"].as_array_mut() {
                        arr.extend(blocks);
                    }
                }
                _ => messages.push(json!({"role": role, "content": blocks})),
            }
        }
        let mut body =
            json!({"model": model, "max_tokens": max_tokens, "messages": messages, "stream": true});
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        let mut tools: Vec<Value> = r
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
            .collect();
        if r.web_search {
            // Anthropic's own server tool: searches run at Anthropic, results come back as
            // cited text, never as calls for us to run.
            tools.push(json!({"type": "web_search_20250305", "name": "web_search", "max_uses": 5}));
        }
        if !tools.is_empty() {
            body["tools"] = Value::Array(tools);
        }
        if let Some(reasoning) = r.reasoning {
            // The budget must be at least 1024 and below max_tokens; otherwise thinking is off.
            let budget = if reasoning.budget_tokens > 0 {
                reasoning.budget_tokens
            } else {
                (max_tokens / 4).min(8192)
            };
            let budget = budget.max(1024);
            if budget < max_tokens {
                body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
            }
        }
        if self.send_user_id
            && let Some(u) = &r.user_id
        {
            body["metadata"] = json!({"user_id": u});
        }
        body
    }
}

fn blocks(m: &Message) -> (&'static str, Vec<Value>) {
    let mut out = Vec::new();
    if m.role == Role::Tool {
        out.push(json!({"type": "tool_result", "tool_use_id": m.tool_call_id.clone().unwrap_or_default(), "content": m.joined_text()}));
        return ("user", out);
    }
    if let Some(t) = &m.thinking {
        out.push(json!({"type": "thinking", "thinking": t.text, "signature": t.signature}));
    }
    for p in &m.parts {
        match p {
            Part::Text(t) if !t.is_empty() => out.push(json!({"type": "text", "text": t})),
            Part::Text(_) => {}
            Part::Image { mime, data } => out.push(json!({"type": "image", "source": {
                "type": "base64", "media_type": mime, "data": base64::engine::general_purpose::STANDARD.encode(data)
            }})),
        }
    }
    for c in &m.tool_calls {
        let input: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
        out.push(json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}));
    }
    (
        if m.role == Role::Assistant {
            "assistant"
        } else {
            "user"
        },
        out,
    )
}

#[async_trait::async_trait]
impl super::LanguageModel for Messages {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let req = self
            .http
            .post(Trust::Configured, &format!("{}/v1/messages", self.base_url))
            .map_err(|e| LlmError::from(&e))?
            .header("x-api-key", &self.api_key)
            .header("anthropic-version", API_VERSION)
            .json(&self.body(request));
        let resp = super::error::send_within(req, self.first_byte_timeout).await?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let retry_after = super::error::retry_after(resp.headers());
            let text = crate::outbound::error_text(resp).await;
            // Anthropic reports overload as 529.
            return Err(LlmError::from_status(
                if status == 529 { 503 } else { status },
                &text,
                retry_after,
            ));
        }
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(pump(SseReader::new(resp, self.chunk_timeout), tx));
        Ok(rx)
    }
}

#[derive(Default)]
struct Block {
    kind: String,
    id: String,
    name: String,
    json: String,
    thinking: String,
    signature: String,
    /// For text blocks: where the block starts in the answer (characters), and the web
    /// search results it cites.
    start_char: usize,
    citations: Vec<Value>,
}

/// A text block's citations as annotations over the block's range of the answer.
fn annotations(b: &Block, end_char: usize, counter: &mut usize) -> Vec<Annotation> {
    b.citations
        .iter()
        .filter(|c| c["type"] == "web_search_result_location")
        .map(|c| {
            *counter += 1;
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            Annotation {
                kind: "url_citation".into(),
                start_index: b.start_char,
                end_index: end_char,
                url: s("url"),
                title: s("title"),
                cited_text: s("cited_text"),
                index: *counter,
            }
        })
        .collect()
}

async fn pump(mut reader: SseReader, tx: mpsc::Sender<Event>) {
    let mut blocks: BTreeMap<u64, Block> = BTreeMap::new();
    let mut usage = Usage::default();
    let mut finish: Option<FinishReason> = None;
    let (mut text_chars, mut cited) = (0usize, 0usize);
    loop {
        let events = match reader.next().await {
            Read::Failed(e) => {
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
            // The answer ends with message_stop; a body that ends before it was cut.
            Read::Ended(_) => {
                let _ = tx
                    .send(Event::Error(LlmError::new(
                        ErrorClass::Unavailable,
                        "the stream ended before the answer was complete",
                    )))
                    .await;
                return;
            }
            Read::Events(evs) => evs,
        };
        for ev in events {
            let v: Value = match serde_json::from_str(&ev.data) {
                Ok(v) => v,
                Err(e) => {
                    let shown: String = ev.data.chars().take(200).collect();
                    let _ = tx
                        .send(Event::Error(LlmError::new(
                            ErrorClass::Malformed,
                            format!("unreadable event ({e}): {shown}"),
                        )))
                        .await;
                    return;
                }
            };
            let kind = v["type"].as_str().unwrap_or(ev.event.as_str()).to_owned();
            let index = v["index"].as_u64().unwrap_or(0);
            let sent = match kind.as_str() {
                "message_start" => {
                    usage.input_tokens = v["message"]["usage"]["input_tokens"].as_u64().unwrap_or(0);
                    Ok(())
                }
                "content_block_start" => {
                    let b = &v["content_block"];
                    blocks.insert(
                        index,
                        Block {
                            kind: b["type"].as_str().unwrap_or_default().to_owned(),
                            id: b["id"].as_str().unwrap_or_default().to_owned(),
                            name: b["name"].as_str().unwrap_or_default().to_owned(),
                            start_char: text_chars,
                            citations: b["citations"].as_array().cloned().unwrap_or_default(),
                            ..Default::default()
                        },
                    );
                    Ok(())
                }
                "content_block_delta" => {
                    let d = &v["delta"];
                    let block = blocks.entry(index).or_default();
                    match d["type"].as_str().unwrap_or_default() {
                        "text_delta" => {
                            let t = d["text"].as_str().unwrap_or_default();
                            text_chars += t.chars().count();
                            tx.send(Event::Text(t.to_owned())).await
                        }
                        "citations_delta" => {
                            block.citations.push(d["citation"].clone());
                            Ok(())
                        }
                        "thinking_delta" => {
                            let t = d["thinking"].as_str().unwrap_or_default();
                            block.thinking.push_str(t);
                            tx.send(Event::Reasoning(t.to_owned())).await
                        }
                        "signature_delta" => {
                            block
                                .signature
                                .push_str(d["signature"].as_str().unwrap_or_default());
                            Ok(())
                        }
                        "input_json_delta" => {
                            block
                                .json
                                .push_str(d["partial_json"].as_str().unwrap_or_default());
                            Ok(())
                        }
                        _ => Ok(()),
                    }
                }
                "content_block_stop" => match blocks.get(&index) {
                    Some(b) if b.kind == "thinking" => {
                        tx.send(Event::Thinking(Thinking {
                            text: b.thinking.clone(),
                            signature: b.signature.clone(),
                        }))
                        .await
                    }
                    Some(b) if b.kind == "text" && !b.citations.is_empty() => {
                        tx.send(Event::Annotations(annotations(b, text_chars, &mut cited)))
                            .await
                    }
                    _ => Ok(()),
                },
                "message_delta" => {
                    if let Some(out) = v["usage"]["output_tokens"].as_u64() {
                        usage.output_tokens = out;
                    }
                    if let Some(r) = v["delta"]["stop_reason"].as_str() {
                        finish = Some(match r {
                            "max_tokens" => FinishReason::Length,
                            "tool_use" => FinishReason::ToolCalls,
                            "refusal" => FinishReason::ContentFilter,
                            _ => FinishReason::Stop,
                        });
                    }
                    Ok(())
                }
                "message_stop" => {
                    let calls: Vec<ToolCall> = blocks
                        .values()
                        .filter(|b| b.kind == "tool_use")
                        .map(|b| ToolCall {
                            id: b.id.clone(),
                            name: b.name.clone(),
                            arguments: if b.json.is_empty() {
                                "{}".into()
                            } else {
                                b.json.clone()
                            },
                        })
                        .collect();
                    if !calls.is_empty() && tx.send(Event::ToolCalls(calls)).await.is_err() {
                        return;
                    }
                    let _ = tx.send(Event::Usage(usage)).await;
                    let _ = tx.send(Event::End(finish.unwrap_or(FinishReason::Stop))).await;
                    return;
                }
                "error" => {
                    let kind = v["error"]["type"].as_str().unwrap_or_default();
                    let status = match kind {
                        "overloaded_error" | "api_error" => 503,
                        "rate_limit_error" => 429,
                        "authentication_error" => 401,
                        "permission_error" => 403,
                        "not_found_error" => 404,
                        _ => 400,
                    };
                    let _ = tx
                        .send(Event::Error(LlmError::from_status(
                            status,
                            &v["error"].to_string(),
                            None,
                        )))
                        .await;
                    return;
                }
                _ => Ok(()),
            };
            if sent.is_err() {
                return;
            }
        }
    }
}

//! Ask Sage's query API: no streaming, so the whole answer arrives as one text event. Unlike
//! upstream, the system prompt is kept (sent as `system_prompt`), and the conversation goes as
//! Ask Sage's message list (`user` "me" / "gpt").

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{ErrorClass, Event, EventStream, FinishReason, LlmError, Request, Role, Usage, tokens};
use crate::config::ServiceConfig;
use crate::outbound::{OutboundClient, Trust};

const DEFAULT_BASE: &str = "https://api.asksage.ai/server";

pub struct AskSage {
    http: OutboundClient,
    base_url: String,
    token: String,
    default_model: String,
    /// The whole answer comes at once, so this is the only wait.
    timeout: Duration,
}

impl AskSage {
    pub fn from_service(s: &ServiceConfig, http: OutboundClient) -> Self {
        let url = s.api_url.trim().trim_end_matches('/');
        AskSage {
            http,
            base_url: if url.is_empty() {
                DEFAULT_BASE.into()
            } else {
                url.to_owned()
            },
            token: s.api_key.clone(),
            default_model: s.default_model.clone(),
            timeout: Duration::from_secs(if s.streaming_timeout_seconds > 0 {
                s.streaming_timeout_seconds as u64 * 4
            } else {
                180
            }),
        }
    }

    pub fn with_timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn body(&self, r: &Request) -> Value {
        let system: Vec<String> = r
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| m.joined_text())
            .collect();
        // Tool traffic has no place in Ask Sage's format; it is kept as text.
        let turns: Vec<Value> = r
            .messages
            .iter()
            .filter(|m| m.role != Role::System)
            .map(|m| {
                let who = if m.role == Role::Assistant { "gpt" } else { "me" };
                let text = match m.role {
                    Role::Tool => format!("Tool result: {}", m.joined_text()),
                    _ => m.joined_text(),
                };
                json!({"user": who, "message": text})
            })
            .collect();
        let model = if r.model.is_empty() {
            &self.default_model
        } else {
            &r.model
        };
        // No `persona`: the system prompt overrides it, and the documented default is valid on
        // every instance. `usage` asks for the token counts.
        let mut body = json!({"message": turns, "dataset": "none", "temperature": 0.0, "usage": true});
        if !model.is_empty() {
            body["model"] = json!(model);
        }
        if !system.is_empty() {
            body["system_prompt"] = json!(system.join("\n\n"));
        }
        body
    }
}

#[async_trait::async_trait]
impl super::LanguageModel for AskSage {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let req = self
            .http
            .post(Trust::Configured, &format!("{}/query", self.base_url))
            .map_err(|e| LlmError::from(&e))?
            .json(&self.body(request))
            .header("x-access-tokens", &self.token);
        let resp = super::error::send_within(req, self.timeout).await?;
        let status = resp.status().as_u16();
        let retry_after = super::error::retry_after(resp.headers());
        let read = crate::outbound::text_capped(resp, crate::outbound::JSON_BODY_CAP);
        let text = match tokio::time::timeout(self.timeout, read).await {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                return Err(LlmError::new(
                    ErrorClass::Unavailable,
                    format!("reading the answer: {e}"),
                ));
            }
            Err(_) => {
                return Err(LlmError::new(
                    ErrorClass::Timeout,
                    "the answer did not arrive in time",
                ));
            }
        };
        if !(200..300).contains(&status) {
            return Err(LlmError::from_status(status, &text, retry_after));
        }
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| LlmError::new(ErrorClass::Malformed, "Ask Sage did not answer with JSON"))?;
        // Errors can also come as a 200 with a non-200 status inside.
        let inner = v.get("status").and_then(Value::as_u64).unwrap_or(200);
        if inner >= 400 {
            let detail = v
                .get("response")
                .or_else(|| v.get("message"))
                .map(Value::to_string)
                .unwrap_or_default();
            return Err(LlmError::from_status(inner as u16, &detail, None));
        }
        let answer = v
            .get("message")
            .and_then(Value::as_str)
            .ok_or_else(|| LlmError::new(ErrorClass::Malformed, "Ask Sage's answer has no message"))?
            .to_owned();
        let (tx, rx) = mpsc::channel(4);
        let usage = reported_usage(&v).unwrap_or_else(|| Usage {
            input_tokens: request
                .messages
                .iter()
                .map(|m| tokens::estimate(&m.joined_text()))
                .sum(),
            output_tokens: tokens::estimate(&answer),
        });
        for ev in [
            Event::Text(answer),
            Event::Usage(usage),
            Event::End(FinishReason::Stop),
        ] {
            // The receiver is gone only when the caller stopped listening.
            let _ = tx.try_send(ev);
        }
        Ok(rx)
    }
}

/// The token counts Ask Sage reports when asked (`usage: true`), in either naming in use.
fn reported_usage(v: &Value) -> Option<Usage> {
    let u = v.get("usage")?;
    let count = |names: [&str; 2]| names.iter().find_map(|n| u.get(*n).and_then(Value::as_u64));
    let input = count(["prompt_tokens", "input_tokens"])?;
    let output = count(["completion_tokens", "output_tokens"])?;
    (input + output > 0).then_some(Usage {
        input_tokens: input,
        output_tokens: output,
    })
}

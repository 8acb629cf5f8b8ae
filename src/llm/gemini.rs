//! Google's generateContent API, streamed with SSE (`:streamGenerateContent?alt=sse`), for two
//! services: Gemini on Google AI Studio (an API key in `x-goog-api-key`) and Vertex AI (a
//! service account's OAuth token, `google_auth`). The request and the stream are the same on
//! both; only the URL and the credentials differ. Text, images (`inlineData`), function calls
//! and responses, thought summaries (`includeThoughts`) with their signatures replayed on the
//! next turn, usage and finish reasons.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::google_auth::{ServiceAccount, TokenSource};
use super::models::ModelInfo;
use super::sse::{Read, SseEvent, SseReader};
use super::{
    Annotation, ErrorClass, Event, EventStream, FinishReason, LlmError, Message, Part, Request, Role,
    Thinking, ToolCall, Usage,
};
use crate::config::ServiceConfig;
use crate::outbound::{OutboundClient, Trust, encode_component};

pub const GEMINI_URL: &str = "https://generativelanguage.googleapis.com";
/// Upstream's config names for Vertex AI (`llm/configuration.go` in mattermost-plugin-agents).
pub const VERTEX_PROJECT_FIELD: &str = "vertexProjectID";
pub const VERTEX_CREDENTIALS_FIELD: &str = "vertexAuthCredentials";
/// Calls the API sent without an id get one of ours; it is never sent back to the API.
const OWN_ID_PREFIX: &str = "gemini-call-";

enum Auth {
    ApiKey(String),
    Vertex(Arc<TokenSource>),
}

pub struct GenerateContent {
    http: OutboundClient,
    /// Everything before `{model}:streamGenerateContent`.
    models_url: String,
    auth: Auth,
    default_model: String,
    output_limit: Option<u32>,
    chunk_timeout: Duration,
    first_byte_timeout: Duration,
}

fn base_of(s: &ServiceConfig) -> Option<String> {
    let url = s.api_url.trim().trim_end_matches('/');
    (!url.is_empty()).then(|| url.to_owned())
}

fn extra_str<'a>(s: &'a ServiceConfig, field: &str) -> &'a str {
    s.extra
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
}

impl GenerateContent {
    /// Gemini on Google AI Studio.
    pub fn gemini(s: &ServiceConfig, http: OutboundClient) -> Self {
        let base = base_of(s).unwrap_or_else(|| GEMINI_URL.to_owned());
        Self::with(
            s,
            http,
            format!("{base}/v1beta/models/"),
            Auth::ApiKey(s.api_key.clone()),
        )
    }

    /// Vertex AI: the project and region from the service, the service-account key from
    /// `vertexAuthCredentials`.
    pub fn vertex(s: &ServiceConfig, http: OutboundClient) -> Result<Self, LlmError> {
        let bad = |m: &str| LlmError::new(ErrorClass::BadRequest, m.to_owned());
        let project = extra_str(s, VERTEX_PROJECT_FIELD);
        let region = s.region.trim();
        if project.is_empty() || region.is_empty() {
            return Err(bad("Vertex AI needs a project ID and a region"));
        }
        let credentials = extra_str(s, VERTEX_CREDENTIALS_FIELD);
        if credentials.is_empty() {
            // Upstream falls back to Application Default Credentials; this build has no
            // metadata-server client, so a key is needed.
            return Err(LlmError::new(
                ErrorClass::Authentication,
                "Vertex AI needs a service-account JSON key",
            ));
        }
        let account = ServiceAccount::parse(credentials)?;
        let host = match base_of(s) {
            Some(base) => base,
            // The global location has no regional host.
            None if region == "global" => "https://aiplatform.googleapis.com".to_owned(),
            None => format!("https://{}-aiplatform.googleapis.com", encode_component(region)),
        };
        let models_url = format!(
            "{host}/v1/projects/{}/locations/{}/publishers/google/models/",
            encode_component(project),
            encode_component(region)
        );
        let tokens = Arc::new(TokenSource::new(account, http.clone()));
        Ok(Self::with(s, http, models_url, Auth::Vertex(tokens)))
    }

    fn with(s: &ServiceConfig, http: OutboundClient, models_url: String, auth: Auth) -> Self {
        GenerateContent {
            http,
            models_url,
            auth,
            default_model: s.default_model.clone(),
            output_limit: u32::try_from(s.output_token_limit).ok().filter(|v| *v > 0),
            chunk_timeout: super::chunk_timeout(s.streaming_timeout_seconds, 60),
            first_byte_timeout: super::FIRST_BYTE_TIMEOUT,
        }
    }

    pub fn with_timeouts(mut self, first_byte: Duration, chunk: Duration) -> Self {
        self.first_byte_timeout = first_byte;
        self.chunk_timeout = chunk;
        self
    }

    fn model<'a>(&'a self, r: &'a Request) -> &'a str {
        let m = if r.model.is_empty() {
            self.default_model.as_str()
        } else {
            r.model.as_str()
        };
        // The API names models "models/x"; admins may paste either form.
        m.trim().trim_start_matches("models/")
    }

    pub fn body(&self, r: &Request) -> Value {
        let model = self.model(r);
        let system: Vec<String> = r
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(Message::joined_text)
            .collect();
        let mut contents: Vec<Value> = Vec::new();
        for m in r.messages.iter().filter(|m| m.role != Role::System) {
            let (role, parts) = parts_of(m, &r.messages);
            if parts.is_empty() {
                continue;
            }
            // Turns of one role merge: the API wants them alternating, and the responses to
            // parallel calls belong in one turn.
            match contents.last_mut() {
                Some(last) if last["role"] == role => {
                    if let Some(arr) = last["parts"].as_array_mut() {
                        arr.extend(parts);
                    }
                }
                _ => contents.push(json!({"role": role, "parts": parts})),
            }
        }
        let mut body = json!({"contents": contents});
        if !system.is_empty() {
            body["systemInstruction"] = json!({"parts": [{"text": system.join("\n\n")}]});
        }
        let mut tools = Vec::new();
        if !r.tools.is_empty() {
            let decls: Vec<Value> = r
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "parametersJsonSchema": t.parameters}))
                .collect();
            tools.push(json!({"functionDeclarations": decls}));
        }
        // Google Search grounding runs at Google and comes back as cited text. Before Gemini 3
        // it cannot be combined with function calling (the API refuses the request), so there
        // the agent's own tools win.
        if r.web_search && (tools.is_empty() || model.starts_with("gemini-3")) {
            tools.push(json!({"googleSearch": {}}));
        }
        if !tools.is_empty() {
            body["tools"] = Value::Array(tools);
        }
        let mut generation = serde_json::Map::new();
        if let Some(max) = r.max_output_tokens.or(self.output_limit) {
            generation.insert("maxOutputTokens".into(), json!(max));
        }
        if let Some(schema) = &r.json_schema {
            generation.insert("responseMimeType".into(), json!("application/json"));
            generation.insert("responseJsonSchema".into(), schema.clone());
        }
        if let Some(reasoning) = r.reasoning
            && thinks(model)
        {
            let mut config = json!({"includeThoughts": true});
            if reasoning.budget_tokens > 0 {
                config["thinkingBudget"] = json!(reasoning.budget_tokens);
            } else if model.starts_with("gemini-3") {
                // Gemini 3 takes a level instead of a budget; its levels are low and high.
                let level = match reasoning.effort {
                    super::Effort::Minimal | super::Effort::Low => "low",
                    super::Effort::Medium | super::Effort::High => "high",
                };
                config["thinkingLevel"] = json!(level);
            }
            generation.insert("thinkingConfig".into(), config);
        }
        if !generation.is_empty() {
            body["generationConfig"] = Value::Object(generation);
        }
        body
    }

    fn stream_url(&self, model: &str) -> String {
        format!(
            "{}{}:streamGenerateContent?alt=sse",
            self.models_url,
            encode_component(model)
        )
    }

    async fn post(
        &self,
        url: &str,
        body: &Value,
        token: Option<&str>,
    ) -> Result<reqwest::Response, LlmError> {
        let mut req = self
            .http
            .post(Trust::Configured, url)
            .map_err(|e| LlmError::from(&e))?
            .json(body);
        req = match (&self.auth, token) {
            // In a header, never in the URL: URLs end up in logs and errors.
            (Auth::ApiKey(key), _) => req.header("x-goog-api-key", key),
            (Auth::Vertex(_), Some(t)) => req.bearer_auth(t),
            (Auth::Vertex(_), None) => req,
        };
        super::error::send_within(req, self.first_byte_timeout).await
    }

    /// Sends, and for Vertex AI fetches a token first and retries once with a fresh token when
    /// the API refuses the cached one (revoked or expired early).
    async fn send(&self, url: &str, body: &Value) -> Result<reqwest::Response, LlmError> {
        let Auth::Vertex(tokens) = &self.auth else {
            return self.post(url, body, None).await;
        };
        let token = tokens.token().await?;
        let resp = self.post(url, body, Some(&token)).await?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        tokens.invalidate(&token).await;
        let fresh = tokens.token().await?;
        self.post(url, body, Some(&fresh)).await
    }
}

/// Models that accept a thinking configuration; older ones reject it.
fn thinks(model: &str) -> bool {
    model.contains("2.5") || model.starts_with("gemini-3") || model.contains("thinking")
}

/// A tool result's function name: the API pairs responses with calls by name.
fn call_name(history: &[Message], id: &str) -> String {
    history
        .iter()
        .flat_map(|m| m.tool_calls.iter())
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

fn parts_of(m: &Message, history: &[Message]) -> (&'static str, Vec<Value>) {
    if m.role == Role::Tool {
        let id = m.tool_call_id.clone().unwrap_or_default();
        let mut response = json!({"name": call_name(history, &id), "response": {"result": m.joined_text()}});
        if !id.starts_with(OWN_ID_PREFIX) && !id.is_empty() {
            response["id"] = json!(id);
        }
        return ("user", vec![json!({"functionResponse": response})]);
    }
    let mut out = Vec::new();
    for p in &m.parts {
        match p {
            Part::Text(t) if !t.is_empty() => out.push(json!({"text": t})),
            Part::Text(_) => {}
            Part::Image { mime, data } => out.push(json!({"inlineData": {
                "mimeType": mime, "data": base64::engine::general_purpose::STANDARD.encode(data)
            }})),
        }
    }
    let first_call = out.len();
    for c in &m.tool_calls {
        let args: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
        let mut call = json!({"name": c.name, "args": args});
        if !c.id.starts_with(OWN_ID_PREFIX) && !c.id.is_empty() {
            call["id"] = json!(c.id);
        }
        out.push(json!({"functionCall": call}));
    }
    // The thought signature goes back where the model put it: on the first function call, or
    // on the last part of an answer without calls.
    if m.role == Role::Assistant
        && let Some(t) = m.thinking.as_ref().filter(|t| !t.signature.is_empty())
    {
        let at = if m.tool_calls.is_empty() {
            out.len().checked_sub(1)
        } else {
            Some(first_call)
        };
        if let Some(part) = at.and_then(|i| out.get_mut(i)) {
            part["thoughtSignature"] = json!(t.signature);
        }
    }
    (
        if m.role == Role::Assistant {
            "model"
        } else {
            "user"
        },
        out,
    )
}

/// Classifies a failure from its status and Google's error body
/// (`{"error": {"code", "message", "status"}}`).
pub fn google_error(status: u16, body: &str, retry_after: Option<Duration>) -> LlmError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let err = &v["error"];
    let code = err["status"].as_str().unwrap_or_default();
    let message = err["message"].as_str().unwrap_or_default().to_ascii_lowercase();
    let mut e = LlmError::from_status(status, body, retry_after);
    let class = match code {
        "UNAUTHENTICATED" => Some(ErrorClass::Authentication),
        // AI Studio reports a wrong key as a bad argument.
        "INVALID_ARGUMENT" if message.contains("api key") || body.contains("API_KEY_INVALID") => {
            Some(ErrorClass::Authentication)
        }
        "INVALID_ARGUMENT"
            if message.contains("token")
                && (message.contains("exceeds")
                    || message.contains("limit")
                    || message.contains("too long")) =>
        {
            Some(ErrorClass::ContextTooLong)
        }
        "PERMISSION_DENIED" => Some(ErrorClass::Permission),
        "RESOURCE_EXHAUSTED" => Some(ErrorClass::RateLimited),
        "NOT_FOUND" if message.contains("model") => Some(ErrorClass::ModelNotFound),
        "UNAVAILABLE" | "INTERNAL" => Some(ErrorClass::Unavailable),
        "DEADLINE_EXCEEDED" => Some(ErrorClass::Timeout),
        _ => None,
    };
    if let Some(c) = class {
        e.class = c;
    }
    e
}

#[async_trait::async_trait]
impl super::LanguageModel for GenerateContent {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let model = self.model(request);
        if model.is_empty() {
            return Err(LlmError::new(ErrorClass::ModelNotFound, "no model is configured"));
        }
        let resp = self.send(&self.stream_url(model), &self.body(request)).await?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let retry_after = super::error::retry_after(resp.headers());
            let text = crate::outbound::error_text(resp).await;
            return Err(google_error(status, &text, retry_after));
        }
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(pump(SseReader::new(resp, self.chunk_timeout), tx));
        Ok(rx)
    }
}

/// What the stream has said so far.
#[derive(Default)]
struct State {
    thought: String,
    signature: String,
    calls: Vec<ToolCall>,
    usage: Option<Usage>,
    finish: Option<FinishReason>,
    /// The answer's text so far: grounding cites it by byte offsets, annotations count
    /// characters.
    text: String,
    /// The latest `groundingMetadata` (web search sources and the spans they support).
    grounding: Option<Value>,
    /// Anything at all arrived (a stream cut before the first chunk is a failure).
    any: bool,
}

fn finish_reason(r: &str) -> FinishReason {
    match r {
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        _ => FinishReason::Stop,
    }
}

impl State {
    /// The events one chunk yields, or the error that ends the stream.
    fn chunk(&mut self, ev: &SseEvent) -> Result<Vec<Event>, LlmError> {
        let v: Value = serde_json::from_str(&ev.data).map_err(|e| {
            let shown: String = ev.data.chars().take(200).collect();
            LlmError::new(ErrorClass::Malformed, format!("unreadable event ({e}): {shown}"))
        })?;
        if v["error"].is_object() {
            let status = v["error"]["code"]
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .unwrap_or(500);
            return Err(google_error(status, &v.to_string(), None));
        }
        self.any = true;
        let mut out = Vec::new();
        if v["promptFeedback"]["blockReason"].is_string() {
            self.finish = Some(FinishReason::ContentFilter);
        }
        let candidate = &v["candidates"][0];
        for part in candidate["content"]["parts"].as_array().into_iter().flatten() {
            if let Some(sig) = part["thoughtSignature"].as_str()
                && (self.signature.is_empty() || part["functionCall"].is_object() && self.calls.is_empty())
            {
                self.signature = sig.to_owned();
            }
            if let Some(call) = part["functionCall"].as_object() {
                let id = match call.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => id.to_owned(),
                    _ => format!("{OWN_ID_PREFIX}{}", uuid::Uuid::new_v4().simple()),
                };
                self.calls.push(ToolCall {
                    id,
                    name: call
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    arguments: call.get("args").map_or_else(|| "{}".to_owned(), Value::to_string),
                });
            } else if let Some(text) = part["text"].as_str().filter(|t| !t.is_empty()) {
                if part["thought"].as_bool() == Some(true) {
                    self.thought.push_str(text);
                    out.push(Event::Reasoning(text.to_owned()));
                } else {
                    self.text.push_str(text);
                    out.push(Event::Text(text.to_owned()));
                }
            }
        }
        if candidate["groundingMetadata"].is_object() {
            self.grounding = Some(candidate["groundingMetadata"].clone());
        }
        if let Some(r) = candidate["finishReason"].as_str() {
            self.finish = Some(finish_reason(r));
        }
        let u = &v["usageMetadata"];
        if u.is_object() {
            // Thinking is billed as output.
            let out_tokens = u["candidatesTokenCount"].as_u64().unwrap_or(0)
                + u["thoughtsTokenCount"].as_u64().unwrap_or(0);
            self.usage = Some(Usage {
                input_tokens: u["promptTokenCount"].as_u64().unwrap_or(0),
                output_tokens: out_tokens,
            });
        }
        Ok(out)
    }

    /// The closing events once the body ended.
    fn end(self) -> Vec<Event> {
        let Some(mut finish) = self
            .finish
            .or((!self.calls.is_empty()).then_some(FinishReason::Stop))
        else {
            let why = if self.any {
                "the stream ended before the answer was complete"
            } else {
                "the stream ended without an answer"
            };
            return vec![Event::Error(LlmError::new(ErrorClass::Unavailable, why))];
        };
        let mut out = Vec::new();
        if !self.signature.is_empty() {
            out.push(Event::Thinking(Thinking {
                text: self.thought,
                signature: self.signature,
            }));
        }
        if !self.calls.is_empty() {
            // The API says STOP after calls; our callers want to know tools come next.
            if finish == FinishReason::Stop {
                finish = FinishReason::ToolCalls;
            }
            out.push(Event::ToolCalls(self.calls));
        }
        let cited = self
            .grounding
            .as_ref()
            .map(|g| citations(&self.text, g))
            .unwrap_or_default();
        if !cited.is_empty() {
            out.push(Event::Annotations(cited));
        }
        if let Some(u) = self.usage {
            out.push(Event::Usage(u));
        }
        out.push(Event::End(finish));
        out
    }
}

/// Web search sources as citations of the spans they support (`groundingSupports`), offsets
/// turned from bytes into characters.
fn citations(text: &str, grounding: &Value) -> Vec<Annotation> {
    let chars_before = |byte: u64| {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        text.char_indices().take_while(|(i, _)| *i < byte).count()
    };
    let sources = &grounding["groundingChunks"];
    let mut out = Vec::new();
    for support in grounding["groundingSupports"].as_array().into_iter().flatten() {
        let segment = &support["segment"];
        let start = chars_before(segment["startIndex"].as_u64().unwrap_or(0));
        let end = chars_before(segment["endIndex"].as_u64().unwrap_or(0));
        for i in support["groundingChunkIndices"].as_array().into_iter().flatten() {
            let web = &sources[i
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .unwrap_or(usize::MAX)]["web"];
            let Some(url) = web["uri"].as_str() else {
                continue;
            };
            out.push(Annotation {
                kind: "url_citation".into(),
                start_index: start,
                end_index: end,
                url: url.to_owned(),
                title: web["title"].as_str().unwrap_or_default().to_owned(),
                cited_text: segment["text"].as_str().unwrap_or_default().to_owned(),
                index: out.len() + 1,
            });
        }
    }
    out
}

async fn pump(mut reader: SseReader, tx: mpsc::Sender<Event>) {
    let mut state = State::default();
    loop {
        let (events, ended) = match reader.next().await {
            Read::Failed(e) => {
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
            Read::Ended(last) => (last.into_iter().collect::<Vec<_>>(), true),
            Read::Events(evs) => (evs, false),
        };
        for ev in events.iter().filter(|e| !e.data.trim().is_empty()) {
            match state.chunk(ev) {
                Ok(out) => {
                    for e in out {
                        if tx.send(e).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Event::Error(e)).await;
                    return;
                }
            }
        }
        if ended {
            for e in state.end() {
                if tx.send(e).await.is_err() {
                    return;
                }
            }
            return;
        }
    }
}

/// Gemini's models that can answer (`generateContent`), all pages (`GET /v1beta/models`).
pub async fn list_models(http: &OutboundClient, s: &ServiceConfig) -> Result<Vec<ModelInfo>, LlmError> {
    let base = base_of(s).unwrap_or_else(|| GEMINI_URL.to_owned());
    let mut models = Vec::new();
    let mut page_token: Option<String> = None;
    // A server that never stops paging is cut off.
    for _ in 0..20 {
        let mut url = format!("{base}/v1beta/models?pageSize=1000");
        if let Some(t) = &page_token {
            url.push_str(&format!("&pageToken={}", encode_component(t)));
        }
        let req = http
            .get(Trust::Configured, &url)
            .map_err(|e| LlmError::from(&e))?
            .header("x-goog-api-key", &s.api_key);
        let resp = req.send().await.map_err(|e| LlmError::from(&e))?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            let text = crate::outbound::error_text(resp).await;
            return Err(google_error(status, &text, None));
        }
        let page: Value = crate::outbound::json_capped(resp, crate::outbound::JSON_BODY_CAP)
            .await
            .map_err(|e| LlmError::new(ErrorClass::Malformed, format!("model list is not JSON: {e}")))?;
        for m in page["models"].as_array().into_iter().flatten() {
            let answers = m["supportedGenerationMethods"]
                .as_array()
                .is_some_and(|ms| ms.iter().any(|x| x == "generateContent"));
            let Some(name) = m["name"].as_str().filter(|_| answers) else {
                continue;
            };
            let id = name.trim_start_matches("models/").to_owned();
            let display_name = m["displayName"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(&id)
                .to_owned();
            models.push(ModelInfo { id, display_name });
        }
        match page["nextPageToken"].as_str().filter(|t| !t.is_empty()) {
            Some(t) => page_token = Some(t.to_owned()),
            None => break,
        }
    }
    Ok(models)
}

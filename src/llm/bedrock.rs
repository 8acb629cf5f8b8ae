//! AWS Bedrock's ConverseStream API, signed with SigV4 (`aws-sigv4`), its binary event stream
//! framing decoded with `aws-smithy-eventstream` (CRC-checked). Credentials, in order: the
//! service's static keys, a Bedrock API key as a bearer token, then the standard chain —
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, the ECS container
//! endpoint, and EC2 instance metadata (IMDSv2).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_eventstream::frame::{DecodedFrame, MessageFrameDecoder};
use aws_smithy_types::event_stream::{HeaderValue, Message as Frame};
use base64::Engine as _;
use bytes::BytesMut;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{
    ErrorClass, Event, EventStream, FinishReason, LlmError, Message, Part, Request, Role, ToolCall, Usage,
};
use crate::config::ServiceConfig;
use crate::outbound::{OutboundClient, Trust};

const DEFAULT_MAX_TOKENS: u32 = 8192;
const IMAGE_FORMATS: &[(&str, &str)] = &[
    ("image/png", "png"),
    ("image/jpeg", "jpeg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
];

/// Where a value of the standard credential chain comes from; tests give their own.
pub type EnvSource = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

#[derive(Clone)]
enum Auth {
    Keys(Keys),
    Bearer(String),
    Chain,
}

#[derive(Clone)]
struct Keys {
    id: String,
    secret: String,
    session: Option<String>,
}

pub struct Converse {
    http: OutboundClient,
    endpoint: String,
    region: String,
    auth: Auth,
    env: EnvSource,
    default_model: String,
    output_limit: u32,
    chunk_timeout: Duration,
    first_byte_timeout: Duration,
}

impl Converse {
    pub fn from_service(s: &ServiceConfig, http: OutboundClient) -> Result<Self, LlmError> {
        let region = s.region.trim().to_owned();
        if region.is_empty() {
            return Err(LlmError::new(
                ErrorClass::BadRequest,
                "the Bedrock service needs a region",
            ));
        }
        let custom = s.api_url.trim().trim_end_matches('/');
        let endpoint = if custom.is_empty() {
            format!("https://bedrock-runtime.{region}.amazonaws.com")
        } else {
            custom.to_owned()
        };
        let auth = if !s.aws_access_key_id.trim().is_empty() && !s.aws_secret_access_key.trim().is_empty() {
            Auth::Keys(Keys {
                id: s.aws_access_key_id.trim().to_owned(),
                secret: s.aws_secret_access_key.trim().to_owned(),
                session: None,
            })
        } else if !s.api_key.trim().is_empty() {
            Auth::Bearer(s.api_key.trim().to_owned())
        } else {
            Auth::Chain
        };
        Ok(Converse {
            http,
            endpoint,
            region,
            auth,
            env: Arc::new(|k| std::env::var(k).ok()),
            default_model: s.default_model.clone(),
            output_limit: u32::try_from(s.output_token_limit)
                .ok()
                .filter(|v| *v > 0)
                .unwrap_or(DEFAULT_MAX_TOKENS),
            chunk_timeout: super::chunk_timeout(s.streaming_timeout_seconds, 60),
            first_byte_timeout: super::FIRST_BYTE_TIMEOUT,
        })
    }

    pub fn with_timeouts(mut self, first_byte: Duration, chunk: Duration) -> Self {
        self.first_byte_timeout = first_byte;
        self.chunk_timeout = chunk;
        self
    }

    /// The environment the credential chain reads (the process environment by default).
    pub fn with_env(mut self, env: HashMap<String, String>) -> Self {
        self.env = Arc::new(move |k| env.get(k).cloned());
        self
    }

    pub fn body(&self, r: &Request) -> Value {
        let system: Vec<Value> = r
            .messages
            .iter()
            .filter(|m| m.role == Role::System)
            .map(|m| json!({"text": m.joined_text()}))
            .collect();
        // Bedrock wants strictly alternating roles: consecutive turns of one role merge, and
        // tool results travel in a user turn.
        let mut turns: Vec<(String, Vec<Value>)> = Vec::new();
        for m in r.messages.iter().filter(|m| m.role != Role::System) {
            let (role, blocks) = blocks(m);
            match turns.last_mut() {
                Some((last, content)) if *last == role => content.extend(blocks),
                _ => turns.push((role.to_owned(), blocks)),
            }
        }
        let messages: Vec<Value> = turns
            .into_iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        let mut body = json!({
            "messages": messages,
            "inferenceConfig": {"maxTokens": r.max_output_tokens.unwrap_or(self.output_limit)},
        });
        if !system.is_empty() {
            body["system"] = Value::Array(system);
        }
        if !r.tools.is_empty() {
            body["toolConfig"] = json!({"tools": r.tools.iter().map(|t| json!({"toolSpec": {
                "name": t.name, "description": t.description, "inputSchema": {"json": t.parameters}
            }})).collect::<Vec<_>>()});
        }
        body
    }

    fn url(&self, model: &str) -> String {
        format!(
            "{}/model/{}/converse-stream",
            self.endpoint,
            crate::outbound::encode_component(model)
        )
    }

    async fn credentials(&self) -> Result<Option<Keys>, LlmError> {
        match &self.auth {
            Auth::Keys(k) => Ok(Some(k.clone())),
            Auth::Bearer(_) => Ok(None),
            Auth::Chain => chain(&self.env).await.map(Some),
        }
    }
}

fn blocks(m: &Message) -> (&'static str, Vec<Value>) {
    let mut out = Vec::new();
    if m.role == Role::Tool {
        let id = m.tool_call_id.clone().unwrap_or_default();
        out.push(json!({"toolResult": {"toolUseId": id, "content": [{"text": m.joined_text()}]}}));
        return ("user", out);
    }
    for p in &m.parts {
        match p {
            Part::Text(t) if t.trim().is_empty() => {}
            Part::Text(t) => out.push(json!({"text": t})),
            Part::Image { mime, data } => match IMAGE_FORMATS.iter().find(|(m, _)| m == mime) {
                Some((_, format)) => out.push(json!({"image": {"format": format, "source": {
                    "bytes": base64::engine::general_purpose::STANDARD.encode(data)
                }}})),
                None => out.push(json!({"text": format!("[an image of type {mime} the model cannot read]")})),
            },
        }
    }
    for c in &m.tool_calls {
        let input: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
        out.push(json!({"toolUse": {"toolUseId": c.id, "name": c.name, "input": input}}));
    }
    let role = if m.role == Role::Assistant {
        "assistant"
    } else {
        "user"
    };
    (role, out)
}

/// The standard credential chain: environment, container endpoint (ECS, EKS Pod Identity), EC2
/// instance metadata.
async fn chain(env: &EnvSource) -> Result<Keys, LlmError> {
    if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
        && !id.is_empty()
        && !secret.is_empty()
    {
        return Ok(Keys {
            id,
            secret,
            session: env("AWS_SESSION_TOKEN").filter(|t| !t.is_empty()),
        });
    }
    // Metadata endpoints are link-local by design: a short-lived client of its own, never the
    // guarded outbound client (which refuses them for good reason).
    // Credential endpoints answer directly; a redirect would carry the token elsewhere.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| LlmError::new(ErrorClass::Unavailable, format!("credential client: {e}")))?;
    let unavailable = || {
        LlmError::new(
            ErrorClass::Authentication,
            "no AWS credentials: set the service's access keys or API key, or give the server an AWS role",
        )
    };
    let from_json = |v: &Value| -> Option<Keys> {
        Some(Keys {
            id: v.get("AccessKeyId")?.as_str()?.to_owned(),
            secret: v.get("SecretAccessKey")?.as_str()?.to_owned(),
            session: v.get("Token").and_then(Value::as_str).map(str::to_owned),
        })
    };
    // ECS task roles give a path on the fixed container endpoint; EKS Pod Identity and other
    // container hosts give a full URL and an authorization token (inline or in a file).
    let container = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .filter(|r| !r.is_empty())
        .map(|rel| format!("http://169.254.170.2{rel}"))
        .or_else(|| env("AWS_CONTAINER_CREDENTIALS_FULL_URI").filter(|u| !u.is_empty()));
    if let Some(url) = container {
        let token = match env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").filter(|f| !f.is_empty()) {
            Some(file) => Some(
                tokio::fs::read_to_string(&file)
                    .await
                    .map_err(|_| unavailable())?
                    .trim()
                    .to_owned(),
            ),
            None => env("AWS_CONTAINER_AUTHORIZATION_TOKEN").filter(|t| !t.is_empty()),
        };
        let mut req = client.get(url);
        if let Some(token) = token {
            req = req.header("Authorization", token);
        }
        let v: Value = req
            .send()
            .await
            .map_err(|_| unavailable())?
            .error_for_status()
            .map_err(|_| unavailable())?
            .json()
            .await
            .map_err(|_| unavailable())?;
        return from_json(&v).ok_or_else(unavailable);
    }
    let base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "http://169.254.169.254".into());
    let base = base.trim_end_matches('/');
    let token = client
        .put(format!("{base}/latest/api/token"))
        .header("X-aws-ec2-metadata-token-ttl-seconds", "21600")
        .send()
        .await
        .map_err(|_| unavailable())?
        .text()
        .await
        .map_err(|_| unavailable())?;
    let get = |path: String| {
        client
            .get(format!("{base}/latest/meta-data/iam/security-credentials/{path}"))
            .header("X-aws-ec2-metadata-token", token.clone())
            .send()
    };
    let role = get(String::new())
        .await
        .map_err(|_| unavailable())?
        .text()
        .await
        .map_err(|_| unavailable())?;
    let role = role.lines().next().unwrap_or("").trim().to_owned();
    if role.is_empty() {
        return Err(unavailable());
    }
    let v: Value = get(role)
        .await
        .map_err(|_| unavailable())?
        .json()
        .await
        .map_err(|_| unavailable())?;
    from_json(&v).ok_or_else(unavailable)
}

/// SigV4 headers for a request (service `bedrock`).
fn signature_headers(
    keys: &Keys,
    region: &str,
    url: &str,
    body: &[u8],
) -> Result<Vec<(String, String)>, LlmError> {
    let bad = |e: String| LlmError::new(ErrorClass::Authentication, format!("signing the request: {e}"));
    let identity = Credentials::new(
        &keys.id,
        &keys.secret,
        keys.session.clone(),
        None,
        "mattermost-ai",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("bedrock")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| bad(e.to_string()))?
        .into();
    let headers = [("content-type", "application/json")];
    let signable = SignableRequest::new("POST", url, headers.into_iter(), SignableBody::Bytes(body))
        .map_err(|e| bad(e.to_string()))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| bad(e.to_string()))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

/// Bedrock's HTTP errors, with the cases its bodies make clear.
fn http_error(status: u16, body: &str, retry_after: Option<Duration>) -> LlmError {
    let lower = body.to_ascii_lowercase();
    let mut e = LlmError::from_status(status, body, retry_after);
    if lower.contains("signature") || lower.contains("security token") || lower.contains("unrecognizedclient")
    {
        e.class = ErrorClass::Authentication;
    } else if lower.contains("model identifier is invalid") || lower.contains("model is not supported") {
        e.class = ErrorClass::ModelNotFound;
    }
    e
}

/// An exception frame of the stream, classified by its type.
fn exception(kind: &str, payload: &[u8]) -> LlmError {
    let message = serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let class = match kind {
        "throttlingException" | "serviceQuotaExceededException" => ErrorClass::RateLimited,
        "accessDeniedException" => ErrorClass::Permission,
        "modelTimeoutException" => ErrorClass::Timeout,
        "validationException" if message.to_ascii_lowercase().contains("too long") => {
            ErrorClass::ContextTooLong
        }
        "validationException" => ErrorClass::BadRequest,
        "resourceNotFoundException" => ErrorClass::ModelNotFound,
        _ => ErrorClass::Unavailable,
    };
    LlmError::new(class, format!("{kind}: {message}"))
}

fn header<'a>(f: &'a Frame, name: &str) -> Option<&'a str> {
    f.headers()
        .iter()
        .find(|h| h.name().as_str() == name)
        .and_then(|h| match h.value() {
            HeaderValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}

#[async_trait::async_trait]
impl super::LanguageModel for Converse {
    async fn stream(&self, request: &Request) -> Result<EventStream, LlmError> {
        let model = if request.model.is_empty() {
            self.default_model.clone()
        } else {
            request.model.clone()
        };
        if model.is_empty() {
            return Err(LlmError::new(
                ErrorClass::ModelNotFound,
                "no model is configured for this service",
            ));
        }
        let url = self.url(&model);
        let body = serde_json::to_vec(&self.body(request))
            .map_err(|e| LlmError::new(ErrorClass::BadRequest, e.to_string()))?;
        let mut req = self
            .http
            .post(Trust::Configured, &url)
            .map_err(|e| LlmError::from(&e))?
            .header("content-type", "application/json")
            .header("accept", "application/vnd.amazon.eventstream");
        match (&self.auth, self.credentials().await?) {
            (Auth::Bearer(token), _) => req = req.bearer_auth(token),
            (_, Some(keys)) => {
                for (k, v) in signature_headers(&keys, &self.region, &url, &body)? {
                    req = req.header(k, v);
                }
            }
            (_, None) => {}
        }
        let resp = super::error::send_within(req.body(body), self.first_byte_timeout).await?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let retry_after = super::error::retry_after(resp.headers());
            let text = crate::outbound::error_text(resp).await;
            return Err(http_error(status, &text, retry_after));
        }
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(pump(resp, tx, self.chunk_timeout));
        Ok(rx)
    }
}

#[derive(Default)]
struct State {
    calls: BTreeMap<u64, ToolCall>,
    stop: Option<FinishReason>,
}

/// What one frame means; `Some` ends the stream with that last event.
async fn frame(f: &Frame, st: &mut State, tx: &mpsc::Sender<Event>) -> Result<Option<Event>, ()> {
    if header(f, ":message-type") == Some("exception") {
        let kind = header(f, ":exception-type").unwrap_or("exception");
        return Ok(Some(Event::Error(exception(kind, f.payload()))));
    }
    let v: Value = match serde_json::from_slice(f.payload()) {
        Ok(v) => v,
        Err(_) => {
            return Ok(Some(Event::Error(LlmError::new(
                ErrorClass::Malformed,
                "an event of the stream is not JSON",
            ))));
        }
    };
    let index = v.get("contentBlockIndex").and_then(Value::as_u64).unwrap_or(0);
    match header(f, ":event-type").unwrap_or("") {
        "contentBlockStart" => {
            if let Some(t) = v.pointer("/start/toolUse") {
                st.calls.insert(
                    index,
                    ToolCall {
                        id: t
                            .get("toolUseId")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        name: t.get("name").and_then(Value::as_str).unwrap_or("").to_owned(),
                        arguments: String::new(),
                    },
                );
            }
        }
        "contentBlockDelta" => {
            if let Some(t) = v.pointer("/delta/text").and_then(Value::as_str) {
                tx.send(Event::Text(t.to_owned())).await.map_err(|_| ())?;
            } else if let Some(input) = v.pointer("/delta/toolUse/input").and_then(Value::as_str)
                && let Some(c) = st.calls.get_mut(&index)
            {
                c.arguments.push_str(input);
            }
        }
        "messageStop" => {
            st.stop = Some(match v.get("stopReason").and_then(Value::as_str).unwrap_or("") {
                "tool_use" => FinishReason::ToolCalls,
                "max_tokens" => FinishReason::Length,
                "content_filtered" | "guardrail_intervened" => FinishReason::ContentFilter,
                _ => FinishReason::Stop,
            });
        }
        "metadata" => {
            if let Some(u) = v.get("usage") {
                let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
                let usage = Usage {
                    input_tokens: n("inputTokens"),
                    output_tokens: n("outputTokens"),
                };
                tx.send(Event::Usage(usage)).await.map_err(|_| ())?;
            }
            if let Some(stop) = st.stop {
                return Ok(Some(finish(st, stop, tx).await?));
            }
        }
        _ => {}
    }
    Ok(None)
}

async fn finish(st: &mut State, stop: FinishReason, tx: &mpsc::Sender<Event>) -> Result<Event, ()> {
    if !st.calls.is_empty() {
        let calls: Vec<ToolCall> = std::mem::take(&mut st.calls)
            .into_values()
            .map(|mut c| {
                if c.arguments.trim().is_empty() {
                    c.arguments = "{}".into();
                }
                c
            })
            .collect();
        tx.send(Event::ToolCalls(calls)).await.map_err(|_| ())?;
    }
    Ok(Event::End(stop))
}

async fn pump(mut resp: reqwest::Response, tx: mpsc::Sender<Event>, chunk_timeout: Duration) {
    let mut buf = BytesMut::new();
    let mut decoder = MessageFrameDecoder::new();
    let mut st = State::default();
    loop {
        let chunk = match tokio::time::timeout(chunk_timeout, resp.chunk()).await {
            Err(_) => {
                let e = LlmError::new(
                    ErrorClass::Timeout,
                    format!("no data for {}s while streaming", chunk_timeout.as_secs()),
                );
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
            Ok(Err(e)) => {
                let e = LlmError::new(
                    ErrorClass::Unavailable,
                    format!("the stream broke: {}", e.without_url()),
                );
                let _ = tx.send(Event::Error(e)).await;
                return;
            }
            Ok(Ok(None)) => {
                let last = match st.stop {
                    Some(stop) if buf.is_empty() => match finish(&mut st, stop, &tx).await {
                        Ok(ev) => ev,
                        Err(()) => return,
                    },
                    _ => Event::Error(LlmError::new(
                        ErrorClass::Unavailable,
                        "the stream ended before the answer was complete",
                    )),
                };
                let _ = tx.send(last).await;
                return;
            }
            Ok(Ok(Some(bytes))) => bytes,
        };
        buf.extend_from_slice(&chunk);
        loop {
            match decoder.decode_frame(&mut buf) {
                Ok(DecodedFrame::Incomplete) => break,
                Ok(DecodedFrame::Complete(f)) => match frame(&f, &mut st, &tx).await {
                    Ok(None) => {}
                    Ok(Some(last)) => {
                        let _ = tx.send(last).await;
                        return;
                    }
                    Err(()) => return,
                },
                Err(e) => {
                    let e = LlmError::new(
                        ErrorClass::Malformed,
                        format!("a corrupt event stream frame: {e}"),
                    );
                    let _ = tx.send(Event::Error(e)).await;
                    return;
                }
            }
        }
    }
}

//! A scripted LLM provider: a real HTTP server on 127.0.0.1 that records every request and
//! answers from a script (status, headers, body chunks with delays), so provider code and whole
//! conversations run against the documented wire formats without the internet.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Script {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    /// (milliseconds to wait before, bytes)
    pub chunks: Vec<(u64, Vec<u8>)>,
}

impl Script {
    /// A 200 `text/event-stream` answer with these chunks.
    pub fn sse(chunks: Vec<(u64, String)>) -> Self {
        Script {
            status: 200,
            content_type: "text/event-stream".into(),
            headers: Vec::new(),
            chunks: chunks.into_iter().map(|(d, c)| (d, c.into_bytes())).collect(),
        }
    }

    /// A whole JSON answer.
    pub fn json(status: u16, body: &Value) -> Self {
        Script {
            status,
            content_type: "application/json".into(),
            headers: Vec::new(),
            chunks: vec![(0, body.to_string().into_bytes())],
        }
    }

    /// A status with a plain body, for faults.
    pub fn status(status: u16, body: &str) -> Self {
        Script {
            status,
            content_type: "application/json".into(),
            headers: Vec::new(),
            chunks: vec![(0, body.as_bytes().to_vec())],
        }
    }

    /// A streamed Chat Completions answer: `parts` as text deltas `delay_ms` apart, then the
    /// stop reason, the usage when given (prompt, completion) and `[DONE]`.
    pub fn chat_completion(parts: &[&str], delay_ms: u64, usage: Option<(u64, u64)>) -> Self {
        let data = |v: Value| format!("data: {v}\n\n");
        let mut c: Vec<(u64, String)> = parts
            .iter()
            .map(|p| {
                let d = serde_json::json!({"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
                (delay_ms, data(d))
            })
            .collect();
        c.push((
            0,
            data(serde_json::json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})),
        ));
        if let Some((prompt, completion)) = usage {
            let u = serde_json::json!({"choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion}});
            c.push((0, data(u)));
        }
        c.push((0, "data: [DONE]\n\n".into()));
        Script::sse(c)
    }

    /// A streamed Google generateContent answer (Gemini API and Vertex AI, `alt=sse`): `parts`
    /// as text chunks `delay_ms` apart, the last with finishReason STOP and the usage when
    /// given (prompt, candidates). The stream simply ends; there is no `[DONE]`.
    pub fn gemini_text(parts: &[&str], delay_ms: u64, usage: Option<(u64, u64)>) -> Self {
        let last = parts.len().saturating_sub(1);
        let c = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut candidate = serde_json::json!({"content": {"role": "model", "parts": [{"text": p}]}, "index": 0});
                let mut chunk = serde_json::json!({});
                if i == last {
                    candidate["finishReason"] = "STOP".into();
                    if let Some((prompt, out)) = usage {
                        chunk["usageMetadata"] = serde_json::json!({"promptTokenCount": prompt, "candidatesTokenCount": out, "totalTokenCount": prompt + out});
                    }
                }
                chunk["candidates"] = serde_json::json!([candidate]);
                (delay_ms, format!("data: {chunk}\r\n\r\n"))
            })
            .collect();
        Script::sse(c)
    }

    /// A Chat Completions answer that asks for tools: (call id, tool name, arguments).
    pub fn chat_tool_calls(calls: &[(&str, &str, Value)]) -> Self {
        let list: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(i, (id, name, args))| {
                serde_json::json!({"index": i, "id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}})
            })
            .collect();
        let delta = serde_json::json!({"choices": [{"index": 0, "delta": {"tool_calls": list}}]});
        let end = serde_json::json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]});
        Script::sse(vec![
            (0, format!("data: {delta}\n\n")),
            (0, format!("data: {end}\n\n")),
            (0, "data: [DONE]\n\n".into()),
        ])
    }

    /// An OpenAI embeddings answer for the request's `input`: each text becomes a normalised
    /// bag of its words hashed into `dimensions` buckets, so texts sharing words are near and
    /// the same text always gets the same vector.
    pub fn embeddings(body: &Value, dimensions: usize) -> Self {
        let inputs: Vec<String> = match &body["input"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        let data: Vec<Value> = inputs
            .iter()
            .enumerate()
            .map(|(i, text)| serde_json::json!({"object": "embedding", "index": i, "embedding": bag_of_words(text, dimensions)}))
            .collect();
        Script::json(
            200,
            &serde_json::json!({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}),
        )
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A text as a normalised bag of its words (longer than two letters) hashed into `dimensions`
/// buckets: texts sharing words are near, and the same text always gets the same vector.
pub fn bag_of_words(text: &str, dimensions: usize) -> Vec<f32> {
    let n = dimensions.max(1);
    let mut v = vec![0f32; n];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2) {
        // FNV-1a: stable across runs and platforms.
        let h = word.to_lowercase().bytes().fold(0xcbf29ce484222325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
        });
        v[(h % n as u64) as usize] += 1.0;
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    } else {
        v[0] = 1.0;
    }
    v
}

/// A plugin configuration (`{"config": …}`) with one OpenAI service `svc` at `url` and one
/// agent `ai` on it; the objects given merge into the service, the agent and the top level.
pub fn one_agent_config(url: &str, service: Value, agent: Value, top: Value) -> Value {
    let merge = |mut base: Value, extra: Value| {
        if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
            b.extend(e);
        }
        base
    };
    let svc = merge(
        serde_json::json!({"id": "svc", "name": "Fake", "type": "openai", "apiKey": "sk-test", "apiURL": url, "defaultModel": "gpt-4o"}),
        service,
    );
    let bot = merge(
        serde_json::json!({"id": "b1", "name": "ai", "displayName": "Assistant", "serviceID": "svc"}),
        agent,
    );
    let config = merge(serde_json::json!({"services": [svc], "bots": [bot]}), top);
    serde_json::json!({ "config": config })
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: http::HeaderMap,
    pub raw: Bytes,
    /// The body as JSON (Null when it is not JSON).
    pub body: Value,
}

/// Picks a script from the request itself (e.g. title requests), ahead of the queue.
pub type Router = Arc<dyn Fn(&Seen) -> Option<Script> + Send + Sync>;

#[derive(Clone)]
pub struct FakeProvider {
    /// The base URL to configure as the service's `apiURL`.
    pub url: String,
    scripts: Arc<Mutex<Vec<Script>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    router: Arc<Mutex<Option<Router>>>,
    /// Answers the client stopped reading before the script ended (the connection closed).
    disconnects: Arc<std::sync::atomic::AtomicUsize>,
}

impl FakeProvider {
    /// Serves the scripts in order; the last one repeats.
    pub async fn start(scripts: Vec<Script>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let f = FakeProvider {
            url: format!("http://{addr}"),
            scripts: Arc::new(Mutex::new(scripts)),
            seen: Arc::default(),
            router: Arc::default(),
            disconnects: Arc::default(),
        };
        let app = axum::Router::new().fallback(serve).with_state(f.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(f)
    }

    /// Answers the requests `router` picks itself; the others from the queue.
    pub fn route(&self, router: impl Fn(&Seen) -> Option<Script> + Send + Sync + 'static) {
        *lock(&self.router) = Some(Arc::new(router));
    }

    /// Replaces the remaining scripts.
    pub fn script(&self, scripts: Vec<Script>) {
        *lock(&self.scripts) = scripts;
    }

    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }

    /// The JSON body of the n-th request.
    pub fn body(&self, n: usize) -> Value {
        lock(&self.seen)
            .get(n)
            .map(|s| s.body.clone())
            .unwrap_or(Value::Null)
    }

    /// How many answers were abandoned by the client mid-stream.
    pub fn disconnects(&self) -> usize {
        self.disconnects.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        lock(&self.seen).len()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn serve(State(f): State<FakeProvider>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let raw = axum::body::to_bytes(body, 1 << 26).await.unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    };
    lock(&f.seen).push(seen.clone());
    let routed = lock(&f.router).clone().and_then(|r| r(&seen));
    let script = if let Some(s) = routed {
        s
    } else {
        let mut s = lock(&f.scripts);
        match s.len() {
            0 => Script::status(500, "{\"error\":\"the fake has no script\"}"),
            1 => s[0].clone(),
            _ => s.remove(0),
        }
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let disconnects = f.disconnects.clone();
    tokio::spawn(async move {
        for (delay, c) in script.chunks {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(delay)) => {}
                // The body was dropped: hyper saw the connection close.
                _ = tx.closed() => {
                    disconnects.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
            }
            if tx.send(Ok(Bytes::from(c))).await.is_err() {
                disconnects.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                return;
            }
        }
    });
    let mut b = Response::builder()
        .status(script.status)
        .header("content-type", script.content_type);
    for (k, v) in &script.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)))
        .unwrap_or_else(|_| Response::new(Body::from("bad script")))
}

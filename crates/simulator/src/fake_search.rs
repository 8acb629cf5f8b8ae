//! Web search APIs on 127.0.0.1 that speak Brave Search's and Google Programmable Search's
//! JSON, and the pages their results point at, for the web search tools' tests.
//!
//! - `GET /res/v1/web/search?q=&count=`, key in `X-Subscription-Token` (Brave):
//!   `{"web": {"results": [{"title", "url", "description"}]}}`
//! - `GET /customsearch/v1?key=&cx=&q=&num=` (Google): `{"items": [{"title", "link", "snippet"}]}`
//! - `GET /pages/{name}`: the page registered under `name`, as `text/html`.
//!
//! A wrong or missing key is answered 401/403, as the real services do. Result URLs may say
//! `{base}`, replaced by the server's own address, so a result can point at one of its pages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One result the fake returns for every query.
#[derive(Debug, Clone)]
pub struct FakeResult {
    pub title: String,
    pub url: String,
    pub snippet: String,
}

impl FakeResult {
    pub fn new(title: &str, url: &str, snippet: &str) -> Self {
        FakeResult {
            title: title.into(),
            url: url.into(),
            snippet: snippet.into(),
        }
    }
}

/// A request the fake received: which API, the query text, and whether the key was right.
#[derive(Debug, Clone)]
pub struct SearchSeen {
    pub api: &'static str,
    pub query: String,
    pub count: String,
    pub key_ok: bool,
}

struct Shared {
    base: String,
    key: String,
    cx: String,
    results: Vec<FakeResult>,
    pages: HashMap<String, String>,
    seen: Mutex<Vec<SearchSeen>>,
    page_hits: Mutex<Vec<String>>,
}

pub struct FakeSearch {
    /// `http://127.0.0.1:<port>`: Brave's `apiURL`; Google's is [`FakeSearch::google_url`].
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeSearch {
    /// Serves `results` to any query made with `key` (and, for Google, the engine id `cx`),
    /// and `pages` by name.
    pub async fn start(
        key: &str,
        cx: &str,
        results: Vec<FakeResult>,
        pages: Vec<(&str, String)>,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            base: url.clone(),
            key: key.into(),
            cx: cx.into(),
            results,
            pages: pages.into_iter().map(|(n, p)| (n.to_owned(), p)).collect(),
            seen: Mutex::new(Vec::new()),
            page_hits: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/res/v1/web/search", axum::routing::get(brave))
            .route("/customsearch/v1", axum::routing::get(google))
            .route("/pages/{name}", axum::routing::get(page))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(FakeSearch { url, shared })
    }

    pub fn google_url(&self) -> String {
        format!("{}/customsearch/v1", self.url)
    }

    /// `{base}/pages/<name>`.
    pub fn page_url(&self, name: &str) -> String {
        format!("{}/pages/{name}", self.url)
    }

    pub fn seen(&self) -> Vec<SearchSeen> {
        self.shared.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The names of the pages fetched, in order.
    pub fn page_hits(&self) -> Vec<String> {
        self.shared
            .page_hits
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

fn results(s: &Shared) -> Vec<FakeResult> {
    s.results
        .iter()
        .map(|r| FakeResult {
            url: r.url.replace("{base}", &s.base),
            ..r.clone()
        })
        .collect()
}

fn record(s: &Shared, seen: SearchSeen) {
    if let Ok(mut list) = s.seen.lock() {
        list.push(seen);
    }
}

fn param(q: &HashMap<String, String>, k: &str) -> String {
    q.get(k).cloned().unwrap_or_default()
}

async fn brave(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let key_ok = headers.get("x-subscription-token").and_then(|v| v.to_str().ok()) == Some(s.key.as_str());
    record(
        &s,
        SearchSeen {
            api: "brave",
            query: param(&q, "q"),
            count: param(&q, "count"),
            key_ok,
        },
    );
    if !key_ok {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"type": "ErrorResponse"})),
        )
            .into_response();
    }
    let list: Vec<Value> = results(&s)
        .into_iter()
        .map(|r| json!({"title": r.title, "url": r.url, "description": r.snippet, "type": "search_result"}))
        .collect();
    axum::Json(json!({"type": "search", "query": {"original": param(&q, "q")}, "web": {"type": "search", "results": list}}))
        .into_response()
}

async fn google(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let key_ok = param(&q, "key") == s.key && param(&q, "cx") == s.cx;
    record(
        &s,
        SearchSeen {
            api: "google",
            query: param(&q, "q"),
            count: param(&q, "num"),
            key_ok,
        },
    );
    if !key_ok {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"error": {"code": 403, "message": "API key not valid"}})),
        )
            .into_response();
    }
    let items: Vec<Value> = results(&s)
        .into_iter()
        .map(
            |r| json!({"kind": "customsearch#result", "title": r.title, "link": r.url, "snippet": r.snippet}),
        )
        .collect();
    axum::Json(json!({"kind": "customsearch#search", "items": items})).into_response()
}

async fn page(State(s): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    if let Ok(mut hits) = s.page_hits.lock() {
        hits.push(name.clone());
    }
    match s.pages.get(&name) {
        Some(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

//! The LLM Bridge routes (`/bridge/v1/...`), for the core server and other plugins. The caller
//! is identified by `Mattermost-Plugin-ID` alone: Mattermost sets it on inter-plugin and core
//! requests and deletes it from every outside request, so a user's session (browser, PAT)
//! never gets here. Without it: 401 with an empty body, as upstream. JSON answers carry Gin's
//! content type (`application/json; charset=utf-8`), errors upstream's `{"error": "..."}`.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::ReceiverStream;

use super::{HttpError, HttpResult};
use crate::bridge::{BridgeError, Completion, Mode, request::MAX_BODY_BYTES};

/// The header the server sets to the calling plugin's id (`mattermost-server` for the core).
pub const PLUGIN_ID_HEADER: &str = "Mattermost-Plugin-ID";

impl From<BridgeError> for HttpError {
    fn from(e: BridgeError) -> Self {
        let status = match e {
            BridgeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            BridgeError::Forbidden(_) => StatusCode::FORBIDDEN,
            BridgeError::NotFound(_) => StatusCode::NOT_FOUND,
            BridgeError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BridgeError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            BridgeError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError::new(status, e.to_string())
    }
}

/// Another plugin or the core server (401, empty body, otherwise).
pub async fn require_plugin(request: Request, next: Next) -> Response {
    let caller = request
        .headers()
        .get(PLUGIN_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if caller.is_empty() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(request).await
}

/// JSON as Gin writes it, which is what the bridge's callers were written against.
pub async fn gin_json(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/json")
    {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    response
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserQuery {
    user_id: Option<String>,
}

pub async fn agents(State(s): State<super::State>, Query(q): Query<UserQuery>) -> HttpResult<Json<Value>> {
    let agents = s.bridge.agents(q.user_id.as_deref()).await?;
    Ok(Json(json!({ "agents": agents })))
}

pub async fn services(State(s): State<super::State>, Query(q): Query<UserQuery>) -> HttpResult<Json<Value>> {
    let services = s.bridge.services(q.user_id.as_deref()).await?;
    Ok(Json(json!({ "services": services })))
}

pub async fn agent_stream(
    State(s): State<super::State>,
    Path(agent): Path<String>,
    body: Body,
) -> HttpResult<Response> {
    let body = read(body).await?;
    Ok(sse(s
        .bridge
        .agent_completion(&agent, &body, Mode::Stream)
        .await?))
}

pub async fn agent_nostream(
    State(s): State<super::State>,
    Path(agent): Path<String>,
    body: Body,
) -> HttpResult<Json<Value>> {
    let body = read(body).await?;
    let completion = s.bridge.agent_completion(&agent, &body, Mode::NoStream).await?;
    Ok(Json(json!({ "completion": completion.complete().await? })))
}

pub async fn service_stream(
    State(s): State<super::State>,
    Path(service): Path<String>,
    body: Body,
) -> HttpResult<Response> {
    let body = read(body).await?;
    Ok(sse(s
        .bridge
        .service_completion(&service, &body, Mode::Stream)
        .await?))
}

pub async fn service_nostream(
    State(s): State<super::State>,
    Path(service): Path<String>,
    body: Body,
) -> HttpResult<Json<Value>> {
    let body = read(body).await?;
    let completion = s
        .bridge
        .service_completion(&service, &body, Mode::NoStream)
        .await?;
    Ok(Json(json!({ "completion": completion.complete().await? })))
}

/// The body, bounded (one byte over the limit is enough to refuse it).
async fn read(body: Body) -> HttpResult<bytes::Bytes> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body too large: at most {MAX_BODY_BYTES} bytes"),
        )
    })
}

/// The completion's frames as `text/event-stream`, status 200 from the start.
fn sse(completion: Completion) -> Response {
    let frames = ReceiverStream::new(completion.stream()).map(Ok::<_, std::convert::Infallible>);
    let mut response = Response::new(Body::from_stream(frames));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
    response
}

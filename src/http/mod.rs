//! The plugin's HTTP API: one axum `Router` that ServeHTTP feeds, whatever the transport.
//! Mattermost has already authenticated the caller and strips the `/plugins/<id>` prefix; the
//! user arrives as the `Mattermost-User-Id` header.

mod actions;
mod admin;
mod agents;
mod auth;
mod conversations;
mod search;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

pub use auth::{USER_ID_HEADER, UserId};

use crate::plugin::Core;

/// A JSON error body `{"error": "..."}` with its status.
pub struct ApiFailure(pub StatusCode, pub String);

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        (self.0, axum::Json(json!({ "error": self.1 }))).into_response()
    }
}

pub fn router(core: Arc<Core>) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/echo", post(echo))
        .route("/metrics", get(metrics))
        .route("/ai_bots", get(agents::ai_bots))
        .route("/ai_threads", get(conversations::ai_threads))
        .route("/post/{post_id}/stop", post(conversations::stop))
        .route("/post/{post_id}/regenerate", post(conversations::regenerate))
        .route("/post/{post_id}/tool_call", post(actions::tool_call))
        .route("/post/{post_id}/analyze", post(actions::analyze))
        .route("/post/{post_id}/react", post(actions::react))
        .route(
            "/post/{post_id}/summarize_transcription",
            post(actions::summarize_transcription),
        )
        .route(
            "/post/{post_id}/postback_summary",
            post(actions::postback_summary),
        )
        .route("/channel/{channel_id}/interval", post(actions::interval))
        .route("/admin/config/check", get(agents::config_check))
        .route("/admin/models/fetch", post(admin::fetch_models))
        .route("/search", post(search::search))
        .route("/search/run", post(search::run))
        .route("/admin/reindex", post(search::reindex))
        .route("/admin/reindex/status", get(search::reindex_status))
        .route("/admin/reindex/cancel", post(search::reindex_cancel))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(core.clone(), track))
        .with_state(core)
}

/// Counts and times every request by its route pattern (upstream's HTTP metrics).
async fn track(
    State(core): State<Arc<Core>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let handler = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "not_found".into());
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    core.metrics.observe_http(
        &handler,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Which plugin build answers and over which transport: the transport check of every install.
async fn version(State(core): State<Arc<Core>>) -> Response {
    axum::Json(json!({
        "id": crate::PLUGIN_ID,
        "version": crate::PLUGIN_VERSION,
        "transport": core.transport().map(|t| t.as_str()).unwrap_or("none"),
    }))
    .into_response()
}

/// Streams the body back unchanged, for transport checks and benchmarks. System admins only,
/// and always as opaque bytes: reflecting a body with the caller's content type would let a
/// page that tricks a user into posting here run script on the server's origin.
async fn echo(State(core): State<Arc<Core>>, UserId(user): UserId, body: Body) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    response
}

/// The Prometheus text for system admins, for hosts without a metrics listener (the gRPC host
/// has no ServeMetrics hook).
async fn metrics(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    match core.metrics.render() {
        Ok(body) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering metrics");
            ApiFailure(StatusCode::INTERNAL_SERVER_ERROR, "metrics unavailable".into()).into_response()
        }
    }
}

/// System admins only (`manage_system`).
pub async fn require_admin(core: &Core, user: &str) -> Result<(), ApiFailure> {
    let Some(api) = core.api() else {
        return Err(ApiFailure(
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to the server".into(),
        ));
    };
    match api.has_permission_to(user, "manage_system").await {
        Ok(true) => Ok(()),
        Ok(false) => Err(ApiFailure(StatusCode::FORBIDDEN, "system admins only".into())),
        Err(e) => {
            tracing::warn!(error = %e, "permission check failed");
            Err(ApiFailure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "permission check failed".into(),
            ))
        }
    }
}

async fn not_found() -> ApiFailure {
    ApiFailure(StatusCode::NOT_FOUND, "not found".into())
}

//! The plugin itself over HTTP: which build answers (`/version`), the transport check
//! (`/echo`), metrics for hosts without a metrics listener, request metrics and the 404.

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::HttpError;

/// Counts and times every request by its route pattern (upstream's HTTP metrics).
pub async fn track(
    State(s): State<super::State>,
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
    s.answers.metrics.observe_http(
        &handler,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Which plugin build answers and over which transport: the transport check of every install.
pub async fn version(State(s): State<super::State>) -> Response {
    axum::Json(json!({
        "id": crate::PLUGIN_ID,
        "version": crate::PLUGIN_VERSION,
        "transport": s.answers.transport.as_str(),
    }))
    .into_response()
}

/// Streams the body back unchanged, for transport checks and benchmarks; system admins only,
/// and always as opaque bytes: reflecting a body with the caller's content type would let a
/// page that tricks a user into posting here run script on the server's origin.
pub async fn echo(body: Body) -> Response {
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
pub async fn metrics(State(s): State<super::State>) -> Result<Response, HttpError> {
    match s.answers.metrics.render() {
        Ok(body) => Ok((
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            body,
        )
            .into_response()),
        Err(e) => {
            tracing::error!(error = %e, "rendering metrics");
            Err(HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "metrics unavailable",
            ))
        }
    }
}

pub async fn not_found() -> HttpError {
    HttpError::not_found()
}

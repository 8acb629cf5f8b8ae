//! `/mcp-server/*`: the Mattermost MCP server for external clients. Mattermost turns a
//! Personal Access Token or an OAuth access token it issued into `Mattermost-User-Id`; a
//! request without one is told where to authorize (RFC 9728 protected-resource metadata).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{HttpError, UserId};

const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";
const RESOURCE_PATH: &str = "/mcp-server";

/// The plugin's public address (`<SiteURL>/plugins/<id>`), as clients reach it.
fn plugin_url(s: &super::State) -> String {
    format!("{}/plugins/{}", s.answers.site_url(), crate::PLUGIN_ID)
}

/// 404 unless the admin turned the HTTP server on (and the license allows MCP).
pub async fn require_enabled(State(s): State<super::State>, request: Request, next: Next) -> Response {
    if !s.mattermost_tools.http_enabled() {
        return HttpError::not_found().into_response();
    }
    next.run(request).await
}

/// `ANY /mcp-server/mcp`: the streamable HTTP transport.
pub async fn endpoint(State(s): State<super::State>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(UserId(user)) = UserId::of(&parts) else {
        let challenge = format!(
            "Bearer resource_metadata=\"{}{RESOURCE_PATH}{METADATA_PATH}\"",
            plugin_url(&s)
        );
        let mut response = HttpError::new(StatusCode::UNAUTHORIZED, "not authorized").into_response();
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return response;
    };
    let response = s
        .mcp_server
        .serve(&user, axum::http::Request::from_parts(parts, body))
        .await;
    response.map(Body::new)
}

/// `GET /mcp-server/.well-known/oauth-protected-resource` (RFC 9728): this server is a
/// resource of the Mattermost site, whose authorization server issues the tokens.
pub async fn resource_metadata(State(s): State<super::State>) -> Response {
    let site = s.answers.site_url();
    let body = json!({
        "resource": format!("{}{RESOURCE_PATH}", plugin_url(&s)),
        "authorization_servers": [site],
        "scopes_supported": ["user"],
        "resource_name": "Mattermost MCP Server",
    });
    let mut response = axum::Json(body).into_response();
    cors(&mut response);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// Browsers' preflight for the metadata document.
pub async fn preflight() -> Response {
    let mut response = StatusCode::OK.into_response();
    cors(&mut response);
    response
}

fn cors(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
}

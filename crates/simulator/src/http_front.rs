//! The simulated server's HTTP side: `/plugins/mattermost-ai/*` forwarded to ServeHTTP with the
//! rewriting Mattermost applies, and a metrics listener forwarding to ServeMetrics.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use plugin_runtime::host::model::HookContext;

use crate::Simulator;
use crate::connection::PluginConnection;

pub const USER_ID_HEADER: &str = "Mattermost-User-Id";

#[derive(Clone)]
struct Front {
    sim: Arc<crate::SimState>,
    conn: Arc<dyn PluginConnection>,
    metrics: bool,
}

pub async fn listen(
    sim: Arc<crate::SimState>,
    conn: Arc<dyn PluginConnection>,
    metrics: bool,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(sim, conn, metrics);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, task))
}

/// The plugin's routes as the server serves them, for fronts that add routes of their own.
pub fn router(sim: Arc<crate::SimState>, conn: Arc<dyn PluginConnection>, metrics: bool) -> Router {
    Router::new()
        .fallback(forward)
        .with_state(Front { sim, conn, metrics })
}

async fn forward(State(front): State<Front>, request: Request) -> Response {
    let prefix = format!("/plugins/{}", crate::manifest::plugin_id());
    let path = request.uri().path().to_owned();
    let Some(rest) = path
        .strip_prefix(&prefix)
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return (StatusCode::NOT_FOUND, "not a plugin route").into_response();
    };
    if front.metrics && rest != "/metrics" {
        return (
            StatusCode::NOT_FOUND,
            "metrics listener serves /plugins/<id>/metrics only",
        )
            .into_response();
    }
    let (mut parts, body) = request.into_parts();
    // The server rewrites URL.Path only; RequestURI keeps what the client sent.
    let original_uri = parts.uri.to_string();

    // Credentials, in the order the server looks for them.
    let mut token = None;
    let mut from_cookie = false;
    if let Some(auth) = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let auth = auth.trim();
        for scheme in ["Bearer ", "bearer ", "Token ", "token "] {
            if let Some(t) = auth.strip_prefix(scheme) {
                token = Some(t.trim().to_owned());
            }
        }
    }
    let mut query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|s| !s.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    if token.is_none() {
        token = query
            .iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.clone());
    }
    query.retain(|(k, _)| k != "access_token");
    let cookies: Vec<String> = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';').map(|c| c.trim().to_owned()).collect::<Vec<_>>())
        .collect();
    if token.is_none()
        && let Some(c) = cookies.iter().find_map(|c| c.strip_prefix("MMAUTHTOKEN="))
    {
        token = Some(c.to_owned());
        from_cookie = true;
    }

    // Never let a caller claim an identity; only a valid session sets it. The plugin id is
    // set only on inter-plugin and core requests (`inter_plugin`), never from outside.
    parts.headers.remove(USER_ID_HEADER);
    parts.headers.remove(crate::inter_plugin::PLUGIN_ID_HEADER);
    parts.headers.remove(http::header::AUTHORIZATION);
    parts.headers.remove(http::header::REFERER);
    parts.headers.remove(http::header::COOKIE);
    let kept: Vec<&String> = cookies
        .iter()
        .filter(|c| !c.starts_with("MMAUTHTOKEN="))
        .collect();
    if !kept.is_empty()
        && let Ok(v) = HeaderValue::from_str(&kept.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; "))
    {
        parts.headers.insert(http::header::COOKIE, v);
    }

    let mut ctx = HookContext {
        request_id: crate::store::new_id(),
        ip_address: "127.0.0.1".into(),
        ..Default::default()
    };
    if let Some(session) = token.and_then(|t| front.sim.session_for_token(&t)) {
        // Cookie sessions need the CSRF header on state-changing requests, as on the server.
        let csrf_ok = !from_cookie
            || parts.method == http::Method::GET
            || parts
                .headers
                .get("X-Requested-With")
                .is_some_and(|v| v == "XMLHttpRequest");
        if csrf_ok && let Ok(v) = HeaderValue::from_str(&session.user_id) {
            parts.headers.insert(USER_ID_HEADER, v);
            ctx.session_id = session.id;
        }
    }

    let new_path = if rest.is_empty() { "/" } else { rest };
    let pq = if query.is_empty() {
        new_path.to_owned()
    } else {
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    k.clone()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        format!("{new_path}?{}", q.join("&"))
    };
    parts.uri = match pq.parse() {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad path").into_response(),
    };
    parts
        .extensions
        .insert(crate::netrpc_host::RequestUri(original_uri));
    let request = http::Request::from_parts(parts, Body::new(body));
    let result = if front.metrics {
        front.conn.serve_metrics(ctx, request).await
    } else {
        front.conn.serve_http(ctx, request).await
    };
    match result {
        Ok(r) => r,
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("500 internal server error: {e}"),
        )
            .into_response(),
    }
}

impl Simulator {
    /// `http://127.0.0.1:PORT/plugins/mattermost-ai<path>` on the simulated server.
    pub fn plugin_url(&self, path: &str) -> String {
        format!(
            "http://{}/plugins/{}{}",
            self.http_addr,
            crate::manifest::plugin_id(),
            path
        )
    }

    /// The metrics listener's URL, as Mattermost serves plugin metrics on port 8067.
    pub fn metrics_url(&self) -> String {
        format!(
            "http://{}/plugins/{}/metrics",
            self.metrics_addr,
            crate::manifest::plugin_id()
        )
    }
}

//! Connecting a user's account to an MCP server that wants OAuth: `GET
//! /mcp/oauth/{server}/start` sends the browser to the server's authorization server,
//! `GET /oauth/callback` takes the code back (only for the user who started), and `DELETE
//! /mcp/oauth/{server}` forgets the tokens.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{HttpError, HttpResult, UserId};
use crate::config::McpServer;
use crate::mcp::{enabled_servers, oauth};

/// An enabled server by name, when MCP is on and licensed.
fn server(s: &super::State, name: &str) -> Result<McpServer, HttpError> {
    let snap = s.answers.snapshot();
    let mcp = &snap.effective.config.mcp;
    if !mcp.enabled || !snap.entitlements.mcp {
        return Err(HttpError::not_found());
    }
    enabled_servers(mcp)
        .find(|sv| sv.name == name)
        .cloned()
        .ok_or_else(HttpError::not_found)
}

fn refused(e: oauth::OAuthError) -> HttpError {
    HttpError::new(StatusCode::BAD_REQUEST, e.to_string())
}

/// `GET /mcp/oauth/{server}/start`: 302 to the authorization server.
pub async fn start(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(name): Path<String>,
) -> HttpResult<Response> {
    let server = server(&s, &name)?;
    let api = s.answers.api();
    let url = oauth::start(&api, &s.answers.outbound, &server, &user, &s.answers.site_url())
        .await
        .map_err(refused)?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url)]).into_response())
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /oauth/callback`: the page the authorization server sends the browser back to.
pub async fn callback(
    State(s): State<super::State>,
    UserId(user): UserId,
    Query(q): Query<Callback>,
) -> Response {
    let page = |status: StatusCode, title: &str, text: &str| {
        let body = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>{}</p><script>setTimeout(function(){{window.close()}},1500)</script></body></html>",
            escape(title),
            escape(text)
        );
        (status, Html(body)).into_response()
    };
    let (Some(code), Some(state)) = (q.code.as_deref(), q.state.as_deref()) else {
        let why = if q.error.is_some() {
            "The authorization was declined."
        } else {
            "The authorization server sent no code."
        };
        return page(StatusCode::BAD_REQUEST, "Not connected", why);
    };
    let api = s.answers.api();
    let name = match oauth::pending_server(api.as_ref(), &user, state).await {
        Ok(n) => n,
        Err(e) => return page(StatusCode::BAD_REQUEST, "Not connected", &e.to_string()),
    };
    let Ok(server) = server(&s, &name) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            "That MCP server is no longer configured.",
        );
    };
    match oauth::finish(
        &api,
        &s.answers.outbound,
        &server,
        &user,
        &s.answers.site_url(),
        code,
        state,
    )
    .await
    {
        Ok(()) => {
            s.mcp_clients.clients.reset(&server, &user).await;
            page(
                StatusCode::OK,
                "Connected",
                &format!(
                    "Your account is connected to {}. You can close this window.",
                    server.name
                ),
            )
        }
        Err(e) => page(StatusCode::BAD_REQUEST, "Not connected", &e.to_string()),
    }
}

/// `DELETE /mcp/oauth/{server}`: forgets the caller's tokens for the server.
pub async fn disconnect(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(name): Path<String>,
) -> HttpResult<StatusCode> {
    let server = server(&s, &name)?;
    let api = s.answers.api();
    oauth::disconnect(&api, &s.answers.outbound, &server, &user, &s.answers.site_url())
        .await
        .map_err(refused)?;
    s.mcp_clients.clients.reset(&server, &user).await;
    Ok(StatusCode::OK)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

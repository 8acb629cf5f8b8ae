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
use crate::i18n::{Locale, Text, arg};
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
    HttpError::said(StatusCode::BAD_REQUEST, e.text())
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

/// `GET /oauth/callback`: the page the authorization server sends the browser back to, in
/// the user's language.
pub async fn callback(
    State(s): State<super::State>,
    UserId(user): UserId,
    Query(q): Query<Callback>,
) -> Response {
    let locale = caller_locale(&s, &user).await;
    match connect(&s, &user, &q).await {
        Ok(server) => page(
            StatusCode::OK,
            &locale,
            &locale.tr("mcp.oauth.connected.title", &[]),
            &locale.tr("mcp.oauth.connected", &[arg("Server", server)]),
        ),
        Err(why) => page(
            StatusCode::BAD_REQUEST,
            &locale,
            &locale.tr("mcp.oauth.not_connected.title", &[]),
            &why.in_locale(&locale),
        ),
    }
}

/// Finishes the authorization the callback brings back: the server's name, or why not.
async fn connect(s: &super::State, user: &str, q: &Callback) -> Result<String, Text> {
    let (Some(code), Some(state)) = (q.code.as_deref(), q.state.as_deref()) else {
        let why = if q.error.is_some() {
            "mcp.oauth.declined"
        } else {
            "mcp.oauth.no_code"
        };
        return Err(Text::tr(why, &[]));
    };
    let api = s.answers.api();
    let name = oauth::pending_server(api.as_ref(), user, state)
        .await
        .map_err(|e| e.text())?;
    let server = server(s, &name).map_err(|_| Text::tr("mcp.oauth.server_gone", &[]))?;
    oauth::finish(
        &api,
        &s.answers.outbound,
        &server,
        user,
        &s.answers.site_url(),
        code,
        state,
    )
    .await
    .map_err(|e| e.text())?;
    s.mcp_clients.clients.reset(&server, user).await;
    Ok(server.name)
}

/// The user's language; English when they cannot be read (the page is shown either way).
async fn caller_locale(s: &super::State, user: &str) -> Locale {
    match s.answers.api().get_user(user).await {
        Ok(u) => Locale::new(&u.locale),
        Err(_) => Locale::default(),
    }
}

/// A small page that says how the connection went and closes itself.
fn page(status: StatusCode, locale: &Locale, title: &str, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><p>{}</p><script>setTimeout(function(){{window.close()}},1500)</script></body></html>",
        locale.code(),
        escape(title),
        escape(text)
    );
    (status, Html(body)).into_response()
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

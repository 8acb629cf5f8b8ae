//! The checks of the route groups, as layers: a request that fails one never reaches a
//! handler.

use std::collections::HashMap;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{HttpError, UserId};
use crate::agents::access::may_read;
use crate::i18n::Text;

/// Any user the server vouched for (401 otherwise).
pub async fn require_user(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    if UserId::of(&parts).is_none() {
        return HttpError::new(StatusCode::UNAUTHORIZED, "not authorized").into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

/// System admins only (`manage_system`).
pub async fn require_admin(State(s): State<super::State>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Some(UserId(user)) = UserId::of(&parts) else {
        return HttpError::new(StatusCode::UNAUTHORIZED, "not authorized").into_response();
    };
    match s.answers.api().has_permission_to(&user, "manage_system").await {
        Ok(true) => next.run(Request::from_parts(parts, body)).await,
        Ok(false) => HttpError::new(StatusCode::FORBIDDEN, "system admins only").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "permission check failed");
            HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, "permission check failed").into_response()
        }
    }
}

/// Readers of the channel the route names (`{channel_id}`, or the channel of `{post_id}`), as
/// a user reads it: membership for private channels and DMs, `read_channel` for public ones
/// (an admin's power to open any channel does not count). The actions check again, with the
/// agent's rules and the license.
pub async fn require_reader(State(s): State<super::State>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(UserId(user)) = UserId::of(&parts) else {
        return HttpError::new(StatusCode::UNAUTHORIZED, "not authorized").into_response();
    };
    let params =
        match <Path<HashMap<String, String>> as axum::extract::FromRequestParts<_>>::from_request_parts(
            &mut parts,
            &(),
        )
        .await
        {
            Ok(Path(p)) => p,
            Err(_) => return HttpError::not_found().into_response(),
        };
    let api = s.answers.api();
    let channel_id = if let Some(id) = params.get("channel_id") {
        id.clone()
    } else if let Some(id) = params.get("post_id") {
        match api.get_post(id).await {
            Ok(p) => p.channel_id,
            Err(_) => return refusal(StatusCode::NOT_FOUND, "action.post_not_found"),
        }
    } else {
        return HttpError::not_found().into_response();
    };
    let Ok(channel) = api.get_channel(&channel_id).await else {
        return refusal(StatusCode::NOT_FOUND, "action.channel_not_found");
    };
    if !may_read(api.as_ref(), &user, &channel).await {
        return refusal(StatusCode::FORBIDDEN, "access.unreadable");
    }
    next.run(Request::from_parts(parts, body)).await
}

/// A refusal the webapp shows the user, in their language (`super::locale`).
fn refusal(status: StatusCode, id: &'static str) -> Response {
    HttpError::said(status, Text::tr(id, &[])).into_response()
}

//! Acting on an answer post: Stop, Regenerate, tool approval and the private calls and results
//! of tools in channels (upstream's routes, which the mobile app calls), for its requester only
//! (the `Requested` extractor; a post the caller cannot read is a 404 like a missing one).

use axum::Json;
use axum::extract::State;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;

use super::{HttpError, HttpResult, JsonBody, UserId};
use crate::answer::owned::{self, OwnedAnswer, PostActionError};
use crate::answer::props::ToolCallRecord;

/// The answer post of `{post_id}`, checked to be the caller's.
pub struct Requested(pub OwnedAnswer);

impl FromRequestParts<super::State> for Requested {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, s: &super::State) -> Result<Self, HttpError> {
        let UserId(user) = UserId::from_request_parts(parts, s).await?;
        let Path(post_id) = Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(|_| HttpError::not_found())?;
        let api = s.answers.api();
        Ok(Requested(
            owned::own_answer(&s.answers, api.as_ref(), &post_id, &user).await?,
        ))
    }
}

pub async fn stop(State(s): State<super::State>, Requested(answer): Requested) -> HttpResult<StatusCode> {
    owned::stop(&s.answers, answer).await?;
    Ok(StatusCode::OK)
}

pub async fn regenerate(
    State(s): State<super::State>,
    Requested(answer): Requested,
) -> HttpResult<StatusCode> {
    crate::conversations::regenerate(&s.conversations, answer).await?;
    Ok(StatusCode::OK)
}

#[derive(Deserialize)]
pub struct ToolCallBody {
    accepted_tool_ids: Vec<String>,
}

pub async fn tool_call(
    State(s): State<super::State>,
    Requested(answer): Requested,
    JsonBody(b): JsonBody<ToolCallBody>,
) -> HttpResult<StatusCode> {
    crate::conversations::tool_call(&s.conversations, answer, &b.accepted_tool_ids).await?;
    Ok(StatusCode::OK)
}

/// [`Requested`] for routes about what only the requester may see: anyone else gets a 404, as
/// for a post that does not exist, so not even the results' existence shows.
pub struct RequestedOnly(pub OwnedAnswer);

impl FromRequestParts<super::State> for RequestedOnly {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, s: &super::State) -> Result<Self, HttpError> {
        match Requested::from_request_parts(parts, s).await {
            Ok(Requested(answer)) => Ok(RequestedOnly(answer)),
            // Exactly what a missing post answers, message included.
            Err(e) if e.status == StatusCode::FORBIDDEN => Err(PostActionError::NotFound.into()),
            Err(e) => Err(e),
        }
    }
}

/// `GET /post/{id}/tool_call_private`: the requester's tool calls of a channel post, with the
/// arguments the post does not show (upstream's `ToolCall[]`).
pub async fn tool_call_private(
    State(s): State<super::State>,
    RequestedOnly(answer): RequestedOnly,
) -> HttpResult<Json<Vec<ToolCallRecord>>> {
    let calls = crate::conversations::channel_tools::private_calls(&s.conversations, &answer).await?;
    Ok(Json(calls))
}

/// `GET /post/{id}/tool_result_private`: what the calls returned, until the requester decides
/// which results to share.
pub async fn tool_result_private(
    State(s): State<super::State>,
    RequestedOnly(answer): RequestedOnly,
) -> HttpResult<Json<Vec<ToolCallRecord>>> {
    let results = crate::conversations::channel_tools::private_results(&s.conversations, &answer).await?;
    Ok(Json(results))
}

/// `POST /post/{id}/tool_result`: the ids of the calls whose results the requester shares.
pub async fn tool_result(
    State(s): State<super::State>,
    RequestedOnly(answer): RequestedOnly,
    JsonBody(b): JsonBody<ToolCallBody>,
) -> HttpResult<StatusCode> {
    crate::conversations::channel_tools::decide(&s.conversations, answer, &b.accepted_tool_ids).await?;
    Ok(StatusCode::OK)
}

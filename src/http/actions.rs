//! AI Action routes and tool approval. `?botUsername=` picks the agent (default agent when
//! absent or unknown); errors are JSON `{"error": …}` with the status that says why.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{ApiFailure, UserId};
use crate::actions::{self, ActionError};
use crate::plugin::Core;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BotQuery {
    #[serde(rename = "botUsername")]
    pub bot_username: Option<String>,
}

pub fn failure(e: ActionError) -> Response {
    let status = match e {
        ActionError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ActionError::Forbidden(_) => StatusCode::FORBIDDEN,
        ActionError::NotFound(_) => StatusCode::NOT_FOUND,
        ActionError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ActionError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
    };
    ApiFailure(status, e.to_string()).into_response()
}

/// A JSON body, or a 400 that says what is wrong with it.
pub fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiFailure(StatusCode::BAD_REQUEST, format!("invalid request body: {e}")))
}

#[derive(Deserialize)]
struct AnalyzeBody {
    analysis_type: String,
}

pub async fn analyze(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    Query(q): Query<BotQuery>,
    bytes: axum::body::Bytes,
) -> Response {
    let b: AnalyzeBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    match actions::analyze::start(
        &core,
        &user,
        &post_id,
        &b.analysis_type,
        q.bot_username.as_deref(),
    )
    .await
    {
        Ok(s) => axum::Json(s).into_response(),
        Err(e) => failure(e),
    }
}

pub async fn interval(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(channel_id): Path<String>,
    Query(q): Query<BotQuery>,
    bytes: axum::body::Bytes,
) -> Response {
    let b: actions::channel::Interval = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    match actions::channel::start(&core, &user, &channel_id, b, q.bot_username.as_deref()).await {
        Ok(s) => axum::Json(s).into_response(),
        Err(e) => failure(e),
    }
}

pub async fn summarize_transcription(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    Query(q): Query<BotQuery>,
) -> Response {
    match actions::meetings::summarize(&core, &user, &post_id, q.bot_username.as_deref()).await {
        Ok(s) => axum::Json(s).into_response(),
        Err(e) => failure(e),
    }
}

pub async fn postback_summary(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
) -> Response {
    match actions::meetings::postback(&core, &user, &post_id).await {
        Ok((rootid, channelid)) => {
            axum::Json(json!({"rootid": rootid, "channelid": channelid})).into_response()
        }
        Err(e) => failure(e),
    }
}

pub async fn react(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    Query(q): Query<BotQuery>,
) -> Response {
    match actions::react::react(&core, &user, &post_id, q.bot_username.as_deref()).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
struct ToolCallBody {
    accepted_tool_ids: Vec<String>,
}

pub async fn tool_call(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    bytes: axum::body::Bytes,
) -> Response {
    let b: ToolCallBody = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    match crate::conversations::tool_call(&core, &post_id, &user, &b.accepted_tool_ids).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => super::conversations::failure(e),
    }
}

//! Semantic search routes: answers for users, the reindex job for admins.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::actions::{BotQuery, body, failure};
use super::{UserId, require_admin};
use crate::plugin::Core;
use crate::search::answer;
use crate::search::indexer::{self, JobError};

/// `POST /search`: `{answer, results}`.
pub async fn search(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Query(q): Query<BotQuery>,
    bytes: axum::body::Bytes,
) -> Response {
    let b: answer::Query = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    match answer::ask(&core, &user, &b, q.bot_username.as_deref()).await {
        Ok((text, results)) => axum::Json(json!({"answer": text, "results": results})).into_response(),
        Err(e) => failure(e),
    }
}

/// `POST /search/run`: `{postid, channelid}` of the question posted in the agent's DM.
pub async fn run(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Query(q): Query<BotQuery>,
    bytes: axum::body::Bytes,
) -> Response {
    let b: answer::Query = match body(&bytes) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    answer::run(&core, &user, &b, q.bot_username.as_deref())
        .await
        .map_or_else(failure, |s| axum::Json(s).into_response())
}

/// `POST /admin/reindex`: starts rebuilding the index; 409 with the running job's status.
pub async fn reindex(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    match indexer::start_reindex(&core).await {
        Ok(s) => axum::Json(s).into_response(),
        Err(JobError::Running(s)) => (StatusCode::CONFLICT, axum::Json(s)).into_response(),
        Err(JobError::Search(e)) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

fn no_job() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(json!({"status": "no_job"}))).into_response()
}

/// `GET /admin/reindex/status`.
pub async fn reindex_status(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    let Some(api) = core.api() else { return no_job() };
    match indexer::job_status(api.as_ref()).await {
        Some(s) => axum::Json(s).into_response(),
        None => no_job(),
    }
}

/// `POST /admin/reindex/cancel`.
pub async fn reindex_cancel(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    let Some(api) = core.api() else { return no_job() };
    match indexer::cancel_reindex(api.as_ref()).await {
        Some(Ok(s)) => axum::Json(s).into_response(),
        Some(Err(_)) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"status": "not_running"})),
        )
            .into_response(),
        None => no_job(),
    }
}

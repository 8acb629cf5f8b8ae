//! The search index's jobs, for system admins: a full reindex (or its resume with
//! `{"clearIndex": false}`), a catch-up of missing and edited posts, status, cancel (409 with
//! the running job's status when one runs; `{"status": "no_job"}` (404) when there is none),
//! and the index's health.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::{HttpError, HttpResult};
use crate::search::health::{self, HealthCheckResult};
use crate::search::reindex::{self, JobError, JobStatus, Mode};

fn no_job() -> HttpError {
    HttpError::with_body(StatusCode::NOT_FOUND, json!({"status": "no_job"}))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReindexRequest {
    #[serde(default = "yes")]
    clear_index: bool,
}

fn yes() -> bool {
    true
}

fn started(r: Result<JobStatus, JobError>) -> HttpResult<axum::Json<JobStatus>> {
    match r {
        Ok(status) => Ok(axum::Json(status)),
        Err(JobError::Running(status)) => Err(HttpError::with_body(
            StatusCode::CONFLICT,
            serde_json::to_value(status).unwrap_or_default(),
        )),
        Err(JobError::Search(e)) => Err(HttpError::bad_request(e.for_user())),
    }
}

/// `POST /admin/reindex` (an empty body is a full reindex from an empty index).
pub async fn reindex(
    State(s): State<super::State>,
    body: axum::body::Bytes,
) -> HttpResult<axum::Json<JobStatus>> {
    let clear = if body.iter().all(u8::is_ascii_whitespace) {
        true
    } else {
        serde_json::from_slice::<ReindexRequest>(&body)
            .map_err(|_| HttpError::bad_request("the body must be {\"clearIndex\": true|false}"))?
            .clear_index
    };
    started(reindex::start(&s.search, Mode::Reindex { clear }).await)
}

/// `POST /admin/reindex/catchup`.
pub async fn catch_up(State(s): State<super::State>) -> HttpResult<axum::Json<JobStatus>> {
    started(reindex::start(&s.search, Mode::CatchUp).await)
}

/// `GET /admin/reindex/status`.
pub async fn reindex_status(State(s): State<super::State>) -> HttpResult<axum::Json<JobStatus>> {
    reindex::job_status(s.answers.api().as_ref())
        .await
        .map(axum::Json)
        .ok_or_else(no_job)
}

/// `POST /admin/reindex/cancel`.
pub async fn reindex_cancel(State(s): State<super::State>) -> HttpResult<axum::Json<JobStatus>> {
    match reindex::cancel(s.answers.api().as_ref()).await {
        Some(Ok(status)) => Ok(axum::Json(status)),
        Some(Err(_)) => Err(HttpError::with_body(
            StatusCode::BAD_REQUEST,
            json!({"status": "not_running"}),
        )),
        None => Err(no_job()),
    }
}

/// `GET /admin/reindex/health-check`.
pub async fn health_check(State(s): State<super::State>) -> axum::Json<HealthCheckResult> {
    axum::Json(health::check(&s.search).await)
}

//! The search index's rebuild job, for system admins: start (409 with the running job's
//! status), status and cancel; `{"status": "no_job"}` (404) when there is none.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::{HttpError, HttpResult};
use crate::search::indexer::{self, JobError, JobStatus};

fn no_job() -> HttpError {
    HttpError::with_body(StatusCode::NOT_FOUND, json!({"status": "no_job"}))
}

/// `POST /admin/reindex`.
pub async fn reindex(State(s): State<super::State>) -> HttpResult<axum::Json<JobStatus>> {
    match indexer::start_reindex(&s.search).await {
        Ok(status) => Ok(axum::Json(status)),
        Err(JobError::Running(status)) => Err(HttpError::with_body(
            StatusCode::CONFLICT,
            serde_json::to_value(status).unwrap_or_default(),
        )),
        Err(JobError::Search(e)) => Err(HttpError::bad_request(e.to_string())),
    }
}

/// `GET /admin/reindex/status`.
pub async fn reindex_status(State(s): State<super::State>) -> HttpResult<axum::Json<JobStatus>> {
    indexer::job_status(s.answers.api().as_ref())
        .await
        .map(axum::Json)
        .ok_or_else(no_job)
}

/// `POST /admin/reindex/cancel`.
pub async fn reindex_cancel(State(s): State<super::State>) -> HttpResult<axum::Json<JobStatus>> {
    match indexer::cancel_reindex(s.answers.api().as_ref()).await {
        Some(Ok(status)) => Ok(axum::Json(status)),
        Some(Err(_)) => Err(HttpError::with_body(
            StatusCode::BAD_REQUEST,
            json!({"status": "not_running"}),
        )),
        None => Err(no_job()),
    }
}

//! The one error type of the HTTP edge: every refusal and failure a handler returns becomes a
//! status and a JSON body here, whichever domain error it came from.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::answer::delivery::ActionError;
use crate::answer::owned::PostActionError;

/// A status with a JSON body: `{"error": "..."}`, or a body of its own (a job's status).
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub body: Value,
}

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            body: json!({ "error": message.into() }),
        }
    }

    /// A status with a body that is not an error message (e.g. a reindex job's state).
    pub fn with_body(status: StatusCode, body: Value) -> Self {
        HttpError { status, body }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not found")
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

impl From<ActionError> for HttpError {
    fn from(e: ActionError) -> Self {
        let status = match e {
            ActionError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ActionError::Forbidden(_) => StatusCode::FORBIDDEN,
            ActionError::NotFound(_) => StatusCode::NOT_FOUND,
            ActionError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ActionError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
        };
        HttpError::new(status, e.to_string())
    }
}

impl From<PostActionError> for HttpError {
    fn from(e: PostActionError) -> Self {
        let status = match e {
            PostActionError::NotFound => StatusCode::NOT_FOUND,
            PostActionError::NotRequester => StatusCode::FORBIDDEN,
            PostActionError::Refused(_) => StatusCode::BAD_REQUEST,
            PostActionError::Unavailable(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError::new(status, e.to_string())
    }
}

/// What a handler returns.
pub type HttpResult<T> = Result<T, HttpError>;

//! The one error type of the HTTP edge: every refusal and failure a handler returns becomes a
//! status and a JSON body here, whichever domain error it came from. A refusal meant for a chat
//! user keeps its message unsaid (`Said`) until `localize` knows the caller's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::answer::delivery::ActionError;
use crate::answer::owned::PostActionError;
use crate::i18n::Text;

/// A status with a JSON body: `{"error": "..."}`, or a body of its own (a job's status).
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub body: Value,
    /// The message of a refusal a chat user reads, said again in their language on the way
    /// out (`super::locale::localize`); the body holds its English.
    text: Option<Text>,
}

/// A response's message for its caller, as a response extension: the `localize` layer turns
/// it into the body in the caller's language.
#[derive(Debug, Clone)]
pub struct Said(pub Text);

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HttpError {
            status,
            body: json!({ "error": message.into() }),
            text: None,
        }
    }

    /// A refusal a chat user reads: `{"error": …}` in their language.
    pub fn said(status: StatusCode, text: Text) -> Self {
        HttpError {
            status,
            body: json!({ "error": text.to_string() }),
            text: text.is_translated().then_some(text),
        }
    }

    /// A status with a body that is not an error message (e.g. a reindex job's state).
    pub fn with_body(status: StatusCode, body: Value) -> Self {
        HttpError {
            status,
            body,
            text: None,
        }
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
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(text) = self.text {
            response.extensions_mut().insert(Said(text));
        }
        response
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
        HttpError::said(status, e.text().clone())
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
        HttpError::said(status, e.text())
    }
}

/// What a handler returns.
pub type HttpResult<T> = Result<T, HttpError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_carries_its_message_for_the_callers_language() {
        let r = HttpError::from(PostActionError::NotRequester).into_response();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let said = r.extensions().get::<Said>().expect("the message");
        assert_eq!(said.0, Text::tr("answer.not_requester", &[]));
        // A plain detail is said as it is: nothing to translate, no user to read.
        let plain = HttpError::from(ActionError::Failed("reading the user: gone".into())).into_response();
        assert!(plain.extensions().get::<Said>().is_none());
        assert!(
            HttpError::not_found()
                .into_response()
                .extensions()
                .get::<Said>()
                .is_none()
        );
    }
}

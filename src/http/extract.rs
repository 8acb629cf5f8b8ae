//! What handlers take from a request: the caller the server vouched for, a JSON body (a bad one
//! is a 400 that says what is wrong), and the `?botUsername=` that picks an agent.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::HttpError;

/// The header Mattermost sets, only for a valid session.
pub const USER_ID_HEADER: &str = "Mattermost-User-Id";

/// The authenticated user; extraction fails with 401 when the server vouched for nobody.
#[derive(Debug, Clone)]
pub struct UserId(pub String);

impl UserId {
    pub fn of(parts: &Parts) -> Option<UserId> {
        parts
            .headers
            .get(USER_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| UserId(v.to_owned()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for UserId {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        UserId::of(parts).ok_or_else(|| HttpError::new(StatusCode::UNAUTHORIZED, "not authorized"))
    }
}

/// A JSON body of type `T`, whatever the content type the client sent (upstream's clients
/// are not consistent), or a 400 that says what is wrong with it.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| HttpError::new(e.status(), e.body_text()))?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| HttpError::bad_request(format!("invalid request body: {e}")))
    }
}

/// `?botUsername=`: the agent to use (the default agent when absent or unknown).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BotQuery {
    #[serde(rename = "botUsername")]
    pub bot_username: Option<String>,
}

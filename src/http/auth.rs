//! Who is calling: the server sets `Mattermost-User-Id` only for a valid session.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::ApiFailure;

pub const USER_ID_HEADER: &str = "Mattermost-User-Id";

/// The authenticated user; extraction fails with 401 when the server vouched for nobody.
#[derive(Debug, Clone)]
pub struct UserId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UserId {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get(USER_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| UserId(v.to_owned()))
            .ok_or_else(|| ApiFailure(StatusCode::UNAUTHORIZED, "not authorized".into()))
    }
}

//! Refusals in the caller's language: a response that carries a message for a chat user
//! (`error::Said`) gets its body said again in the language of the user the server vouched
//! for. One user read per refused request, none for the others; English when the user cannot
//! be read (the body already holds it).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::USER_ID_HEADER;
use super::error::Said;
use crate::i18n::Locale;

pub async fn localize(State(s): State<super::State>, request: Request, next: Next) -> Response {
    let user = request
        .headers()
        .get(USER_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let mut response = next.run(request).await;
    let Some(Said(text)) = response.extensions_mut().remove::<Said>() else {
        return response;
    };
    let Some(user) = user else { return response };
    let locale = match s.answers.api().get_user(&user).await {
        Ok(u) => Locale::new(&u.locale),
        Err(e) => {
            tracing::debug!(error = %e, "the caller's language could not be read");
            return response;
        }
    };
    if locale.is_english() {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    // The body is rebuilt: its length changes.
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = axum::Json(json!({ "error": text.in_locale(&locale) })).into_response();
    Response::from_parts(parts, body.into_body())
}

//! `GET /ai_bots`: the agents the caller may use.

use axum::extract::State;
use serde_json::Value;

use super::UserId;

pub async fn ai_bots(State(s): State<super::State>, UserId(user): UserId) -> axum::Json<Value> {
    let api = s.answers.api();
    axum::Json(crate::agents::listing::visible(api.as_ref(), &s.answers.snapshot(), &user).await)
}

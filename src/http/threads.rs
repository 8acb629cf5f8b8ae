//! `GET /ai_threads`: the caller's conversations with the agents.

use axum::extract::State;

use super::UserId;
use crate::conversations::threads::{self, Thread};

pub async fn ai_threads(State(s): State<super::State>, UserId(user): UserId) -> axum::Json<Vec<Thread>> {
    axum::Json(threads::list(&s.conversations, &user).await)
}

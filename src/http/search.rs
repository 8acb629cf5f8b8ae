//! Semantic search answers for users: `POST /search` answers in the response, `POST
//! /search/run` in the caller's DM with the agent.

use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::{BotQuery, HttpResult, JsonBody, UserId};
use crate::answer::delivery::Started;
use crate::search::answer;

/// `POST /search`: `{answer, results}`.
pub async fn search(
    State(s): State<super::State>,
    UserId(user): UserId,
    Query(q): Query<BotQuery>,
    JsonBody(b): JsonBody<answer::Query>,
) -> HttpResult<axum::Json<Value>> {
    let (text, results) = answer::ask(&s.search, &user, &b, q.bot_username.as_deref()).await?;
    Ok(axum::Json(json!({"answer": text, "results": results})))
}

/// `POST /search/run`: `{postid, channelid}` of the question posted in the agent's DM.
pub async fn run(
    State(s): State<super::State>,
    UserId(user): UserId,
    Query(q): Query<BotQuery>,
    JsonBody(b): JsonBody<answer::Query>,
) -> HttpResult<axum::Json<Started>> {
    Ok(axum::Json(
        answer::run(&s.search, &user, &b, q.bot_username.as_deref()).await?,
    ))
}

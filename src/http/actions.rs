//! AI Action routes. `?botUsername=` picks the agent (the default agent when absent or
//! unknown); the caller reads the channel (the group's layer), the action checks the rest.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BotQuery, HttpResult, JsonBody, UserId};
use crate::actions;
use crate::answer::delivery::Started;

#[derive(Deserialize)]
pub struct AnalyzeBody {
    analysis_type: String,
}

pub async fn analyze(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    Query(q): Query<BotQuery>,
    JsonBody(b): JsonBody<AnalyzeBody>,
) -> HttpResult<axum::Json<Started>> {
    let started = actions::analyze::start(
        &s.answers,
        &user,
        &post_id,
        &b.analysis_type,
        q.bot_username.as_deref(),
    )
    .await?;
    Ok(axum::Json(started))
}

pub async fn interval(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(channel_id): Path<String>,
    Query(q): Query<BotQuery>,
    JsonBody(b): JsonBody<actions::channel::Interval>,
) -> HttpResult<axum::Json<Started>> {
    let started =
        actions::channel::start(&s.answers, &user, &channel_id, b, q.bot_username.as_deref()).await?;
    Ok(axum::Json(started))
}

/// `POST /channel/{id}/analyze` (the mobile app's channel summary).
pub async fn analyze_channel(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(channel_id): Path<String>,
    Query(q): Query<BotQuery>,
    JsonBody(b): JsonBody<actions::channel::Analyze>,
) -> HttpResult<axum::Json<Started>> {
    let started =
        actions::channel::analyze(&s.answers, &user, &channel_id, b, q.bot_username.as_deref()).await?;
    Ok(axum::Json(started))
}

pub async fn summarize_transcription(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    Query(q): Query<BotQuery>,
) -> HttpResult<axum::Json<Started>> {
    let started =
        actions::meetings::summarize(&s.answers, &user, &post_id, q.bot_username.as_deref()).await?;
    Ok(axum::Json(started))
}

pub async fn postback_summary(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
) -> HttpResult<axum::Json<Value>> {
    let (rootid, channelid) = actions::meetings::postback(&s.answers, &user, &post_id).await?;
    Ok(axum::Json(json!({"rootid": rootid, "channelid": channelid})))
}

pub async fn react(
    State(s): State<super::State>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
    Query(q): Query<BotQuery>,
) -> HttpResult<impl IntoResponse> {
    actions::react::react(&s.answers, &user, &post_id, q.bot_username.as_deref()).await?;
    Ok(StatusCode::OK)
}

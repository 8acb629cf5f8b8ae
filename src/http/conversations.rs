//! Conversation routes: stop and regenerate an answer, and the user's conversation list.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{ApiFailure, UserId};
use crate::conversations::{self, PostActionError, titles};
use crate::plugin::Core;

/// Conversations listed at most, newest first (upstream's limit).
const MAX_THREADS: usize = 60;
/// Posts read per DM page, and pages read at most, while collecting root posts.
const PAGE: i64 = 200;
const MAX_PAGES: i64 = 5;

pub(super) fn failure(e: PostActionError) -> Response {
    let status = match e {
        PostActionError::NotFound => StatusCode::NOT_FOUND,
        PostActionError::NotRequester => StatusCode::FORBIDDEN,
        PostActionError::Refused(_) => StatusCode::BAD_REQUEST,
        PostActionError::Unavailable(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiFailure(status, e.to_string()).into_response()
}

pub async fn stop(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
) -> Response {
    match conversations::stop(&core, &post_id, &user).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => failure(e),
    }
}

pub async fn regenerate(
    State(core): State<Arc<Core>>,
    UserId(user): UserId,
    Path(post_id): Path<String>,
) -> Response {
    match conversations::regenerate(&core, &post_id, &user).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => failure(e),
    }
}

/// Upstream's `AIThread`.
#[derive(Serialize)]
struct Thread {
    id: String,
    message: String,
    title: String,
    channel_id: String,
    reply_count: i64,
    update_at: i64,
}

/// `GET /ai_threads`: the root posts of the user's DMs with the agents they may use.
pub async fn ai_threads(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    let Some(api) = core.api() else {
        return ApiFailure(
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to the server".into(),
        )
        .into_response();
    };
    let snap = core.snapshot();
    let mut roots = Vec::new();
    for agent in snap.agents() {
        let Some(bot_id) = snap.bot_ids.get(&agent.name) else {
            continue;
        };
        if crate::agents::access::check_user(api.as_ref(), agent, &user)
            .await
            .is_err()
        {
            continue;
        }
        let dm = match api.get_direct_channel(&user, bot_id).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not open a DM with an agent");
                continue;
            }
        };
        let mut found = 0usize;
        for page in 0..MAX_PAGES {
            let Ok(list) = api.get_posts_for_channel(&dm.id, page, PAGE).await else {
                break;
            };
            let n = list.order.len();
            for p in list.posts.into_values() {
                if p.root_id.is_empty() && p.delete_at == 0 && p.user_id == user {
                    roots.push(p);
                    found += 1;
                }
            }
            if (n as i64) < PAGE || found >= MAX_THREADS {
                break;
            }
        }
    }
    roots.sort_by_key(|p| std::cmp::Reverse(p.create_at));
    roots.dedup_by(|a, b| a.id == b.id);
    roots.truncate(MAX_THREADS);
    let mut out = Vec::with_capacity(roots.len());
    for p in roots {
        out.push(Thread {
            title: titles::title(api.as_ref(), &p.id).await,
            id: p.id,
            message: p.message,
            channel_id: p.channel_id,
            reply_count: p.reply_count,
            update_at: p.update_at.max(p.last_reply_at),
        });
    }
    axum::Json(out).into_response()
}

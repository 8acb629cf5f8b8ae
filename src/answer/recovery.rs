//! Restart recovery: at activation, answers a previous run left mid-stream get a note instead
//! of staying in streaming state forever, and marks another node still renews are left alone.

use std::sync::Arc;

use serde_json::json;

use super::AnswerCore;
use super::mark::{self, STREAMING_KEY_PREFIX, now_ms};
use super::props::{self, POST_UPDATE_EVENT, event};
use crate::i18n::Locale;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

/// A mark not renewed for this long belongs to an answer nobody is writing any more.
const STALE_AFTER_MS: i64 = 60_000;

/// At activation: answers left mid-stream by a previous run get an "interrupted" note instead
/// of staying in streaming state forever.
pub async fn recover_interrupted(core: &Arc<AnswerCore>) {
    // Marks still renewed belong to answers another node is writing; they get a second look
    // once they would have gone stale.
    if finish_stale(core).await {
        tokio::time::sleep(std::time::Duration::from_millis(STALE_AFTER_MS as u64 + 30_000)).await;
        finish_stale(core).await;
    }
}

/// Finishes the answers whose marks went stale; true when live marks were left alone.
async fn finish_stale(core: &Arc<AnswerCore>) -> bool {
    let api = core.api();
    let mut keys = Vec::new();
    for page in 0.. {
        match api.kv_list(page, 200).await {
            Ok(list) => {
                let done = list.len() < 200;
                keys.extend(list.into_iter().filter(|k| k.starts_with(STREAMING_KEY_PREFIX)));
                if done {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not list interrupted answers");
                return false;
            }
        }
    }
    let mut live_elsewhere = false;
    for key in keys {
        let post_id = &key[STREAMING_KEY_PREFIX.len()..];
        if core.streams.is_active(post_id) {
            continue;
        }
        let value = match api.kv_get(&key).await {
            Ok(Some(v)) => v,
            _ => continue,
        };
        if mark::mark_time(&value).is_some_and(|t| now_ms() - t < STALE_AFTER_MS) {
            live_elsewhere = true;
            continue;
        }
        // Claim the mark by removing exactly what we read: when two nodes activate together
        // only one of them adds the note.
        match api.kv_compare_and_set(&key, &value, None).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim an interrupted answer");
                continue;
            }
        }
        let finished = match api.get_post(post_id).await {
            Ok(mut post) => {
                let note = requester_locale(api.as_ref(), &post)
                    .await
                    .tr("answer.note.interrupted", &[]);
                let sep = if post.message.is_empty() { "" } else { "\n\n" };
                post.message = format!("{}{sep}{note}", post.message);
                match api.update_post(&post).await {
                    Ok(_) => {
                        let mut payload = serde_json::Map::new();
                        payload.insert(event::POST_ID.into(), json!(post_id));
                        payload.insert(event::CONTROL.into(), json!(event::CONTROL_END));
                        let _ = api
                            .publish_websocket_event(
                                POST_UPDATE_EVENT,
                                payload,
                                &plugin_runtime::host::model::WebsocketBroadcast {
                                    channel_id: post.channel_id.clone(),
                                    ..Default::default()
                                },
                            )
                            .await;
                        true
                    }
                    Err(e) => {
                        tracing::warn!(post_id, error = %e, "could not finish an interrupted answer");
                        false
                    }
                }
            }
            // The post is gone: nothing to finish.
            Err(_) => true,
        };
        if !finished {
            // Put the mark back so a later activation tries again.
            let _ = api.kv_set(&key, &value).await;
        }
    }
    live_elsewhere
}

/// The language of the user who asked for `post` (its requester prop): the note is theirs.
/// English when the post names nobody (older answers) or the user cannot be read: recovery
/// must not stop at one unreadable user.
async fn requester_locale(api: &dyn MattermostApi, post: &Post) -> Locale {
    let Some(requester) = post.prop_str(props::REQUESTER).filter(|r| !r.is_empty()) else {
        return Locale::default();
    };
    match api.get_user(requester).await {
        Ok(user) => Locale::new(&user.locale),
        Err(e) => {
            tracing::debug!(error = %e, "the requester of an interrupted answer could not be read");
            Locale::default()
        }
    }
}

//! Tool calls in channel threads (`enableChannelMentionToolCalling`). The agent is offered its
//! tools and the requester approves the calls as in a DM, but what the tools returned stays the
//! requester's until they decide: the post records each call's status with an empty result,
//! and the results wait in the KV store, for a day, readable by the requester alone. Sharing
//! writes them onto the post and the agent continues with them; keeping them private drops
//! them and the agent continues with a note in their place, so no public answer is built on
//! them. Either decision is taken once per post.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Conversations, continue_after_tools, record_tool_calls};
use crate::answer::Turn;
use crate::answer::owned::{OwnedAnswer, PostActionError, answer_turn};
use crate::answer::props::{self, ToolCallRecord, ToolCallStatus};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

/// KV key of a post's private results (`tool_private_<post id>`), and how long they wait for
/// the requester's decision.
const RESULTS_PREFIX: &str = "tool_private_";
const RESULTS_SECONDS: i64 = 24 * 60 * 60;
/// KV key claiming the decision about a post's results: held longer than the results live, so
/// a post is decided at most once.
const DECISION_PREFIX: &str = "tool_results_decided_";
const DECISION_SECONDS: i64 = RESULTS_SECONDS + 60 * 60;

/// What the post records, and the model reads, in place of a result the user kept private.
pub const KEPT_PRIVATE: &str =
    "The user who asked chose to keep this tool result private. It is not available in this conversation.";

/// Whether an agent may be offered tools in `channel`: always in a DM, elsewhere when the admin
/// turned channel tool calling on.
pub fn offered_in(core: &Conversations, channel: &Channel) -> bool {
    channel.is_direct()
        || core
            .snapshot()
            .effective
            .config
            .enable_channel_mention_tool_calling
}

/// One call's outcome as only the requester sees it before sharing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivateResult {
    pub id: String,
    pub name: String,
    pub result: String,
    pub status: ToolCallStatus,
}

/// The KV value: whose results they are, and the results.
#[derive(Serialize, Deserialize)]
struct Stored {
    user_id: String,
    results: Vec<PrivateResult>,
}

fn results_key(post_id: &str) -> String {
    format!("{RESULTS_PREFIX}{post_id}")
}

fn ran(c: &ToolCallRecord) -> bool {
    matches!(c.status, ToolCallStatus::Success | ToolCallStatus::Error)
}

/// After a channel post's calls ran: keeps the results for the requester, records the
/// statuses on the post without them, and waits for the requester's decision. Calls that were
/// all rejected have nothing to keep: the agent continues at once, as in a DM.
pub(super) async fn hold(
    core: &Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    mut post: Post,
    mut calls: Vec<ToolCallRecord>,
    turn: Turn,
    user_id: &str,
) -> Result<(), PostActionError> {
    let results: Vec<PrivateResult> = calls
        .iter()
        .filter(|c| ran(c))
        .map(|c| PrivateResult {
            id: c.id.clone(),
            name: c.name.clone(),
            result: c.result.clone(),
            status: c.status,
        })
        .collect();
    if results.is_empty() {
        let post = record_tool_calls(api.as_ref(), post, &calls).await?;
        return continue_after_tools(core, api, post, turn, user_id).await;
    }
    let stored = Stored {
        user_id: user_id.to_owned(),
        results,
    };
    let bytes = serde_json::to_vec(&stored)
        .map_err(|_| PostActionError::Unavailable("the tool results could not be kept".into()))?;
    api.kv_set_with_expiry(&results_key(&post.id), &bytes, RESULTS_SECONDS)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("keeping the tool results")))?;
    for c in &mut calls {
        c.result.clear();
    }
    post.props.insert(
        props::PRIVATE_TOOL_RESULTS.into(),
        json!(props::PRIVATE_RESULTS_PENDING),
    );
    record_tool_calls(api.as_ref(), post, &calls).await?;
    Ok(())
}

/// The stored results of `post_id` if they are `user_id`'s.
async fn stored(
    api: &dyn MattermostApi,
    post_id: &str,
    user_id: &str,
) -> Result<Option<Vec<PrivateResult>>, PostActionError> {
    let raw = api
        .kv_get(&results_key(post_id))
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("reading the tool results")))?;
    Ok(raw
        .and_then(|b| serde_json::from_slice::<Stored>(&b).ok())
        .filter(|s| s.user_id == user_id)
        .map(|s| s.results))
}

/// `GET /post/{id}/tool_result`: the requester's private results of the post (none once
/// decided or expired).
pub async fn private_results(
    core: &Arc<Conversations>,
    answer: &OwnedAnswer,
) -> Result<Vec<PrivateResult>, PostActionError> {
    let api = core.api();
    Ok(stored(api.as_ref(), &answer.post().id, answer.user_id())
        .await?
        .unwrap_or_default())
}

/// `POST /post/{id}/tool_result`: shares the private results onto the post, or keeps them
/// private, and lets the agent continue in the thread.
pub async fn decide(
    core: &Arc<Conversations>,
    answer: OwnedAnswer,
    share: bool,
) -> Result<(), PostActionError> {
    let api = core.api();
    let user_id = answer.user_id().to_owned();
    let mut post = answer.into_post();
    if post.prop_str(props::PRIVATE_TOOL_RESULTS) != Some(props::PRIVATE_RESULTS_PENDING) {
        return Err(PostActionError::Refused(
            "this post has no private tool results to decide about".into(),
        ));
    }
    let mut calls = props::tool_calls(&post)
        .ok_or_else(|| PostActionError::Refused("this post has no tool calls".into()))?;
    let turn = answer_turn(&core.core, api.as_ref(), &post, &user_id).await?;
    let claim = format!("{DECISION_PREFIX}{}", post.id);
    match api
        .kv_insert_if_absent(&claim, user_id.as_bytes(), DECISION_SECONDS)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Err(PostActionError::Refused(
                "these tool results were already decided".into(),
            ));
        }
        Err(e) => return Err(PostActionError::Unavailable(e.for_user("claiming the decision"))),
    }
    let outcome = async {
        let state = if share {
            let results = stored(api.as_ref(), &post.id, &user_id).await?.ok_or_else(|| {
                PostActionError::Refused("these tool results are no longer available".into())
            })?;
            for c in &mut calls {
                if let Some(r) = results.iter().find(|r| r.id == c.id) {
                    c.result = r.result.clone();
                }
            }
            props::PRIVATE_RESULTS_SHARED
        } else {
            for c in calls.iter_mut().filter(|c| ran(c)) {
                c.result = KEPT_PRIVATE.to_owned();
            }
            props::PRIVATE_RESULTS_KEPT
        };
        post.props
            .insert(props::PRIVATE_TOOL_RESULTS.into(), json!(state));
        let post = record_tool_calls(api.as_ref(), post, &calls).await?;
        if let Err(e) = api.kv_delete(&results_key(&post.id)).await {
            tracing::warn!(error = %e, "could not delete decided tool results");
        }
        continue_after_tools(core, api.clone(), post, turn, &user_id).await
    }
    .await;
    if outcome.is_err() {
        let _ = api.kv_delete(&claim).await;
    }
    outcome
}

/// Regenerate drops the answer's tool calls: their private results and decision go too.
pub(super) async fn forget(api: &dyn MattermostApi, post_id: &str) {
    for key in [results_key(post_id), format!("{DECISION_PREFIX}{post_id}")] {
        if let Err(e) = api.kv_delete(&key).await {
            tracing::warn!(error = %e, "could not delete a regenerated answer's tool results");
        }
    }
}

//! Tool calls outside DMs (`enableChannelMentionToolCalling`), with upstream's contract, which
//! the mobile app and upstream's webapp speak. The agent is offered its tools and the requester
//! approves the calls as in a DM, but what is private stays the requester's until they decide:
//! - the post and its channel see each call's name and status only (`pending_tool_call` with
//!   arguments `{}` and no result, `pending_tool_call_redacted`); the whole calls wait in the
//!   KV store for the requester (`GET /post/{id}/tool_call_private`), and the calls run with
//!   those arguments;
//! - once the calls ran, their results wait there too (`pending_tool_result`,
//!   `GET /post/{id}/tool_result_private`), for a day, until the requester chooses which to
//!   share (`POST /post/{id}/tool_result` `{accepted_tool_ids}`, decided once): those go onto
//!   the post and to the agent, the others are replaced by a note that they were kept private,
//!   and the agent continues in the thread.

use std::sync::Arc;

use serde_json::json;

use super::{Conversations, continue_after_tools, record_tool_calls};
use crate::answer::Turn;
use crate::answer::owned::{OwnedAnswer, PostActionError, answer_turn};
use crate::answer::props::{self, ToolCallRecord};
use crate::i18n::Text;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

/// KV key claiming the decision about a post's results: held longer than the results live, so
/// a post is decided at most once.
const DECISION_PREFIX: &str = "tool_results_decided_";
const DECISION_SECONDS: i64 = props::PRIVATE_TOOL_DATA_SECONDS + 60 * 60;

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

/// The tool calls kept in the KV store under `key`, if any.
async fn kept(api: &dyn MattermostApi, key: &str) -> Result<Option<Vec<ToolCallRecord>>, PostActionError> {
    let raw = api
        .kv_get(key)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("reading the tool calls").into()))?;
    Ok(raw.and_then(|b| serde_json::from_slice(&b).ok()))
}

/// The calls of a tool post as they are to run: with their arguments from the KV store when
/// the post shows them redacted (only the requester's are there).
pub(super) async fn runnable_calls(
    api: &dyn MattermostApi,
    post: &Post,
    user_id: &str,
) -> Result<Vec<ToolCallRecord>, PostActionError> {
    let mut calls =
        props::tool_calls(post).ok_or_else(|| PostActionError::Refused(Text::tr("tools.no_calls", &[])))?;
    if !props::is_true(post, props::PENDING_TOOL_CALL_REDACTED) {
        return Ok(calls);
    }
    let whole = kept(api, &props::tool_call_private_key(&post.id, user_id))
        .await?
        .ok_or_else(|| PostActionError::Refused(Text::tr("tools.calls_gone", &[])))?;
    for c in &mut calls {
        match whole.iter().find(|w| w.id == c.id) {
            Some(w) => c.arguments = w.arguments.clone(),
            None => {
                return Err(PostActionError::Refused(Text::tr("tools.calls_gone", &[])));
            }
        }
    }
    Ok(calls)
}

/// After a channel post's calls ran (`calls` whole, with arguments and results): keeps what
/// they returned for the requester, records the statuses on the post without arguments or
/// results, and waits for the requester's decision. Calls that were all rejected have nothing
/// to keep: the agent continues at once, as in a DM.
pub(super) async fn hold(
    core: &Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    mut post: Post,
    calls: Vec<ToolCallRecord>,
    turn: Turn,
    user_id: &str,
) -> Result<(), PostActionError> {
    let ran: Vec<ToolCallRecord> = calls.iter().filter(|c| c.status.ran()).cloned().collect();
    let shown = props::redacted(&calls);
    if ran.is_empty() {
        let post = record_tool_calls(api.as_ref(), post, &shown).await?;
        return continue_after_tools(core, api, post, turn, user_id).await;
    }
    let bytes = serde_json::to_vec(&ran)
        .map_err(|_| PostActionError::Unavailable(Text::tr("tools.results_not_kept", &[])))?;
    api.kv_set_with_expiry(
        &props::tool_result_private_key(&post.id, user_id),
        &bytes,
        props::PRIVATE_TOOL_DATA_SECONDS,
    )
    .await
    .map_err(|e| PostActionError::Unavailable(e.for_user("keeping the tool results").into()))?;
    post.props
        .insert(props::PENDING_TOOL_RESULT.into(), json!(props::TRUE));
    record_tool_calls(api.as_ref(), post, &shown).await?;
    Ok(())
}

/// `GET /post/{id}/tool_call_private`: the requester's whole calls of a channel tool post.
pub async fn private_calls(
    core: &Arc<Conversations>,
    answer: &OwnedAnswer,
) -> Result<Vec<ToolCallRecord>, PostActionError> {
    let key = props::tool_call_private_key(&answer.post().id, answer.user_id());
    kept(core.api().as_ref(), &key)
        .await?
        .ok_or_else(|| PostActionError::Refused(Text::tr("tools.no_private_calls", &[])))
}

/// `GET /post/{id}/tool_result_private`: the requester's results of a channel tool post, until
/// they decided about them.
pub async fn private_results(
    core: &Arc<Conversations>,
    answer: &OwnedAnswer,
) -> Result<Vec<ToolCallRecord>, PostActionError> {
    let key = props::tool_result_private_key(&answer.post().id, answer.user_id());
    kept(core.api().as_ref(), &key)
        .await?
        .ok_or_else(|| PostActionError::Refused(Text::tr("tools.no_private_results", &[])))
}

/// `POST /post/{id}/tool_result`: shares the results of the `shared` calls onto the post, keeps
/// the others private, and lets the agent continue in the thread.
pub async fn decide(
    core: &Arc<Conversations>,
    answer: OwnedAnswer,
    shared: &[String],
) -> Result<(), PostActionError> {
    let api = core.api();
    let user_id = answer.user_id().to_owned();
    let mut post = answer.into_post();
    if !props::is_true(&post, props::PENDING_TOOL_RESULT) {
        return Err(PostActionError::Refused(Text::tr("tools.nothing_to_decide", &[])));
    }
    let mut calls =
        props::tool_calls(&post).ok_or_else(|| PostActionError::Refused(Text::tr("tools.no_calls", &[])))?;
    let turn = answer_turn(&core.core, api.as_ref(), &post, &user_id).await?;
    let claim = format!("{DECISION_PREFIX}{}", post.id);
    match api
        .kv_insert_if_absent(&claim, user_id.as_bytes(), DECISION_SECONDS)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Err(PostActionError::Refused(Text::tr("tools.results_decided", &[])));
        }
        Err(e) => {
            return Err(PostActionError::Unavailable(
                e.for_user("claiming the decision").into(),
            ));
        }
    }
    let outcome = async {
        let results = kept(api.as_ref(), &props::tool_result_private_key(&post.id, &user_id))
            .await?
            .ok_or_else(|| PostActionError::Refused(Text::tr("tools.results_gone", &[])))?;
        for c in calls.iter_mut().filter(|c| c.status.ran()) {
            c.result = match results.iter().find(|r| r.id == c.id) {
                Some(r) if shared.contains(&c.id) => r.result.clone(),
                _ => KEPT_PRIVATE.to_owned(),
            };
        }
        post.props.remove(props::PENDING_TOOL_RESULT);
        let post = record_tool_calls(api.as_ref(), post, &calls).await?;
        forget_private(api.as_ref(), &post.id, &user_id).await;
        continue_after_tools(core, api.clone(), post, turn, &user_id).await
    }
    .await;
    if outcome.is_err() {
        let _ = api.kv_delete(&claim).await;
    }
    outcome
}

/// Deletes the requester's private calls and results of a post.
async fn forget_private(api: &dyn MattermostApi, post_id: &str, user_id: &str) {
    for key in [
        props::tool_call_private_key(post_id, user_id),
        props::tool_result_private_key(post_id, user_id),
    ] {
        if let Err(e) = api.kv_delete(&key).await {
            tracing::warn!(error = %e, "could not delete a tool post's private calls or results");
        }
    }
}

/// Regenerate drops the answer's tool calls: their private calls, results and decision go too.
pub(super) async fn forget(api: &dyn MattermostApi, post_id: &str, user_id: &str) {
    forget_private(api, post_id, user_id).await;
    if let Err(e) = api.kv_delete(&format!("{DECISION_PREFIX}{post_id}")).await {
        tracing::warn!(error = %e, "could not delete a regenerated answer's tool decision");
    }
}

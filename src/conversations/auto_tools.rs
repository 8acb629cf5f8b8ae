//! Tool calls that run without asking: when every call of an answer is to a tool whose admin
//! policy allows it here (`auto_run_in_dm` in a DM, `auto_run_everywhere`), the calls run as
//! if the user had accepted them, recorded on the post like any decision. Any call that must
//! ask leaves the whole post to the user. Rounds in a row are bounded, so a model cannot keep
//! calling tools on its own. In a channel only `auto_run_everywhere` runs unasked, and the
//! results still wait for the requester to share them (`channel_tools`). Calls that ran this way
//! and succeeded are `AutoApproved` (upstream's status 5), and the post says
//! `auto_approved_tool_call`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{Conversations, claim_tool_post, run_tool_calls};
use crate::answer::Turn;
use crate::answer::policy::{self, policy_of};
use crate::answer::props::{self, ToolCallStatus};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

/// Automatic rounds in a row before the user is asked again (upstream's bound on consecutive
/// tool messages).
pub const MAX_AUTO_ROUNDS: i64 = 10;

fn round_of(post: &Post) -> i64 {
    match post.props.get(props::AUTO_TOOL_ROUND) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// Runs `post`'s pending calls if every one may run unasked; otherwise leaves them pending.
/// A named future type: the continuation streams a new answer, which may come back here, and
/// an opaque type cannot contain itself.
pub fn run_if_allowed<'a>(
    core: &'a Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    turn: Turn,
    trigger: &'a Post,
    post: Post,
) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
    Box::pin(run(core, api, turn, trigger, post))
}

async fn run(
    core: &Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    turn: Turn,
    trigger: &Post,
    mut post: Post,
) {
    // Tools run in DMs (in channels when the admin allows it), and not for an agent with tools
    // off.
    if !super::channel_tools::offered_in(core, &turn.channel) || turn.bot.disable_tools {
        return;
    }
    let Some(calls) = props::tool_calls(&post) else {
        return;
    };
    let pending: Vec<String> = calls
        .iter()
        .filter(|c| c.status == ToolCallStatus::Pending)
        .map(|c| c.id.clone())
        .collect();
    if pending.is_empty() {
        return;
    }
    let round = round_of(trigger) + 1;
    if round > MAX_AUTO_ROUNDS {
        tracing::info!(round, "automatic tool rounds exhausted; asking the user");
        return;
    }
    let snap = core.snapshot();
    let cfg = &snap.effective.config;
    let user_id = turn.user.id.clone();
    let tools = policy::for_agent(cfg, &turn.bot, core.tools.tools_for(api.as_ref(), &user_id).await);
    let all_allowed = calls
        .iter()
        .filter(|c| c.status == ToolCallStatus::Pending)
        .all(|c| {
            tools
                .iter()
                .find(|t| t.spec().name == c.name)
                .and_then(|t| policy_of(cfg, t.as_ref()))
                .is_some_and(|p| p.runs_unasked(turn.channel.is_direct()))
        });
    if !all_allowed {
        return;
    }
    // Outside a DM the post shows the calls without their arguments.
    let calls = match super::channel_tools::runnable_calls(api.as_ref(), &post, &user_id).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "automatic tool calls could not be read");
            return;
        }
    };
    let Ok(claim) = claim_tool_post(api.as_ref(), &post.id, &user_id).await else {
        return;
    };
    post.props.insert(props::AUTO_TOOL_ROUND.into(), json!(round));
    post.props
        .insert(props::AUTO_APPROVED_TOOL_CALL.into(), json!(props::TRUE));
    if let Err(e) = run_tool_calls(core, api.clone(), post, calls, turn, &user_id, &pending, true).await {
        tracing::warn!(error = %e, "automatic tool calls could not be completed");
        let _ = api.kv_delete(&claim).await;
    }
}

//! AI Actions: thread analysis, channel summaries, meeting summaries and "react for me". Each
//! checks the caller, the agent's access rules and the license, then streams its result into a
//! DM from the agent to the caller (or reacts), through the answer core's writer.

pub mod analyze;
pub mod channel;
pub mod meetings;
pub mod react;
pub mod transcript;

use std::sync::Arc;

use crate::agents::access::authorize;
use crate::answer::delivery::{ActionError, agent, dm_turn};
use crate::answer::{AnswerCore, Turn};
use crate::i18n::Text;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

/// The license entitlement an action needs.
pub type Gate = fn(&crate::license::Entitlements) -> bool;

/// An action's checked starting point: the caller may read the channel, the agent may serve
/// them there, the license allows the action; results go to the caller's DM with the agent.
pub struct Checked {
    pub api: Arc<dyn MattermostApi>,
    pub channel: Channel,
    pub turn: Turn,
}

/// Every check an action on a channel needs, in the order that explains a refusal best.
pub async fn check_channel(
    core: &AnswerCore,
    user_id: &str,
    channel_id: &str,
    bot: Option<&str>,
    gate: Gate,
) -> Result<Checked, ActionError> {
    let api = core.api();
    let snap = core.snapshot();
    if !gate(&snap.entitlements) {
        return Err(ActionError::Forbidden(Text::tr("action.not_licensed", &[])));
    }
    let channel = api
        .get_channel(channel_id)
        .await
        .map_err(|_| ActionError::NotFound(Text::tr("action.channel_not_found", &[])))?;
    let (bot, bot_id) = agent(&snap, bot)?;
    authorize(api.as_ref(), &bot, &bot_id, user_id, &channel).await?;
    if !core.user_slots.has_room(user_id) {
        return Err(ActionError::Busy(crate::answer::limits::busy()));
    }
    let turn = dm_turn(core, api.as_ref(), bot, bot_id, user_id).await?;
    Ok(Checked { api, channel, turn })
}

/// `check_channel` for an action on a post; the post comes back too.
pub async fn check_post(
    core: &AnswerCore,
    user_id: &str,
    post_id: &str,
    bot: Option<&str>,
    gate: Gate,
) -> Result<(Checked, Post), ActionError> {
    let post = core
        .api()
        .get_post(post_id)
        .await
        .map_err(|_| ActionError::NotFound(Text::tr("action.post_not_found", &[])))?;
    let checked = check_channel(core, user_id, &post.channel_id, bot, gate).await?;
    Ok((checked, post))
}

//! AI Actions: thread analysis, channel summaries, meeting summaries and "react for me". Each
//! checks the caller, the agent's access rules and the license, then streams its result into a
//! DM from the agent to the caller (or reacts), through the same writer as conversations.

pub mod analyze;
pub mod channel;
pub mod meetings;
pub mod react;
pub mod transcript;

use std::sync::Arc;

use serde_json::json;

use crate::config::BotConfig;
use crate::conversations::stream::props;
use crate::conversations::{BOT_POST_TYPE, Turn};
use crate::host::MattermostApi;
use crate::host::model::{Channel, Post};
use crate::plugin::{Core, Snapshot};

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Failed(String),
    /// The user has too many answers in progress.
    #[error("{0}")]
    Busy(String),
}

/// What an action started: the result post and its channel.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Started {
    pub postid: String,
    pub channelid: String,
}

impl Started {
    pub fn of(post: &Post) -> Self {
        Started {
            postid: post.id.clone(),
            channelid: post.channel_id.clone(),
        }
    }
}

/// The agent named by `?botUsername=`, or the default agent when none or an unknown one is named.
pub fn agent(snap: &Snapshot, username: Option<&str>) -> Result<(BotConfig, String), ActionError> {
    let named = username
        .filter(|u| !u.is_empty())
        .and_then(|u| snap.agents().find(|b| b.name.eq_ignore_ascii_case(u)));
    let default = || {
        let d = snap.effective.default_bot().map(|b| b.name.clone());
        snap.agents()
            .find(|b| Some(&b.name) == d.as_ref())
            .or_else(|| snap.agents().next())
    };
    let bot = named
        .or_else(default)
        .cloned()
        .ok_or_else(|| ActionError::Failed("no agent is configured".into()))?;
    let id = snap
        .bot_ids
        .get(&bot.name)
        .cloned()
        .ok_or_else(|| ActionError::Failed("the agent's bot account is not ready".into()))?;
    Ok((bot, id))
}

pub fn api(core: &Core) -> Result<Arc<dyn MattermostApi>, ActionError> {
    core.api()
        .ok_or_else(|| ActionError::Failed("not connected to the server".into()))
}

/// The caller may read the channel as a user (see [`may_read`]), and the agent may serve them
/// there.
pub async fn authorize(
    api: &dyn MattermostApi,
    bot: &BotConfig,
    bot_user_id: &str,
    user_id: &str,
    channel: &Channel,
) -> Result<(), ActionError> {
    if !may_read(api, user_id, channel).await {
        return Err(ActionError::Forbidden("you cannot read this channel".into()));
    }
    crate::agents::access::check(api, bot, bot_user_id, user_id, channel)
        .await
        .map_err(|d| ActionError::Forbidden(d.to_string()))
}

/// Whether `user_id` reads `channel` as a user would: a public channel with the
/// `read_channel` permission, anything else (private channels, DMs, group messages) only as a
/// member. A system admin's power to open any channel is not a reason to summarise other
/// people's private conversations for them.
pub async fn may_read(api: &dyn MattermostApi, user_id: &str, channel: &Channel) -> bool {
    if channel.channel_type == crate::host::model::channel_type::OPEN {
        return api
            .has_permission_to_channel(user_id, &channel.id, "read_channel")
            .await
            .unwrap_or(false);
    }
    api.get_channel_member(&channel.id, user_id).await.is_ok()
}

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
    core: &Core,
    user_id: &str,
    channel_id: &str,
    bot: Option<&str>,
    gate: Gate,
) -> Result<Checked, ActionError> {
    let api = api(core)?;
    let snap = core.snapshot();
    if !gate(&snap.entitlements) {
        return Err(ActionError::Forbidden("feature not licensed".into()));
    }
    let channel = api
        .get_channel(channel_id)
        .await
        .map_err(|_| ActionError::NotFound("channel not found".into()))?;
    let (bot, bot_id) = agent(&snap, bot)?;
    authorize(api.as_ref(), &bot, &bot_id, user_id, &channel).await?;
    if !core.user_slots.has_room(user_id) {
        return Err(ActionError::Busy(crate::conversations::limits::busy_message()));
    }
    let turn = dm_turn(core, api.as_ref(), bot, bot_id, user_id).await?;
    Ok(Checked { api, channel, turn })
}

/// `check_channel` for an action on a post; the post comes back too.
pub async fn check_post(
    core: &Core,
    user_id: &str,
    post_id: &str,
    bot: Option<&str>,
    gate: Gate,
) -> Result<(Checked, Post), ActionError> {
    let post = api(core)?
        .get_post(post_id)
        .await
        .map_err(|_| ActionError::NotFound("post not found".into()))?;
    let checked = check_channel(core, user_id, &post.channel_id, bot, gate).await?;
    Ok((checked, post))
}

/// A turn in the caller's DM with the agent, for results delivered there.
pub async fn dm_turn(
    core: &Core,
    api: &dyn MattermostApi,
    bot: BotConfig,
    bot_user_id: String,
    user_id: &str,
) -> Result<Turn, ActionError> {
    let user = api
        .get_user(user_id)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("reading the user")))?;
    let dm = api
        .get_direct_channel(user_id, &bot_user_id)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("opening the DM")))?;
    let service = core
        .snapshot()
        .effective
        .service_for(&bot)
        .cloned()
        .unwrap_or_default();
    Ok(Turn {
        bot,
        bot_user_id,
        service,
        user,
        channel: dm,
    })
}

/// Creates the (empty) result post in the turn's channel, with the props every answer carries.
pub async fn result_post(
    api: &dyn MattermostApi,
    turn: &Turn,
    root_id: &str,
    extra: &[(&str, serde_json::Value)],
) -> Result<Post, ActionError> {
    let mut p = Post {
        user_id: turn.bot_user_id.clone(),
        channel_id: turn.channel.id.clone(),
        root_id: root_id.to_owned(),
        post_type: BOT_POST_TYPE.into(),
        ..Default::default()
    };
    p.props.insert(props::REQUESTER.into(), json!(turn.user.id));
    // Every agent post is marked, as upstream marks them: the text comes from a model and may
    // carry planted links and images. `allowUnsafeLinks` only changes how the webapp renders.
    p.props.insert(props::UNSAFE_LINKS.into(), json!("true"));
    for (k, v) in extra {
        p.props.insert((*k).into(), v.clone());
    }
    api.create_post(&p)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("creating the result post")))
}

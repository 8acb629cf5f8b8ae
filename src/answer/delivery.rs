//! Starting an answer on request and delivering it into the caller's DM with the agent: the
//! agent named (or the default one), the DM turn, the empty result post every answer starts
//! as, and the error a refused start gives.

use serde_json::json;

use super::props;
use super::{AnswerCore, Turn};
use crate::config::BotConfig;
use crate::config::snapshot::Snapshot;
use crate::i18n::Text;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

/// Why an answer could not start. The text is said to the caller in their language at the
/// HTTP edge; `Display` is English (logs).
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{0}")]
    BadRequest(Text),
    #[error("{0}")]
    Forbidden(Text),
    #[error("{0}")]
    NotFound(Text),
    #[error("{0}")]
    Failed(Text),
    /// The user has too many answers in progress.
    #[error("{0}")]
    Busy(Text),
}

impl ActionError {
    /// What the caller is told.
    pub fn text(&self) -> &Text {
        match self {
            ActionError::BadRequest(t)
            | ActionError::Forbidden(t)
            | ActionError::NotFound(t)
            | ActionError::Failed(t)
            | ActionError::Busy(t) => t,
        }
    }
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

impl From<crate::agents::access::Refusal> for ActionError {
    fn from(r: crate::agents::access::Refusal) -> Self {
        ActionError::Forbidden(r.text())
    }
}

impl From<crate::agents::access::Denied> for ActionError {
    fn from(d: crate::agents::access::Denied) -> Self {
        ActionError::Forbidden(d.text())
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
        .ok_or_else(|| ActionError::Failed(Text::tr("action.no_agent", &[])))?;
    let id = snap
        .bot_ids
        .get(&bot.name)
        .cloned()
        .ok_or_else(|| ActionError::Failed(Text::tr("action.agent_not_ready", &[])))?;
    Ok((bot, id))
}

/// A turn in the caller's DM with the agent, for results delivered there.
pub async fn dm_turn(
    core: &AnswerCore,
    api: &dyn MattermostApi,
    bot: BotConfig,
    bot_user_id: String,
    user_id: &str,
) -> Result<Turn, ActionError> {
    let user = api
        .get_user(user_id)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("reading the user").into()))?;
    let dm = api
        .get_direct_channel(user_id, &bot_user_id)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("opening the DM").into()))?;
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
        post_type: props::BOT_POST_TYPE.into(),
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
        .map_err(|e| ActionError::Failed(e.for_user("creating the result post").into()))
}

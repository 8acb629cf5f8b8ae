//! Acting on an answer post after the fact (Stop, Regenerate, tool approval): only its
//! requester may, and a post the caller cannot read answers exactly like a missing one.

use super::{AnswerCore, Turn, mark, props};
use crate::i18n::Text;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

/// Why a route refused. The text is said to the caller in their language at the HTTP edge;
/// `Display` is English (logs).
#[derive(Debug, thiserror::Error)]
pub enum PostActionError {
    #[error("post not found")]
    NotFound,
    #[error("only the user who asked can do this")]
    NotRequester,
    #[error("{0}")]
    Refused(Text),
    #[error("{0}")]
    Unavailable(Text),
}

impl PostActionError {
    /// What the caller is told.
    pub fn text(&self) -> Text {
        match self {
            PostActionError::NotFound => Text::tr("action.post_not_found", &[]),
            PostActionError::NotRequester => Text::tr("answer.not_requester", &[]),
            PostActionError::Refused(t) | PostActionError::Unavailable(t) => t.clone(),
        }
    }
}

/// An answer post checked to be the caller's: only [`own_answer`] makes one, so a function that
/// takes it cannot be reached without the check.
#[derive(Debug)]
pub struct OwnedAnswer {
    post: Post,
    user_id: String,
}

impl OwnedAnswer {
    pub fn post(&self) -> &Post {
        &self.post
    }

    /// The requester, who is the caller.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    pub fn into_post(self) -> Post {
        self.post
    }
}

/// Loads an agent's answer post and checks the caller asked for it.
pub async fn own_answer(
    core: &AnswerCore,
    api: &dyn MattermostApi,
    post_id: &str,
    user_id: &str,
) -> Result<OwnedAnswer, PostActionError> {
    let post = api
        .get_post(post_id)
        .await
        .map_err(|_| PostActionError::NotFound)?;
    // A post the caller cannot read answers exactly like a missing one: nothing about it,
    // not even that it exists, comes back.
    match api
        .has_permission_to_channel(user_id, &post.channel_id, "read_channel")
        .await
    {
        Ok(true) => {}
        _ => return Err(PostActionError::NotFound),
    }
    let snap = core.snapshot();
    if !snap.bot_ids.values().any(|id| *id == post.user_id) {
        return Err(PostActionError::Refused(Text::tr("action.not_agent_post", &[])));
    }
    if post.prop_str(props::REQUESTER) != Some(user_id) {
        return Err(PostActionError::NotRequester);
    }
    Ok(OwnedAnswer {
        post,
        user_id: user_id.to_owned(),
    })
}

/// The turn of an agent's answer post, re-checked now: the agent is still configured and may
/// still serve the user in that channel.
pub async fn answer_turn(
    core: &AnswerCore,
    api: &dyn MattermostApi,
    post: &Post,
    user_id: &str,
) -> Result<Turn, PostActionError> {
    let snap = core.snapshot();
    let bot = snap
        .agent_by_bot_id(&post.user_id)
        .cloned()
        .ok_or_else(|| PostActionError::Refused(Text::tr("action.agent_gone", &[])))?;
    let unavailable = |e: plugin_runtime::host::ApiError| {
        PostActionError::Unavailable(e.for_user("reading the answer").into())
    };
    let channel = api.get_channel(&post.channel_id).await.map_err(unavailable)?;
    crate::agents::access::check(api, &bot, &post.user_id, user_id, &channel)
        .await
        .map_err(|d| PostActionError::Refused(d.text()))?;
    let user = api.get_user(user_id).await.map_err(unavailable)?;
    let service = snap.effective.service_for(&bot).cloned().unwrap_or_default();
    Ok(Turn {
        bot_user_id: post.user_id.clone(),
        bot,
        service,
        user,
        channel,
    })
}

/// `POST /post/{id}/stop`.
pub async fn stop(core: &AnswerCore, answer: OwnedAnswer) -> Result<(), PostActionError> {
    let api = core.api();
    let post_id = answer.post().id.as_str();
    // Streaming here: stopped now. Streaming on another cluster node: that node is told. Not streaming at all: nothing to do, and no error either
    // (a second click on Stop is not a failure).
    if !core.streams.cancel(post_id) && mark::streaming_somewhere(api.as_ref(), post_id).await {
        // The streaming node hears it at once through a cluster event; the KV request is
        // the fallback it polls for (a server that drops the event still stops it).
        crate::cluster::publish(api.as_ref(), crate::cluster::events::STOP_ANSWER, post_id).await;
        if let Err(e) = mark::request_stop(api.as_ref(), post_id).await {
            return Err(PostActionError::Unavailable(
                e.for_user("stopping the answer").into(),
            ));
        }
    }
    Ok(())
}

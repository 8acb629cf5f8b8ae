//! Push notifications for answers: the user who asked an agent is in the conversation waiting
//! for the answer, so a push for the agent's reply in that thread only buzzes their phone twice.
//! Other people following the thread still get theirs.

use super::Conversations;
use crate::answer::props;
use plugin_runtime::host::model::{EmailNotification, PushNotification};

/// Why the push to `user_id` should not go out, if it should not.
pub async fn push_reject_reason(core: &Conversations, n: &PushNotification, user_id: &str) -> Option<String> {
    reject_reason(core, &n.post_id, &n.root_id, &n.sender_id, user_id).await
}

/// The same rule for e-mail notifications.
pub async fn email_reject_reason(core: &Conversations, n: &EmailNotification) -> Option<String> {
    reject_reason(core, &n.post_id, &n.root_id, &n.sender_id, &n.recipient_id).await
}

async fn reject_reason(
    core: &Conversations,
    post_id: &str,
    root_id: &str,
    sender_id: &str,
    user_id: &str,
) -> Option<String> {
    let snap = core.snapshot();
    if root_id.is_empty() || !snap.bot_ids.values().any(|id| id == sender_id) {
        return None;
    }
    let api = core.api();
    let post = api.get_post(post_id).await.ok()?;
    (post.prop_str(props::REQUESTER) == Some(user_id))
        .then(|| "the user asked for this answer and is following the conversation".to_owned())
}

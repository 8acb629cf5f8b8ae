//! Tells the user, privately, what would make more tools available (e.g. connecting their
//! account to an MCP server that needs OAuth): an ephemeral post from the agent in the
//! conversation, at most once an hour per notice, so it never nags at every message.

use sha2::{Digest, Sha256};

use super::Conversations;
use crate::answer::Turn;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

const KEY_PREFIX: &str = "tool_notice_";
const EVERY_SECONDS: i64 = 3600;

pub async fn tool_notices(core: &Conversations, api: &dyn MattermostApi, turn: &Turn) {
    for notice in core.tools.notices(api, &turn.user.id, &turn.locale()).await {
        let digest = Sha256::digest(format!("{}\n{notice}", turn.user.id).as_bytes());
        let key = format!("{KEY_PREFIX}{:x}", digest);
        if !matches!(api.kv_insert_if_absent(&key, b"1", EVERY_SECONDS).await, Ok(true)) {
            continue;
        }
        let post = Post {
            user_id: turn.bot_user_id.clone(),
            channel_id: turn.channel.id.clone(),
            message: notice,
            ..Default::default()
        };
        if let Err(e) = api.send_ephemeral_post(&turn.user.id, &post).await {
            tracing::warn!(error = %e, "could not tell the user how to enable more tools");
        }
    }
}

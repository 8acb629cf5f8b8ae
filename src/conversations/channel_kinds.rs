//! Which channels are direct messages, remembered: every post on the server passes through
//! MessageHasBeenPosted, and a channel's kind never changes from DM to anything else (nor the
//! reverse), so one lookup per channel is enough. Bounded: forgotten wholesale when full.

use std::collections::HashMap;
use std::sync::Mutex;

use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Channel;

const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub struct DirectChannels {
    /// channel id → its two members' ids (`Some`) or not a DM (`None`).
    known: Mutex<HashMap<String, Option<(String, String)>>>,
}

impl DirectChannels {
    /// The members of `channel_id` if it is a DM, asking the server once per channel; the
    /// channel itself comes back too when it was just fetched, so callers need not ask again.
    pub async fn members(
        &self,
        api: &dyn MattermostApi,
        channel_id: &str,
    ) -> Result<(Option<(String, String)>, Option<Channel>), plugin_runtime::host::ApiError> {
        if let Some(k) = self.known.lock().ok().and_then(|m| m.get(channel_id).cloned()) {
            return Ok((k, None));
        }
        let channel = api.get_channel(channel_id).await?;
        let members = dm_members(&channel);
        if let Ok(mut m) = self.known.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(channel_id.to_owned(), members.clone());
        }
        Ok((members, Some(channel)))
    }
}

/// A direct channel's name is its two members' ids joined by `__`.
pub fn dm_members(channel: &Channel) -> Option<(String, String)> {
    if !channel.is_direct() {
        return None;
    }
    channel
        .name
        .split_once("__")
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
}

//! The agents a user may use, as the webapp and the mobile app list them (`GET /ai_bots`):
//! upstream's `AIBotInfo` plus what the UI gates on, the default agent first.

use serde::Serialize;
use serde_json::{Value, json};

use super::access::check_user;
use crate::config::snapshot::Snapshot;
use plugin_runtime::host::MattermostApi;

/// One agent as the webapp needs it (upstream's `AIBotInfo`, plus what the UI gates on).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentInfo {
    id: String,
    display_name: String,
    username: String,
    last_icon_update: i64,
    #[serde(rename = "dmChannelID")]
    dm_channel_id: String,
    channel_access_level: i64,
    #[serde(rename = "channelIDs")]
    channel_ids: Vec<String>,
    user_access_level: i64,
    #[serde(rename = "userIDs")]
    user_ids: Vec<String>,
    #[serde(rename = "teamIDs")]
    team_ids: Vec<String>,
    service_type: String,
    enable_vision: bool,
    disable_tools: bool,
    enabled_native_tools: Vec<String>,
    reasoning_enabled: bool,
    /// The default agent, as upstream's webapp reads it (absent when false, as upstream omits
    /// it), and in the spelling the mobile app's types use.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    is_default: bool,
    #[serde(rename = "is_default", skip_serializing_if = "std::ops::Not::not")]
    is_default_snake: bool,
}

/// `{bots, searchEnabled, allowUnsafeLinks, license}` for `user`.
pub async fn visible(api: &dyn MattermostApi, snap: &Snapshot, user: &str) -> Value {
    let default = snap.effective.default_bot().map(|b| b.name.clone());
    let mut bots = Vec::new();
    for agent in snap.agents() {
        let Some(bot_id) = snap.bot_ids.get(&agent.name) else {
            continue;
        };
        if check_user(api, agent, user).await.is_err() {
            continue;
        }
        // Creating the DM is what opening it would do; the webapp links straight to it.
        let dm = api
            .get_direct_channel(user, bot_id)
            .await
            .map(|c| c.id)
            .unwrap_or_default();
        bots.push(AgentInfo {
            id: bot_id.clone(),
            display_name: agent.display_name.clone(),
            username: agent.name.clone(),
            last_icon_update: 0,
            dm_channel_id: dm,
            channel_access_level: agent.channel_access_level,
            channel_ids: agent.channel_ids.clone(),
            user_access_level: agent.user_access_level,
            user_ids: agent.user_ids.clone(),
            team_ids: agent.team_ids.clone(),
            service_type: snap
                .effective
                .service_for(agent)
                .map(|s| s.service_type.clone())
                .unwrap_or_default(),
            enable_vision: agent.enable_vision,
            disable_tools: agent.disable_tools,
            enabled_native_tools: agent.enabled_native_tools.clone(),
            reasoning_enabled: agent.reasoning_enabled,
            is_default: default.as_deref() == Some(agent.name.as_str()),
            is_default_snake: default.as_deref() == Some(agent.name.as_str()),
        });
    }
    if let Some(d) = default
        && let Some(pos) = bots.iter().position(|b| b.username == d)
    {
        let first = bots.remove(pos);
        bots.insert(0, first);
    }
    let search =
        snap.entitlements.embedding_search && snap.effective.config.embedding_search_config.enabled();
    json!({
        "bots": bots,
        "searchEnabled": search,
        "allowUnsafeLinks": snap.effective.config.allow_unsafe_links,
        "license": snap.entitlements,
    })
}

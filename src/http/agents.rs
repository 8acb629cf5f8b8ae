//! `GET /ai_bots` (the agents a user may use) and the admin configuration check.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::{ApiFailure, UserId, require_admin};
use crate::agents::access;
use crate::plugin::Core;

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
}

pub async fn ai_bots(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    let Some(api) = core.api() else {
        return ApiFailure(
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to the server".into(),
        )
        .into_response();
    };
    let snap = core.snapshot();
    let default = snap.effective.default_bot().map(|b| b.name.clone());
    let mut bots = Vec::new();
    for agent in snap.agents() {
        let Some(bot_id) = snap.bot_ids.get(&agent.name) else {
            continue;
        };
        if access::check_user(api.as_ref(), agent, &user).await.is_err() {
            continue;
        }
        // Creating the DM is what opening it would do; the webapp links straight to it.
        let dm = api
            .get_direct_channel(&user, bot_id)
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
    axum::Json(json!({
        "bots": bots,
        "searchEnabled": search,
        "allowUnsafeLinks": snap.effective.config.allow_unsafe_links,
        "license": snap.entitlements,
    }))
    .into_response()
}

/// Every problem of the saved configuration, for the System Console: what cannot be decoded,
/// what is invalid (with its field path), what the license leaves out, and bots that failed.
pub async fn config_check(State(core): State<Arc<Core>>, UserId(user): UserId) -> Response {
    if let Err(denied) = require_admin(&core, &user).await {
        return denied.into_response();
    }
    let snap = core.snapshot();
    let configured = snap.effective.bots.len();
    let active: Vec<&str> = snap.agents().map(|a| a.name.as_str()).collect();
    let inactive_by_license: Vec<&str> = snap
        .effective
        .bots()
        .skip(active.len())
        .map(|a| a.name.as_str())
        .collect();
    // Search is set up on first use; asking here sets it up and says why it cannot run.
    let search = match core.search.get(&core).await {
        Ok(s) => json!({"enabled": true, "ready": true, "indexedPosts": s.store.post_count().await.ok()}),
        Err(crate::search::SearchError::Disabled) => json!({"enabled": false, "ready": false}),
        Err(e) => json!({"enabled": true, "ready": false, "error": e.to_string()}),
    };
    axum::Json(json!({
        "loadError": snap.load_error,
        "problems": snap.effective.problems,
        "agents": {"configured": configured, "active": active, "inactiveWithoutLicense": inactive_by_license},
        "license": snap.entitlements,
        "search": search,
    }))
    .into_response()
}

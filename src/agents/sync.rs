//! Agents become Mattermost bots owned by the plugin: created when configured, patched when
//! their name or service changes, deactivated when removed (never deleted, so their posts keep
//! an author), reactivated when re-added. One node at a time does it.

use std::collections::HashMap;
use std::time::Duration;

use crate::config::{Effective, service_type};
use plugin_runtime::host::model::{Bot, BotGetOptions, BotPatch};
use plugin_runtime::host::{ApiError, MattermostApi};

/// The avatar new bots get until an admin uploads one.
const DEFAULT_AVATAR: &[u8] = include_bytes!("../../assets/bot_icon.png");

/// What a sync did, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub reactivated: Vec<String>,
    pub deactivated: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// username → bot user id of every active agent.
    pub ids: HashMap<String, String>,
}

pub fn description(service_type_name: &str) -> String {
    format!("Powered by {}", service_type::display_name(service_type_name))
}

/// Makes the server's bots match the agents in `effective` (already trimmed to what the license
/// allows).
pub async fn sync_bots(
    api: &dyn MattermostApi,
    effective: &Effective,
    limit_to_first: bool,
) -> Result<SyncReport, ApiError> {
    let lock = crate::cluster::lock(api, "ai_ensure_bots", Duration::from_secs(10)).await?;
    let result = sync_locked(api, effective, limit_to_first).await;
    lock.unlock().await;
    result
}

async fn sync_locked(
    api: &dyn MattermostApi,
    effective: &Effective,
    limit_to_first: bool,
) -> Result<SyncReport, ApiError> {
    let mut report = SyncReport::default();
    let mut existing: Vec<Bot> = Vec::new();
    for page in 0.. {
        let opts = BotGetOptions {
            owner_id: crate::PLUGIN_ID.into(),
            include_deleted: true,
            page,
            per_page: 200,
            ..Default::default()
        };
        let batch = api.get_bots(&opts).await?;
        let n = batch.len();
        existing.extend(batch);
        if n < 200 {
            break;
        }
    }
    let wanted: Vec<_> = effective
        .bots()
        .take(if limit_to_first { 1 } else { usize::MAX })
        .collect();
    for agent in &wanted {
        let desc = effective
            .service_for(agent)
            .map(|s| description(&s.service_type))
            .unwrap_or_default();
        match existing.iter().find(|b| b.username == agent.name) {
            Some(bot) => {
                if bot.delete_at != 0 {
                    match api.update_bot_active(&bot.user_id, true).await {
                        Ok(_) => report.reactivated.push(agent.name.clone()),
                        Err(e) => {
                            report.failed.push((agent.name.clone(), e.to_string()));
                            continue;
                        }
                    }
                }
                if bot.display_name != agent.display_name || bot.description != desc {
                    let patch = BotPatch {
                        display_name: Some(agent.display_name.clone()),
                        description: Some(desc.clone()),
                        ..Default::default()
                    };
                    match api.patch_bot(&bot.user_id, &patch).await {
                        Ok(_) => report.updated.push(agent.name.clone()),
                        Err(e) => report.failed.push((agent.name.clone(), e.to_string())),
                    }
                }
                report.ids.insert(agent.name.clone(), bot.user_id.clone());
            }
            None => {
                let bot = Bot {
                    username: agent.name.clone(),
                    display_name: agent.display_name.clone(),
                    description: desc,
                    owner_id: crate::PLUGIN_ID.into(),
                    ..Default::default()
                };
                match api.create_bot(&bot).await {
                    Ok(created) => {
                        if let Err(e) = api.set_profile_image(&created.user_id, DEFAULT_AVATAR).await {
                            tracing::warn!(error = %e, bot = %agent.name, "could not set the default avatar");
                        }
                        report.created.push(agent.name.clone());
                        report.ids.insert(agent.name.clone(), created.user_id);
                    }
                    // Most often the username belongs to a person or another plugin's bot.
                    Err(e) => report.failed.push((
                        agent.name.clone(),
                        format!(
                            "could not create the bot @{}: {e} (is the username taken by someone else?)",
                            agent.name
                        ),
                    )),
                }
            }
        }
    }
    for bot in existing.iter().filter(|b| b.delete_at == 0) {
        if !wanted.iter().any(|a| a.name == bot.username) {
            match api.update_bot_active(&bot.user_id, false).await {
                Ok(_) => report.deactivated.push(bot.username.clone()),
                Err(e) => report.failed.push((bot.username.clone(), e.to_string())),
            }
        }
    }
    Ok(report)
}

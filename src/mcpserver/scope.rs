//! What a caller may reach: the checks every tool makes before it reads or writes, and the
//! text forms of what it returns. A refusal never says whether the thing exists.

use std::collections::HashMap;

use plugin_runtime::host::model::{Channel, Post, Team, User, channel_type};

use super::Caller;
use crate::agents::access;
use crate::answer::tools::ToolError;

const NO_CHANNEL: &str = "the channel does not exist or you cannot read it";
const NO_TEAM: &str = "the team does not exist or you are not a member";

/// A channel the caller reads as a user would (public channels of their teams, anything else
/// as a member) and, for an agent's call, where the agent may work.
pub async fn readable_channel(c: &Caller, channel_id: &str) -> Result<Channel, ToolError> {
    let channel = c
        .api
        .get_channel(channel_id)
        .await
        .map_err(|_| ToolError::Denied(NO_CHANNEL.into()))?;
    check_readable(c, &channel).await?;
    Ok(channel)
}

pub async fn check_readable(c: &Caller, channel: &Channel) -> Result<(), ToolError> {
    if !access::may_read(c.api.as_ref(), &c.user_id, channel).await {
        return Err(ToolError::Denied(NO_CHANNEL.into()));
    }
    if let Some((bot, bot_user_id)) = &c.agent {
        access::check_channel(bot, bot_user_id, channel).map_err(|e| ToolError::Denied(e.to_string()))?;
    }
    Ok(())
}

/// A channel the caller may post in: readable, not archived, and `create_post` allowed.
pub async fn writable_channel(c: &Caller, channel_id: &str) -> Result<Channel, ToolError> {
    let channel = readable_channel(c, channel_id).await?;
    if channel.delete_at != 0 {
        return Err(ToolError::Denied("the channel is archived".into()));
    }
    let allowed = c
        .api
        .has_permission_to_channel(&c.user_id, &channel.id, "create_post")
        .await
        .unwrap_or(false);
    if !allowed {
        return Err(ToolError::Denied(
            "you cannot post in this channel (join it first)".into(),
        ));
    }
    Ok(channel)
}

/// A team the caller belongs to, by id or by name.
pub async fn member_team(
    c: &Caller,
    team_id: Option<&str>,
    team_name: Option<&str>,
) -> Result<Team, ToolError> {
    let team = match (
        team_id.map(str::trim).filter(|s| !s.is_empty()),
        team_name.map(str::trim).filter(|s| !s.is_empty()),
    ) {
        (Some(id), _) => c.api.get_team(&super::id("team_id", id)?).await,
        (None, Some(name)) => c.api.get_team_by_name(name).await,
        (None, None) => return Err(ToolError::Arguments("team_id or team_name is required".into())),
    }
    .map_err(|_| ToolError::Denied(NO_TEAM.into()))?;
    match c.api.get_team_member(&team.id, &c.user_id).await {
        Ok(m) if m.delete_at == 0 => Ok(team),
        _ => Err(ToolError::Denied(NO_TEAM.into())),
    }
}

/// A user by id, or by username with or without `@`.
pub async fn user(c: &Caller, who: &str) -> Result<User, ToolError> {
    let who = who.trim().trim_start_matches('@');
    let found = if super::id("user", who).is_ok() {
        match c.api.get_user(who).await {
            Ok(u) => Ok(u),
            Err(_) => c.api.get_user_by_username(who).await,
        }
    } else {
        c.api.get_user_by_username(&who.to_lowercase()).await
    };
    match found {
        Ok(u) if u.delete_at == 0 => Ok(u),
        _ => Err(ToolError::Failed(format!("there is no active user {who}"))),
    }
}

/// How a channel is named to the model: its display name, handle and kind.
pub fn channel_line(ch: &Channel) -> String {
    let kind = match ch.channel_type.as_str() {
        channel_type::OPEN => "public channel",
        channel_type::PRIVATE => "private channel",
        channel_type::DIRECT => "direct message",
        channel_type::GROUP => "group message",
        _ => "channel",
    };
    let name = if ch.display_name.is_empty() {
        &ch.name
    } else {
        &ch.display_name
    };
    format!("{name} (~{}, {kind}, id {})", ch.name, ch.id)
}

/// The usernames of the posts' authors, read in one call.
pub async fn usernames(c: &Caller, posts: &[&Post]) -> HashMap<String, String> {
    let mut ids: Vec<String> = posts.iter().map(|p| p.user_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    c.api
        .get_users_by_ids(&ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect()
}

/// Posts as lines the model reads: author, time, id, text. System messages are left out.
pub async fn post_lines(c: &Caller, posts: &[&Post]) -> String {
    let names = usernames(c, posts).await;
    posts
        .iter()
        .filter(|p| p.delete_at == 0 && !p.post_type.starts_with("system_"))
        .map(|p| {
            let who = names.get(&p.user_id).map_or(p.user_id.as_str(), String::as_str);
            let when = jiff::Timestamp::from_millisecond(p.create_at)
                .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            let reply = if p.root_id.is_empty() {
                String::new()
            } else {
                format!(", reply to {}", p.root_id)
            };
            format!("@{who} ({when}, post {}{reply}):\n{}", p.id, p.message)
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

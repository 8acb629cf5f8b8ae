//! Channel tools: create a channel, describe one, list its members, add a member, and list
//! the caller's channels.

use serde::Deserialize;
use serde_json::{Value, json};

use super::scope;
use super::{Caller, ServerTool, id, limit, object_schema, parse};
use crate::answer::tools::ToolError;
use plugin_runtime::host::model::{Channel, channel_type};

#[derive(Deserialize)]
struct CreateChannelArgs {
    team_id: Option<String>,
    team_name: Option<String>,
    name: String,
    display_name: String,
    #[serde(default)]
    private: bool,
    purpose: Option<String>,
    header: Option<String>,
}

/// Mattermost's rules for a channel handle: 1-64 of a-z, 0-9, `-` and `_`, not only separators.
fn valid_handle(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.bytes().any(|b| b.is_ascii_alphanumeric())
}

pub struct CreateChannel;

#[async_trait::async_trait]
impl ServerTool for CreateChannel {
    fn name(&self) -> &'static str {
        "create_channel"
    }
    fn description(&self) -> &'static str {
        "Create a public or private channel in one of the user's teams; the user becomes its first member."
    }
    fn schema(&self) -> Value {
        scope_team(object_schema(
            json!({
                "name": {"type": "string", "description": "The handle: lowercase letters, digits, - and _ (max 64)"},
                "display_name": {"type": "string", "description": "The name people see"},
                "private": {"type": "boolean", "description": "A private channel (default public)"},
                "purpose": {"type": "string"},
                "header": {"type": "string"}
            }),
            &["name", "display_name"],
        ))
    }
    fn read_only(&self) -> bool {
        false
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: CreateChannelArgs = parse(args)?;
        let team = scope::member_team(c, a.team_id.as_deref(), a.team_name.as_deref()).await?;
        let name = a.name.trim().to_lowercase();
        if !valid_handle(&name) {
            return Err(ToolError::Arguments(
                "name must be 1 to 64 lowercase letters, digits, - or _".into(),
            ));
        }
        let display = a.display_name.trim();
        if display.is_empty() || display.chars().count() > 64 {
            return Err(ToolError::Arguments(
                "display_name must have 1 to 64 characters".into(),
            ));
        }
        let (kind, permission) = if a.private {
            (channel_type::PRIVATE, "create_private_channel")
        } else {
            (channel_type::OPEN, "create_public_channel")
        };
        if !c
            .api
            .has_permission_to_team(&c.user_id, &team.id, permission)
            .await
            .unwrap_or(false)
        {
            return Err(ToolError::Denied(format!(
                "you cannot create {} channels in this team",
                if a.private { "private" } else { "public" }
            )));
        }
        let channel = Channel {
            team_id: team.id.clone(),
            channel_type: kind.into(),
            name,
            display_name: display.to_owned(),
            purpose: a.purpose.unwrap_or_default().chars().take(250).collect(),
            header: a.header.unwrap_or_default().chars().take(1024).collect(),
            creator_id: c.user_id.clone(),
            ..Default::default()
        };
        let created = c
            .api
            .create_channel(&channel)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("creating the channel")))?;
        c.api
            .add_user_to_channel(&created.id, &c.user_id, &c.user_id)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("joining the new channel")))?;
        Ok(format!("Created {}.", scope::channel_line(&created)))
    }
}

/// Adds the team selectors every team-scoped tool accepts.
fn scope_team(mut schema: Value) -> Value {
    if let Some(p) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        p.insert(
            "team_id".into(),
            json!({"type": "string", "description": "The team's id (or give team_name)"}),
        );
        p.insert(
            "team_name".into(),
            json!({"type": "string", "description": "The team's handle (or give team_id)"}),
        );
    }
    schema
}

#[derive(Deserialize)]
struct ChannelInfoArgs {
    channel_id: Option<String>,
    channel_name: Option<String>,
    team_id: Option<String>,
    team_name: Option<String>,
}

pub struct GetChannelInfo;

#[async_trait::async_trait]
impl ServerTool for GetChannelInfo {
    fn name(&self) -> &'static str {
        "get_channel_info"
    }
    fn description(&self) -> &'static str {
        "Describe a channel the user can read, by id, or by handle within a team: names, kind, purpose, header, member count."
    }
    fn schema(&self) -> Value {
        scope_team(object_schema(
            json!({
                "channel_id": {"type": "string", "description": "The channel's id"},
                "channel_name": {"type": "string", "description": "The channel's handle (needs team_id or team_name)"}
            }),
            &[],
        ))
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: ChannelInfoArgs = parse(args)?;
        let channel = match (
            a.channel_id.as_deref().filter(|s| !s.trim().is_empty()),
            a.channel_name.as_deref(),
        ) {
            (Some(cid), _) => scope::readable_channel(c, &id("channel_id", cid)?).await?,
            (None, Some(name)) => {
                let team = scope::member_team(c, a.team_id.as_deref(), a.team_name.as_deref()).await?;
                let ch = c
                    .api
                    .get_channel_by_name(&team.id, name.trim().trim_start_matches('~'), false)
                    .await
                    .map_err(|_| {
                        ToolError::Denied("the channel does not exist or you cannot read it".into())
                    })?;
                scope::check_readable(c, &ch).await?;
                ch
            }
            (None, None) => {
                return Err(ToolError::Arguments(
                    "channel_id or channel_name is required".into(),
                ));
            }
        };
        let members = c
            .api
            .get_channel_members(&channel.id, 0, 200)
            .await
            .map(|m| m.len())
            .unwrap_or(0);
        let mut lines = vec![scope::channel_line(&channel)];
        if !channel.team_id.is_empty() {
            lines.push(format!("Team id: {}", channel.team_id));
        }
        if !channel.purpose.is_empty() {
            lines.push(format!("Purpose: {}", channel.purpose));
        }
        if !channel.header.is_empty() {
            lines.push(format!("Header: {}", channel.header));
        }
        lines.push(if members >= 200 {
            "Members: 200 or more".into()
        } else {
            format!("Members: {members}")
        });
        if channel.delete_at != 0 {
            lines.push("This channel is archived.".into());
        }
        Ok(lines.join("\n"))
    }
}

#[derive(Deserialize)]
struct MembersArgs {
    channel_id: String,
    limit: Option<i64>,
    page: Option<i64>,
}

pub struct GetChannelMembers;

#[async_trait::async_trait]
impl ServerTool for GetChannelMembers {
    fn name(&self) -> &'static str {
        "get_channel_members"
    }
    fn description(&self) -> &'static str {
        "List the members of a channel the user can read (usernames and names), a page at a time."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "channel_id": {"type": "string", "description": "The channel's id"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Members per page (default 50)"},
                "page": {"type": "integer", "minimum": 0, "description": "Page, from 0"}
            }),
            &["channel_id"],
        )
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: MembersArgs = parse(args)?;
        let n = limit(a.limit, 50)?;
        let page = a.page.unwrap_or(0).clamp(0, 10_000);
        let channel = scope::readable_channel(c, &id("channel_id", &a.channel_id)?).await?;
        let members = c
            .api
            .get_channel_members(&channel.id, page, n)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("listing the members")))?;
        let ids: Vec<String> = members.into_iter().map(|m| m.user_id).collect();
        super::users::describe(c, &ids, &format!("Members of {}", scope::channel_line(&channel))).await
    }
}

#[derive(Deserialize)]
struct AddArgs {
    channel_id: String,
    user: String,
}

pub struct AddUserToChannel;

#[async_trait::async_trait]
impl ServerTool for AddUserToChannel {
    fn name(&self) -> &'static str {
        "add_user_to_channel"
    }
    fn description(&self) -> &'static str {
        "Add a user (username or id) to a channel, if the user may manage that channel's members; the new member must belong to the channel's team."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "channel_id": {"type": "string", "description": "The channel's id"},
                "user": {"type": "string", "description": "The username (with or without @) or id to add"}
            }),
            &["channel_id", "user"],
        )
    }
    fn read_only(&self) -> bool {
        false
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: AddArgs = parse(args)?;
        let channel = scope::readable_channel(c, &id("channel_id", &a.channel_id)?).await?;
        let permission = match channel.channel_type.as_str() {
            channel_type::OPEN => "manage_public_channel_members",
            channel_type::PRIVATE => "manage_private_channel_members",
            _ => {
                return Err(ToolError::Denied(
                    "members can be added only to public and private channels".into(),
                ));
            }
        };
        if channel.delete_at != 0 {
            return Err(ToolError::Denied("the channel is archived".into()));
        }
        // Membership first: a system admin's power to manage any channel is not used here.
        let member = c.api.get_channel_member(&channel.id, &c.user_id).await.is_ok();
        let allowed = member
            && c.api
                .has_permission_to_channel(&c.user_id, &channel.id, permission)
                .await
                .unwrap_or(false);
        if !allowed {
            return Err(ToolError::Denied("you cannot add members to this channel".into()));
        }
        let who = scope::user(c, &a.user).await?;
        match c.api.get_team_member(&channel.team_id, &who.id).await {
            Ok(m) if m.delete_at == 0 => {}
            _ => {
                return Err(ToolError::Denied(format!(
                    "@{} is not a member of this channel's team",
                    who.username
                )));
            }
        }
        c.api
            .add_user_to_channel(&channel.id, &who.id, &c.user_id)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("adding the member")))?;
        Ok(format!(
            "Added @{} to {}.",
            who.username,
            scope::channel_line(&channel)
        ))
    }
}

#[derive(Deserialize)]
struct UserChannelsArgs {
    team_id: Option<String>,
    team_name: Option<String>,
}

pub struct GetUserChannels;

/// At most this many channels are listed.
const MAX_CHANNELS: usize = 200;

#[async_trait::async_trait]
impl ServerTool for GetUserChannels {
    fn name(&self) -> &'static str {
        "get_user_channels"
    }
    fn description(&self) -> &'static str {
        "List the channels the user is a member of, in one team or in all their teams, with ids to use in other tools."
    }
    fn schema(&self) -> Value {
        scope_team(object_schema(json!({}), &[]))
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: UserChannelsArgs = parse(args)?;
        let teams = if a.team_id.is_some() || a.team_name.is_some() {
            vec![scope::member_team(c, a.team_id.as_deref(), a.team_name.as_deref()).await?]
        } else {
            c.api
                .get_teams_for_user(&c.user_id)
                .await
                .map_err(|e| ToolError::Failed(e.for_user("listing your teams")))?
        };
        let mut lines = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for team in teams.iter().take(50) {
            let channels = c
                .api
                .get_channels_for_team_for_user(&team.id, &c.user_id, false)
                .await
                .unwrap_or_default();
            for ch in channels {
                if lines.len() >= MAX_CHANNELS || !seen.insert(ch.id.clone()) {
                    continue;
                }
                if let Some((bot, bot_user_id)) = &c.agent
                    && crate::agents::access::check_channel(bot, bot_user_id, &ch).is_err()
                {
                    continue;
                }
                let team_note = if ch.team_id.is_empty() {
                    String::new()
                } else {
                    format!(" in team {}", team.name)
                };
                lines.push(format!("- {}{team_note}", scope::channel_line(&ch)));
            }
        }
        if lines.is_empty() {
            return Ok("You are not a member of any channel here.".into());
        }
        Ok(lines.join("\n"))
    }
}

//! LookupMattermostUser: facts about a user, as the caller may see them (the `view_members`
//! permission, and the server's privacy settings for full names and e-mail addresses).

use serde_json::{Value, json};

use crate::answer::tools::{Tool, ToolContext, ToolError, str_arg};
use crate::llm::ToolSpec;

pub struct LookupUser;

#[async_trait::async_trait]
impl Tool for LookupUser {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "LookupMattermostUser".into(),
            description: "Look up a Mattermost user by username: name, position, nickname, locale, timezone and status.".into(),
            parameters: json!({
                "type": "object",
                "properties": {"username": {"type": "string", "description": "The username, without @"}},
                "required": ["username"],
            }),
        }
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError> {
        let username = str_arg(&args, "username")?.trim_start_matches('@').to_lowercase();
        if !matches!(
            ctx.api.has_permission_to(&ctx.user_id, "view_members").await,
            Ok(true)
        ) {
            return Err(ToolError::Denied(
                "you do not have permission to view other users".into(),
            ));
        }
        let user = ctx
            .api
            .get_user_by_username(&username)
            .await
            .map_err(|_| ToolError::Failed(format!("no user named {username}")))?;
        let show = |setting: &str| {
            ctx.server_config
                .get(setting)
                .and_then(Value::as_bool)
                .unwrap_or(true)
        };
        let mut lines = vec![format!("Username: @{}", user.username)];
        if show("PrivacySettings.ShowFullName") {
            let full = format!("{} {}", user.first_name, user.last_name);
            if !full.trim().is_empty() {
                lines.push(format!("Full name: {}", full.trim()));
            }
        }
        if show("PrivacySettings.ShowEmailAddress") && !user.email.is_empty() {
            lines.push(format!("Email: {}", user.email));
        }
        for (label, value) in [
            ("Nickname", &user.nickname),
            ("Position", &user.position),
            ("Locale", &user.locale),
        ] {
            if !value.is_empty() {
                lines.push(format!("{label}: {value}"));
            }
        }
        if let Some(name) = crate::answer::context::tz_name(&user) {
            lines.push(format!("Timezone: {name}"));
        }
        if user.is_bot {
            lines.push("This account is a bot.".into());
        }
        if let Ok(status) = ctx.api.get_user_status(&user.id).await {
            lines.push(format!("Status: {}", status.status));
        }
        Ok(lines.join("\n"))
    }
}

//! User tools: find users, and the one way every tool describes users (privacy settings
//! decide whether full names and e-mail addresses are shown).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Caller, ServerTool, limit, object_schema, parse};
use crate::answer::tools::ToolError;
use plugin_runtime::host::model::{User, UserSearch};

/// A privacy setting (`PrivacySettings.ShowFullName` …); absent means shown, as Mattermost's
/// defaults are.
fn shown(c: &Caller, setting: &str) -> bool {
    c.server_config
        .get(setting)
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

/// One line per user.
pub fn user_line(c: &Caller, u: &User) -> String {
    let mut line = format!("@{} (id {})", u.username, u.id);
    if shown(c, "PrivacySettings.ShowFullName") {
        let full = format!("{} {}", u.first_name, u.last_name);
        if !full.trim().is_empty() {
            line.push_str(&format!(", {}", full.trim()));
        }
    }
    if !u.nickname.is_empty() {
        line.push_str(&format!(", nickname {}", u.nickname));
    }
    if !u.position.is_empty() {
        line.push_str(&format!(", {}", u.position));
    }
    if shown(c, "PrivacySettings.ShowEmailAddress") && !u.email.is_empty() {
        line.push_str(&format!(", {}", u.email));
    }
    if u.is_bot {
        line.push_str(" [bot]");
    }
    line
}

/// The users with `ids`, under `title`.
pub async fn describe(c: &Caller, ids: &[String], title: &str) -> Result<String, ToolError> {
    if ids.is_empty() {
        return Ok(format!("{title}: none on this page."));
    }
    let users = c
        .api
        .get_users_by_ids(ids)
        .await
        .map_err(|e| ToolError::Failed(e.for_user("reading the users")))?;
    let lines: Vec<String> = users.iter().map(|u| format!("- {}", user_line(c, u))).collect();
    Ok(format!("{title}:\n{}", lines.join("\n")))
}

#[derive(Deserialize)]
struct SearchUsersArgs {
    term: String,
    limit: Option<i64>,
}

pub struct SearchUsers;

#[async_trait::async_trait]
impl ServerTool for SearchUsers {
    fn name(&self) -> &'static str {
        "search_users"
    }
    fn description(&self) -> &'static str {
        "Find users by the start of their username, first or last name, nickname or e-mail address."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "term": {"type": "string", "description": "What the username, name, nickname or e-mail starts with"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many (default 20)"}
            }),
            &["term"],
        )
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: SearchUsersArgs = parse(args)?;
        let term = a.term.trim().trim_start_matches('@');
        if term.is_empty() || term.chars().count() > 64 {
            return Err(ToolError::Arguments("term must have 1 to 64 characters".into()));
        }
        let n = limit(a.limit, 20)?;
        if !c
            .api
            .has_permission_to(&c.user_id, "view_members")
            .await
            .unwrap_or(false)
        {
            return Err(ToolError::Denied("you cannot view other users".into()));
        }
        let search = UserSearch {
            term: term.to_owned(),
            limit: n,
            ..Default::default()
        };
        let users = c
            .api
            .search_users(&search)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("searching users")))?;
        // Without the privacy settings' consent, an e-mail or a full name is not searchable
        // either: a match on a hidden field would reveal it.
        let lower = term.to_lowercase();
        let names = shown(c, "PrivacySettings.ShowFullName");
        let emails = shown(c, "PrivacySettings.ShowEmailAddress");
        let lines: Vec<String> = users
            .iter()
            .filter(|u| {
                let starts = |s: &str| s.to_lowercase().starts_with(&lower);
                starts(&u.username)
                    || starts(&u.nickname)
                    || (names && (starts(&u.first_name) || starts(&u.last_name)))
                    || (emails && starts(&u.email))
            })
            .take(usize::try_from(n).unwrap_or(20))
            .map(|u| format!("- {}", user_line(c, u)))
            .collect();
        if lines.is_empty() {
            return Ok("No users match.".into());
        }
        Ok(lines.join("\n"))
    }
}

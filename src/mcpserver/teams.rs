//! Team tools: describe a team and list its members, for teams the caller belongs to.

use serde::Deserialize;
use serde_json::{Value, json};

use super::scope;
use super::{Caller, ServerTool, limit, object_schema, parse};
use crate::answer::tools::ToolError;

#[derive(Deserialize)]
struct TeamArgs {
    team_id: Option<String>,
    team_name: Option<String>,
}

fn team_schema(extra: Value) -> Value {
    let mut props = json!({
        "team_id": {"type": "string", "description": "The team's id (or give team_name)"},
        "team_name": {"type": "string", "description": "The team's handle (or give team_id)"}
    });
    if let (Some(p), Value::Object(e)) = (props.as_object_mut(), extra) {
        p.extend(e);
    }
    object_schema(props, &[])
}

pub struct GetTeamInfo;

#[async_trait::async_trait]
impl ServerTool for GetTeamInfo {
    fn name(&self) -> &'static str {
        "get_team_info"
    }
    fn description(&self) -> &'static str {
        "Describe a team the user belongs to, by id or handle: names, description, whether it is open to join."
    }
    fn schema(&self) -> Value {
        team_schema(json!({}))
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: TeamArgs = parse(args)?;
        let team = scope::member_team(c, a.team_id.as_deref(), a.team_name.as_deref()).await?;
        let mut lines = vec![format!(
            "{} (handle {}, id {})",
            team.display_name, team.name, team.id
        )];
        if !team.description.is_empty() {
            lines.push(format!("Description: {}", team.description));
        }
        lines.push(if team.team_type == "O" {
            "Anyone on the server may join.".into()
        } else {
            "Members join by invitation.".into()
        });
        Ok(lines.join("\n"))
    }
}

#[derive(Deserialize)]
struct TeamMembersArgs {
    team_id: Option<String>,
    team_name: Option<String>,
    limit: Option<i64>,
    page: Option<i64>,
}

pub struct GetTeamMembers;

#[async_trait::async_trait]
impl ServerTool for GetTeamMembers {
    fn name(&self) -> &'static str {
        "get_team_members"
    }
    fn description(&self) -> &'static str {
        "List the members of a team the user belongs to (usernames and names), a page at a time."
    }
    fn schema(&self) -> Value {
        team_schema(json!({
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Members per page (default 50)"},
            "page": {"type": "integer", "minimum": 0, "description": "Page, from 0"}
        }))
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: TeamMembersArgs = parse(args)?;
        let n = limit(a.limit, 50)?;
        let page = a.page.unwrap_or(0).clamp(0, 10_000);
        let team = scope::member_team(c, a.team_id.as_deref(), a.team_name.as_deref()).await?;
        let members = c
            .api
            .get_team_members(&team.id, page, n)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("listing the members")))?;
        let ids: Vec<String> = members
            .into_iter()
            .filter(|m| m.delete_at == 0)
            .map(|m| m.user_id)
            .collect();
        super::users::describe(c, &ids, &format!("Members of team {}", team.display_name)).await
    }
}

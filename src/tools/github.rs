//! GetGithubIssue: through the GitHub plugin's inter-plugin API, as the requesting user, so
//! only what that user may see in GitHub is returned.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::answer::tools::{Tool, ToolContext, ToolError, str_arg};
use crate::llm::ToolSpec;
use plugin_runtime::host::{MattermostApi, PluginHttpRequest};

const PLUGIN: &str = "github";
/// `PluginState` running.
const RUNNING: i64 = 2;

pub async fn plugin_running(api: &dyn MattermostApi) -> bool {
    matches!(api.get_plugin_status(PLUGIN).await, Ok(s) if s.state == RUNNING)
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

pub struct GetGithubIssue;

#[async_trait::async_trait]
impl Tool for GetGithubIssue {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "GetGithubIssue".into(),
            description:
                "Fetch a GitHub issue or pull request by repository owner, repository name and number.".into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "repo_owner": {"type": "string"},
                    "repo_name": {"type": "string"},
                    "number": {"type": "integer"},
                },
                "required": ["repo_owner", "repo_name", "number"],
            }),
        }
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError> {
        let owner = str_arg(&args, "repo_owner")?;
        let repo = str_arg(&args, "repo_name")?;
        let number = args
            .get("number")
            .and_then(|n| n.as_u64().or_else(|| n.as_str().and_then(|s| s.parse().ok())))
            .ok_or_else(|| ToolError::Arguments("number must be a positive integer".into()))?;
        if !name_ok(owner) || !name_ok(repo) {
            return Err(ToolError::Arguments("not a GitHub repository name".into()));
        }
        let mut headers = HashMap::new();
        headers.insert("Mattermost-User-ID".to_owned(), vec![ctx.user_id.clone()]);
        let resp = ctx
            .api
            .plugin_http(PluginHttpRequest {
                method: "GET".into(),
                url: format!("/{PLUGIN}/api/v1/issue?owner={owner}&repo={repo}&number={number}"),
                headers,
                body: Vec::new(),
            })
            .await
            .map_err(|e| ToolError::Failed(e.for_user("asking the GitHub plugin")))?;
        if resp.status != 200 {
            return Err(ToolError::Failed(format!(
                "the GitHub plugin answered HTTP {} (is your GitHub account connected?)",
                resp.status
            )));
        }
        let issue: Value = serde_json::from_slice(&resp.body)
            .map_err(|_| ToolError::Failed("the GitHub plugin did not answer with JSON".into()))?;
        let s = |k: &str| issue.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let labels: Vec<&str> = issue
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        Ok(format!(
            "{owner}/{repo}#{number}: {title}\nState: {state}; Author: {author}; Labels: {labels}\nURL: {url}\n\n{body}",
            title = s("title"),
            state = s("state"),
            author = issue.pointer("/user/login").and_then(Value::as_str).unwrap_or(""),
            labels = labels.join(", "),
            url = s("html_url"),
            body = s("body"),
        ))
    }
}

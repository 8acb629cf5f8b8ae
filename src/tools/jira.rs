//! GetJiraIssue: public issues from any Jira instance, anonymously, through the untrusted
//! outbound client (so a model cannot make the server fetch private addresses).

use serde_json::{Value, json};

use crate::answer::tools::{Tool, ToolContext, ToolError, str_arg};
use crate::llm::ToolSpec;
use crate::outbound::Trust;

const MAX_KEYS: usize = 10;

pub struct GetJiraIssue;

/// `PROJ-123`: a letter, letters/digits/underscores, a dash, digits; at most 50 characters.
pub fn valid_key(k: &str) -> bool {
    let Some((project, number)) = k.split_once('-') else {
        return false;
    };
    k.len() <= 50
        && project.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && project.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[async_trait::async_trait]
impl Tool for GetJiraIssue {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "GetJiraIssue".into(),
            description: "Fetch public Jira issues by key (e.g. PROJ-123) from a Jira instance URL.".into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "instance_url": {"type": "string", "description": "The Jira site, e.g. https://issues.example.org"},
                    "issue_keys": {"type": "array", "items": {"type": "string"}, "description": "Issue keys like PROJ-123"},
                },
                "required": ["instance_url", "issue_keys"],
            }),
        }
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<String, ToolError> {
        let base = str_arg(&args, "instance_url")?.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(ToolError::Arguments("instance_url must be an http(s) URL".into()));
        }
        let keys: Vec<String> = args
            .get("issue_keys")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim().to_uppercase())
                    .collect()
            })
            .unwrap_or_default();
        if keys.is_empty() || keys.len() > MAX_KEYS {
            return Err(ToolError::Arguments(format!(
                "give between 1 and {MAX_KEYS} issue keys"
            )));
        }
        if let Some(bad) = keys.iter().find(|k| !valid_key(k)) {
            return Err(ToolError::Arguments(format!("{bad:?} is not a Jira issue key")));
        }
        let jql = format!("key in ({})", keys.join(","));
        let url = format!(
            "{base}/rest/api/2/search?jql={}&fields=summary,description,status,assignee,reporter,priority,issuetype,created,updated",
            crate::outbound::encode_component(&jql)
        );
        let resp = ctx
            .outbound
            .get(Trust::Untrusted, &url)
            .map_err(|e| ToolError::Arguments(e.user_message()))?
            .send()
            .await
            .map_err(|e| ToolError::Failed(e.user_message()))?;
        let status = resp.status().as_u16();
        let body: Value = crate::outbound::json_capped(resp, crate::outbound::JSON_BODY_CAP)
            .await
            .map_err(|_| ToolError::Failed("Jira did not answer with JSON".into()))?;
        if status != 200 {
            return Err(ToolError::Failed(format!("Jira answered HTTP {status}")));
        }
        let issues = body
            .get("issues")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if issues.is_empty() {
            return Ok("No matching public issues.".into());
        }
        let field = |i: &Value, path: &[&str]| {
            path.iter()
                .try_fold(&i["fields"], |v, k| v.get(*k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let out: Vec<String> = issues
            .iter()
            .map(|i| {
                format!(
                    "{key}: {summary}\nType: {kind}; Status: {status}; Priority: {prio}\nAssignee: {assignee}; Reporter: {reporter}\nCreated: {created}; Updated: {updated}\n{desc}",
                    key = i.get("key").and_then(Value::as_str).unwrap_or(""),
                    summary = field(i, &["summary"]),
                    kind = field(i, &["issuetype", "name"]),
                    status = field(i, &["status", "name"]),
                    prio = field(i, &["priority", "name"]),
                    assignee = field(i, &["assignee", "displayName"]),
                    reporter = field(i, &["reporter", "displayName"]),
                    created = field(i, &["created"]),
                    updated = field(i, &["updated"]),
                    desc = field(i, &["description"]),
                )
            })
            .collect();
        Ok(out.join("\n\n"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn issue_keys() {
        for ok in ["PROJ-1", "MM_2-12345", "A1-9"] {
            assert!(super::valid_key(ok), "{ok}");
        }
        for bad in ["PROJ", "1PROJ-2", "PROJ-", "PROJ-1a", "PR OJ-1", "P-1) OR 1=1"] {
            assert!(!super::valid_key(bad), "{bad}");
        }
    }
}

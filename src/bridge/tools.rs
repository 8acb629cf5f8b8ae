//! `allowed_tools`: the tools a caller lets an agent use for one user. Upstream runs them
//! without asking anyone; here a tool runs only if the admin's policy lets it run unasked
//! everywhere (`auto_run_everywhere`, `answer::policy`), because the bridge has no user to ask
//! and the calling plugin is not the user. Any other tool is refused with a 400 that says so,
//! before the model is called. Calls run as the request's user, rounds bounded.

use std::sync::Arc;

use super::BridgeError;
use super::request::ToolRef;
use crate::answer::policy::{self, ToolPolicy};
use crate::answer::tools::{Tool, ToolOrigin, ToolProvider};
use crate::config::Config;
use plugin_runtime::host::MattermostApi;

/// Model rounds with tool calls before the answer must be text.
pub const MAX_TOOL_ROUNDS: usize = 5;
/// Names accepted for the embedded Mattermost server as a `server_origin` or `server__` prefix.
const EMBEDDED_NAMES: &[&str] = &["mattermost", "embedded", "mattermost-server"];

fn bare(r: &ToolRef) -> String {
    match r {
        ToolRef::Name(n) => n.clone(),
        ToolRef::Qualified { server_origin, name } if server_origin.is_empty() => name.clone(),
        ToolRef::Qualified { server_origin, name } => format!("{server_origin}__{name}"),
    }
}

/// Whether `tool` is the one `r` names.
fn names(tool: &dyn Tool, r: &ToolRef) -> bool {
    let spec_name = tool.spec().name;
    let origin = tool.origin();
    let (server, name) = match r {
        ToolRef::Name(n) if *n == spec_name => return true,
        ToolRef::Name(n) => match n.split_once("__") {
            Some((s, t)) => (s.to_owned(), t.to_owned()),
            None => return false,
        },
        ToolRef::Qualified { server_origin, name } => {
            if server_origin.is_empty() {
                return *name == spec_name;
            }
            (server_origin.clone(), name.clone())
        }
    };
    match origin {
        ToolOrigin::Server { server: s, tool: t } => s.eq_ignore_ascii_case(&server) && t == name,
        ToolOrigin::Embedded => {
            EMBEDDED_NAMES.iter().any(|e| e.eq_ignore_ascii_case(&server)) && spec_name == name
        }
        ToolOrigin::Builtin => false,
    }
}

/// The tools `allowed` names among those `provider` offers `user_id`, each allowed by the
/// admin to run unasked; a 400 naming the first that is not.
pub async fn resolve(
    provider: &dyn ToolProvider,
    api: &dyn MattermostApi,
    cfg: &Config,
    user_id: &str,
    allowed: &[ToolRef],
) -> Result<Vec<Arc<dyn Tool>>, BridgeError> {
    let offered = policy::enabled(cfg, provider.tools_for(api, user_id).await);
    let mut out: Vec<Arc<dyn Tool>> = Vec::new();
    for r in allowed {
        let matching: Vec<&Arc<dyn Tool>> = offered.iter().filter(|t| names(t.as_ref(), r)).collect();
        let tool = match matching.as_slice() {
            [one] => (*one).clone(),
            [] => {
                return Err(BridgeError::BadRequest(format!(
                    "invalid allowed_tools: tool not found: {}",
                    bare(r)
                )));
            }
            _ => {
                return Err(BridgeError::BadRequest(format!(
                    "invalid allowed_tools: ambiguous tool name: {} (name it server__tool)",
                    bare(r)
                )));
            }
        };
        if policy::policy_of(cfg, tool.as_ref()) != Some(ToolPolicy::AutoRunEverywhere) {
            return Err(BridgeError::BadRequest(format!(
                "invalid allowed_tools: {} needs a user's approval to run; a system admin can set its policy to run automatically everywhere",
                bare(r)
            )));
        }
        if !out.iter().any(|t| t.spec().name == tool.spec().name) {
            out.push(tool);
        }
    }
    Ok(out)
}

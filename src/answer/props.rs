//! Every wire string an answer carries to clients: post types, post prop keys, the websocket
//! event and its fields, and the tool-call record with its typed status. Upstream's webapp and
//! the mobile app read these names; `webapp/src/wire.ts` holds the same values.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use plugin_runtime::host::model::Post;

/// The post type of every answer; Mattermost's webapp and the mobile app render it.
pub const BOT_POST_TYPE: &str = "custom_llmbot";
/// The post type of a meeting summary's "post it back to the channel" offer.
pub const POSTBACK_POST_TYPE: &str = "custom_llm_postback";

/// The websocket event of a streaming answer; the server prefixes it with
/// `custom_<plugin id>_`.
pub const POST_UPDATE_EVENT: &str = "postupdate";
/// Fields of `postupdate`.
pub mod event {
    pub const POST_ID: &str = "post_id";
    pub const NEXT: &str = "next";
    pub const CONTROL: &str = "control";
    pub const TOOL_CALL: &str = "tool_call";
    pub const REASONING: &str = "reasoning";
    pub const ANNOTATIONS: &str = "annotations";
    /// `control` values.
    pub const CONTROL_START: &str = "start";
    pub const CONTROL_END: &str = "end";
    pub const CONTROL_CANCEL: &str = "cancel";
    pub const CONTROL_TOOL_CALL: &str = "tool_call";
    pub const CONTROL_REASONING: &str = "reasoning_summary";
    pub const CONTROL_REASONING_DONE: &str = "reasoning_summary_done";
    pub const CONTROL_ANNOTATIONS: &str = "annotations";
}

/// Progress of an answer that takes several model calls before its text starts (a long
/// transcript's parts): `post_id`, `stage`, `step` of `steps`. Its own event, so clients that
/// do not know it (the mobile app) ignore it rather than misread a `postupdate`.
pub const POST_PROGRESS_EVENT: &str = "postprogress";
pub mod progress {
    pub const STAGE: &str = "stage";
    pub const STEP: &str = "step";
    pub const STEPS: &str = "steps";
    /// `stage` values.
    pub const TRANSCRIPT_PARTS: &str = "transcript_parts";
}

/// The user an answer is for (only they may stop, regenerate or approve its tools).
pub const REQUESTER: &str = "llm_requester_user_id";
/// The post an answer answers.
pub const RESPONDING_TO: &str = "responding_to";
/// Tells renderers the text may carry planted links and images.
pub const UNSAFE_LINKS: &str = "unsafe_links";
pub const NO_REGEN: &str = "no_regen";
/// The tool calls of an answer, as a JSON string of [`ToolCallRecord`]s.
pub const PENDING_TOOL_CALL: &str = "pending_tool_call";
/// On a tool post whose calls ran without asking (admin policy): which consecutive automatic
/// round it was, so a model cannot keep calling tools forever.
pub const AUTO_TOOL_ROUND: &str = "auto_tool_round";
/// On a tool post outside a DM: the calls in `pending_tool_call` carry no arguments (`{}`) and
/// no results; their requester reads the whole calls with `GET /post/{id}/tool_call_private`.
pub const PENDING_TOOL_CALL_REDACTED: &str = "pending_tool_call_redacted";
/// On a tool post outside a DM whose calls ran: the results wait, readable by the requester
/// alone (`GET /post/{id}/tool_result_private`), for them to choose which to share
/// (`POST /post/{id}/tool_result`); removed once they chose.
pub const PENDING_TOOL_RESULT: &str = "pending_tool_result";
/// On a tool post whose calls ran without asking (an admin's policy).
pub const AUTO_APPROVED_TOOL_CALL: &str = "auto_approved_tool_call";
/// The value of the three props above when set (upstream stores the string).
pub const TRUE: &str = "true";
pub const REASONING: &str = "reasoning_summary";
pub const REASONING_SIGNATURE: &str = "reasoning_signature";
pub const ANNOTATIONS: &str = "annotations";
/// On follow-up posts of a long answer: the answer's first post.
pub const CONTINUATION_OF: &str = "continuation_of";
/// Lets a bot's or integration's post reach an agent.
pub const ACTIVATE_AI: &str = "activate_ai";
/// Set when the answer ended with a provider error: the short message users see, so
/// renderers can show the post's error state (the message text carries it too, for clients
/// without our webapp).
pub const ERROR: &str = "llm_error";
/// Set when the service's fallback answered (`fallbackServiceID`): the fallback service's name
/// and the model that answered, for renderers; the text ends with a note saying the same.
pub const FALLBACK_SERVICE: &str = "llm_fallback_service";
pub const FALLBACK_MODEL: &str = "llm_fallback_model";
/// A thread analysis: the analysed thread's root and which analysis it was.
pub const REFERENCED_THREAD: &str = "referenced_thread";
pub const PROMPT_TYPE: &str = "prompt_type";
/// A question asked through search, and the results its answer cites.
pub const SEARCH_QUERY: &str = "search_query";
pub const SEARCH_RESULTS: &str = "search_results";
/// A meeting summary: the transcript post it summarises.
pub const TRANSCRIPT_POST: &str = "referenced_transcript_post_id";
/// On a postback offer: the user it is for.
pub const POSTBACK_USER: &str = "userid";
/// Set by Mattermost on posts no agent answers unless `activate_ai` is set too.
pub const FROM_WEBHOOK: &str = "from_webhook";
pub const FROM_PLUGIN: &str = "from_plugin";
pub const FROM_BOT: &str = "from_bot";
/// Set on posts moved in by the Wrangler plugin.
pub const WRANGLER: &str = "wrangler";

/// Whether `key` holds true (a JSON bool or the string "true", as clients send both).
pub fn is_true(p: &Post, key: &str) -> bool {
    match p.props.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Where a tool call stands; the numbers are upstream's (`llm.ToolCallStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum ToolCallStatus {
    Pending = 0,
    Accepted = 1,
    Rejected = 2,
    Error = 3,
    Success = 4,
    /// Ran without asking, under an admin's policy, and succeeded; clients show it as a
    /// success without buttons.
    AutoApproved = 5,
}

impl ToolCallStatus {
    /// Whether the call ran (so it has a result, or an error as its result).
    pub fn ran(self) -> bool {
        matches!(self, Self::Success | Self::Error | Self::AutoApproved)
    }

    /// Whether the call ran and succeeded.
    pub fn succeeded(self) -> bool {
        matches!(self, Self::Success | Self::AutoApproved)
    }
}

impl From<ToolCallStatus> for u8 {
    fn from(s: ToolCallStatus) -> u8 {
        s as u8
    }
}

impl TryFrom<u8> for ToolCallStatus {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        Ok(match n {
            0 => Self::Pending,
            1 => Self::Accepted,
            2 => Self::Rejected,
            3 => Self::Error,
            4 => Self::Success,
            5 => Self::AutoApproved,
            other => return Err(format!("unknown tool call status {other}")),
        })
    }
}

/// One tool call as stored in `pending_tool_call`, with upstream's field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub arguments: Value,
    #[serde(default)]
    pub result: String,
    pub status: ToolCallStatus,
}

/// The tool calls recorded on a post, if it has any that parse. Clients have stored both a
/// JSON string and an array.
pub fn tool_calls(post: &Post) -> Option<Vec<ToolCallRecord>> {
    match post.props.get(PENDING_TOOL_CALL)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        v @ Value::Array(_) => serde_json::from_value(v.clone()).ok(),
        _ => None,
    }
}

/// The prop value for `calls`: a JSON string, as upstream stores it.
pub fn tool_calls_value(calls: &[ToolCallRecord]) -> String {
    serde_json::to_string(calls).unwrap_or_else(|_| "[]".into())
}

/// KV key of a channel tool post's whole calls (with their arguments), kept for its requester
/// (upstream's key). Ids are 26 characters: the key stays far below Mattermost's 150.
pub fn tool_call_private_key(post_id: &str, requester: &str) -> String {
    format!("tool_call_private:{post_id}:{requester}")
}

/// KV key of a channel tool post's results, kept for its requester until they choose which to
/// share (upstream's key).
pub fn tool_result_private_key(post_id: &str, requester: &str) -> String {
    format!("tool_result_private:{post_id}:{requester}")
}

/// How long a channel tool post's private calls and results wait for their requester.
pub const PRIVATE_TOOL_DATA_SECONDS: i64 = 24 * 60 * 60;

/// `calls` as a channel sees them: names and statuses, no arguments, no results.
pub fn redacted(calls: &[ToolCallRecord]) -> Vec<ToolCallRecord> {
    calls
        .iter()
        .map(|c| ToolCallRecord {
            arguments: Value::Object(Default::default()),
            result: String::new(),
            ..c.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_call_records_keep_upstreams_numbers() {
        let r = ToolCallRecord {
            id: "c1".into(),
            name: "LookupUser".into(),
            description: String::new(),
            arguments: serde_json::json!({"u": 1}),
            result: String::new(),
            status: ToolCallStatus::Rejected,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["status"], 2);
        let back: ToolCallRecord = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
        assert!(serde_json::from_str::<ToolCallRecord>(r#"{"status": 9}"#).is_err());
        let auto: ToolCallRecord = serde_json::from_str(r#"{"status": 5}"#).unwrap();
        assert_eq!(auto.status, ToolCallStatus::AutoApproved);
        assert!(auto.status.succeeded() && auto.status.ran());
    }
}

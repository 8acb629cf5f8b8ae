//! What the model sees: the system prompt and the thread so far, as provider-neutral turns.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use super::prompts::{CONVERSATION_SYSTEM, Prompts};
use super::props;
use crate::config::{BotConfig, ServiceConfig};
use crate::llm::{Message, Part, Role, Thinking, ToolCall};
use plugin_runtime::host::model::{Channel, Post, Team, User};
use plugin_runtime::host::{ApiError, MattermostApi};

/// Images the providers accept, and the largest they take.
const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];
const MAX_IMAGE_BYTES: i64 = 20 * 1024 * 1024;
const DEFAULT_MAX_FILE_BYTES: i64 = 5 * 1024 * 1024;
/// All attached text of one conversation together, in characters.
const TOTAL_FILE_TEXT: usize = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("reading the thread: {0}")]
    Api(#[from] ApiError),
    #[error(transparent)]
    Prompt(#[from] super::prompts::PromptError),
}

/// Everything the system prompt talks about.
pub struct Setting<'a> {
    pub bot: &'a BotConfig,
    pub bot_user_id: &'a str,
    pub service: &'a ServiceConfig,
    pub user: &'a User,
    pub channel: &'a Channel,
    pub team: Option<&'a Team>,
    pub server_name: &'a str,
    /// Tool names offered only in DMs, listed in the prompt when the conversation is elsewhere.
    pub tools_elsewhere: Vec<String>,
}

#[derive(Serialize)]
struct SystemVars<'a> {
    bot_name: &'a str,
    bot_username: &'a str,
    server_name: &'a str,
    current_time: String,
    model: &'a str,
    username: &'a str,
    user_display_name: String,
    user_position: &'a str,
    locale: &'a str,
    is_direct: bool,
    channel_name: &'a str,
    team_name: &'a str,
    custom_instructions: &'a str,
    tools_elsewhere: &'a [String],
}

pub fn display_name(u: &User) -> String {
    let full = format!("{} {}", u.first_name.trim(), u.last_name.trim());
    let full = full.trim();
    if !full.is_empty() {
        full.to_owned()
    } else if !u.nickname.trim().is_empty() {
        u.nickname.trim().to_owned()
    } else {
        u.username.clone()
    }
}

/// The timezone name the user chose or their device reported, if any.
pub fn tz_name(u: &User) -> Option<&str> {
    let name = if u.timezone.get("useAutomaticTimezone").map(String::as_str) == Some("true") {
        u.timezone.get("automaticTimezone")
    } else {
        u.timezone.get("manualTimezone")
    };
    name.map(String::as_str).filter(|n| !n.is_empty())
}

/// The user's Mattermost timezone (UTC when unset or unknown).
pub fn user_tz(u: &User) -> jiff::tz::TimeZone {
    tz_name(u)
        .and_then(|n| jiff::tz::TimeZone::get(n).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The user's local time now.
pub fn local_time(u: &User) -> String {
    jiff::Zoned::now()
        .with_time_zone(user_tz(u))
        .strftime("%a, %d %b %Y %H:%M:%S %Z")
        .to_string()
}

pub fn system_prompt(prompts: &Prompts, s: &Setting<'_>) -> Result<String, ContextError> {
    let is_direct = s.channel.is_direct();
    let model = if s.bot.model.is_empty() {
        s.service.default_model.as_str()
    } else {
        s.bot.model.as_str()
    };
    let vars = SystemVars {
        bot_name: if s.bot.display_name.is_empty() {
            &s.bot.name
        } else {
            &s.bot.display_name
        },
        bot_username: &s.bot.name,
        server_name: s.server_name,
        current_time: local_time(s.user),
        model,
        username: &s.user.username,
        user_display_name: display_name(s.user),
        user_position: &s.user.position,
        locale: &s.user.locale,
        is_direct,
        channel_name: if s.channel.is_group() || is_direct {
            ""
        } else {
            &s.channel.display_name
        },
        team_name: s.team.map(|t| t.display_name.as_str()).unwrap_or(""),
        custom_instructions: s.bot.custom_instructions.trim(),
        tools_elsewhere: &s.tools_elsewhere,
    };
    Ok(prompts.render(CONVERSATION_SYSTEM, vars)?)
}

/// A stored tool call as the post prop keeps it (upstream's shape).
#[derive(Debug, Clone, serde::Deserialize)]
struct StoredCall {
    id: String,
    name: String,
    #[serde(default)]
    arguments: Value,
    #[serde(default)]
    result: String,
    #[serde(default)]
    status: i64,
}

/// The tool calls recorded on a post (`pending_tool_call`, a JSON string).
fn stored_calls(p: &Post) -> Vec<StoredCall> {
    match p.props.get(props::PENDING_TOOL_CALL) {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_default(),
        Some(v @ Value::Array(_)) => serde_json::from_value(v.clone()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// An earlier answer of the agent as an assistant turn, followed by its tool results. Calls
/// still waiting for approval are left out: a call without a result is invalid history.
fn assistant_turns(p: &Post, text: String) -> Vec<Message> {
    let mut turn = Message::text(Role::Assistant, text);
    if let (Some(reasoning), Some(signature)) = (
        p.prop_str(props::REASONING),
        p.prop_str(props::REASONING_SIGNATURE),
    ) && !signature.is_empty()
    {
        turn.thinking = Some(Thinking {
            text: reasoning.to_owned(),
            signature: signature.to_owned(),
        });
    }
    let answered: Vec<StoredCall> = stored_calls(p).into_iter().filter(|c| c.status != 0).collect();
    let mut out = Vec::new();
    turn.tool_calls = answered
        .iter()
        .map(|c| ToolCall {
            id: c.id.clone(),
            name: c.name.clone(),
            arguments: c.arguments.to_string(),
        })
        .collect();
    out.push(turn);
    // Results kept for the requester alone (a channel's tool calls) are not in the post.
    let private = props::is_true(p, props::PENDING_TOOL_RESULT);
    for c in answered {
        // Any status but pending (left out above) and rejected ran: accepted, error, success and
        // auto-approved (5) all carry their result.
        let result = match c.status {
            2 => "The user rejected this tool call.".to_owned(),
            _ if private => {
                "The result is visible only to the user who asked, who has not shared it yet.".to_owned()
            }
            _ if c.result.is_empty() => "The tool returned no result.".to_owned(),
            _ => c.result,
        };
        out.push(Message::tool_result(c.id, result));
    }
    out
}

fn is_text_file(mime: &str, ext: &str) -> bool {
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/xml" | "application/x-yaml"
        )
        || matches!(
            ext.to_ascii_lowercase().as_str(),
            "txt"
                | "md"
                | "csv"
                | "json"
                | "yaml"
                | "yml"
                | "xml"
                | "log"
                | "rs"
                | "go"
                | "py"
                | "js"
                | "ts"
                | "tsx"
                | "java"
                | "c"
                | "h"
                | "cpp"
                | "sh"
                | "sql"
                | "toml"
                | "ini"
                | "html"
        )
}

/// A user turn: "@name: text", plus the attachments the agent can read or see.
async fn user_turn(
    api: &dyn MattermostApi,
    bot: &BotConfig,
    p: &Post,
    author: &str,
    file_text_left: &mut usize,
) -> Message {
    let mut parts = vec![Part::Text(format!("@{author}: {}", p.message))];
    let per_file = if bot.max_file_size > 0 {
        bot.max_file_size
    } else {
        DEFAULT_MAX_FILE_BYTES
    };
    for id in &p.file_ids {
        let info = match api.get_file_info(id).await {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(file_id = %id, error = %e, "could not read an attachment's info");
                continue;
            }
        };
        let mime = info.mime_type.to_ascii_lowercase();
        if IMAGE_TYPES.contains(&mime.as_str()) {
            if !bot.enable_vision {
                parts.push(Part::Text(format!(
                    "[Attached image \"{}\": this agent cannot see images]",
                    info.name
                )));
            } else if info.size > MAX_IMAGE_BYTES {
                parts.push(Part::Text(format!(
                    "[Attached image \"{}\" is too large to look at]",
                    info.name
                )));
            } else if let Ok(data) = api.get_file(id).await {
                parts.push(Part::Image { mime, data });
            }
        } else if is_text_file(&mime, &info.extension) {
            if info.size > per_file || *file_text_left == 0 {
                parts.push(Part::Text(format!(
                    "[Attached file \"{}\" is too large to read]",
                    info.name
                )));
                continue;
            }
            if let Ok(data) = api.get_file(id).await {
                let text = String::from_utf8_lossy(&data);
                let take: String = text.chars().take(*file_text_left).collect();
                *file_text_left -= take.chars().count();
                let cut = if take.len() < text.len() {
                    "\n[…truncated]"
                } else {
                    ""
                };
                parts.push(Part::Text(format!(
                    "Attached file \"{}\":\n```\n{take}{cut}\n```",
                    info.name
                )));
            }
        } else if !info.content.trim().is_empty() && *file_text_left > 0 {
            // The server's own extraction (PDF, Office…), where content extraction is on.
            let take: String = info.content.chars().take(*file_text_left).collect();
            *file_text_left -= take.chars().count();
            parts.push(Part::Text(format!(
                "Attached file \"{}\" (extracted text):\n```\n{take}\n```",
                info.name
            )));
        } else {
            parts.push(Part::Text(format!(
                "[Attached file \"{}\" ({}) cannot be read by the agent]",
                info.name, info.mime_type
            )));
        }
    }
    Message {
        parts,
        ..Message::text(Role::User, "")
    }
}

/// The usernames of the posts' authors, in one call.
pub async fn usernames(api: &dyn MattermostApi, posts: &[&Post]) -> HashMap<String, String> {
    let mut ids: Vec<String> = posts.iter().map(|p| p.user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    api.get_users_by_ids(&ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect()
}

/// The thread of `upto` as turns, oldest first, ending with `upto` itself; `skip` is left out
/// (the answer being regenerated).
pub async fn history(
    api: &dyn MattermostApi,
    bot: &BotConfig,
    bot_user_id: &str,
    upto: &Post,
    skip: Option<&str>,
) -> Result<Vec<Message>, ContextError> {
    let thread = api.get_post_thread(&upto.id).await?;
    let mut posts: Vec<&Post> = thread
        .posts
        .values()
        .filter(|p| p.delete_at == 0 && p.create_at <= upto.create_at)
        .filter(|p| Some(p.id.as_str()) != skip)
        .filter(|p| !p.post_type.starts_with("system_"))
        .collect();
    posts.sort_by_key(|p| (p.create_at, p.id.clone()));
    let names = usernames(api, &posts).await;
    let mut out: Vec<Message> = Vec::new();
    let mut file_text_left = TOTAL_FILE_TEXT;
    for p in posts {
        if p.user_id == bot_user_id {
            if p.props.contains_key(props::CONTINUATION_OF)
                && let Some(last) = out.iter_mut().rev().find(|m| m.role == Role::Assistant)
            {
                match last.parts.last_mut() {
                    Some(Part::Text(t)) => t.push_str(&p.message),
                    _ => last.parts.push(Part::Text(p.message.clone())),
                }
                continue;
            }
            out.extend(assistant_turns(p, p.message.clone()));
        } else {
            let author = names.get(&p.user_id).map(String::as_str).unwrap_or("unknown");
            out.push(user_turn(api, bot, p, author, &mut file_text_left).await);
        }
    }
    Ok(out)
}

//! The bridge's request body (upstream's `bridgeclient.CompletionRequest`), its bounds and its
//! checks, in the order upstream applies them, and the posts turned into model turns (files
//! read through the plugin API, images only for agents that can see them).

use serde::Deserialize;
use serde_json::Value;

use super::BridgeError;
use crate::agents::access::may_read;
use crate::llm::{Message, Part, Role};
use plugin_runtime::host::MattermostApi;

/// The whole body (the core sends whole conversations for recaps).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Posts in one request.
pub const MAX_POSTS: usize = 1000;
/// Characters of one post's message.
pub const MAX_MESSAGE_CHARS: usize = 1_000_000;
/// Files over all posts, and the image bytes read for them.
pub const MAX_FILES: usize = 20;
pub const MAX_IMAGE_BYTES: i64 = 20 * 1024 * 1024;
pub const MAX_TOTAL_IMAGE_BYTES: i64 = 50 * 1024 * 1024;
/// Images the providers accept.
const IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// One turn as the caller sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BridgePost {
    pub role: Option<String>,
    pub message: Option<String>,
    pub file_ids: Option<Vec<String>>,
}

/// A tool the caller allows: a name (`server__tool` or bare) or `{server_origin, name}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ToolRef {
    Name(String),
    Qualified {
        #[serde(default)]
        server_origin: String,
        #[serde(default)]
        name: String,
    },
}

/// `CompletionRequest`: every field optional on the wire, as Go's zero values are.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompletionRequest {
    pub posts: Option<Vec<BridgePost>>,
    pub max_generated_tokens: Option<i64>,
    pub json_output_format: Option<Value>,
    pub allowed_tools: Option<Vec<ToolRef>>,
    pub tool_hooks: Option<Value>,
    pub operation: Option<String>,
    pub operation_subtype: Option<String>,
    pub user_id: Option<String>,
    pub channel_id: Option<String>,
}

impl CompletionRequest {
    pub fn user_id(&self) -> &str {
        self.user_id.as_deref().unwrap_or_default()
    }

    pub fn channel_id(&self) -> &str {
        self.channel_id.as_deref().unwrap_or_default()
    }

    pub fn posts(&self) -> &[BridgePost] {
        self.posts.as_deref().unwrap_or_default()
    }

    /// `max_generated_tokens` when set (0 and below mean the service's own limit).
    pub fn max_tokens(&self) -> Option<u32> {
        self.max_generated_tokens
            .filter(|n| *n > 0)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    }
}

/// Mattermost's ids: exactly 26 letters or digits (`bridgeclient.ValidateID`).
pub fn valid_id(id: &str) -> bool {
    id.chars().count() == 26 && id.chars().all(char::is_alphanumeric)
}

/// `{agent}` of the route: 400 before anything else is read.
pub fn check_agent_id(agent: &str) -> Result<(), BridgeError> {
    if valid_id(agent) {
        Ok(())
    } else {
        Err(BridgeError::BadRequest(format!(
            "invalid agent ID: must be 26 letters or digits, got {:?}",
            short(agent)
        )))
    }
}

/// `?user_id=` of the discovery routes: absent or empty means nobody in particular.
pub fn check_user_query(user_id: Option<&str>) -> Result<Option<String>, BridgeError> {
    match user_id.filter(|u| !u.is_empty()) {
        None => Ok(None),
        Some(u) if valid_id(u) => Ok(Some(u.to_owned())),
        Some(u) => Err(BridgeError::BadRequest(format!(
            "invalid user_id: must be 26 letters or digits, got {:?}",
            short(u)
        ))),
    }
}

/// An id echoed in an error, cut short: the caller sent it, but errors stay small.
fn short(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Decodes the body and applies the checks every completion route shares first: JSON, posts
/// present and bounded (the ids come next, [`check_ids`]).
pub fn parse(body: &[u8]) -> Result<CompletionRequest, BridgeError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BridgeError::TooLarge(format!(
            "request body too large: at most {MAX_BODY_BYTES} bytes"
        )));
    }
    let req: CompletionRequest = serde_json::from_slice(body)
        .map_err(|e| BridgeError::BadRequest(format!("invalid request body: {e}")))?;
    if req.posts().is_empty() {
        return Err(BridgeError::BadRequest("posts array cannot be empty".into()));
    }
    if req.posts().len() > MAX_POSTS {
        return Err(BridgeError::BadRequest(format!(
            "invalid request: too many posts: at most {MAX_POSTS}"
        )));
    }
    if let Some(p) = req
        .posts()
        .iter()
        .position(|p| p.message.as_deref().unwrap_or_default().chars().count() > MAX_MESSAGE_CHARS)
    {
        return Err(BridgeError::BadRequest(format!(
            "invalid request: post {p} is too long: at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(req)
}

/// `user_id` and `channel_id`, when given, are well-formed ids.
pub fn check_ids(req: &CompletionRequest) -> Result<(), BridgeError> {
    for (field, value) in [("user_id", req.user_id()), ("channel_id", req.channel_id())] {
        if !value.is_empty() && !valid_id(value) {
            return Err(BridgeError::BadRequest(format!(
                "invalid {field}: must be 26 letters or digits, got {:?}",
                short(value)
            )));
        }
    }
    Ok(())
}

/// The role of a post, case-insensitively: `user`, `assistant` or `bot`, `system`.
fn role(s: &str) -> Option<Role> {
    match s.trim().to_ascii_lowercase().as_str() {
        "user" => Some(Role::User),
        "assistant" | "bot" => Some(Role::Assistant),
        "system" => Some(Role::System),
        _ => None,
    }
}

/// Who the files are read for, and whether images are shown to the model.
pub struct FileAccess<'a> {
    /// The request's user: files in channels they cannot read are refused.
    pub user_id: &'a str,
    pub vision: bool,
}

/// The posts as model turns. Images are read for agents that see them; other files are
/// described by name, type and size (upstream passes metadata only).
pub async fn to_messages(
    api: &dyn MattermostApi,
    posts: &[BridgePost],
    access: FileAccess<'_>,
) -> Result<Vec<Message>, BridgeError> {
    let mut out = Vec::with_capacity(posts.len());
    let mut files = 0usize;
    let mut image_bytes = 0i64;
    for p in posts {
        let raw = p.role.as_deref().unwrap_or_default();
        let role = role(raw).ok_or_else(|| {
            BridgeError::BadRequest(format!("invalid request: invalid role: {}", short(raw)))
        })?;
        let mut parts = vec![Part::Text(p.message.clone().unwrap_or_default())];
        for id in p.file_ids.as_deref().unwrap_or_default() {
            if id.trim().is_empty() {
                return Err(BridgeError::BadRequest(
                    "invalid request: file ID cannot be empty".into(),
                ));
            }
            files += 1;
            if files > MAX_FILES {
                return Err(BridgeError::BadRequest(format!(
                    "invalid request: too many files: at most {MAX_FILES}"
                )));
            }
            let info = api.get_file_info(id).await.map_err(|_| {
                BridgeError::BadRequest(format!("invalid request: failed to get file info: {}", short(id)))
            })?;
            if !access.user_id.is_empty() {
                let readable = match api.get_channel(&info.channel_id).await {
                    Ok(ch) => may_read(api, access.user_id, &ch).await,
                    Err(_) => false,
                };
                if !readable {
                    return Err(BridgeError::Forbidden(format!(
                        "permission denied: the user cannot read file {}",
                        short(id)
                    )));
                }
            }
            let mime = info.mime_type.to_ascii_lowercase();
            let image = IMAGE_TYPES.contains(&mime.as_str());
            if image
                && access.vision
                && info.size <= MAX_IMAGE_BYTES
                && image_bytes + info.size <= MAX_TOTAL_IMAGE_BYTES
            {
                let data = api.get_file(id).await.map_err(|_| {
                    BridgeError::BadRequest(format!("invalid request: failed to read file: {}", short(id)))
                })?;
                image_bytes += data.len() as i64;
                parts.push(Part::Image { mime, data });
            } else {
                let why = if image && !access.vision {
                    ", not shown: this model cannot see images"
                } else if image {
                    ", not shown: too large"
                } else {
                    ""
                };
                parts.push(Part::Text(format!(
                    "[Attached file \"{}\" ({}, {} bytes{why})]",
                    info.name, info.mime_type, info.size
                )));
            }
        }
        out.push(Message {
            parts,
            ..Message::text(role, "")
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_26_letters_or_digits() {
        assert!(valid_id("abcdefghijklmnopqrstuvwxyz"));
        assert!(valid_id("ABCDEFGHIJKLM0123456789xyz"));
        assert!(!valid_id("abcdefghijklmnopqrstuvwxy"));
        assert!(!valid_id("abcdefghijklmnopqrstuvwxy-"));
        assert!(!valid_id(""));
    }

    #[test]
    fn the_checks_come_in_upstreams_order() {
        let err = |b: &str| match parse(b.as_bytes()).and_then(|r| check_ids(&r).map(|()| r)) {
            Err(e) => e.to_string(),
            Ok(_) => "ok".into(),
        };
        assert!(err("{not json").starts_with("invalid request body: "));
        assert_eq!(err(r#"{"posts": []}"#), "posts array cannot be empty");
        assert_eq!(
            err(r#"{"posts": null, "user_id": "x"}"#),
            "posts array cannot be empty"
        );
        assert!(
            err(r#"{"posts": [{"role":"user","message":"hi"}], "user_id": "x"}"#)
                .starts_with("invalid user_id")
        );
        assert!(
            err(r#"{"posts": [{"role":"user","message":"hi"}], "channel_id": "x"}"#)
                .starts_with("invalid channel_id")
        );
        assert_eq!(
            err(r#"{"posts": [{"role":"USER","message":"hi"}], "max_generated_tokens": null}"#),
            "ok"
        );
    }

    #[test]
    fn roles_are_case_insensitive() {
        assert_eq!(role("User"), Some(Role::User));
        assert_eq!(role("BOT"), Some(Role::Assistant));
        assert_eq!(role("assistant"), Some(Role::Assistant));
        assert_eq!(role("System"), Some(Role::System));
        assert_eq!(role("narrator"), None);
    }

    #[test]
    fn tools_are_names_or_objects() {
        let r: CompletionRequest =
            serde_json::from_str(r#"{"allowed_tools": ["a__b", {"server_origin": "s", "name": "t"}]}"#)
                .unwrap();
        let tools = r.allowed_tools.unwrap();
        assert!(matches!(&tools[0], ToolRef::Name(n) if n == "a__b"));
        assert!(
            matches!(&tools[1], ToolRef::Qualified { server_origin, name } if server_origin == "s" && name == "t")
        );
    }
}

//! Post tools: read a post with its thread or a channel's recent posts, search, and write
//! posts, replies, direct and group messages as the caller.

use serde::Deserialize;
use serde_json::{Value, json};

use super::scope::{self, post_lines};
use super::{AI_GENERATED_BY, Caller, ServerTool, id, limit, object_schema, parse};
use crate::answer::SearchScope;
use crate::answer::tools::ToolError;
use plugin_runtime::host::model::{Post, SearchParameter};

/// Mattermost's limit on a post's message.
const MAX_MESSAGE_CHARS: usize = 16_383;
/// A thread longer than this is cut to its root and latest replies.
const MAX_THREAD_POSTS: usize = 100;

#[derive(Deserialize)]
struct ReadPostArgs {
    post_id: String,
    #[serde(default = "yes")]
    include_thread: bool,
}

fn yes() -> bool {
    true
}

pub struct ReadPost;

#[async_trait::async_trait]
impl ServerTool for ReadPost {
    fn name(&self) -> &'static str {
        "read_post"
    }
    fn description(&self) -> &'static str {
        "Read a Mattermost post by its id, with the whole thread it belongs to (unless include_thread is false). Returns author, time, post id and text of each post."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "post_id": {"type": "string", "description": "The id of the post (26 characters)"},
                "include_thread": {"type": "boolean", "description": "Also return the other posts of its thread (default true)"}
            }),
            &["post_id"],
        )
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: ReadPostArgs = parse(args)?;
        let post_id = id("post_id", &a.post_id)?;
        let denied = || ToolError::Denied("the post does not exist or you cannot read it".into());
        let post = c.api.get_post(&post_id).await.map_err(|_| denied())?;
        if post.delete_at != 0 {
            return Err(denied());
        }
        let channel = scope::readable_channel(c, &post.channel_id)
            .await
            .map_err(|_| denied())?;
        let header = format!("In {}:", scope::channel_line(&channel));
        if !a.include_thread {
            return Ok(format!("{header}\n\n{}", post_lines(c, &[&post]).await));
        }
        let thread = c.api.get_post_thread(&post_id).await.map_err(|_| denied())?;
        let mut posts = thread.ordered();
        posts.sort_by_key(|p| p.create_at);
        let total = posts.len();
        if total > MAX_THREAD_POSTS {
            let keep_from = total - (MAX_THREAD_POSTS - 1);
            let root = posts[0];
            let mut kept = vec![root];
            kept.extend_from_slice(&posts[keep_from..]);
            posts = kept;
        }
        let mut out = format!("{header}\n\n{}", post_lines(c, &posts).await);
        if total > posts.len() {
            out.push_str(&format!("\n\n[{} older replies not shown]", total - posts.len()));
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
struct ReadChannelArgs {
    channel_id: String,
    limit: Option<i64>,
}

pub struct ReadChannel;

#[async_trait::async_trait]
impl ServerTool for ReadChannel {
    fn name(&self) -> &'static str {
        "read_channel"
    }
    fn description(&self) -> &'static str {
        "Read the most recent posts of a channel the user can read, oldest first. Use get_user_channels or get_channel_info to find a channel's id."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "channel_id": {"type": "string", "description": "The channel's id"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many posts (default 20)"}
            }),
            &["channel_id"],
        )
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: ReadChannelArgs = parse(args)?;
        let n = limit(a.limit, 20)?;
        let channel = scope::readable_channel(c, &id("channel_id", &a.channel_id)?).await?;
        let list = c
            .api
            .get_posts_for_channel(&channel.id, 0, n)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("reading the channel")))?;
        let mut posts = list.ordered();
        posts.sort_by_key(|p| p.create_at);
        if posts.is_empty() {
            return Ok(format!("{} has no posts.", scope::channel_line(&channel)));
        }
        Ok(format!(
            "Recent posts in {}:\n\n{}",
            scope::channel_line(&channel),
            post_lines(c, &posts).await
        ))
    }
}

#[derive(Deserialize)]
struct SearchArgs {
    query: String,
    team_id: Option<String>,
    channel_id: Option<String>,
    limit: Option<i64>,
}

pub struct SearchPosts;

#[async_trait::async_trait]
impl ServerTool for SearchPosts {
    fn name(&self) -> &'static str {
        "search_posts"
    }
    fn description(&self) -> &'static str {
        "Search the posts the user can read, optionally within one team or channel. Uses semantic search (by meaning) when it is set up, otherwise Mattermost's keyword search."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "query": {"type": "string", "description": "What to look for"},
                "team_id": {"type": "string", "description": "Only this team's channels"},
                "channel_id": {"type": "string", "description": "Only this channel"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100, "description": "How many results (default 10)"}
            }),
            &["query"],
        )
    }
    fn read_only(&self) -> bool {
        true
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: SearchArgs = parse(args)?;
        let query = a.query.trim();
        if query.is_empty() || query.chars().count() > 300 {
            return Err(ToolError::Arguments("query must have 1 to 300 characters".into()));
        }
        let n = limit(a.limit, 10)?;
        let channel = match a.channel_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(ch) => Some(scope::readable_channel(c, &id("channel_id", ch)?).await?),
            None => None,
        };
        let team = match a.team_id.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(t) => Some(scope::member_team(c, Some(t), None).await?),
            None => None,
        };
        if let Some(search) = &c.search {
            let scope = SearchScope {
                team_id: team.as_ref().map(|t| t.id.clone()),
                channel_id: channel.as_ref().map(|ch| ch.id.clone()),
            };
            let max = usize::try_from(n).unwrap_or(10);
            if let Some(found) = search
                .search_messages(c.api.as_ref(), &c.user_id, query, &scope, max)
                .await
            {
                let found = found.map_err(ToolError::Failed)?;
                let mut lines = Vec::new();
                for m in found {
                    // The search judged membership; an agent's channel restriction is ours.
                    if let Some((bot, bot_user_id)) = &c.agent
                        && let Ok(ch) = c.api.get_channel(&m.channel_id).await
                        && crate::agents::access::check_channel(bot, bot_user_id, &ch).is_err()
                    {
                        continue;
                    }
                    lines.push(format!(
                        "@{} in ~{} (post {}):\n{}",
                        m.username, m.channel_name, m.post_id, m.content
                    ));
                }
                return Ok(if lines.is_empty() {
                    "No posts match.".into()
                } else {
                    lines.join("\n\n")
                });
            }
        }
        keyword_search(c, query, team, channel, n).await
    }
}

/// Mattermost's own search, team by team (the caller's teams unless one is named), kept to
/// what the caller may read.
async fn keyword_search(
    c: &Caller,
    query: &str,
    team: Option<plugin_runtime::host::model::Team>,
    channel: Option<plugin_runtime::host::model::Channel>,
    n: i64,
) -> Result<String, ToolError> {
    let teams = match (&team, &channel) {
        (Some(t), _) => vec![t.id.clone()],
        (None, Some(ch)) if !ch.team_id.is_empty() => vec![ch.team_id.clone()],
        _ => c
            .api
            .get_teams_for_user(&c.user_id)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("listing your teams")))?
            .into_iter()
            .map(|t| t.id)
            .collect(),
    };
    let params = SearchParameter {
        terms: Some(query.to_owned()),
        page: Some(0),
        per_page: Some(n),
        ..Default::default()
    };
    let mut found: Vec<Post> = Vec::new();
    for team_id in teams.iter().take(20) {
        let Ok(results) = c
            .api
            .search_posts_in_team_for_user(team_id, &c.user_id, &params)
            .await
        else {
            continue;
        };
        for p in results.ordered() {
            if channel.as_ref().is_some_and(|ch| ch.id != p.channel_id) || found.iter().any(|f| f.id == p.id)
            {
                continue;
            }
            found.push(p.clone());
        }
    }
    found.sort_by_key(|p| std::cmp::Reverse(p.create_at));
    let mut kept: Vec<Post> = Vec::new();
    let mut judged: std::collections::HashMap<String, bool> = Default::default();
    for p in found {
        if kept.len() >= usize::try_from(n).unwrap_or(10) {
            break;
        }
        let ok = match judged.get(&p.channel_id) {
            Some(ok) => *ok,
            None => {
                let ok = scope::readable_channel(c, &p.channel_id).await.is_ok();
                judged.insert(p.channel_id.clone(), ok);
                ok
            }
        };
        if ok {
            kept.push(p);
        }
    }
    if kept.is_empty() {
        return Ok("No posts match.".into());
    }
    let refs: Vec<&Post> = kept.iter().collect();
    Ok(post_lines(c, &refs).await)
}

fn message(m: &str) -> Result<String, ToolError> {
    let m = m.trim();
    if m.is_empty() {
        return Err(ToolError::Arguments("message is required".into()));
    }
    if m.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ToolError::Arguments(format!(
            "message is longer than {MAX_MESSAGE_CHARS} characters"
        )));
    }
    Ok(m.to_owned())
}

/// Writes `text` as the caller, marked as generated through the MCP server.
async fn post_as_caller(
    c: &Caller,
    channel_id: &str,
    root_id: &str,
    text: String,
) -> Result<Post, ToolError> {
    let mut post = Post {
        user_id: c.user_id.clone(),
        channel_id: channel_id.to_owned(),
        root_id: root_id.to_owned(),
        message: text,
        ..Default::default()
    };
    let by = c
        .agent
        .as_ref()
        .map_or(c.user_id.as_str(), |(_, bot)| bot.as_str());
    post.props.insert(AI_GENERATED_BY.into(), json!(by));
    c.api
        .create_post(&post)
        .await
        .map_err(|e| ToolError::Failed(e.for_user("creating the post")))
}

#[derive(Deserialize)]
struct CreatePostArgs {
    channel_id: String,
    message: String,
    root_id: Option<String>,
}

pub struct CreatePost;

#[async_trait::async_trait]
impl ServerTool for CreatePost {
    fn name(&self) -> &'static str {
        "create_post"
    }
    fn description(&self) -> &'static str {
        "Post a message as the user in a channel they can post in, or reply in a thread by giving the thread's root_id (or any post of the thread). Markdown is supported."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "channel_id": {"type": "string", "description": "The channel's id"},
                "message": {"type": "string", "description": "The text (Markdown)"},
                "root_id": {"type": "string", "description": "Reply in this post's thread"}
            }),
            &["channel_id", "message"],
        )
    }
    fn read_only(&self) -> bool {
        false
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: CreatePostArgs = parse(args)?;
        let text = message(&a.message)?;
        let channel = scope::writable_channel(c, &id("channel_id", &a.channel_id)?).await?;
        let root_id = match a.root_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => String::new(),
            Some(r) => {
                let root = c
                    .api
                    .get_post(&id("root_id", r)?)
                    .await
                    .ok()
                    .filter(|p| p.channel_id == channel.id && p.delete_at == 0)
                    .ok_or_else(|| ToolError::Arguments("root_id is not a post of this channel".into()))?;
                if root.root_id.is_empty() {
                    root.id
                } else {
                    root.root_id
                }
            }
        };
        let post = post_as_caller(c, &channel.id, &root_id, text).await?;
        Ok(format!(
            "Posted in {} (post {}).",
            scope::channel_line(&channel),
            post.id
        ))
    }
}

#[derive(Deserialize)]
struct DmArgs {
    user: String,
    message: String,
}

pub struct DirectMessage;

#[async_trait::async_trait]
impl ServerTool for DirectMessage {
    fn name(&self) -> &'static str {
        "dm"
    }
    fn description(&self) -> &'static str {
        "Send a direct message as the user to another user (by username or id); the user may also message themselves."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "user": {"type": "string", "description": "The recipient's username (with or without @) or id"},
                "message": {"type": "string", "description": "The text (Markdown)"}
            }),
            &["user", "message"],
        )
    }
    fn read_only(&self) -> bool {
        false
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: DmArgs = parse(args)?;
        let text = message(&a.message)?;
        let to = scope::user(c, &a.user).await?;
        if !c
            .api
            .has_permission_to(&c.user_id, "create_direct_channel")
            .await
            .unwrap_or(false)
        {
            return Err(ToolError::Denied("you cannot send direct messages".into()));
        }
        let channel = c
            .api
            .get_direct_channel(&c.user_id, &to.id)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("opening the direct message")))?;
        if let Some((bot, bot_user_id)) = &c.agent {
            crate::agents::access::check_channel(bot, bot_user_id, &channel)
                .map_err(|e| ToolError::Denied(e.to_string()))?;
        }
        let post = post_as_caller(c, &channel.id, "", text).await?;
        Ok(format!("Sent to @{} (post {}).", to.username, post.id))
    }
}

#[derive(Deserialize)]
struct GroupArgs {
    users: Vec<String>,
    message: String,
}

pub struct GroupMessage;

#[async_trait::async_trait]
impl ServerTool for GroupMessage {
    fn name(&self) -> &'static str {
        "group_message"
    }
    fn description(&self) -> &'static str {
        "Send a group message as the user to 2 to 7 other users (usernames or ids)."
    }
    fn schema(&self) -> Value {
        object_schema(
            json!({
                "users": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 7, "description": "The other members' usernames or ids"},
                "message": {"type": "string", "description": "The text (Markdown)"}
            }),
            &["users", "message"],
        )
    }
    fn read_only(&self) -> bool {
        false
    }
    async fn call(&self, c: &Caller, args: Value) -> Result<String, ToolError> {
        let a: GroupArgs = parse(args)?;
        let text = message(&a.message)?;
        let mut ids = vec![c.user_id.clone()];
        let mut names = Vec::new();
        for who in a.users.iter().take(8) {
            let u = scope::user(c, who).await?;
            if !ids.contains(&u.id) {
                ids.push(u.id);
                names.push(format!("@{}", u.username));
            }
        }
        if !(3..=8).contains(&ids.len()) {
            return Err(ToolError::Arguments(
                "a group message needs 2 to 7 other users".into(),
            ));
        }
        if !c
            .api
            .has_permission_to(&c.user_id, "create_group_channel")
            .await
            .unwrap_or(false)
        {
            return Err(ToolError::Denied("you cannot send group messages".into()));
        }
        let channel = c
            .api
            .get_group_channel(&ids)
            .await
            .map_err(|e| ToolError::Failed(e.for_user("opening the group message")))?;
        if let Some((bot, bot_user_id)) = &c.agent {
            crate::agents::access::check_channel(bot, bot_user_id, &channel)
                .map_err(|e| ToolError::Denied(e.to_string()))?;
        }
        let post = post_as_caller(c, &channel.id, "", text).await?;
        Ok(format!("Sent to {} (post {}).", names.join(", "), post.id))
    }
}

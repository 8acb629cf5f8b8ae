//! The simulated server's data: what a Mattermost database would hold for the plugin's view.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use plugin_runtime::host::AppError;
use plugin_runtime::host::model::*;
use serde_json::{Map, Value};

pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A 26-character id in Mattermost's alphabet, unique within the process.
pub fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuwxyz13456789";
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    let mut bits = (u128::from(h.finish()) << 64) | u128::from(n);
    let mut out = String::with_capacity(26);
    for _ in 0..26 {
        out.push(ALPHABET[(bits % 32) as usize] as char);
        bits /= 32;
        if bits == 0 {
            bits = u128::from(h.finish()) ^ u128::from(n * 7919);
        }
    }
    out
}

pub fn not_found(what: &str, id: &str) -> AppError {
    AppError {
        id: format!("app.{what}.get.app_error"),
        message: format!("{what} {id:?} not found"),
        status_code: 404,
        where_: "Simulator".into(),
        ..Default::default()
    }
}

pub fn bad_request(message: impl Into<String>) -> AppError {
    AppError {
        id: "api.simulator.bad_request".into(),
        message: message.into(),
        status_code: 400,
        where_: "Simulator".into(),
        ..Default::default()
    }
}

#[derive(Debug, Clone)]
pub struct KvEntry {
    pub value: Vec<u8>,
    pub expires: Option<Instant>,
}

/// One websocket event the plugin published.
#[derive(Debug, Clone)]
pub struct WsEvent {
    pub event: String,
    pub payload: Map<String, Value>,
    pub broadcast: WebsocketBroadcast,
    /// When the plugin published it.
    pub at: Instant,
}

/// One line the plugin wrote to the server log through the API.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub level: String,
    pub message: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Data {
    pub users: HashMap<String, User>,
    pub statuses: HashMap<String, Status>,
    pub teams: HashMap<String, Team>,
    pub team_members: HashMap<(String, String), TeamMember>,
    pub channels: HashMap<String, Channel>,
    pub channel_members: HashMap<(String, String), ChannelMember>,
    pub posts: BTreeMap<String, Post>,
    pub ephemeral: Vec<(String, Post)>,
    pub reactions: Vec<Reaction>,
    pub kv: HashMap<String, KvEntry>,
    /// `PluginSettings.Plugins["mattermost-ai"]` as saved (keys lower-cased, as the server does).
    pub plugin_config: Map<String, Value>,
    pub server_config: Value,
    pub license: Option<License>,
    pub bots: HashMap<String, Bot>,
    pub profile_images: HashMap<String, Vec<u8>>,
    pub files: HashMap<String, (FileInfo, Vec<u8>)>,
    pub sessions: HashMap<String, Session>,
    pub tokens: HashMap<String, UserAccessToken>,
    pub commands: Vec<Command>,
    pub ws_events: Vec<WsEvent>,
    /// Other plugins that run on this server: plugin id → (URL path and query → status, body)
    /// of their inter-plugin HTTP API.
    pub other_plugins: HashMap<String, HashMap<String, (u16, Vec<u8>)>>,
    pub logs: Vec<LogLine>,
    /// Permission grants: (user, permission) for system scope, (user, channel/team, permission).
    pub permissions: Vec<(String, String, String)>,
    pub server_version: String,
    pub telemetry_id: String,
}

impl Data {
    pub fn new() -> Self {
        Self {
            server_version: "10.11.0".into(),
            telemetry_id: new_id(),
            server_config: serde_json::json!({
                "ServiceSettings": {"SiteURL": "http://localhost:8065"},
                "SqlSettings": {"DriverName": "postgres", "DataSource": ""},
                "LogSettings": {"ConsoleLevel": "DEBUG"},
                "PluginSettings": {"Enable": true}
            }),
            ..Default::default()
        }
    }

    pub fn kv_live(&mut self, key: &str) -> Option<&KvEntry> {
        let expired = self
            .kv
            .get(key)
            .and_then(|e| e.expires)
            .is_some_and(|t| t <= Instant::now());
        if expired {
            self.kv.remove(key);
        }
        self.kv.get(key)
    }

    pub fn kv_put(&mut self, key: &str, value: Vec<u8>, expire_in_seconds: i64) {
        if value.is_empty() {
            self.kv.remove(key);
            return;
        }
        let expires =
            (expire_in_seconds > 0).then(|| Instant::now() + Duration::from_secs(expire_in_seconds as u64));
        self.kv.insert(key.to_owned(), KvEntry { value, expires });
    }

    pub fn has_permission(&self, user_id: &str, scope: &str, permission: &str) -> bool {
        let admin = self.users.get(user_id).is_some_and(User::is_system_admin);
        admin
            || self
                .permissions
                .iter()
                .any(|(u, s, p)| u == user_id && p == permission && (s.is_empty() || s == scope))
    }

    pub fn thread(&self, post_id: &str) -> Option<PostList> {
        let post = self.posts.get(post_id)?;
        let root = if post.root_id.is_empty() {
            post.id.clone()
        } else {
            post.root_id.clone()
        };
        let mut list: Vec<&Post> = self
            .posts
            .values()
            .filter(|p| p.delete_at == 0 && (p.id == root || p.root_id == root))
            .collect();
        list.sort_by_key(|p| std::cmp::Reverse(p.create_at));
        Some(post_list(list))
    }

    pub fn direct_channel(&mut self, a: &str, b: &str) -> Result<Channel, AppError> {
        for id in [a, b] {
            if !self.users.contains_key(id) {
                return Err(not_found("user", id));
            }
        }
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        let name = format!("{x}__{y}");
        if let Some(c) = self.channels.values().find(|c| c.name == name) {
            return Ok(c.clone());
        }
        let channel = Channel {
            id: new_id(),
            create_at: now_millis(),
            update_at: now_millis(),
            channel_type: channel_type::DIRECT.into(),
            name,
            ..Default::default()
        };
        self.channels.insert(channel.id.clone(), channel.clone());
        for u in [x, y] {
            self.channel_members.insert(
                (channel.id.clone(), u.to_owned()),
                ChannelMember {
                    channel_id: channel.id.clone(),
                    user_id: u.to_owned(),
                    roles: "channel_user".into(),
                    ..Default::default()
                },
            );
        }
        Ok(channel)
    }

    /// Stores a post the way the server's CreatePost does: id, timestamps, thread counters.
    pub fn insert_post(&mut self, mut post: Post) -> Result<Post, AppError> {
        if !self.channels.contains_key(&post.channel_id) {
            return Err(not_found("channel", &post.channel_id));
        }
        if !post.root_id.is_empty() && !self.posts.contains_key(&post.root_id) {
            return Err(bad_request(format!("root post {} does not exist", post.root_id)));
        }
        if post.message.chars().count() > 16383 {
            return Err(bad_request("message is longer than 16383 characters"));
        }
        post.id = new_id();
        let now = now_millis().max(self.posts.values().map(|p| p.create_at + 1).max().unwrap_or(0));
        post.create_at = now;
        post.update_at = now;
        if !post.root_id.is_empty()
            && let Some(root) = self.posts.get_mut(&post.root_id)
        {
            root.reply_count += 1;
            root.last_reply_at = now;
        }
        if let Some(c) = self.channels.get_mut(&post.channel_id) {
            c.last_post_at = now;
            c.total_msg_count += 1;
        }
        self.posts.insert(post.id.clone(), post.clone());
        Ok(post)
    }
}

pub fn post_list<'a>(posts: impl IntoIterator<Item = &'a Post>) -> PostList {
    let mut list = PostList::default();
    for p in posts {
        list.order.push(p.id.clone());
        list.posts.insert(p.id.clone(), p.clone());
    }
    list
}

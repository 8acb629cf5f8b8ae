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

/// Mattermost's default `system_user` role.
pub const SYSTEM_USER_PERMISSIONS: &[&str] = &[
    "list_public_teams",
    "join_public_teams",
    "create_direct_channel",
    "create_group_channel",
    "view_members",
    "create_team",
];

/// Mattermost's default `team_user` role.
pub const TEAM_USER_PERMISSIONS: &[&str] = &[
    "list_team_channels",
    "join_public_channels",
    "read_public_channel",
    "view_team",
    "create_public_channel",
    "create_private_channel",
    "invite_user",
    "add_user_to_team",
];

pub fn app_error(id: &str, message: impl Into<String>, status_code: i64) -> AppError {
    AppError {
        id: id.into(),
        message: message.into(),
        status_code,
        where_: "Simulator".into(),
        ..Default::default()
    }
}

/// Mattermost's channel-name rule: 1 to 64 characters of `a-z`, `0-9`, `-` and `_`.
pub fn is_valid_channel_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A group message channel's name: the hex SHA-1 of its members' sorted ids, concatenated.
pub fn group_channel_name(user_ids: &[String]) -> String {
    let mut ids = user_ids.to_vec();
    ids.sort();
    sha1_hex(ids.concat().as_bytes())
}

/// SHA-1 (FIPS 180-4), only for group channel names.
fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
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

/// One `PublishPluginClusterEvent` call, whoever received it.
#[derive(Debug, Clone)]
pub struct ClusterEventRecord {
    /// The publishing node's id; empty on a single server (which delivers nowhere).
    pub from_node: String,
    pub event: PluginClusterEvent,
    pub options: PluginClusterEventSendOptions,
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
    /// Every cluster event a plugin published, in order (on every node of a cluster).
    pub cluster_events: Vec<ClusterEventRecord>,
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

    /// A system admin holds every permission; anyone else what the permissions table grants
    /// (an empty scope grants everywhere) or what the default `system_user` role gives an
    /// active user at every scope.
    pub fn has_permission(&self, user_id: &str, scope: &str, permission: &str) -> bool {
        let user = self.users.get(user_id);
        user.is_some_and(User::is_system_admin)
            || (user.is_some_and(|u| u.delete_at == 0) && SYSTEM_USER_PERMISSIONS.contains(&permission))
            || self
                .permissions
                .iter()
                .any(|(u, s, p)| u == user_id && p == permission && (s.is_empty() || s == scope))
    }

    /// What the default `team_user` role gives an active member of the team.
    pub fn team_member_has(&self, user_id: &str, team_id: &str, permission: &str) -> bool {
        let member = self
            .team_members
            .get(&(team_id.to_owned(), user_id.to_owned()))
            .is_some_and(|m| m.delete_at == 0);
        member && TEAM_USER_PERMISSIONS.contains(&permission)
    }

    /// What the default `channel_user` role gives a member of the channel: reading and posting,
    /// and managing the members of a channel of its own kind (public or private).
    pub fn channel_member_has(&self, user_id: &str, channel_id: &str, permission: &str) -> bool {
        if !self
            .channel_members
            .contains_key(&(channel_id.to_owned(), user_id.to_owned()))
        {
            return false;
        }
        let kind = self
            .channels
            .get(channel_id)
            .map(|c| c.channel_type.as_str())
            .unwrap_or_default();
        match permission {
            "read_channel" | "read_channel_content" | "create_post" => true,
            "manage_public_channel_members" => kind == channel_type::OPEN,
            "manage_private_channel_members" => kind == channel_type::PRIVATE,
            _ => false,
        }
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

    /// Finds or creates the group message channel of 3 to 8 distinct existing users, as
    /// `CreateGroupChannel` does; its members are exactly those users.
    pub fn group_channel(&mut self, user_ids: &[String]) -> Result<Channel, AppError> {
        let mut ids = user_ids.to_vec();
        ids.sort();
        ids.dedup();
        if !(3..=8).contains(&ids.len()) {
            return Err(app_error(
                "api.channel.create_group.bad_size.app_error",
                "Group message channels must contain at least 3 and no more than 8 users.",
                400,
            ));
        }
        let mut usernames = Vec::with_capacity(ids.len());
        for id in &ids {
            match self.users.get(id) {
                Some(u) => usernames.push(u.username.clone()),
                None => return Err(not_found("user", id)),
            }
        }
        let name = group_channel_name(&ids);
        if let Some(c) = self.channels.values().find(|c| c.name == name) {
            return Ok(c.clone());
        }
        usernames.sort();
        let now = now_millis();
        let channel = Channel {
            id: new_id(),
            create_at: now,
            update_at: now,
            channel_type: channel_type::GROUP.into(),
            display_name: usernames.join(", "),
            name,
            ..Default::default()
        };
        self.channels.insert(channel.id.clone(), channel.clone());
        for u in &ids {
            self.channel_members.insert(
                (channel.id.clone(), u.clone()),
                ChannelMember {
                    channel_id: channel.id.clone(),
                    user_id: u.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_matches_known_digests() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(sha1_hex(long), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn channel_names_follow_mattermost_rules() {
        assert!(is_valid_channel_name("town-square_2"));
        assert!(!is_valid_channel_name(""));
        assert!(!is_valid_channel_name("Town"));
        assert!(!is_valid_channel_name("a b"));
        assert!(!is_valid_channel_name(&"a".repeat(65)));
    }
}

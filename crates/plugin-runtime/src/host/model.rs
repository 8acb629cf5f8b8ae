//! Mattermost's data model as the plugin sees it, independent of any transport.
//!
//! Field names follow Mattermost's JSON (the REST API, the gRPC config blobs and the webapp all
//! use it), so values can be logged, compared and stored as JSON without a second mapping.
//! Only the fields the plugin reads or writes are modelled; transports drop the rest.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `model.StringInterface`: free-form post props.
pub type Props = Map<String, Value>;
pub type StringMap = HashMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Post {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub edit_at: i64,
    pub delete_at: i64,
    pub is_pinned: bool,
    pub user_id: String,
    pub channel_id: String,
    pub root_id: String,
    pub original_id: String,
    pub message: String,
    #[serde(rename = "type")]
    pub post_type: String,
    pub props: Props,
    pub hashtags: String,
    pub file_ids: Vec<String>,
    pub pending_post_id: String,
    pub has_reactions: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    pub reply_count: i64,
    pub last_reply_at: i64,
}

impl Post {
    pub fn prop_str(&self, key: &str) -> Option<&str> {
        self.props.get(key).and_then(Value::as_str)
    }
}

/// A push notification about to be sent (the fields the plugin reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PushNotification {
    pub post_id: String,
    pub team_id: String,
    pub channel_id: String,
    pub root_id: String,
    pub sender_id: String,
    #[serde(rename = "type")]
    pub push_type: String,
}

/// An e-mail notification about to be sent (the fields the plugin reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailNotification {
    pub post_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub sender_id: String,
    pub recipient_id: String,
    pub root_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostList {
    pub order: Vec<String>,
    pub posts: HashMap<String, Post>,
    pub next_post_id: String,
    pub prev_post_id: String,
    pub has_next: bool,
}

impl PostList {
    /// Posts in `order`, skipping ids the list does not carry.
    pub fn ordered(&self) -> Vec<&Post> {
        self.order.iter().filter_map(|id| self.posts.get(id)).collect()
    }
}

/// `model.SearchParameter`: every field is a pointer upstream; `None` takes the server's default
/// (no terms, AND search, offset 0, page 0, 100 per page, deleted channels excluded). The
/// wires cannot tell a zero value from an absent one, so `Some(0)` reads as `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchParameter {
    pub terms: Option<String>,
    pub is_or_search: Option<bool>,
    pub time_zone_offset: Option<i64>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub include_deleted_channels: Option<bool>,
}

/// `model.PostSearchResults`: a post list (embedded upstream, so its keys sit at the top level
/// of the JSON) plus the matched words per post id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostSearchResults {
    pub order: Vec<String>,
    pub posts: HashMap<String, Post>,
    pub matches: HashMap<String, Vec<String>>,
}

impl PostSearchResults {
    /// Posts in `order`, skipping ids the results do not carry.
    pub fn ordered(&self) -> Vec<&Post> {
        self.order.iter().filter_map(|id| self.posts.get(id)).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub username: String,
    pub auth_service: String,
    pub email: String,
    pub email_verified: bool,
    pub nickname: String,
    pub first_name: String,
    pub last_name: String,
    pub position: String,
    pub roles: String,
    pub props: StringMap,
    pub notify_props: StringMap,
    pub last_picture_update: i64,
    pub locale: String,
    pub timezone: StringMap,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    pub is_bot: bool,
    pub bot_description: String,
}

impl User {
    pub fn is_system_admin(&self) -> bool {
        self.roles.split_whitespace().any(|r| r == "system_admin")
    }
}

/// `model.UserSearch`: what `SearchUsers` matches. `limit` 0 means the server's default (100).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserSearch {
    pub term: String,
    pub team_id: String,
    pub not_in_team_id: String,
    pub in_channel_id: String,
    pub not_in_channel_id: String,
    pub in_group_id: String,
    pub group_constrained: bool,
    pub allow_inactive: bool,
    pub without_team: bool,
    pub limit: i64,
    pub role: String,
    pub roles: Vec<String>,
    pub channel_roles: Vec<String>,
    pub team_roles: Vec<String>,
    pub not_in_group_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    pub user_id: String,
    pub status: String,
    pub manual: bool,
    pub last_activity_at: i64,
    /// When Do Not Disturb ends, in seconds.
    pub dnd_end_time: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Team {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub display_name: String,
    pub name: String,
    pub description: String,
    pub email: String,
    #[serde(rename = "type")]
    pub team_type: String,
    pub company_name: String,
    pub allowed_domains: String,
    pub invite_id: String,
    pub allow_open_invite: bool,
    pub last_team_icon_update: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamMember {
    pub team_id: String,
    pub user_id: String,
    pub roles: String,
    pub delete_at: i64,
    pub scheme_guest: bool,
    pub scheme_user: bool,
    pub scheme_admin: bool,
    pub explicit_roles: String,
}

/// Channel types as Mattermost spells them.
pub mod channel_type {
    pub const OPEN: &str = "O";
    pub const PRIVATE: &str = "P";
    pub const DIRECT: &str = "D";
    pub const GROUP: &str = "G";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Channel {
    pub id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub team_id: String,
    #[serde(rename = "type")]
    pub channel_type: String,
    pub display_name: String,
    pub name: String,
    pub header: String,
    pub purpose: String,
    pub last_post_at: i64,
    pub total_msg_count: i64,
    pub total_msg_count_root: i64,
    pub extra_update_at: i64,
    pub last_root_post_at: i64,
    pub creator_id: String,
    pub props: Props,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
}

impl Channel {
    pub fn is_direct(&self) -> bool {
        self.channel_type == channel_type::DIRECT
    }
    pub fn is_group(&self) -> bool {
        self.channel_type == channel_type::GROUP
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelMember {
    pub channel_id: String,
    pub user_id: String,
    pub roles: String,
    pub last_viewed_at: i64,
    pub msg_count: i64,
    pub mention_count: i64,
    pub mention_count_root: i64,
    pub urgent_mention_count: i64,
    pub msg_count_root: i64,
    pub notify_props: StringMap,
    pub last_update_at: i64,
    pub scheme_guest: bool,
    pub scheme_user: bool,
    pub scheme_admin: bool,
    pub explicit_roles: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bot {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub description: String,
    pub owner_id: String,
    pub last_icon_update: i64,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BotPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Has no JSON tags upstream, so its JSON keys are the Go field names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct BotGetOptions {
    pub owner_id: String,
    pub include_deleted: bool,
    pub only_orphaned: bool,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileInfo {
    pub id: String,
    #[serde(rename = "user_id")]
    pub creator_id: String,
    pub post_id: String,
    pub channel_id: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub name: String,
    pub extension: String,
    pub size: i64,
    pub mime_type: String,
    pub width: i64,
    pub height: i64,
    pub has_preview_image: bool,
    /// Text the server extracted from the file (PDF, Office…) when content extraction is on.
    /// Not in Mattermost's JSON; net/rpc carries it.
    #[serde(skip)]
    pub content: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reaction {
    pub user_id: String,
    pub post_id: String,
    pub emoji_name: String,
    pub create_at: i64,
    pub update_at: i64,
    pub delete_at: i64,
    pub channel_id: String,
}

/// Who receives a websocket event. Empty fields widen the audience, as in Mattermost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebsocketBroadcast {
    pub omit_users: HashMap<String, bool>,
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub connection_id: String,
    pub omit_connection_id: String,
}

/// Options of an atomic or expiring KV write. No JSON tags upstream: Go field names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct KvSetOptions {
    pub atomic: bool,
    /// The value the key must hold for an atomic write to happen; `None` means "absent".
    #[serde(with = "opt_base64")]
    pub old_value: Option<Vec<u8>>,
    pub expire_in_seconds: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Session {
    pub id: String,
    pub token: String,
    pub create_at: i64,
    pub expires_at: i64,
    pub last_activity_at: i64,
    pub user_id: String,
    pub roles: String,
    pub is_oauth: bool,
    pub props: StringMap,
    pub team_members: Vec<TeamMember>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserAccessToken {
    pub id: String,
    pub token: String,
    pub user_id: String,
    pub description: String,
    pub is_active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PluginStatus {
    pub plugin_id: String,
    pub plugin_path: String,
    pub state: i64,
    pub name: String,
    pub description: String,
    pub version: String,
}

/// A license as the plugin needs it: who it is for and what it unlocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct License {
    pub id: String,
    pub issued_at: i64,
    pub starts_at: i64,
    pub expires_at: i64,
    pub sku_name: String,
    pub sku_short_name: String,
    pub is_trial: bool,
    pub is_gov_sku: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    pub features: LicenseFeatures,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: String,
    pub company: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LicenseFeatures {
    /// Licensed seats.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<i64>,
    /// Feature flags by their JSON name (`ldap`, `cluster`, …); absent means off.
    #[serde(flatten)]
    pub flags: HashMap<String, bool>,
}

impl LicenseFeatures {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.get(flag).copied().unwrap_or(false)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandArgs {
    pub user_id: String,
    pub channel_id: String,
    pub team_id: String,
    pub root_id: String,
    pub parent_id: String,
    pub trigger_id: String,
    pub command: String,
    pub site_url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandResponse {
    pub response_type: String,
    pub text: String,
    pub username: String,
    pub channel_id: String,
    pub icon_url: String,
    #[serde(rename = "type")]
    pub response_kind: String,
    pub props: Props,
    pub goto_location: String,
    pub skip_slack_parsing: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Command {
    pub id: String,
    pub team_id: String,
    pub trigger: String,
    pub method: String,
    pub username: String,
    pub icon_url: String,
    pub auto_complete: bool,
    pub auto_complete_desc: String,
    pub auto_complete_hint: String,
    pub display_name: String,
    pub description: String,
    pub url: String,
}

/// The request context a hook carries (`plugin.Context`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HookContext {
    pub session_id: String,
    pub request_id: String,
    pub ip_address: String,
    pub accept_language: String,
    pub user_agent: String,
}

/// The server's configuration as JSON with Mattermost's own keys (`ServiceSettings.SiteURL`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerConfig(pub Value);

impl ServerConfig {
    /// A setting by its dotted path, e.g. `"ServiceSettings.SiteURL"`.
    pub fn get(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(&self.0, |v, key| v.get(key))
    }

    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    pub fn site_url(&self) -> Option<&str> {
        self.get_str("ServiceSettings.SiteURL").filter(|s| !s.is_empty())
    }
}

/// An event between the instances of this plugin on the nodes of a cluster
/// (`model.PluginClusterEvent`). No JSON tags upstream: Go field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PluginClusterEvent {
    /// What the event is; the receiving instance dispatches on it.
    pub id: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

/// How a [`PluginClusterEvent`] travels (`model.PluginClusterEventSendOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PluginClusterEventSendOptions {
    /// [`PluginClusterEventSendOptions::RELIABLE`] or [`PluginClusterEventSendOptions::BEST_EFFORT`].
    pub send_type: String,
    /// The cluster node to deliver to; empty sends to every other node.
    pub target_id: String,
}

impl PluginClusterEventSendOptions {
    /// `model.PluginClusterEventSendTypeReliable`.
    pub const RELIABLE: &'static str = "reliable";
    /// `model.PluginClusterEventSendTypeBestEffort`.
    pub const BEST_EFFORT: &'static str = "best_effort";

    /// Every other node, reliably.
    pub fn reliable() -> Self {
        Self {
            send_type: Self::RELIABLE.into(),
            target_id: String::new(),
        }
    }
}

/// A file of a Support Packet (`model.FileData`). No JSON tags upstream: Go field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct FileData {
    pub filename: String,
    #[serde(with = "base64_bytes")]
    pub body: Vec<u8>,
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    /// Go's `[]byte` in JSON: base64, or `null` for nil.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            Some(s) => STANDARD.decode(s).map_err(serde::de::Error::custom),
            None => Ok(Vec::new()),
        }
    }
}

mod opt_base64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| STANDARD.decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

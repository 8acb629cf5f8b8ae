//! The Mattermost API the plugin calls. Domain code holds an `Arc<dyn MattermostApi>` and never
//! learns which transport answers it.

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::Value;

use super::error::ApiResult;
use super::model::*;

/// An inter-plugin or plugin-to-server HTTP request (`PluginHTTP`).
#[derive(Debug, Clone, Default)]
pub struct PluginHttpRequest {
    pub method: String,
    /// Path starting with `/<plugin-id>/…` for another plugin, or a full URL.
    pub url: String,
    pub headers: HashMap<String, Vec<String>>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct PluginHttpResponse {
    pub status: u16,
    pub headers: HashMap<String, Vec<String>>,
    pub body: Vec<u8>,
}

/// Log levels of the server's plugin log (`LogDebug` … `LogError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

#[async_trait]
pub trait MattermostApi: Send + Sync {
    // Server
    async fn get_server_version(&self) -> ApiResult<String>;
    async fn get_config(&self) -> ApiResult<ServerConfig>;
    async fn get_unsanitized_config(&self) -> ApiResult<ServerConfig>;
    /// `None` when the server runs without a license.
    async fn get_license(&self) -> ApiResult<Option<License>>;
    async fn get_telemetry_id(&self) -> ApiResult<String>;
    async fn get_plugin_status(&self, plugin_id: &str) -> ApiResult<PluginStatus>;

    // Plugin configuration
    /// The plugin's settings as JSON: schema defaults overlaid with saved values, keys lower-cased.
    async fn load_plugin_configuration(&self) -> ApiResult<Value>;
    async fn get_plugin_config(&self) -> ApiResult<serde_json::Map<String, Value>>;
    async fn save_plugin_config(&self, config: serde_json::Map<String, Value>) -> ApiResult<()>;

    // Users
    async fn get_user(&self, user_id: &str) -> ApiResult<User>;
    async fn get_user_by_username(&self, username: &str) -> ApiResult<User>;
    async fn get_users_by_ids(&self, user_ids: &[String]) -> ApiResult<Vec<User>>;
    async fn get_user_status(&self, user_id: &str) -> ApiResult<Status>;
    async fn get_profile_image(&self, user_id: &str) -> ApiResult<Vec<u8>>;
    async fn set_profile_image(&self, user_id: &str, data: &[u8]) -> ApiResult<()>;
    /// Users matching `search` (username, names, nickname, email by prefix), inactive ones only
    /// with `allow_inactive`; at most `limit` (default 100).
    async fn search_users(&self, search: &UserSearch) -> ApiResult<Vec<User>>;

    // Teams
    async fn get_team(&self, team_id: &str) -> ApiResult<Team>;
    async fn get_team_member(&self, team_id: &str, user_id: &str) -> ApiResult<TeamMember>;
    async fn get_teams_for_user(&self, user_id: &str) -> ApiResult<Vec<Team>>;
    async fn get_team_by_name(&self, name: &str) -> ApiResult<Team>;
    async fn get_team_members(&self, team_id: &str, page: i64, per_page: i64) -> ApiResult<Vec<TeamMember>>;

    // Channels
    async fn get_channel(&self, channel_id: &str) -> ApiResult<Channel>;
    async fn get_channel_by_name(
        &self,
        team_id: &str,
        name: &str,
        include_deleted: bool,
    ) -> ApiResult<Channel>;
    async fn get_direct_channel(&self, user_id_1: &str, user_id_2: &str) -> ApiResult<Channel>;
    async fn get_channel_member(&self, channel_id: &str, user_id: &str) -> ApiResult<ChannelMember>;
    async fn get_channel_members(
        &self,
        channel_id: &str,
        page: i64,
        per_page: i64,
    ) -> ApiResult<Vec<ChannelMember>>;
    /// Creates a public or private channel; the creator is not made a member.
    async fn create_channel(&self, channel: &Channel) -> ApiResult<Channel>;
    /// The group message channel of 3 to 8 users, created when it does not exist yet.
    async fn get_group_channel(&self, user_ids: &[String]) -> ApiResult<Channel>;
    /// Adds `user_id` to the channel on behalf of `as_user_id`; an existing member is returned.
    async fn add_user_to_channel(
        &self,
        channel_id: &str,
        user_id: &str,
        as_user_id: &str,
    ) -> ApiResult<ChannelMember>;
    /// The user's channels in the team, with their direct and group message channels.
    async fn get_channels_for_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        include_deleted: bool,
    ) -> ApiResult<Vec<Channel>>;

    // Posts
    async fn create_post(&self, post: &Post) -> ApiResult<Post>;
    async fn update_post(&self, post: &Post) -> ApiResult<Post>;
    async fn get_post(&self, post_id: &str) -> ApiResult<Post>;
    async fn delete_post(&self, post_id: &str) -> ApiResult<()>;
    async fn get_post_thread(&self, post_id: &str) -> ApiResult<PostList>;
    async fn get_posts_since(&self, channel_id: &str, since_millis: i64) -> ApiResult<PostList>;
    async fn get_posts_for_channel(&self, channel_id: &str, page: i64, per_page: i64) -> ApiResult<PostList>;
    async fn send_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post>;
    async fn update_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post>;
    async fn delete_ephemeral_post(&self, user_id: &str, post_id: &str) -> ApiResult<()>;
    async fn add_reaction(&self, reaction: &Reaction) -> ApiResult<Reaction>;
    /// Posts of the team's channels the user can read that match `params`, newest first.
    async fn search_posts_in_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        params: &SearchParameter,
    ) -> ApiResult<PostSearchResults>;

    // Websocket
    /// Publishes `custom_<plugin-id>_<event>` to the clients `broadcast` selects.
    async fn publish_websocket_event(
        &self,
        event: &str,
        payload: serde_json::Map<String, Value>,
        broadcast: &WebsocketBroadcast,
    ) -> ApiResult<()>;

    // Cluster
    /// Sends `event` to this plugin's instances on the other nodes of the cluster (one node with
    /// `options.target_id`), where `OnPluginClusterEvent` receives it. A server that is not a
    /// cluster accepts it and delivers it nowhere.
    async fn publish_plugin_cluster_event(
        &self,
        event: &PluginClusterEvent,
        options: &PluginClusterEventSendOptions,
    ) -> ApiResult<()>;

    // Key-value store
    async fn kv_set(&self, key: &str, value: &[u8]) -> ApiResult<()>;
    async fn kv_set_with_expiry(&self, key: &str, value: &[u8], expire_in_seconds: i64) -> ApiResult<()>;
    /// Returns whether the write happened (an atomic write loses when the old value differs).
    async fn kv_set_with_options(
        &self,
        key: &str,
        value: Option<&[u8]>,
        options: &KvSetOptions,
    ) -> ApiResult<bool>;
    /// `None` when the key is absent.
    async fn kv_get(&self, key: &str) -> ApiResult<Option<Vec<u8>>>;
    async fn kv_delete(&self, key: &str) -> ApiResult<()>;
    async fn kv_list(&self, page: i64, per_page: i64) -> ApiResult<Vec<String>>;

    /// Writes `value` only if `key` is absent (a claim); false when someone holds it.
    async fn kv_insert_if_absent(&self, key: &str, value: &[u8], expire_in_seconds: i64) -> ApiResult<bool> {
        let opts = KvSetOptions {
            atomic: true,
            old_value: None,
            expire_in_seconds,
        };
        self.kv_set_with_options(key, Some(value), &opts).await
    }

    /// Replaces `old` with `new` (`None` deletes); false when the key no longer holds `old`.
    async fn kv_compare_and_set(&self, key: &str, old: &[u8], new: Option<&[u8]>) -> ApiResult<bool> {
        let opts = KvSetOptions {
            atomic: true,
            old_value: Some(old.to_vec()),
            expire_in_seconds: 0,
        };
        self.kv_set_with_options(key, new, &opts).await
    }

    // Bots
    /// Creates the bot, or returns the existing one's user id.
    async fn ensure_bot_user(&self, bot: &Bot) -> ApiResult<String>;
    async fn create_bot(&self, bot: &Bot) -> ApiResult<Bot>;
    async fn patch_bot(&self, bot_user_id: &str, patch: &BotPatch) -> ApiResult<Bot>;
    async fn get_bot(&self, bot_user_id: &str, include_deleted: bool) -> ApiResult<Bot>;
    async fn get_bots(&self, options: &BotGetOptions) -> ApiResult<Vec<Bot>>;
    async fn update_bot_active(&self, bot_user_id: &str, active: bool) -> ApiResult<Bot>;

    // Permissions
    async fn has_permission_to(&self, user_id: &str, permission: &str) -> ApiResult<bool>;
    async fn has_permission_to_team(&self, user_id: &str, team_id: &str, permission: &str)
    -> ApiResult<bool>;
    async fn has_permission_to_channel(
        &self,
        user_id: &str,
        channel_id: &str,
        permission: &str,
    ) -> ApiResult<bool>;

    // Files
    async fn get_file_info(&self, file_id: &str) -> ApiResult<FileInfo>;
    async fn get_file(&self, file_id: &str) -> ApiResult<Vec<u8>>;
    async fn upload_file(&self, data: &[u8], channel_id: &str, filename: &str) -> ApiResult<FileInfo>;

    // Sessions and tokens
    async fn get_session(&self, session_id: &str) -> ApiResult<Session>;
    async fn create_user_access_token(&self, token: &UserAccessToken) -> ApiResult<UserAccessToken>;
    async fn revoke_user_access_token(&self, token_id: &str) -> ApiResult<()>;

    // Commands
    async fn register_command(&self, command: &Command) -> ApiResult<()>;

    // Inter-plugin HTTP
    async fn plugin_http(&self, request: PluginHttpRequest) -> ApiResult<PluginHttpResponse>;

    // Logging into the server's log
    async fn log(&self, level: LogLevel, message: &str, fields: &[(&str, Value)]) -> ApiResult<()>;
}

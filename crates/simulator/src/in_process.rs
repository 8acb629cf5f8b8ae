//! The plugin's hooks called in this process, for tests of its domain where the transport is
//! not what is tested: no executable, no wire. The API the plugin gets is the simulated
//! server's own behaviour (`server_api.rs`), with every call recorded under its Go name like
//! the wire adapters record them.

use std::sync::Arc;

use async_trait::async_trait;
use plugin_runtime::host::model::*;
use plugin_runtime::host::{
    ApiResult, AppError, Hooks, HttpRequest, HttpResponse, LogLevel, MattermostApi, PluginHttpRequest,
    PluginHttpResponse, TransportKind,
};
use serde_json::Value;

use crate::SimState;
use crate::connection::{PluginConnection, SimError};

/// The simulated server's API with each call recorded.
pub struct RecordingApi(pub Arc<SimState>);

#[async_trait]
impl MattermostApi for RecordingApi {
    async fn get_server_version(&self) -> ApiResult<String> {
        self.0.record("GetServerVersion", String::new());
        self.0.get_server_version().await
    }

    async fn get_config(&self) -> ApiResult<ServerConfig> {
        self.0.record("GetConfig", String::new());
        self.0.get_config().await
    }

    async fn get_unsanitized_config(&self) -> ApiResult<ServerConfig> {
        self.0.record("GetUnsanitizedConfig", String::new());
        self.0.get_unsanitized_config().await
    }

    async fn get_license(&self) -> ApiResult<Option<License>> {
        self.0.record("GetLicense", String::new());
        self.0.get_license().await
    }

    async fn get_telemetry_id(&self) -> ApiResult<String> {
        self.0.record("GetTelemetryId", String::new());
        self.0.get_telemetry_id().await
    }

    async fn get_plugin_status(&self, plugin_id: &str) -> ApiResult<PluginStatus> {
        self.0.record("GetPluginStatus", format!("{:?}", plugin_id));
        self.0.get_plugin_status(plugin_id).await
    }

    async fn load_plugin_configuration(&self) -> ApiResult<Value> {
        self.0.record("LoadPluginConfiguration", String::new());
        self.0.load_plugin_configuration().await
    }

    async fn get_plugin_config(&self) -> ApiResult<serde_json::Map<String, Value>> {
        self.0.record("GetPluginConfig", String::new());
        self.0.get_plugin_config().await
    }

    async fn save_plugin_config(&self, config: serde_json::Map<String, Value>) -> ApiResult<()> {
        self.0.record("SavePluginConfig", format!("{:?}", config));
        self.0.save_plugin_config(config).await
    }

    async fn get_user(&self, user_id: &str) -> ApiResult<User> {
        self.0.record("GetUser", format!("{:?}", user_id));
        self.0.get_user(user_id).await
    }

    async fn get_user_by_username(&self, username: &str) -> ApiResult<User> {
        self.0.record("GetUserByUsername", format!("{:?}", username));
        self.0.get_user_by_username(username).await
    }

    async fn get_users_by_ids(&self, user_ids: &[String]) -> ApiResult<Vec<User>> {
        self.0.record("GetUsersByIds", format!("{:?}", user_ids));
        self.0.get_users_by_ids(user_ids).await
    }

    async fn get_user_status(&self, user_id: &str) -> ApiResult<Status> {
        self.0.record("GetUserStatus", format!("{:?}", user_id));
        self.0.get_user_status(user_id).await
    }

    async fn get_profile_image(&self, user_id: &str) -> ApiResult<Vec<u8>> {
        self.0.record("GetProfileImage", format!("{:?}", user_id));
        self.0.get_profile_image(user_id).await
    }

    async fn set_profile_image(&self, user_id: &str, data: &[u8]) -> ApiResult<()> {
        self.0
            .record("SetProfileImage", format!("{:?} {:?}", user_id, data));
        self.0.set_profile_image(user_id, data).await
    }

    async fn search_users(&self, search: &UserSearch) -> ApiResult<Vec<User>> {
        self.0.record("SearchUsers", format!("{:?}", search));
        self.0.search_users(search).await
    }

    async fn get_team(&self, team_id: &str) -> ApiResult<Team> {
        self.0.record("GetTeam", format!("{:?}", team_id));
        self.0.get_team(team_id).await
    }

    async fn get_team_member(&self, team_id: &str, user_id: &str) -> ApiResult<TeamMember> {
        self.0
            .record("GetTeamMember", format!("{:?} {:?}", team_id, user_id));
        self.0.get_team_member(team_id, user_id).await
    }

    async fn get_teams_for_user(&self, user_id: &str) -> ApiResult<Vec<Team>> {
        self.0.record("GetTeamsForUser", format!("{:?}", user_id));
        self.0.get_teams_for_user(user_id).await
    }

    async fn get_team_by_name(&self, name: &str) -> ApiResult<Team> {
        self.0.record("GetTeamByName", format!("{:?}", name));
        self.0.get_team_by_name(name).await
    }

    async fn get_team_members(&self, team_id: &str, page: i64, per_page: i64) -> ApiResult<Vec<TeamMember>> {
        self.0.record(
            "GetTeamMembers",
            format!("{:?} {:?} {:?}", team_id, page, per_page),
        );
        self.0.get_team_members(team_id, page, per_page).await
    }

    async fn get_channel(&self, channel_id: &str) -> ApiResult<Channel> {
        self.0.record("GetChannel", format!("{:?}", channel_id));
        self.0.get_channel(channel_id).await
    }

    async fn get_channel_by_name(
        &self,
        team_id: &str,
        name: &str,
        include_deleted: bool,
    ) -> ApiResult<Channel> {
        self.0.record(
            "GetChannelByName",
            format!("{:?} {:?} {:?}", team_id, name, include_deleted),
        );
        self.0.get_channel_by_name(team_id, name, include_deleted).await
    }

    async fn get_direct_channel(&self, user_id_1: &str, user_id_2: &str) -> ApiResult<Channel> {
        self.0
            .record("GetDirectChannel", format!("{:?} {:?}", user_id_1, user_id_2));
        self.0.get_direct_channel(user_id_1, user_id_2).await
    }

    async fn get_channel_member(&self, channel_id: &str, user_id: &str) -> ApiResult<ChannelMember> {
        self.0
            .record("GetChannelMember", format!("{:?} {:?}", channel_id, user_id));
        self.0.get_channel_member(channel_id, user_id).await
    }

    async fn get_channel_members(
        &self,
        channel_id: &str,
        page: i64,
        per_page: i64,
    ) -> ApiResult<Vec<ChannelMember>> {
        self.0.record(
            "GetChannelMembers",
            format!("{:?} {:?} {:?}", channel_id, page, per_page),
        );
        self.0.get_channel_members(channel_id, page, per_page).await
    }

    async fn create_channel(&self, channel: &Channel) -> ApiResult<Channel> {
        self.0.record("CreateChannel", format!("{:?}", channel));
        self.0.create_channel(channel).await
    }

    async fn get_group_channel(&self, user_ids: &[String]) -> ApiResult<Channel> {
        self.0.record("GetGroupChannel", format!("{:?}", user_ids));
        self.0.get_group_channel(user_ids).await
    }

    async fn add_user_to_channel(
        &self,
        channel_id: &str,
        user_id: &str,
        as_user_id: &str,
    ) -> ApiResult<ChannelMember> {
        self.0.record(
            "AddUserToChannel",
            format!("{:?} {:?} {:?}", channel_id, user_id, as_user_id),
        );
        self.0.add_user_to_channel(channel_id, user_id, as_user_id).await
    }

    async fn get_channels_for_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        include_deleted: bool,
    ) -> ApiResult<Vec<Channel>> {
        self.0.record(
            "GetChannelsForTeamForUser",
            format!("{:?} {:?} {:?}", team_id, user_id, include_deleted),
        );
        self.0
            .get_channels_for_team_for_user(team_id, user_id, include_deleted)
            .await
    }

    async fn create_post(&self, post: &Post) -> ApiResult<Post> {
        self.0.record("CreatePost", format!("{:?}", post));
        self.0.create_post(post).await
    }

    async fn update_post(&self, post: &Post) -> ApiResult<Post> {
        self.0.record("UpdatePost", format!("{:?}", post));
        self.0.update_post(post).await
    }

    async fn get_post(&self, post_id: &str) -> ApiResult<Post> {
        self.0.record("GetPost", format!("{:?}", post_id));
        self.0.get_post(post_id).await
    }

    async fn delete_post(&self, post_id: &str) -> ApiResult<()> {
        self.0.record("DeletePost", format!("{:?}", post_id));
        self.0.delete_post(post_id).await
    }

    async fn get_post_thread(&self, post_id: &str) -> ApiResult<PostList> {
        self.0.record("GetPostThread", format!("{:?}", post_id));
        self.0.get_post_thread(post_id).await
    }

    async fn get_posts_since(&self, channel_id: &str, since_millis: i64) -> ApiResult<PostList> {
        self.0
            .record("GetPostsSince", format!("{:?} {:?}", channel_id, since_millis));
        self.0.get_posts_since(channel_id, since_millis).await
    }

    async fn get_posts_for_channel(&self, channel_id: &str, page: i64, per_page: i64) -> ApiResult<PostList> {
        self.0.record(
            "GetPostsForChannel",
            format!("{:?} {:?} {:?}", channel_id, page, per_page),
        );
        self.0.get_posts_for_channel(channel_id, page, per_page).await
    }

    async fn send_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        self.0
            .record("SendEphemeralPost", format!("{:?} {:?}", user_id, post));
        self.0.send_ephemeral_post(user_id, post).await
    }

    async fn update_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        self.0
            .record("UpdateEphemeralPost", format!("{:?} {:?}", user_id, post));
        self.0.update_ephemeral_post(user_id, post).await
    }

    async fn delete_ephemeral_post(&self, user_id: &str, post_id: &str) -> ApiResult<()> {
        self.0
            .record("DeleteEphemeralPost", format!("{:?} {:?}", user_id, post_id));
        self.0.delete_ephemeral_post(user_id, post_id).await
    }

    async fn add_reaction(&self, reaction: &Reaction) -> ApiResult<Reaction> {
        self.0.record("AddReaction", format!("{:?}", reaction));
        self.0.add_reaction(reaction).await
    }

    async fn search_posts_in_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        params: &SearchParameter,
    ) -> ApiResult<PostSearchResults> {
        self.0.record(
            "SearchPostsInTeamForUser",
            format!("{:?} {:?} {:?}", team_id, user_id, params),
        );
        self.0
            .search_posts_in_team_for_user(team_id, user_id, params)
            .await
    }

    async fn publish_websocket_event(
        &self,
        event: &str,
        payload: serde_json::Map<String, Value>,
        broadcast: &WebsocketBroadcast,
    ) -> ApiResult<()> {
        self.0.record(
            "PublishWebSocketEvent",
            format!("{:?} {:?} {:?}", event, payload, broadcast),
        );
        self.0.publish_websocket_event(event, payload, broadcast).await
    }

    async fn kv_set(&self, key: &str, value: &[u8]) -> ApiResult<()> {
        self.0.record("KVSet", format!("{:?} {:?}", key, value));
        self.0.kv_set(key, value).await
    }

    async fn kv_set_with_expiry(&self, key: &str, value: &[u8], expire_in_seconds: i64) -> ApiResult<()> {
        self.0.record(
            "KVSetWithExpiry",
            format!("{:?} {:?} {:?}", key, value, expire_in_seconds),
        );
        self.0.kv_set_with_expiry(key, value, expire_in_seconds).await
    }

    async fn kv_set_with_options(
        &self,
        key: &str,
        value: Option<&[u8]>,
        options: &KvSetOptions,
    ) -> ApiResult<bool> {
        self.0
            .record("KVSetWithOptions", format!("{:?} {:?} {:?}", key, value, options));
        self.0.kv_set_with_options(key, value, options).await
    }

    async fn kv_get(&self, key: &str) -> ApiResult<Option<Vec<u8>>> {
        self.0.record("KVGet", format!("{:?}", key));
        self.0.kv_get(key).await
    }

    async fn kv_delete(&self, key: &str) -> ApiResult<()> {
        self.0.record("KVDelete", format!("{:?}", key));
        self.0.kv_delete(key).await
    }

    async fn kv_list(&self, page: i64, per_page: i64) -> ApiResult<Vec<String>> {
        self.0.record("KVList", format!("{:?} {:?}", page, per_page));
        self.0.kv_list(page, per_page).await
    }

    async fn ensure_bot_user(&self, bot: &Bot) -> ApiResult<String> {
        self.0.record("EnsureBotUser", format!("{:?}", bot));
        self.0.ensure_bot_user(bot).await
    }

    async fn create_bot(&self, bot: &Bot) -> ApiResult<Bot> {
        self.0.record("CreateBot", format!("{:?}", bot));
        self.0.create_bot(bot).await
    }

    async fn patch_bot(&self, bot_user_id: &str, patch: &BotPatch) -> ApiResult<Bot> {
        self.0
            .record("PatchBot", format!("{:?} {:?}", bot_user_id, patch));
        self.0.patch_bot(bot_user_id, patch).await
    }

    async fn get_bot(&self, bot_user_id: &str, include_deleted: bool) -> ApiResult<Bot> {
        self.0
            .record("GetBot", format!("{:?} {:?}", bot_user_id, include_deleted));
        self.0.get_bot(bot_user_id, include_deleted).await
    }

    async fn get_bots(&self, options: &BotGetOptions) -> ApiResult<Vec<Bot>> {
        self.0.record("GetBots", format!("{:?}", options));
        self.0.get_bots(options).await
    }

    async fn update_bot_active(&self, bot_user_id: &str, active: bool) -> ApiResult<Bot> {
        self.0
            .record("UpdateBotActive", format!("{:?} {:?}", bot_user_id, active));
        self.0.update_bot_active(bot_user_id, active).await
    }

    async fn has_permission_to(&self, user_id: &str, permission: &str) -> ApiResult<bool> {
        self.0
            .record("HasPermissionTo", format!("{:?} {:?}", user_id, permission));
        self.0.has_permission_to(user_id, permission).await
    }

    async fn has_permission_to_team(
        &self,
        user_id: &str,
        team_id: &str,
        permission: &str,
    ) -> ApiResult<bool> {
        self.0.record(
            "HasPermissionToTeam",
            format!("{:?} {:?} {:?}", user_id, team_id, permission),
        );
        self.0.has_permission_to_team(user_id, team_id, permission).await
    }

    async fn has_permission_to_channel(
        &self,
        user_id: &str,
        channel_id: &str,
        permission: &str,
    ) -> ApiResult<bool> {
        self.0.record(
            "HasPermissionToChannel",
            format!("{:?} {:?} {:?}", user_id, channel_id, permission),
        );
        self.0
            .has_permission_to_channel(user_id, channel_id, permission)
            .await
    }

    async fn get_file_info(&self, file_id: &str) -> ApiResult<FileInfo> {
        self.0.record("GetFileInfo", format!("{:?}", file_id));
        self.0.get_file_info(file_id).await
    }

    async fn get_file(&self, file_id: &str) -> ApiResult<Vec<u8>> {
        self.0.record("GetFile", format!("{:?}", file_id));
        self.0.get_file(file_id).await
    }

    async fn upload_file(&self, data: &[u8], channel_id: &str, filename: &str) -> ApiResult<FileInfo> {
        self.0.record(
            "UploadFile",
            format!("{:?} {:?} {:?}", data, channel_id, filename),
        );
        self.0.upload_file(data, channel_id, filename).await
    }

    async fn get_session(&self, session_id: &str) -> ApiResult<Session> {
        self.0.record("GetSession", format!("{:?}", session_id));
        self.0.get_session(session_id).await
    }

    async fn create_user_access_token(&self, token: &UserAccessToken) -> ApiResult<UserAccessToken> {
        self.0.record("CreateUserAccessToken", format!("{:?}", token));
        self.0.create_user_access_token(token).await
    }

    async fn revoke_user_access_token(&self, token_id: &str) -> ApiResult<()> {
        self.0.record("RevokeUserAccessToken", format!("{:?}", token_id));
        self.0.revoke_user_access_token(token_id).await
    }

    async fn publish_plugin_cluster_event(
        &self,
        event: &PluginClusterEvent,
        options: &PluginClusterEventSendOptions,
    ) -> ApiResult<()> {
        self.0
            .record("PublishPluginClusterEvent", format!("{event:?} {options:?}"));
        self.0.publish_plugin_cluster_event(event, options).await
    }

    async fn register_command(&self, command: &Command) -> ApiResult<()> {
        self.0.record("RegisterCommand", format!("{:?}", command));
        self.0.register_command(command).await
    }

    async fn plugin_http(&self, request: PluginHttpRequest) -> ApiResult<PluginHttpResponse> {
        self.0.record("PluginHTTP", format!("{:?}", request));
        self.0.plugin_http(request).await
    }

    async fn log(&self, level: LogLevel, message: &str, fields: &[(&str, Value)]) -> ApiResult<()> {
        self.0.record(
            match level {
                LogLevel::Debug => "LogDebug",
                LogLevel::Info => "LogInfo",
                LogLevel::Warn => "LogWarn",
                LogLevel::Error => "LogError",
            },
            format!("{message:?}"),
        );
        self.0.log(level, message, fields).await
    }
}

/// A plugin whose hooks run in this process.
pub struct InProcessPlugin {
    hooks: Arc<dyn Hooks>,
}

impl InProcessPlugin {
    /// Attaches the simulated server's API, as a transport does when it connects.
    pub fn attach(hooks: Arc<dyn Hooks>, sim: Arc<SimState>) -> Self {
        hooks.attach_api(Arc::new(RecordingApi(sim)), TransportKind::InProcess);
        InProcessPlugin { hooks }
    }
}

fn hook_error(hook: &'static str) -> impl Fn(plugin_runtime::host::HookError) -> SimError {
    move |e| SimError::Hook {
        hook,
        message: e.to_string(),
    }
}

#[async_trait]
impl PluginConnection for InProcessPlugin {
    async fn implemented(&self) -> Result<Vec<String>, SimError> {
        Ok(plugin_runtime::host::implemented_hooks(self.hooks.as_ref()))
    }

    /// Mattermost's Go glue runs OnConfigurationChange before OnActivate; so does this.
    async fn on_activate(&self) -> Result<(), SimError> {
        self.hooks
            .on_configuration_change()
            .await
            .map_err(hook_error("OnConfigurationChange"))?;
        self.hooks.on_activate().await.map_err(hook_error("OnActivate"))
    }

    async fn on_deactivate(&self) -> Result<(), SimError> {
        self.hooks
            .on_deactivate()
            .await
            .map_err(hook_error("OnDeactivate"))
    }

    async fn on_configuration_change(&self) -> Result<(), SimError> {
        self.hooks
            .on_configuration_change()
            .await
            .map_err(hook_error("OnConfigurationChange"))
    }

    async fn message_has_been_posted(&self, ctx: HookContext, post: Post) -> Result<(), SimError> {
        self.hooks.message_has_been_posted(ctx, post).await;
        Ok(())
    }

    async fn message_has_been_updated(&self, ctx: HookContext, new: Post, old: Post) -> Result<(), SimError> {
        self.hooks.message_has_been_updated(ctx, new, old).await;
        Ok(())
    }

    async fn message_has_been_deleted(&self, ctx: HookContext, post: Post) -> Result<(), SimError> {
        self.hooks.message_has_been_deleted(ctx, post).await;
        Ok(())
    }

    async fn notification_will_be_pushed(
        &self,
        n: PushNotification,
        user_id: &str,
    ) -> Result<String, SimError> {
        Ok(self
            .hooks
            .notification_will_be_pushed(n, user_id.to_owned())
            .await
            .unwrap_or_default())
    }

    async fn email_notification_will_be_sent(&self, n: EmailNotification) -> Result<String, SimError> {
        Ok(self
            .hooks
            .email_notification_will_be_sent(n)
            .await
            .unwrap_or_default())
    }

    async fn execute_command(
        &self,
        ctx: HookContext,
        args: CommandArgs,
    ) -> Result<Result<CommandResponse, AppError>, SimError> {
        Ok(self.hooks.execute_command(ctx, args).await)
    }

    async fn serve_http(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError> {
        Ok(self.hooks.serve_http(ctx, request).await)
    }

    async fn serve_metrics(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError> {
        Ok(self.hooks.serve_metrics(ctx, request).await)
    }

    async fn on_plugin_cluster_event(
        &self,
        ctx: HookContext,
        event: PluginClusterEvent,
    ) -> Result<(), SimError> {
        self.hooks.on_plugin_cluster_event(ctx, event).await;
        Ok(())
    }

    async fn generate_support_data(&self, ctx: HookContext) -> Result<Vec<FileData>, SimError> {
        self.hooks
            .generate_support_data(ctx)
            .await
            .map_err(hook_error("GenerateSupportData"))
    }

    async fn run_data_retention(&self, now_millis: i64, batch_size: i64) -> Result<i64, SimError> {
        self.hooks
            .run_data_retention(now_millis, batch_size)
            .await
            .map_err(hook_error("RunDataRetention"))
    }

    async fn ping(&self) -> Result<(), SimError> {
        Ok(())
    }

    fn pid(&self) -> Option<u32> {
        None
    }

    async fn shutdown(&self) -> bool {
        let _ = self.hooks.on_deactivate().await;
        true
    }
}

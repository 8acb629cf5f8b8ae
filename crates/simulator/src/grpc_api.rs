//! The simulated server's API over gRPC (`mattermost.pluginapi.v1.PluginAPI`), answering through
//! the transport-neutral `server_api`. Errors use the style Mattermost's handlers use for each
//! call: a gRPC status ("<id>: <message>", code by HTTP status) for users, teams, channels,
//! configuration, bots, sessions and commands; an `AppError` embedded in the response for KV,
//! posts and files.

use std::sync::Arc;

use plugin_runtime::host::{ApiError, LogLevel, MattermostApi, PluginHttpRequest};
use plugin_runtime::transport::grpc::convert::{map_to_struct, pb_value_to_json, struct_to_map};
use plugin_runtime::transport::grpc::pb::v1 as pb;
use tonic::{Request, Response, Status};

use crate::SimState;

pub struct GrpcSimApi {
    pub sim: Arc<SimState>,
}

impl GrpcSimApi {
    fn rec<T: std::fmt::Debug>(&self, method: &str, r: Request<T>) -> T {
        let r = r.into_inner();
        self.sim.record(method, format!("{r:?}"));
        r
    }
}

/// The status-style failure: code by HTTP status, message "<id>: <message>".
pub fn status(e: ApiError) -> Status {
    let a = SimState::app_error(e);
    let msg = format!("{}: {}", a.id, a.message);
    match a.status_code {
        400 => Status::invalid_argument(msg),
        401 => Status::unauthenticated(msg),
        403 => Status::permission_denied(msg),
        404 => Status::not_found(msg),
        409 => Status::already_exists(msg),
        413 | 429 => Status::resource_exhausted(msg),
        501 => Status::unimplemented(msg),
        503 => Status::unavailable(msg),
        _ => Status::internal(msg),
    }
}

fn embedded(e: ApiError) -> Option<pb::AppError> {
    Some((&SimState::app_error(e)).into())
}

fn some<'a, T: 'a, P: From<&'a T>>(v: &'a T) -> Option<P> {
    Some(P::from(v))
}

/// Generates the service impl. `status` entries fail with a gRPC status, `embedded` ones put the
/// AppError in the response; each maps its request to a `server_api` call and its result to the
/// response's payload field.
macro_rules! api_impl {
    (
        status: [$( $sname:ident $swire:literal $sreq:ident => $sresp:ident |$ss:ident, $sr:ident| $scall:expr => |$sv:ident| { $($sfield:ident : $sconv:expr),* } ;)*]
        embedded: [$( $ename:ident $ewire:literal $ereq:ident => $eresp:ident |$es:ident, $er:ident| $ecall:expr => |$ev:ident| { $($efield:ident : $econv:expr),* } ;)*]
        $($extra:item)*
    ) => {
        #[tonic::async_trait]
        impl pb::plugin_api_server::PluginApi for GrpcSimApi {
            $(
                async fn $sname(&self, req: Request<pb::$sreq>) -> Result<Response<pb::$sresp>, Status> {
                    let $sr = self.rec($swire, req);
                    let $ss = &*self.sim;
                    let $sv = $scall.await.map_err(status)?;
                    #[allow(clippy::needless_update)]
                    Ok(Response::new(pb::$sresp { error: None, $($sfield: $sconv,)* ..Default::default() }))
                }
            )*
            $(
                async fn $ename(&self, req: Request<pb::$ereq>) -> Result<Response<pb::$eresp>, Status> {
                    let $er = self.rec($ewire, req);
                    let $es = &*self.sim;
                    #[allow(clippy::needless_update)]
                    Ok(Response::new(match $ecall.await {
                        Ok($ev) => pb::$eresp { error: None, $($efield: $econv,)* ..Default::default() },
                        Err(e) => pb::$eresp { error: embedded(e), ..Default::default() },
                    }))
                }
            )*
            $($extra)*
        }
    };
}

api_impl! {
    status: [
        get_server_version "GetServerVersion" GetServerVersionRequest => GetServerVersionResponse |s, _r| s.get_server_version() => |v| { version: v };
        get_config "GetConfig" GetConfigRequest => GetConfigResponse |s, _r| s.get_config() => |v| { config_json: serde_json::to_vec(&v.0).unwrap_or_default() };
        get_unsanitized_config "GetUnsanitizedConfig" GetUnsanitizedConfigRequest => GetUnsanitizedConfigResponse |s, _r| s.get_unsanitized_config() => |v| { config_json: serde_json::to_vec(&v.0).unwrap_or_default() };
        get_license "GetLicense" GetLicenseRequest => GetLicenseResponse |s, _r| s.get_license() => |v| { license_json: v.map(|l| serde_json::to_vec(&l).unwrap_or_default()).unwrap_or_default() };
        get_telemetry_id "GetTelemetryId" GetTelemetryIdRequest => GetTelemetryIdResponse |s, _r| s.get_telemetry_id() => |v| { telemetry_id: v };
        get_plugin_status "GetPluginStatus" GetPluginStatusRequest => GetPluginStatusResponse |s, r| s.get_plugin_status(&r.id) => |v| { status: some(&v) };
        load_plugin_configuration "LoadPluginConfiguration" LoadPluginConfigurationRequest => LoadPluginConfigurationResponse |s, _r| s.load_plugin_configuration() => |v| { config_json: serde_json::to_vec(&v).unwrap_or_default() };
        get_plugin_config "GetPluginConfig" GetPluginConfigRequest => GetPluginConfigResponse |s, _r| s.get_plugin_config() => |v| { config: Some(map_to_struct(&v)) };
        save_plugin_config "SavePluginConfig" SavePluginConfigRequest => SavePluginConfigResponse |s, r| s.save_plugin_config(r.config.as_ref().map(struct_to_map).unwrap_or_default()) => |_v| {};
        get_user "GetUser" GetUserRequest => GetUserResponse |s, r| s.get_user(&r.user_id) => |v| { user: some(&v) };
        get_user_by_username "GetUserByUsername" GetUserByUsernameRequest => GetUserByUsernameResponse |s, r| s.get_user_by_username(&r.name) => |v| { user: some(&v) };
        get_users_by_ids "GetUsersByIds" GetUsersByIdsRequest => GetUsersByIdsResponse |s, r| s.get_users_by_ids(&r.user_ids) => |v| { users: v.iter().map(Into::into).collect() };
        get_user_status "GetUserStatus" GetUserStatusRequest => GetUserStatusResponse |s, r| s.get_user_status(&r.user_id) => |v| { status: some(&v) };
        get_profile_image "GetProfileImage" GetProfileImageRequest => GetProfileImageResponse |s, r| s.get_profile_image(&r.user_id) => |v| { image: v };
        set_profile_image "SetProfileImage" SetProfileImageRequest => SetProfileImageResponse |s, r| s.set_profile_image(&r.user_id, &r.data) => |_v| {};
        search_users "SearchUsers" SearchUsersRequest => SearchUsersResponse |s, r| s.search_users(&r.clone().into()) => |v| { users: v.iter().map(Into::into).collect() };
        get_team "GetTeam" GetTeamRequest => GetTeamResponse |s, r| s.get_team(&r.team_id) => |v| { team: some(&v) };
        get_team_member "GetTeamMember" GetTeamMemberRequest => GetTeamMemberResponse |s, r| s.get_team_member(&r.team_id, &r.user_id) => |v| { team_member: some(&v) };
        get_teams_for_user "GetTeamsForUser" GetTeamsForUserRequest => GetTeamsForUserResponse |s, r| s.get_teams_for_user(&r.user_id) => |v| { teams: v.iter().map(Into::into).collect() };
        get_team_by_name "GetTeamByName" GetTeamByNameRequest => GetTeamByNameResponse |s, r| s.get_team_by_name(&r.name) => |v| { team: some(&v) };
        get_team_members "GetTeamMembers" GetTeamMembersRequest => GetTeamMembersResponse |s, r| s.get_team_members(&r.team_id, i64::from(r.page), i64::from(r.per_page)) => |v| { team_members: v.iter().map(Into::into).collect() };
        get_channel "GetChannel" GetChannelRequest => GetChannelResponse |s, r| s.get_channel(&r.channel_id) => |v| { channel: some(&v) };
        get_channel_by_name "GetChannelByName" GetChannelByNameRequest => GetChannelByNameResponse |s, r| s.get_channel_by_name(&r.team_id, &r.name, r.include_deleted) => |v| { channel: some(&v) };
        get_direct_channel "GetDirectChannel" GetDirectChannelRequest => GetDirectChannelResponse |s, r| s.get_direct_channel(&r.user_id_1, &r.user_id_2) => |v| { channel: some(&v) };
        get_channel_member "GetChannelMember" GetChannelMemberRequest => GetChannelMemberResponse |s, r| s.get_channel_member(&r.channel_id, &r.user_id) => |v| { channel_member: some(&v) };
        get_channel_members "GetChannelMembers" GetChannelMembersRequest => GetChannelMembersResponse |s, r| s.get_channel_members(&r.channel_id, i64::from(r.page), i64::from(r.per_page)) => |v| { channel_members: v.iter().map(Into::into).collect() };
        create_channel "CreateChannel" CreateChannelRequest => CreateChannelResponse |s, r| s.create_channel(&r.channel.clone().map(Into::into).unwrap_or_default()) => |v| { channel: some(&v) };
        get_group_channel "GetGroupChannel" GetGroupChannelRequest => GetGroupChannelResponse |s, r| s.get_group_channel(&r.user_ids) => |v| { channel: some(&v) };
        add_user_to_channel "AddUserToChannel" AddUserToChannelRequest => AddUserToChannelResponse |s, r| s.add_user_to_channel(&r.channel_id, &r.user_id, &r.as_user_id) => |v| { channel_member: some(&v) };
        get_channels_for_team_for_user "GetChannelsForTeamForUser" GetChannelsForTeamForUserRequest => GetChannelsForTeamForUserResponse |s, r| s.get_channels_for_team_for_user(&r.team_id, &r.user_id, r.include_deleted) => |v| { channels: v.iter().map(Into::into).collect() };
        send_ephemeral_post "SendEphemeralPost" SendEphemeralPostRequest => SendEphemeralPostResponse |s, r| s.send_ephemeral_post(&r.user_id, &r.post.clone().map(Into::into).unwrap_or_default()) => |v| { post: some(&v) };
        update_ephemeral_post "UpdateEphemeralPost" UpdateEphemeralPostRequest => UpdateEphemeralPostResponse |s, r| s.update_ephemeral_post(&r.user_id, &r.post.clone().map(Into::into).unwrap_or_default()) => |v| { post: some(&v) };
        delete_ephemeral_post "DeleteEphemeralPost" DeleteEphemeralPostRequest => DeleteEphemeralPostResponse |s, r| s.delete_ephemeral_post(&r.user_id, &r.post_id) => |_v| {};
        publish_web_socket_event "PublishWebSocketEvent" PublishWebSocketEventRequest => PublishWebSocketEventResponse |s, r| s.publish_websocket_event(&r.event, r.payload.as_ref().map(struct_to_map).unwrap_or_default(), &r.broadcast.clone().map(Into::into).unwrap_or_default()) => |_v| {};
        ensure_bot_user "EnsureBotUser" EnsureBotUserRequest => EnsureBotUserResponse |s, r| s.ensure_bot_user(&r.bot.clone().map(Into::into).unwrap_or_default()) => |v| { bot_user_id: v };
        create_bot "CreateBot" CreateBotRequest => CreateBotResponse |s, r| s.create_bot(&r.bot.clone().map(Into::into).unwrap_or_default()) => |v| { bot: some(&v) };
        patch_bot "PatchBot" PatchBotRequest => PatchBotResponse |s, r| s.patch_bot(&r.bot_user_id, &r.bot_patch.clone().map(Into::into).unwrap_or_default()) => |v| { bot: some(&v) };
        get_bot "GetBot" GetBotRequest => GetBotResponse |s, r| s.get_bot(&r.bot_user_id, r.include_deleted) => |v| { bot: some(&v) };
        get_bots "GetBots" GetBotsRequest => GetBotsResponse |s, r| s.get_bots(&r.options.clone().map(Into::into).unwrap_or_default()) => |v| { bots: v.iter().map(Into::into).collect() };
        update_bot_active "UpdateBotActive" UpdateBotActiveRequest => UpdateBotActiveResponse |s, r| s.update_bot_active(&r.bot_user_id, r.active) => |v| { bot: some(&v) };
        has_permission_to "HasPermissionTo" HasPermissionToRequest => HasPermissionToResponse |s, r| s.has_permission_to(&r.user_id, &r.permission_id) => |v| { has_permission: v };
        has_permission_to_team "HasPermissionToTeam" HasPermissionToTeamRequest => HasPermissionToTeamResponse |s, r| s.has_permission_to_team(&r.user_id, &r.team_id, &r.permission_id) => |v| { has_permission: v };
        has_permission_to_channel "HasPermissionToChannel" HasPermissionToChannelRequest => HasPermissionToChannelResponse |s, r| s.has_permission_to_channel(&r.user_id, &r.channel_id, &r.permission_id) => |v| { has_permission: v };
        get_session "GetSession" GetSessionRequest => GetSessionResponse |s, r| s.get_session(&r.session_id) => |v| { session: some(&v) };
        create_user_access_token "CreateUserAccessToken" CreateUserAccessTokenRequest => CreateUserAccessTokenResponse |s, r| s.create_user_access_token(&r.token.clone().map(Into::into).unwrap_or_default()) => |v| { token: some(&v) };
        revoke_user_access_token "RevokeUserAccessToken" RevokeUserAccessTokenRequest => RevokeUserAccessTokenResponse |s, r| s.revoke_user_access_token(&r.token_id) => |_v| {};
        publish_plugin_cluster_event "PublishPluginClusterEvent" PublishPluginClusterEventRequest => PublishPluginClusterEventResponse |s, r| s.publish_plugin_cluster_event(&r.event.clone().map(|e| plugin_runtime::host::model::PluginClusterEvent { id: e.id, data: e.data }).unwrap_or_default(), &r.opts.clone().map(|o| plugin_runtime::host::model::PluginClusterEventSendOptions { send_type: o.send_type, target_id: o.target_id }).unwrap_or_default()) => |_v| {};
        register_command "RegisterCommand" RegisterCommandRequest => RegisterCommandResponse |s, r| s.register_command(&r.command.clone().map(Into::into).unwrap_or_default()) => |_v| {};
    ]
    embedded: [
        create_post "CreatePost" CreatePostRequest => CreatePostResponse |s, r| s.create_post(&r.post.clone().map(Into::into).unwrap_or_default()) => |v| { post: some(&v) };
        update_post "UpdatePost" UpdatePostRequest => UpdatePostResponse |s, r| s.update_post(&r.post.clone().map(Into::into).unwrap_or_default()) => |v| { post: some(&v) };
        get_post "GetPost" GetPostRequest => GetPostResponse |s, r| s.get_post(&r.post_id) => |v| { post: some(&v) };
        delete_post "DeletePost" DeletePostRequest => DeletePostResponse |s, r| s.delete_post(&r.post_id) => |_v| {};
        get_post_thread "GetPostThread" GetPostThreadRequest => GetPostThreadResponse |s, r| s.get_post_thread(&r.post_id) => |v| { post_list: some(&v) };
        get_posts_since "GetPostsSince" GetPostsSinceRequest => GetPostsSinceResponse |s, r| s.get_posts_since(&r.channel_id, r.time) => |v| { post_list: some(&v) };
        get_posts_for_channel "GetPostsForChannel" GetPostsForChannelRequest => GetPostsForChannelResponse |s, r| s.get_posts_for_channel(&r.channel_id, i64::from(r.page), i64::from(r.per_page)) => |v| { post_list: some(&v) };
        add_reaction "AddReaction" AddReactionRequest => AddReactionResponse |s, r| s.add_reaction(&r.reaction.clone().map(Into::into).unwrap_or_default()) => |v| { reaction: some(&v) };
        search_posts_in_team_for_user "SearchPostsInTeamForUser" SearchPostsInTeamForUserRequest => SearchPostsInTeamForUserResponse |s, r| s.search_posts_in_team_for_user(&r.team_id, &r.user_id, &r.search_params.clone().map(Into::into).unwrap_or_default()) => |v| { results: some(&v) };
        kv_set "KVSet" KvSetRequest => KvSetResponse |s, r| s.kv_set(&r.key, &r.value) => |_v| {};
        kv_set_with_expiry "KVSetWithExpiry" KvSetWithExpiryRequest => KvSetWithExpiryResponse |s, r| s.kv_set_with_expiry(&r.key, &r.value, r.expire_in_seconds) => |_v| {};
        kv_set_with_options "KVSetWithOptions" KvSetWithOptionsRequest => KvSetWithOptionsResponse |s, r| s.kv_set_with_options(&r.key, Some(&r.value), &r.options.clone().map(Into::into).unwrap_or_default()) => |v| { success: v };
        kv_get "KVGet" KvGetRequest => KvGetResponse |s, r| s.kv_get(&r.key) => |v| { value: v.unwrap_or_default() };
        kv_delete "KVDelete" KvDeleteRequest => KvDeleteResponse |s, r| s.kv_delete(&r.key) => |_v| {};
        kv_list "KVList" KvListRequest => KvListResponse |s, r| s.kv_list(i64::from(r.page), i64::from(r.per_page)) => |v| { keys: v };
        get_file_info "GetFileInfo" GetFileInfoRequest => GetFileInfoResponse |s, r| s.get_file_info(&r.file_id) => |v| { file_info: some(&v) };
        get_file "GetFile" GetFileRequest => GetFileResponse |s, r| s.get_file(&r.file_id) => |v| { data: v };
        upload_file "UploadFile" UploadFileRequest => UploadFileResponse |s, r| s.upload_file(&r.data, &r.channel_id, &r.filename) => |v| { file_info: some(&v) };
    ]

    async fn plugin_http(&self, req: Request<pb::PluginHttpRequest>) -> Result<Response<pb::PluginHttpResponse>, Status> {
        let r = self.rec("PluginHTTP", req);
        let request = PluginHttpRequest {
            method: r.method,
            url: r.url,
            headers: r.headers.into_iter().map(|(k, v)| (k, vec![v])).collect(),
            body: r.body,
        };
        let resp = self.sim.plugin_http(request).await.map_err(status)?;
        Ok(Response::new(pb::PluginHttpResponse {
            error: None,
            status_code: i32::from(resp.status),
            headers: resp.headers.into_iter().map(|(k, v)| (k, v.join(", "))).collect(),
            body: resp.body,
        }))
    }

    async fn log_debug(&self, req: Request<pb::LogDebugRequest>) -> Result<Response<pb::LogDebugResponse>, Status> {
        let r = self.rec("LogDebug", req);
        self.log(LogLevel::Debug, &r.msg, &r.key_value_pairs).await;
        Ok(Response::new(pb::LogDebugResponse { error: None }))
    }

    async fn log_info(&self, req: Request<pb::LogInfoRequest>) -> Result<Response<pb::LogInfoResponse>, Status> {
        let r = self.rec("LogInfo", req);
        self.log(LogLevel::Info, &r.msg, &r.key_value_pairs).await;
        Ok(Response::new(pb::LogInfoResponse { error: None }))
    }

    async fn log_warn(&self, req: Request<pb::LogWarnRequest>) -> Result<Response<pb::LogWarnResponse>, Status> {
        let r = self.rec("LogWarn", req);
        self.log(LogLevel::Warn, &r.msg, &r.key_value_pairs).await;
        Ok(Response::new(pb::LogWarnResponse { error: None }))
    }

    async fn log_error(&self, req: Request<pb::LogErrorRequest>) -> Result<Response<pb::LogErrorResponse>, Status> {
        let r = self.rec("LogError", req);
        self.log(LogLevel::Error, &r.msg, &r.key_value_pairs).await;
        Ok(Response::new(pb::LogErrorResponse { error: None }))
    }
}

impl GrpcSimApi {
    async fn log(&self, level: LogLevel, msg: &str, pairs: &[pb::KeyValuePair]) {
        let fields: Vec<(&str, serde_json::Value)> = pairs
            .iter()
            .map(|p| {
                (
                    p.key.as_str(),
                    p.value.as_ref().map(pb_value_to_json).unwrap_or_default(),
                )
            })
            .collect();
        let _ = self.sim.log(level, msg, &fields).await;
    }
}

//! The Mattermost API over gRPC (`mattermost.pluginapi.v1.PluginAPI`). The server reports
//! failures two ways — a gRPC status whose message is "<AppError id>: <message>", or an
//! `AppError` embedded in an OK response — and both become the same `ApiError` the net/rpc
//! client produces.

use async_trait::async_trait;
use serde_json::{Map, Value};
use tonic::transport::Channel as GrpcChannel;

use super::convert::{json_to_pb_value, map_to_struct, struct_to_map};
use super::pb::v1 as pb;
use super::pb::v1::plugin_api_client::PluginApiClient;
use crate::host::model::*;
use crate::host::{
    ApiError, ApiResult, AppError, LogLevel, MattermostApi, PluginHttpRequest, PluginHttpResponse,
};

pub struct GrpcApi {
    client: PluginApiClient<GrpcChannel>,
}

impl GrpcApi {
    /// A client for `target` (`host:port`); connects on first use and reconnects as needed.
    pub fn connect_lazy(target: &str) -> Result<Self, tonic::transport::Error> {
        let uri = if target.contains("://") {
            target.to_owned()
        } else {
            format!("http://{target}")
        };
        let channel = tonic::transport::Endpoint::from_shared(uri)?.connect_lazy();
        // Files, images and post lists can exceed tonic's 4 MiB default.
        let client = PluginApiClient::new(channel)
            .max_decoding_message_size(256 * 1024 * 1024)
            .max_encoding_message_size(256 * 1024 * 1024);
        Ok(Self { client })
    }

    fn c(&self) -> PluginApiClient<GrpcChannel> {
        self.client.clone()
    }
}

/// A gRPC status as the handlers produce it: code by HTTP status, message "<id>: <message>".
pub fn status_to_error(method: &str, s: tonic::Status) -> ApiError {
    use tonic::Code;
    let status_code = match s.code() {
        Code::InvalidArgument => 400,
        Code::Unauthenticated => 401,
        Code::PermissionDenied => 403,
        Code::NotFound => 404,
        Code::AlreadyExists => 409,
        Code::ResourceExhausted => 429,
        Code::Unimplemented => return ApiError::Unsupported(method.to_owned()),
        Code::Unavailable | Code::Cancelled | Code::DeadlineExceeded | Code::Unknown
            if s.message().is_empty() || std::error::Error::source(&s).is_some() =>
        {
            return ApiError::Transport(format!("{method}: {s}"));
        }
        Code::Unavailable => 503,
        _ => 500,
    };
    let msg = s.message();
    let (id, message) = match msg.split_once(": ") {
        Some((id, rest)) if !id.is_empty() && !id.contains(' ') => (id.to_owned(), rest.to_owned()),
        _ => (String::new(), msg.to_owned()),
    };
    AppError {
        id,
        message,
        status_code,
        where_: method.to_owned(),
        ..Default::default()
    }
    .into()
}

fn embedded(e: Option<pb::AppError>) -> ApiResult<()> {
    match e {
        Some(e) => Err(AppError::from(e).into()),
        None => Ok(()),
    }
}

fn missing(method: &str) -> ApiError {
    ApiError::Plain(format!("{method} returned no value and no error"))
}

/// Runs one RPC, maps a status failure, then checks the embedded error.
macro_rules! rpc {
    ($self:ident, $method:ident, $name:literal, $req:expr) => {{
        let r = $self
            .c()
            .$method($req)
            .await
            .map_err(|s| status_to_error($name, s))?
            .into_inner();
        embedded(r.error.clone())?;
        r
    }};
}

#[async_trait]
impl MattermostApi for GrpcApi {
    async fn get_server_version(&self) -> ApiResult<String> {
        Ok(rpc!(
            self,
            get_server_version,
            "GetServerVersion",
            pb::GetServerVersionRequest {}
        )
        .version)
    }

    async fn get_config(&self) -> ApiResult<ServerConfig> {
        let r = rpc!(self, get_config, "GetConfig", pb::GetConfigRequest {});
        config_json(&r.config_json)
    }

    async fn get_unsanitized_config(&self) -> ApiResult<ServerConfig> {
        let r = rpc!(
            self,
            get_unsanitized_config,
            "GetUnsanitizedConfig",
            pb::GetUnsanitizedConfigRequest {}
        );
        config_json(&r.config_json)
    }

    async fn get_license(&self) -> ApiResult<Option<License>> {
        let r = rpc!(self, get_license, "GetLicense", pb::GetLicenseRequest {});
        if r.license_json.is_empty() || r.license_json == b"null" {
            return Ok(None);
        }
        serde_json::from_slice(&r.license_json)
            .map(Some)
            .map_err(|e| ApiError::Transport(format!("license is not valid JSON: {e}")))
    }

    async fn get_telemetry_id(&self) -> ApiResult<String> {
        Ok(rpc!(
            self,
            get_telemetry_id,
            "GetTelemetryId",
            pb::GetTelemetryIdRequest {}
        )
        .telemetry_id)
    }

    async fn get_plugin_status(&self, plugin_id: &str) -> ApiResult<PluginStatus> {
        let r = rpc!(
            self,
            get_plugin_status,
            "GetPluginStatus",
            pb::GetPluginStatusRequest { id: plugin_id.into() }
        );
        r.status.map(Into::into).ok_or_else(|| missing("GetPluginStatus"))
    }

    async fn load_plugin_configuration(&self) -> ApiResult<Value> {
        let r = rpc!(
            self,
            load_plugin_configuration,
            "LoadPluginConfiguration",
            pb::LoadPluginConfigurationRequest {}
        );
        if r.config_json.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&r.config_json)
            .map_err(|e| ApiError::Transport(format!("plugin configuration is not JSON: {e}")))
    }

    async fn get_plugin_config(&self) -> ApiResult<Map<String, Value>> {
        let r = rpc!(
            self,
            get_plugin_config,
            "GetPluginConfig",
            pb::GetPluginConfigRequest {}
        );
        Ok(r.config.as_ref().map(struct_to_map).unwrap_or_default())
    }

    async fn save_plugin_config(&self, config: Map<String, Value>) -> ApiResult<()> {
        rpc!(
            self,
            save_plugin_config,
            "SavePluginConfig",
            pb::SavePluginConfigRequest {
                config: Some(map_to_struct(&config))
            }
        );
        Ok(())
    }

    async fn get_user(&self, user_id: &str) -> ApiResult<User> {
        let r = rpc!(
            self,
            get_user,
            "GetUser",
            pb::GetUserRequest {
                user_id: user_id.into()
            }
        );
        r.user.map(Into::into).ok_or_else(|| missing("GetUser"))
    }

    async fn get_user_by_username(&self, username: &str) -> ApiResult<User> {
        let r = rpc!(
            self,
            get_user_by_username,
            "GetUserByUsername",
            pb::GetUserByUsernameRequest {
                name: username.into()
            }
        );
        r.user.map(Into::into).ok_or_else(|| missing("GetUserByUsername"))
    }

    async fn get_users_by_ids(&self, user_ids: &[String]) -> ApiResult<Vec<User>> {
        let r = rpc!(
            self,
            get_users_by_ids,
            "GetUsersByIds",
            pb::GetUsersByIdsRequest {
                user_ids: user_ids.to_vec()
            }
        );
        Ok(r.users.into_iter().map(Into::into).collect())
    }

    async fn get_user_status(&self, user_id: &str) -> ApiResult<Status> {
        let r = rpc!(
            self,
            get_user_status,
            "GetUserStatus",
            pb::GetUserStatusRequest {
                user_id: user_id.into()
            }
        );
        r.status.map(Into::into).ok_or_else(|| missing("GetUserStatus"))
    }

    async fn get_profile_image(&self, user_id: &str) -> ApiResult<Vec<u8>> {
        Ok(rpc!(
            self,
            get_profile_image,
            "GetProfileImage",
            pb::GetProfileImageRequest {
                user_id: user_id.into()
            }
        )
        .image)
    }

    async fn set_profile_image(&self, user_id: &str, data: &[u8]) -> ApiResult<()> {
        rpc!(
            self,
            set_profile_image,
            "SetProfileImage",
            pb::SetProfileImageRequest {
                user_id: user_id.into(),
                data: data.to_vec()
            }
        );
        Ok(())
    }

    async fn search_users(&self, search: &UserSearch) -> ApiResult<Vec<User>> {
        let r = rpc!(
            self,
            search_users,
            "SearchUsers",
            pb::SearchUsersRequest::from(search)
        );
        Ok(r.users.into_iter().map(Into::into).collect())
    }

    async fn get_team(&self, team_id: &str) -> ApiResult<Team> {
        let r = rpc!(
            self,
            get_team,
            "GetTeam",
            pb::GetTeamRequest {
                team_id: team_id.into()
            }
        );
        r.team.map(Into::into).ok_or_else(|| missing("GetTeam"))
    }

    async fn get_team_member(&self, team_id: &str, user_id: &str) -> ApiResult<TeamMember> {
        let r = rpc!(
            self,
            get_team_member,
            "GetTeamMember",
            pb::GetTeamMemberRequest {
                team_id: team_id.into(),
                user_id: user_id.into()
            }
        );
        r.team_member
            .map(Into::into)
            .ok_or_else(|| missing("GetTeamMember"))
    }

    async fn get_teams_for_user(&self, user_id: &str) -> ApiResult<Vec<Team>> {
        let r = rpc!(
            self,
            get_teams_for_user,
            "GetTeamsForUser",
            pb::GetTeamsForUserRequest {
                user_id: user_id.into()
            }
        );
        Ok(r.teams.into_iter().map(Into::into).collect())
    }

    async fn get_team_by_name(&self, name: &str) -> ApiResult<Team> {
        let r = rpc!(
            self,
            get_team_by_name,
            "GetTeamByName",
            pb::GetTeamByNameRequest { name: name.into() }
        );
        r.team.map(Into::into).ok_or_else(|| missing("GetTeamByName"))
    }

    async fn get_team_members(&self, team_id: &str, page: i64, per_page: i64) -> ApiResult<Vec<TeamMember>> {
        let req = pb::GetTeamMembersRequest {
            team_id: team_id.into(),
            page: clamp(page),
            per_page: clamp(per_page),
        };
        let r = rpc!(self, get_team_members, "GetTeamMembers", req);
        Ok(r.team_members.into_iter().map(Into::into).collect())
    }

    async fn get_channel(&self, channel_id: &str) -> ApiResult<Channel> {
        let r = rpc!(
            self,
            get_channel,
            "GetChannel",
            pb::GetChannelRequest {
                channel_id: channel_id.into()
            }
        );
        r.channel.map(Into::into).ok_or_else(|| missing("GetChannel"))
    }

    async fn get_channel_by_name(
        &self,
        team_id: &str,
        name: &str,
        include_deleted: bool,
    ) -> ApiResult<Channel> {
        let req = pb::GetChannelByNameRequest {
            team_id: team_id.into(),
            name: name.into(),
            include_deleted,
        };
        let r = rpc!(self, get_channel_by_name, "GetChannelByName", req);
        r.channel
            .map(Into::into)
            .ok_or_else(|| missing("GetChannelByName"))
    }

    async fn get_direct_channel(&self, user_id_1: &str, user_id_2: &str) -> ApiResult<Channel> {
        let req = pb::GetDirectChannelRequest {
            user_id_1: user_id_1.into(),
            user_id_2: user_id_2.into(),
        };
        let r = rpc!(self, get_direct_channel, "GetDirectChannel", req);
        r.channel
            .map(Into::into)
            .ok_or_else(|| missing("GetDirectChannel"))
    }

    async fn get_channel_member(&self, channel_id: &str, user_id: &str) -> ApiResult<ChannelMember> {
        let req = pb::GetChannelMemberRequest {
            channel_id: channel_id.into(),
            user_id: user_id.into(),
        };
        let r = rpc!(self, get_channel_member, "GetChannelMember", req);
        r.channel_member
            .map(Into::into)
            .ok_or_else(|| missing("GetChannelMember"))
    }

    async fn get_channel_members(
        &self,
        channel_id: &str,
        page: i64,
        per_page: i64,
    ) -> ApiResult<Vec<ChannelMember>> {
        let req = pb::GetChannelMembersRequest {
            channel_id: channel_id.into(),
            page: clamp(page),
            per_page: clamp(per_page),
        };
        let r = rpc!(self, get_channel_members, "GetChannelMembers", req);
        Ok(r.channel_members.into_iter().map(Into::into).collect())
    }

    async fn create_channel(&self, channel: &Channel) -> ApiResult<Channel> {
        let req = pb::CreateChannelRequest {
            channel: Some(channel.into()),
        };
        let r = rpc!(self, create_channel, "CreateChannel", req);
        r.channel.map(Into::into).ok_or_else(|| missing("CreateChannel"))
    }

    async fn get_group_channel(&self, user_ids: &[String]) -> ApiResult<Channel> {
        let req = pb::GetGroupChannelRequest {
            user_ids: user_ids.to_vec(),
        };
        let r = rpc!(self, get_group_channel, "GetGroupChannel", req);
        r.channel
            .map(Into::into)
            .ok_or_else(|| missing("GetGroupChannel"))
    }

    async fn add_user_to_channel(
        &self,
        channel_id: &str,
        user_id: &str,
        as_user_id: &str,
    ) -> ApiResult<ChannelMember> {
        let req = pb::AddUserToChannelRequest {
            channel_id: channel_id.into(),
            user_id: user_id.into(),
            as_user_id: as_user_id.into(),
        };
        let r = rpc!(self, add_user_to_channel, "AddUserToChannel", req);
        r.channel_member
            .map(Into::into)
            .ok_or_else(|| missing("AddUserToChannel"))
    }

    async fn get_channels_for_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        include_deleted: bool,
    ) -> ApiResult<Vec<Channel>> {
        let req = pb::GetChannelsForTeamForUserRequest {
            team_id: team_id.into(),
            user_id: user_id.into(),
            include_deleted,
        };
        let r = rpc!(
            self,
            get_channels_for_team_for_user,
            "GetChannelsForTeamForUser",
            req
        );
        Ok(r.channels.into_iter().map(Into::into).collect())
    }

    async fn create_post(&self, post: &Post) -> ApiResult<Post> {
        let r = rpc!(
            self,
            create_post,
            "CreatePost",
            pb::CreatePostRequest {
                post: Some(post.into())
            }
        );
        r.post.map(Into::into).ok_or_else(|| missing("CreatePost"))
    }

    async fn update_post(&self, post: &Post) -> ApiResult<Post> {
        let r = rpc!(
            self,
            update_post,
            "UpdatePost",
            pb::UpdatePostRequest {
                post: Some(post.into())
            }
        );
        r.post.map(Into::into).ok_or_else(|| missing("UpdatePost"))
    }

    async fn get_post(&self, post_id: &str) -> ApiResult<Post> {
        let r = rpc!(
            self,
            get_post,
            "GetPost",
            pb::GetPostRequest {
                post_id: post_id.into()
            }
        );
        r.post.map(Into::into).ok_or_else(|| missing("GetPost"))
    }

    async fn delete_post(&self, post_id: &str) -> ApiResult<()> {
        rpc!(
            self,
            delete_post,
            "DeletePost",
            pb::DeletePostRequest {
                post_id: post_id.into()
            }
        );
        Ok(())
    }

    async fn get_post_thread(&self, post_id: &str) -> ApiResult<PostList> {
        let r = rpc!(
            self,
            get_post_thread,
            "GetPostThread",
            pb::GetPostThreadRequest {
                post_id: post_id.into()
            }
        );
        r.post_list
            .map(Into::into)
            .ok_or_else(|| missing("GetPostThread"))
    }

    async fn get_posts_since(&self, channel_id: &str, since_millis: i64) -> ApiResult<PostList> {
        let req = pb::GetPostsSinceRequest {
            channel_id: channel_id.into(),
            time: since_millis,
        };
        let r = rpc!(self, get_posts_since, "GetPostsSince", req);
        Ok(r.post_list.map(Into::into).unwrap_or_default())
    }

    async fn get_posts_for_channel(&self, channel_id: &str, page: i64, per_page: i64) -> ApiResult<PostList> {
        let req = pb::GetPostsForChannelRequest {
            channel_id: channel_id.into(),
            page: clamp(page),
            per_page: clamp(per_page),
        };
        let r = rpc!(self, get_posts_for_channel, "GetPostsForChannel", req);
        Ok(r.post_list.map(Into::into).unwrap_or_default())
    }

    async fn send_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        let req = pb::SendEphemeralPostRequest {
            user_id: user_id.into(),
            post: Some(post.into()),
        };
        let r = rpc!(self, send_ephemeral_post, "SendEphemeralPost", req);
        Ok(r.post.map(Into::into).unwrap_or_default())
    }

    async fn update_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        let req = pb::UpdateEphemeralPostRequest {
            user_id: user_id.into(),
            post: Some(post.into()),
        };
        let r = rpc!(self, update_ephemeral_post, "UpdateEphemeralPost", req);
        Ok(r.post.map(Into::into).unwrap_or_default())
    }

    async fn delete_ephemeral_post(&self, user_id: &str, post_id: &str) -> ApiResult<()> {
        let req = pb::DeleteEphemeralPostRequest {
            user_id: user_id.into(),
            post_id: post_id.into(),
        };
        rpc!(self, delete_ephemeral_post, "DeleteEphemeralPost", req);
        Ok(())
    }

    async fn add_reaction(&self, reaction: &Reaction) -> ApiResult<Reaction> {
        let r = rpc!(
            self,
            add_reaction,
            "AddReaction",
            pb::AddReactionRequest {
                reaction: Some(reaction.into())
            }
        );
        r.reaction.map(Into::into).ok_or_else(|| missing("AddReaction"))
    }

    async fn search_posts_in_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        params: &SearchParameter,
    ) -> ApiResult<PostSearchResults> {
        let req = pb::SearchPostsInTeamForUserRequest {
            team_id: team_id.into(),
            user_id: user_id.into(),
            search_params: Some(params.into()),
        };
        let r = rpc!(
            self,
            search_posts_in_team_for_user,
            "SearchPostsInTeamForUser",
            req
        );
        r.results
            .map(Into::into)
            .ok_or_else(|| missing("SearchPostsInTeamForUser"))
    }

    async fn publish_websocket_event(
        &self,
        event: &str,
        payload: Map<String, Value>,
        broadcast: &WebsocketBroadcast,
    ) -> ApiResult<()> {
        let req = pb::PublishWebSocketEventRequest {
            event: event.into(),
            payload: Some(map_to_struct(&payload)),
            broadcast: Some(broadcast.into()),
        };
        rpc!(self, publish_web_socket_event, "PublishWebSocketEvent", req);
        Ok(())
    }

    async fn publish_plugin_cluster_event(
        &self,
        event: &PluginClusterEvent,
        options: &PluginClusterEventSendOptions,
    ) -> ApiResult<()> {
        let req = pb::PublishPluginClusterEventRequest {
            event: Some(pb::PluginClusterEvent {
                id: event.id.clone(),
                data: event.data.clone(),
            }),
            opts: Some(pb::PluginClusterEventSendOptions {
                send_type: options.send_type.clone(),
                target_id: options.target_id.clone(),
            }),
        };
        rpc!(
            self,
            publish_plugin_cluster_event,
            "PublishPluginClusterEvent",
            req
        );
        Ok(())
    }

    async fn kv_set(&self, key: &str, value: &[u8]) -> ApiResult<()> {
        rpc!(
            self,
            kv_set,
            "KVSet",
            pb::KvSetRequest {
                key: key.into(),
                value: value.to_vec()
            }
        );
        Ok(())
    }

    async fn kv_set_with_expiry(&self, key: &str, value: &[u8], expire_in_seconds: i64) -> ApiResult<()> {
        let req = pb::KvSetWithExpiryRequest {
            key: key.into(),
            value: value.to_vec(),
            expire_in_seconds,
        };
        rpc!(self, kv_set_with_expiry, "KVSetWithExpiry", req);
        Ok(())
    }

    async fn kv_set_with_options(
        &self,
        key: &str,
        value: Option<&[u8]>,
        options: &KvSetOptions,
    ) -> ApiResult<bool> {
        let req = pb::KvSetWithOptionsRequest {
            key: key.into(),
            value: value.map(<[u8]>::to_vec).unwrap_or_default(),
            options: Some(options.into()),
        };
        Ok(rpc!(self, kv_set_with_options, "KVSetWithOptions", req).success)
    }

    async fn kv_get(&self, key: &str) -> ApiResult<Option<Vec<u8>>> {
        let r = rpc!(self, kv_get, "KVGet", pb::KvGetRequest { key: key.into() });
        Ok((!r.value.is_empty()).then_some(r.value))
    }

    async fn kv_delete(&self, key: &str) -> ApiResult<()> {
        rpc!(
            self,
            kv_delete,
            "KVDelete",
            pb::KvDeleteRequest { key: key.into() }
        );
        Ok(())
    }

    async fn kv_list(&self, page: i64, per_page: i64) -> ApiResult<Vec<String>> {
        Ok(rpc!(
            self,
            kv_list,
            "KVList",
            pb::KvListRequest {
                page: clamp(page),
                per_page: clamp(per_page)
            }
        )
        .keys)
    }

    async fn ensure_bot_user(&self, bot: &Bot) -> ApiResult<String> {
        Ok(rpc!(
            self,
            ensure_bot_user,
            "EnsureBotUser",
            pb::EnsureBotUserRequest {
                bot: Some(bot.into())
            }
        )
        .bot_user_id)
    }

    async fn create_bot(&self, bot: &Bot) -> ApiResult<Bot> {
        let r = rpc!(
            self,
            create_bot,
            "CreateBot",
            pb::CreateBotRequest {
                bot: Some(bot.into())
            }
        );
        r.bot.map(Into::into).ok_or_else(|| missing("CreateBot"))
    }

    async fn patch_bot(&self, bot_user_id: &str, patch: &BotPatch) -> ApiResult<Bot> {
        let req = pb::PatchBotRequest {
            bot_user_id: bot_user_id.into(),
            bot_patch: Some(patch.into()),
        };
        let r = rpc!(self, patch_bot, "PatchBot", req);
        r.bot.map(Into::into).ok_or_else(|| missing("PatchBot"))
    }

    async fn get_bot(&self, bot_user_id: &str, include_deleted: bool) -> ApiResult<Bot> {
        let r = rpc!(
            self,
            get_bot,
            "GetBot",
            pb::GetBotRequest {
                bot_user_id: bot_user_id.into(),
                include_deleted
            }
        );
        r.bot.map(Into::into).ok_or_else(|| missing("GetBot"))
    }

    async fn get_bots(&self, options: &BotGetOptions) -> ApiResult<Vec<Bot>> {
        let r = rpc!(
            self,
            get_bots,
            "GetBots",
            pb::GetBotsRequest {
                options: Some(options.into())
            }
        );
        Ok(r.bots.into_iter().map(Into::into).collect())
    }

    async fn update_bot_active(&self, bot_user_id: &str, active: bool) -> ApiResult<Bot> {
        let req = pb::UpdateBotActiveRequest {
            bot_user_id: bot_user_id.into(),
            active,
        };
        let r = rpc!(self, update_bot_active, "UpdateBotActive", req);
        r.bot.map(Into::into).ok_or_else(|| missing("UpdateBotActive"))
    }

    async fn has_permission_to(&self, user_id: &str, permission: &str) -> ApiResult<bool> {
        let req = pb::HasPermissionToRequest {
            user_id: user_id.into(),
            permission_id: permission.into(),
        };
        Ok(rpc!(self, has_permission_to, "HasPermissionTo", req).has_permission)
    }

    async fn has_permission_to_team(
        &self,
        user_id: &str,
        team_id: &str,
        permission: &str,
    ) -> ApiResult<bool> {
        let req = pb::HasPermissionToTeamRequest {
            user_id: user_id.into(),
            team_id: team_id.into(),
            permission_id: permission.into(),
        };
        Ok(rpc!(self, has_permission_to_team, "HasPermissionToTeam", req).has_permission)
    }

    async fn has_permission_to_channel(
        &self,
        user_id: &str,
        channel_id: &str,
        permission: &str,
    ) -> ApiResult<bool> {
        let req = pb::HasPermissionToChannelRequest {
            user_id: user_id.into(),
            channel_id: channel_id.into(),
            permission_id: permission.into(),
        };
        Ok(rpc!(self, has_permission_to_channel, "HasPermissionToChannel", req).has_permission)
    }

    async fn get_file_info(&self, file_id: &str) -> ApiResult<FileInfo> {
        let r = rpc!(
            self,
            get_file_info,
            "GetFileInfo",
            pb::GetFileInfoRequest {
                file_id: file_id.into()
            }
        );
        r.file_info.map(Into::into).ok_or_else(|| missing("GetFileInfo"))
    }

    async fn get_file(&self, file_id: &str) -> ApiResult<Vec<u8>> {
        Ok(rpc!(
            self,
            get_file,
            "GetFile",
            pb::GetFileRequest {
                file_id: file_id.into()
            }
        )
        .data)
    }

    async fn upload_file(&self, data: &[u8], channel_id: &str, filename: &str) -> ApiResult<FileInfo> {
        let req = pb::UploadFileRequest {
            data: data.to_vec(),
            channel_id: channel_id.into(),
            filename: filename.into(),
        };
        let r = rpc!(self, upload_file, "UploadFile", req);
        r.file_info.map(Into::into).ok_or_else(|| missing("UploadFile"))
    }

    async fn get_session(&self, session_id: &str) -> ApiResult<Session> {
        let r = rpc!(
            self,
            get_session,
            "GetSession",
            pb::GetSessionRequest {
                session_id: session_id.into()
            }
        );
        r.session.map(Into::into).ok_or_else(|| missing("GetSession"))
    }

    async fn create_user_access_token(&self, token: &UserAccessToken) -> ApiResult<UserAccessToken> {
        let req = pb::CreateUserAccessTokenRequest {
            token: Some(token.into()),
        };
        let r = rpc!(self, create_user_access_token, "CreateUserAccessToken", req);
        r.token
            .map(Into::into)
            .ok_or_else(|| missing("CreateUserAccessToken"))
    }

    async fn revoke_user_access_token(&self, token_id: &str) -> ApiResult<()> {
        let req = pb::RevokeUserAccessTokenRequest {
            token_id: token_id.into(),
        };
        rpc!(self, revoke_user_access_token, "RevokeUserAccessToken", req);
        Ok(())
    }

    async fn register_command(&self, command: &Command) -> ApiResult<()> {
        rpc!(
            self,
            register_command,
            "RegisterCommand",
            pb::RegisterCommandRequest {
                command: Some(command.into())
            }
        );
        Ok(())
    }

    async fn plugin_http(&self, request: PluginHttpRequest) -> ApiResult<PluginHttpResponse> {
        let req = pb::PluginHttpRequest {
            method: request.method,
            url: request.url,
            headers: request
                .headers
                .into_iter()
                .map(|(k, v)| (k, v.join(", ")))
                .collect(),
            body: request.body,
        };
        let r = rpc!(self, plugin_http, "PluginHTTP", req);
        Ok(PluginHttpResponse {
            status: u16::try_from(r.status_code).unwrap_or(500),
            headers: r.headers.into_iter().map(|(k, v)| (k, vec![v])).collect(),
            body: r.body,
        })
    }

    async fn log(&self, level: LogLevel, message: &str, fields: &[(&str, Value)]) -> ApiResult<()> {
        let key_value_pairs: Vec<pb::KeyValuePair> = fields
            .iter()
            .map(|(k, v)| pb::KeyValuePair {
                key: (*k).to_owned(),
                value: Some(json_to_pb_value(v)),
            })
            .collect();
        let msg = message.to_owned();
        match level {
            LogLevel::Debug => {
                rpc!(
                    self,
                    log_debug,
                    "LogDebug",
                    pb::LogDebugRequest { msg, key_value_pairs }
                );
            }
            LogLevel::Info => {
                rpc!(
                    self,
                    log_info,
                    "LogInfo",
                    pb::LogInfoRequest { msg, key_value_pairs }
                );
            }
            LogLevel::Warn => {
                rpc!(
                    self,
                    log_warn,
                    "LogWarn",
                    pb::LogWarnRequest { msg, key_value_pairs }
                );
            }
            LogLevel::Error => {
                rpc!(
                    self,
                    log_error,
                    "LogError",
                    pb::LogErrorRequest { msg, key_value_pairs }
                );
            }
        }
        Ok(())
    }
}

fn clamp(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { 0 } else { i32::MAX })
}

fn config_json(bytes: &[u8]) -> ApiResult<ServerConfig> {
    if bytes.is_empty() {
        return Ok(ServerConfig::default());
    }
    serde_json::from_slice(bytes)
        .map(ServerConfig)
        .map_err(|e| ApiError::Transport(format!("server configuration is not JSON: {e}")))
}

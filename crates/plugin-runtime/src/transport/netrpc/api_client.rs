//! The Mattermost API over net/rpc: one `Plugin.<Method>` call per API method on the stream the
//! server offered as `APIMuxId`, with the argument and return shapes of Mattermost's generated
//! glue (`Z_<Method>Args` / `Z_<Method>Returns`).

use async_trait::async_trait;
use gobwire::{Decode, Dynamic, Encode, Interface};
use serde_json::{Map, Value};

use super::wire::*;
use crate::host::model::*;
use crate::host::{
    ApiError, ApiResult, AppError, LogLevel, MattermostApi, PluginHttpRequest, PluginHttpResponse,
};

pub struct NetRpcApi {
    client: go_netrpc::Client,
}

type AppErr = Option<GobAppError>;

impl NetRpcApi {
    pub fn new(client: go_netrpc::Client) -> Self {
        Self { client }
    }

    async fn call<A, R>(&self, method: &str, args: &A) -> ApiResult<R>
    where
        A: Encode + Sync,
        R: Decode + Default + Send + 'static,
    {
        match self.client.call(&format!("Plugin.{method}"), args).await {
            Ok(r) => Ok(r),
            Err(go_netrpc::Error::Server(msg)) if msg.starts_with("rpc: can't find") => {
                Err(ApiError::Unsupported(method.to_owned()))
            }
            Err(go_netrpc::Error::Server(msg)) => Err(ApiError::Plain(msg)),
            Err(e) => Err(ApiError::Transport(format!("{method}: {e}"))),
        }
    }

    /// A call returning `(*T, *model.AppError)`.
    async fn call_value<A, T>(&self, method: &str, args: &A) -> ApiResult<T>
    where
        A: Encode + Sync,
        T: Wire,
    {
        let r: A2<Option<T::Repr>, AppErr> = self.call(method, args).await?;
        check(r.b)?;
        r.a.map(T::from_wire)
            .ok_or_else(|| ApiError::Plain(format!("{method} returned no value and no error")))
    }

    /// A call returning only `*model.AppError`.
    async fn call_unit<A: Encode + Sync>(&self, method: &str, args: &A) -> ApiResult<()> {
        let r: A1<AppErr> = self.call(method, args).await?;
        check(r.a)
    }

    async fn permission(&self, method: &str, args: impl Encode + Sync) -> ApiResult<bool> {
        let r: A1<bool> = self.call(method, &args).await?;
        Ok(r.a)
    }
}

fn check(e: AppErr) -> ApiResult<()> {
    match e {
        Some(e) => Err(AppError::from_wire(e).into()),
        None => Ok(()),
    }
}

fn check_error(e: &Option<Interface>) -> ApiResult<()> {
    match interface_to_error(e) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn s(v: &str) -> String {
    v.to_owned()
}

fn permission(id: &str) -> Option<GobPermission> {
    Some(GobPermission {
        id: id.to_owned(),
        ..Default::default()
    })
}

fn header_to_wire(
    h: &std::collections::HashMap<String, Vec<String>>,
) -> std::collections::HashMap<String, Vec<String>> {
    h.clone()
}

#[async_trait]
impl MattermostApi for NetRpcApi {
    async fn get_server_version(&self) -> ApiResult<String> {
        let r: A1<String> = self.call("GetServerVersion", &Empty {}).await?;
        Ok(r.a)
    }

    async fn get_config(&self) -> ApiResult<ServerConfig> {
        let r: A1<Dynamic> = self.call("GetConfig", &Empty {}).await?;
        Ok(config_from_dynamic(&r.a))
    }

    async fn get_unsanitized_config(&self) -> ApiResult<ServerConfig> {
        let r: A1<Dynamic> = self.call("GetUnsanitizedConfig", &Empty {}).await?;
        Ok(config_from_dynamic(&r.a))
    }

    async fn get_license(&self) -> ApiResult<Option<License>> {
        let r: A1<Option<GobLicense>> = self.call("GetLicense", &Empty {}).await?;
        Ok(r.a.map(License::from_wire))
    }

    async fn get_telemetry_id(&self) -> ApiResult<String> {
        let r: A1<String> = self.call("GetTelemetryId", &Empty {}).await?;
        Ok(r.a)
    }

    async fn get_plugin_status(&self, plugin_id: &str) -> ApiResult<PluginStatus> {
        self.call_value("GetPluginStatus", &A1 { a: s(plugin_id) }).await
    }

    async fn load_plugin_configuration(&self) -> ApiResult<Value> {
        let r: A1<Vec<u8>> = self.call("LoadPluginConfiguration", &Empty {}).await?;
        if r.a.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&r.a)
            .map_err(|e| ApiError::Transport(format!("plugin configuration is not JSON: {e}")))
    }

    async fn get_plugin_config(&self) -> ApiResult<Map<String, Value>> {
        let r: A1<std::collections::HashMap<String, Option<Interface>>> =
            self.call("GetPluginConfig", &Empty {}).await?;
        Ok(map_from_wire(r.a))
    }

    async fn save_plugin_config(&self, config: Map<String, Value>) -> ApiResult<()> {
        self.call_unit(
            "SavePluginConfig",
            &A1 {
                a: map_to_wire(&config),
            },
        )
        .await
    }

    async fn get_user(&self, user_id: &str) -> ApiResult<User> {
        self.call_value("GetUser", &A1 { a: s(user_id) }).await
    }

    async fn get_user_by_username(&self, username: &str) -> ApiResult<User> {
        self.call_value("GetUserByUsername", &A1 { a: s(username) }).await
    }

    async fn get_users_by_ids(&self, user_ids: &[String]) -> ApiResult<Vec<User>> {
        let r: A2<Vec<GobUser>, AppErr> = self.call("GetUsersByIds", &A1 { a: user_ids.to_vec() }).await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(User::from_wire).collect())
    }

    async fn get_user_status(&self, user_id: &str) -> ApiResult<Status> {
        self.call_value("GetUserStatus", &A1 { a: s(user_id) }).await
    }

    async fn get_profile_image(&self, user_id: &str) -> ApiResult<Vec<u8>> {
        let r: A2<Vec<u8>, AppErr> = self.call("GetProfileImage", &A1 { a: s(user_id) }).await?;
        check(r.b)?;
        Ok(r.a)
    }

    async fn set_profile_image(&self, user_id: &str, data: &[u8]) -> ApiResult<()> {
        self.call_unit(
            "SetProfileImage",
            &A2 {
                a: s(user_id),
                b: data.to_vec(),
            },
        )
        .await
    }

    async fn search_users(&self, search: &UserSearch) -> ApiResult<Vec<User>> {
        let r: A2<Vec<GobUser>, AppErr> = self
            .call(
                "SearchUsers",
                &A1 {
                    a: Some(search.to_wire()),
                },
            )
            .await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(User::from_wire).collect())
    }

    async fn get_team(&self, team_id: &str) -> ApiResult<Team> {
        self.call_value("GetTeam", &A1 { a: s(team_id) }).await
    }

    async fn get_team_member(&self, team_id: &str, user_id: &str) -> ApiResult<TeamMember> {
        self.call_value(
            "GetTeamMember",
            &A2 {
                a: s(team_id),
                b: s(user_id),
            },
        )
        .await
    }

    async fn get_teams_for_user(&self, user_id: &str) -> ApiResult<Vec<Team>> {
        let r: A2<Vec<GobTeam>, AppErr> = self.call("GetTeamsForUser", &A1 { a: s(user_id) }).await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(Team::from_wire).collect())
    }

    async fn get_team_by_name(&self, name: &str) -> ApiResult<Team> {
        self.call_value("GetTeamByName", &A1 { a: s(name) }).await
    }

    async fn get_team_members(&self, team_id: &str, page: i64, per_page: i64) -> ApiResult<Vec<TeamMember>> {
        let r: A2<Vec<GobTeamMember>, AppErr> = self
            .call(
                "GetTeamMembers",
                &A3 {
                    a: s(team_id),
                    b: page,
                    c: per_page,
                },
            )
            .await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(TeamMember::from_wire).collect())
    }

    async fn get_channel(&self, channel_id: &str) -> ApiResult<Channel> {
        self.call_value("GetChannel", &A1 { a: s(channel_id) }).await
    }

    async fn get_channel_by_name(
        &self,
        team_id: &str,
        name: &str,
        include_deleted: bool,
    ) -> ApiResult<Channel> {
        self.call_value(
            "GetChannelByName",
            &A3 {
                a: s(team_id),
                b: s(name),
                c: include_deleted,
            },
        )
        .await
    }

    async fn get_direct_channel(&self, user_id_1: &str, user_id_2: &str) -> ApiResult<Channel> {
        self.call_value(
            "GetDirectChannel",
            &A2 {
                a: s(user_id_1),
                b: s(user_id_2),
            },
        )
        .await
    }

    async fn get_channel_member(&self, channel_id: &str, user_id: &str) -> ApiResult<ChannelMember> {
        self.call_value(
            "GetChannelMember",
            &A2 {
                a: s(channel_id),
                b: s(user_id),
            },
        )
        .await
    }

    async fn get_channel_members(
        &self,
        channel_id: &str,
        page: i64,
        per_page: i64,
    ) -> ApiResult<Vec<ChannelMember>> {
        let r: A2<Vec<GobChannelMember>, AppErr> = self
            .call(
                "GetChannelMembers",
                &A3 {
                    a: s(channel_id),
                    b: page,
                    c: per_page,
                },
            )
            .await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(ChannelMember::from_wire).collect())
    }

    async fn create_channel(&self, channel: &Channel) -> ApiResult<Channel> {
        self.call_value(
            "CreateChannel",
            &A1 {
                a: Some(channel.to_wire()),
            },
        )
        .await
    }

    async fn get_group_channel(&self, user_ids: &[String]) -> ApiResult<Channel> {
        self.call_value("GetGroupChannel", &A1 { a: user_ids.to_vec() })
            .await
    }

    async fn add_user_to_channel(
        &self,
        channel_id: &str,
        user_id: &str,
        as_user_id: &str,
    ) -> ApiResult<ChannelMember> {
        self.call_value(
            "AddUserToChannel",
            &A3 {
                a: s(channel_id),
                b: s(user_id),
                c: s(as_user_id),
            },
        )
        .await
    }

    async fn get_channels_for_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        include_deleted: bool,
    ) -> ApiResult<Vec<Channel>> {
        let r: A2<Vec<GobChannel>, AppErr> = self
            .call(
                "GetChannelsForTeamForUser",
                &A3 {
                    a: s(team_id),
                    b: s(user_id),
                    c: include_deleted,
                },
            )
            .await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(Channel::from_wire).collect())
    }

    async fn create_post(&self, post: &Post) -> ApiResult<Post> {
        self.call_value(
            "CreatePost",
            &A1 {
                a: Some(post.to_wire()),
            },
        )
        .await
    }

    async fn update_post(&self, post: &Post) -> ApiResult<Post> {
        self.call_value(
            "UpdatePost",
            &A1 {
                a: Some(post.to_wire()),
            },
        )
        .await
    }

    async fn get_post(&self, post_id: &str) -> ApiResult<Post> {
        self.call_value("GetPost", &A1 { a: s(post_id) }).await
    }

    async fn delete_post(&self, post_id: &str) -> ApiResult<()> {
        self.call_unit("DeletePost", &A1 { a: s(post_id) }).await
    }

    async fn get_post_thread(&self, post_id: &str) -> ApiResult<PostList> {
        self.call_value("GetPostThread", &A1 { a: s(post_id) }).await
    }

    async fn get_posts_since(&self, channel_id: &str, since_millis: i64) -> ApiResult<PostList> {
        self.call_value(
            "GetPostsSince",
            &A2 {
                a: s(channel_id),
                b: since_millis,
            },
        )
        .await
    }

    async fn get_posts_for_channel(&self, channel_id: &str, page: i64, per_page: i64) -> ApiResult<PostList> {
        self.call_value(
            "GetPostsForChannel",
            &A3 {
                a: s(channel_id),
                b: page,
                c: per_page,
            },
        )
        .await
    }

    async fn send_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        let r: A1<Option<GobPost>> = self
            .call(
                "SendEphemeralPost",
                &A2 {
                    a: s(user_id),
                    b: Some(post.to_wire()),
                },
            )
            .await?;
        Ok(r.a.map(Post::from_wire).unwrap_or_default())
    }

    async fn update_ephemeral_post(&self, user_id: &str, post: &Post) -> ApiResult<Post> {
        let r: A1<Option<GobPost>> = self
            .call(
                "UpdateEphemeralPost",
                &A2 {
                    a: s(user_id),
                    b: Some(post.to_wire()),
                },
            )
            .await?;
        Ok(r.a.map(Post::from_wire).unwrap_or_default())
    }

    async fn delete_ephemeral_post(&self, user_id: &str, post_id: &str) -> ApiResult<()> {
        let _: Empty = self
            .call(
                "DeleteEphemeralPost",
                &A2 {
                    a: s(user_id),
                    b: s(post_id),
                },
            )
            .await?;
        Ok(())
    }

    async fn add_reaction(&self, reaction: &Reaction) -> ApiResult<Reaction> {
        self.call_value(
            "AddReaction",
            &A1 {
                a: Some(reaction.to_wire()),
            },
        )
        .await
    }

    async fn search_posts_in_team_for_user(
        &self,
        team_id: &str,
        user_id: &str,
        params: &SearchParameter,
    ) -> ApiResult<PostSearchResults> {
        // The parameter is a struct value, not a pointer, in `Z_SearchPostsInTeamForUserArgs`.
        self.call_value(
            "SearchPostsInTeamForUser",
            &A3 {
                a: s(team_id),
                b: s(user_id),
                c: params.to_wire(),
            },
        )
        .await
    }

    async fn publish_websocket_event(
        &self,
        event: &str,
        payload: Map<String, Value>,
        broadcast: &WebsocketBroadcast,
    ) -> ApiResult<()> {
        let args = A3 {
            a: s(event),
            b: map_to_wire(&payload),
            c: Some(broadcast.to_wire()),
        };
        let _: Empty = self.call("PublishWebSocketEvent", &args).await?;
        Ok(())
    }

    async fn kv_set(&self, key: &str, value: &[u8]) -> ApiResult<()> {
        self.call_unit(
            "KVSet",
            &A2 {
                a: s(key),
                b: value.to_vec(),
            },
        )
        .await
    }

    async fn kv_set_with_expiry(&self, key: &str, value: &[u8], expire_in_seconds: i64) -> ApiResult<()> {
        self.call_unit(
            "KVSetWithExpiry",
            &A3 {
                a: s(key),
                b: value.to_vec(),
                c: expire_in_seconds,
            },
        )
        .await
    }

    async fn kv_set_with_options(
        &self,
        key: &str,
        value: Option<&[u8]>,
        options: &KvSetOptions,
    ) -> ApiResult<bool> {
        let args = A3 {
            a: s(key),
            b: value.map(<[u8]>::to_vec).unwrap_or_default(),
            c: options.to_wire(),
        };
        let r: A2<bool, AppErr> = self.call("KVSetWithOptions", &args).await?;
        check(r.b)?;
        Ok(r.a)
    }

    async fn kv_get(&self, key: &str) -> ApiResult<Option<Vec<u8>>> {
        let r: A2<Vec<u8>, AppErr> = self.call("KVGet", &A1 { a: s(key) }).await?;
        check(r.b)?;
        // gob cannot tell a nil slice from an empty one; the server stores no empty values.
        Ok((!r.a.is_empty()).then_some(r.a))
    }

    async fn kv_delete(&self, key: &str) -> ApiResult<()> {
        self.call_unit("KVDelete", &A1 { a: s(key) }).await
    }

    async fn kv_list(&self, page: i64, per_page: i64) -> ApiResult<Vec<String>> {
        let r: A2<Vec<String>, AppErr> = self.call("KVList", &A2 { a: page, b: per_page }).await?;
        check(r.b)?;
        Ok(r.a)
    }

    async fn ensure_bot_user(&self, bot: &Bot) -> ApiResult<String> {
        let r: A2<String, Option<Interface>> = self
            .call(
                "EnsureBotUser",
                &A1 {
                    a: Some(bot.to_wire()),
                },
            )
            .await?;
        check_error(&r.b)?;
        Ok(r.a)
    }

    async fn create_bot(&self, bot: &Bot) -> ApiResult<Bot> {
        self.call_value(
            "CreateBot",
            &A1 {
                a: Some(bot.to_wire()),
            },
        )
        .await
    }

    async fn patch_bot(&self, bot_user_id: &str, patch: &BotPatch) -> ApiResult<Bot> {
        self.call_value(
            "PatchBot",
            &A2 {
                a: s(bot_user_id),
                b: Some(patch.to_wire()),
            },
        )
        .await
    }

    async fn get_bot(&self, bot_user_id: &str, include_deleted: bool) -> ApiResult<Bot> {
        self.call_value(
            "GetBot",
            &A2 {
                a: s(bot_user_id),
                b: include_deleted,
            },
        )
        .await
    }

    async fn get_bots(&self, options: &BotGetOptions) -> ApiResult<Vec<Bot>> {
        let r: A2<Vec<GobBot>, AppErr> = self
            .call(
                "GetBots",
                &A1 {
                    a: Some(options.to_wire()),
                },
            )
            .await?;
        check(r.b)?;
        Ok(r.a.into_iter().map(Bot::from_wire).collect())
    }

    async fn update_bot_active(&self, bot_user_id: &str, active: bool) -> ApiResult<Bot> {
        self.call_value(
            "UpdateBotActive",
            &A2 {
                a: s(bot_user_id),
                b: active,
            },
        )
        .await
    }

    async fn has_permission_to(&self, user_id: &str, permission_id: &str) -> ApiResult<bool> {
        self.permission(
            "HasPermissionTo",
            A2 {
                a: s(user_id),
                b: permission(permission_id),
            },
        )
        .await
    }

    async fn has_permission_to_team(
        &self,
        user_id: &str,
        team_id: &str,
        permission_id: &str,
    ) -> ApiResult<bool> {
        self.permission(
            "HasPermissionToTeam",
            A3 {
                a: s(user_id),
                b: s(team_id),
                c: permission(permission_id),
            },
        )
        .await
    }

    async fn has_permission_to_channel(
        &self,
        user_id: &str,
        channel_id: &str,
        permission_id: &str,
    ) -> ApiResult<bool> {
        self.permission(
            "HasPermissionToChannel",
            A3 {
                a: s(user_id),
                b: s(channel_id),
                c: permission(permission_id),
            },
        )
        .await
    }

    async fn get_file_info(&self, file_id: &str) -> ApiResult<FileInfo> {
        self.call_value("GetFileInfo", &A1 { a: s(file_id) }).await
    }

    async fn get_file(&self, file_id: &str) -> ApiResult<Vec<u8>> {
        let r: A2<Vec<u8>, AppErr> = self.call("GetFile", &A1 { a: s(file_id) }).await?;
        check(r.b)?;
        Ok(r.a)
    }

    async fn upload_file(&self, data: &[u8], channel_id: &str, filename: &str) -> ApiResult<FileInfo> {
        self.call_value(
            "UploadFile",
            &A3 {
                a: data.to_vec(),
                b: s(channel_id),
                c: s(filename),
            },
        )
        .await
    }

    async fn get_session(&self, session_id: &str) -> ApiResult<Session> {
        self.call_value("GetSession", &A1 { a: s(session_id) }).await
    }

    async fn create_user_access_token(&self, token: &UserAccessToken) -> ApiResult<UserAccessToken> {
        self.call_value(
            "CreateUserAccessToken",
            &A1 {
                a: Some(token.to_wire()),
            },
        )
        .await
    }

    async fn revoke_user_access_token(&self, token_id: &str) -> ApiResult<()> {
        self.call_unit("RevokeUserAccessToken", &A1 { a: s(token_id) })
            .await
    }

    async fn publish_plugin_cluster_event(
        &self,
        event: &PluginClusterEvent,
        options: &PluginClusterEventSendOptions,
    ) -> ApiResult<()> {
        let r: A1<Option<Interface>> = self
            .call(
                "PublishPluginClusterEvent",
                &A2 {
                    a: event.to_wire(),
                    b: options.to_wire(),
                },
            )
            .await?;
        check_error(&r.a)
    }

    async fn register_command(&self, command: &Command) -> ApiResult<()> {
        let r: A1<Option<Interface>> = self
            .call(
                "RegisterCommand",
                &A1 {
                    a: Some(command.to_wire()),
                },
            )
            .await?;
        check_error(&r.a)
    }

    async fn plugin_http(&self, request: PluginHttpRequest) -> ApiResult<PluginHttpResponse> {
        let args = PluginHttpArgs {
            request: Some(GobHttpRequest {
                method: request.method,
                url: Some(gobwire::BinaryBytes(request.url.into_bytes())),
                proto: "HTTP/1.1".into(),
                proto_major: 1,
                proto_minor: 1,
                header: header_to_wire(&request.headers),
                ..Default::default()
            }),
            request_body: request.body,
        };
        let r: PluginHttpReturns = self.call("PluginHTTP", &args).await?;
        let resp = r
            .response
            .ok_or_else(|| ApiError::Plain("PluginHTTP returned no response".into()))?;
        Ok(PluginHttpResponse {
            status: u16::try_from(resp.status_code).unwrap_or(500),
            headers: resp.header,
            body: r.response_body,
        })
    }

    async fn log(&self, level: LogLevel, message: &str, fields: &[(&str, Value)]) -> ApiResult<()> {
        let method = match level {
            LogLevel::Debug => "LogDebug",
            LogLevel::Info => "LogInfo",
            LogLevel::Warn => "LogWarn",
            LogLevel::Error => "LogError",
        };
        // The Go glue stringifies every value before sending; so do we.
        let mut pairs = Vec::with_capacity(fields.len() * 2);
        for (k, v) in fields {
            pairs.push(Some(Interface::string(*k)));
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push(Some(Interface::string(text)));
        }
        let _: Empty = self
            .call(
                method,
                &A2 {
                    a: s(message),
                    b: pairs,
                },
            )
            .await?;
        Ok(())
    }
}

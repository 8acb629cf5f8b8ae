//! The simulated server's API over net/rpc: `Plugin.<Method>` with the `Z_*` shapes of
//! Mattermost's generated glue, each answered by the transport-neutral `server_api`.

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;

use go_netrpc::{Server, ServiceError};
use gobwire::{Decode, Encode, Interface};
use plugin_runtime::host::model::*;
use plugin_runtime::host::{ApiError, ApiResult, LogLevel, MattermostApi, PluginHttpRequest};
use plugin_runtime::transport::netrpc::gobjson::interface_to_json;
use plugin_runtime::transport::netrpc::wire::*;

use crate::SimState;

type AppErr = Option<GobAppError>;

fn app(e: ApiError) -> GobAppError {
    SimState::app_error(e).to_wire()
}

/// `(*T, *model.AppError)`.
fn value<T: Wire>(r: ApiResult<T>) -> A2<Option<T::Repr>, AppErr> {
    match r {
        Ok(v) => A2 {
            a: Some(v.to_wire()),
            b: None,
        },
        Err(e) => A2 {
            a: None,
            b: Some(app(e)),
        },
    }
}

/// A lone `*model.AppError`.
fn unit(r: ApiResult<()>) -> A1<AppErr> {
    A1 { a: r.err().map(app) }
}

/// `([]*T, *model.AppError)`.
fn list<T: Wire>(r: ApiResult<Vec<T>>) -> A2<Vec<T::Repr>, AppErr> {
    match r {
        Ok(v) => A2 {
            a: v.iter().map(Wire::to_wire).collect(),
            b: None,
        },
        Err(e) => A2 {
            a: Vec::new(),
            b: Some(app(e)),
        },
    }
}

/// `([]byte, *model.AppError)`.
fn bytes(r: ApiResult<Vec<u8>>) -> A2<Vec<u8>, AppErr> {
    match r {
        Ok(v) => A2 { a: v, b: None },
        Err(e) => A2 {
            a: Vec::new(),
            b: Some(app(e)),
        },
    }
}

/// A Go `error` result, as `encodableError` sends it.
fn go_error(r: ApiResult<()>) -> Option<Interface> {
    match r {
        Ok(()) => None,
        Err(ApiError::App(a)) => Interface::new(APP_ERROR_NAME, &a.as_ref().to_wire()).ok(),
        Err(e) => Interface::new(
            ERROR_STRING_NAME,
            &GobErrorString {
                code: 0,
                err: e.to_string(),
            },
        )
        .ok(),
    }
}

/// Registers one API method: records the call, then answers through `server_api`.
fn reg<A, R, F, Fut>(s: &mut Server, sim: &Arc<SimState>, name: &'static str, f: F)
where
    A: Decode + Default + Debug + Send + 'static,
    R: Encode + Send + Sync + 'static,
    F: Fn(Arc<SimState>, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
{
    let sim = sim.clone();
    let f = Arc::new(f);
    s.register(&format!("Plugin.{name}"), move |a: A| {
        let (sim, f) = (sim.clone(), f.clone());
        async move {
            sim.record(name, format!("{a:?}"));
            Ok::<_, ServiceError>(f(sim, a).await)
        }
    });
}

pub fn api_server(sim: &Arc<SimState>) -> Server {
    let mut sv = Server::new();
    let s_ = &mut sv;

    // --- server and configuration -----------------------------------------------------------
    reg(s_, sim, "GetServerVersion", |sim, _: Empty| async move {
        A1 {
            a: sim.get_server_version().await.unwrap_or_default(),
        }
    });
    reg(s_, sim, "GetTelemetryId", |sim, _: Empty| async move {
        A1 {
            a: sim.get_telemetry_id().await.unwrap_or_default(),
        }
    });
    reg(s_, sim, "GetDiagnosticId", |sim, _: Empty| async move {
        A1 {
            a: sim.get_telemetry_id().await.unwrap_or_default(),
        }
    });
    reg(s_, sim, "GetConfig", |sim, _: Empty| async move {
        A1 {
            a: sim.get_config().await.ok().map(|c| config_to_wire(&c.0)),
        }
    });
    reg(s_, sim, "GetUnsanitizedConfig", |sim, _: Empty| async move {
        A1 {
            a: sim
                .get_unsanitized_config()
                .await
                .ok()
                .map(|c| config_to_wire(&c.0)),
        }
    });
    reg(s_, sim, "GetLicense", |sim, _: Empty| async move {
        A1 {
            a: sim.get_license().await.ok().flatten().as_ref().map(Wire::to_wire),
        }
    });
    reg(s_, sim, "GetPluginStatus", |sim, a: A1<String>| async move {
        value(sim.get_plugin_status(&a.a).await)
    });
    reg(s_, sim, "LoadPluginConfiguration", |sim, _: Empty| async move {
        let v = sim.load_plugin_configuration().await.unwrap_or_default();
        A1 {
            a: serde_json::to_vec(&v).unwrap_or_default(),
        }
    });
    reg(s_, sim, "GetPluginConfig", |sim, _: Empty| async move {
        A1 {
            a: map_to_wire(&sim.get_plugin_config().await.unwrap_or_default()),
        }
    });
    reg(
        s_,
        sim,
        "SavePluginConfig",
        |sim, a: A1<HashMap<String, Option<Interface>>>| async move {
            unit(sim.save_plugin_config(map_from_wire(a.a)).await)
        },
    );

    // --- users and teams ----------------------------------------------------------------------
    reg(s_, sim, "GetUser", |sim, a: A1<String>| async move {
        value(sim.get_user(&a.a).await)
    });
    reg(s_, sim, "GetUserByUsername", |sim, a: A1<String>| async move {
        value(sim.get_user_by_username(&a.a).await)
    });
    reg(s_, sim, "GetUsersByIds", |sim, a: A1<Vec<String>>| async move {
        list(sim.get_users_by_ids(&a.a).await)
    });
    reg(s_, sim, "GetUserStatus", |sim, a: A1<String>| async move {
        value(sim.get_user_status(&a.a).await)
    });
    reg(s_, sim, "GetProfileImage", |sim, a: A1<String>| async move {
        bytes(sim.get_profile_image(&a.a).await)
    });
    reg(
        s_,
        sim,
        "SetProfileImage",
        |sim, a: A2<String, Vec<u8>>| async move { unit(sim.set_profile_image(&a.a, &a.b).await) },
    );
    reg(
        s_,
        sim,
        "SearchUsers",
        |sim, a: A1<Option<GobUserSearch>>| async move {
            list(
                sim.search_users(&UserSearch::from_wire(a.a.unwrap_or_default()))
                    .await,
            )
        },
    );
    reg(s_, sim, "GetTeam", |sim, a: A1<String>| async move {
        value(sim.get_team(&a.a).await)
    });
    reg(
        s_,
        sim,
        "GetTeamMember",
        |sim, a: A2<String, String>| async move { value(sim.get_team_member(&a.a, &a.b).await) },
    );
    reg(s_, sim, "GetTeamsForUser", |sim, a: A1<String>| async move {
        list(sim.get_teams_for_user(&a.a).await)
    });
    reg(s_, sim, "GetTeamByName", |sim, a: A1<String>| async move {
        value(sim.get_team_by_name(&a.a).await)
    });
    reg(
        s_,
        sim,
        "GetTeamMembers",
        |sim, a: A3<String, i64, i64>| async move { list(sim.get_team_members(&a.a, a.b, a.c).await) },
    );

    // --- channels -------------------------------------------------------------------------------
    reg(s_, sim, "GetChannel", |sim, a: A1<String>| async move {
        value(sim.get_channel(&a.a).await)
    });
    reg(
        s_,
        sim,
        "GetChannelByName",
        |sim, a: A3<String, String, bool>| async move { value(sim.get_channel_by_name(&a.a, &a.b, a.c).await) },
    );
    reg(
        s_,
        sim,
        "GetDirectChannel",
        |sim, a: A2<String, String>| async move { value(sim.get_direct_channel(&a.a, &a.b).await) },
    );
    reg(
        s_,
        sim,
        "GetChannelMember",
        |sim, a: A2<String, String>| async move { value(sim.get_channel_member(&a.a, &a.b).await) },
    );
    reg(
        s_,
        sim,
        "GetChannelMembers",
        |sim, a: A3<String, i64, i64>| async move { list(sim.get_channel_members(&a.a, a.b, a.c).await) },
    );
    reg(
        s_,
        sim,
        "CreateChannel",
        |sim, a: A1<Option<GobChannel>>| async move {
            value(
                sim.create_channel(&Channel::from_wire(a.a.unwrap_or_default()))
                    .await,
            )
        },
    );
    reg(s_, sim, "GetGroupChannel", |sim, a: A1<Vec<String>>| async move {
        value(sim.get_group_channel(&a.a).await)
    });
    reg(
        s_,
        sim,
        "AddUserToChannel",
        |sim, a: A3<String, String, String>| async move { value(sim.add_user_to_channel(&a.a, &a.b, &a.c).await) },
    );
    reg(
        s_,
        sim,
        "GetChannelsForTeamForUser",
        |sim, a: A3<String, String, bool>| async move {
            list(sim.get_channels_for_team_for_user(&a.a, &a.b, a.c).await)
        },
    );

    // --- posts ----------------------------------------------------------------------------------
    reg(s_, sim, "CreatePost", |sim, a: A1<Option<GobPost>>| async move {
        value(sim.create_post(&Post::from_wire(a.a.unwrap_or_default())).await)
    });
    reg(s_, sim, "UpdatePost", |sim, a: A1<Option<GobPost>>| async move {
        value(sim.update_post(&Post::from_wire(a.a.unwrap_or_default())).await)
    });
    reg(s_, sim, "GetPost", |sim, a: A1<String>| async move {
        value(sim.get_post(&a.a).await)
    });
    reg(s_, sim, "DeletePost", |sim, a: A1<String>| async move {
        unit(sim.delete_post(&a.a).await)
    });
    reg(s_, sim, "GetPostThread", |sim, a: A1<String>| async move {
        value(sim.get_post_thread(&a.a).await)
    });
    reg(s_, sim, "GetPostsSince", |sim, a: A2<String, i64>| async move {
        value(sim.get_posts_since(&a.a, a.b).await)
    });
    reg(
        s_,
        sim,
        "GetPostsForChannel",
        |sim, a: A3<String, i64, i64>| async move { value(sim.get_posts_for_channel(&a.a, a.b, a.c).await) },
    );
    reg(
        s_,
        sim,
        "SendEphemeralPost",
        |sim, a: A2<String, Option<GobPost>>| async move {
            let post = Post::from_wire(a.b.unwrap_or_default());
            A1 {
                a: sim
                    .send_ephemeral_post(&a.a, &post)
                    .await
                    .ok()
                    .map(|p| p.to_wire()),
            }
        },
    );
    reg(
        s_,
        sim,
        "UpdateEphemeralPost",
        |sim, a: A2<String, Option<GobPost>>| async move {
            let post = Post::from_wire(a.b.unwrap_or_default());
            A1 {
                a: sim
                    .update_ephemeral_post(&a.a, &post)
                    .await
                    .ok()
                    .map(|p| p.to_wire()),
            }
        },
    );
    reg(
        s_,
        sim,
        "DeleteEphemeralPost",
        |sim, a: A2<String, String>| async move {
            let _ = sim.delete_ephemeral_post(&a.a, &a.b).await;
            Empty {}
        },
    );
    reg(
        s_,
        sim,
        "AddReaction",
        |sim, a: A1<Option<GobReaction>>| async move {
            value(
                sim.add_reaction(&Reaction::from_wire(a.a.unwrap_or_default()))
                    .await,
            )
        },
    );
    reg(
        s_,
        sim,
        "SearchPostsInTeamForUser",
        |sim, a: A3<String, String, GobSearchParameter>| async move {
            value(
                sim.search_posts_in_team_for_user(&a.a, &a.b, &SearchParameter::from_wire(a.c))
                    .await,
            )
        },
    );
    reg(
        s_,
        sim,
        "PublishWebSocketEvent",
        |sim, a: A3<String, HashMap<String, Option<Interface>>, Option<GobWebsocketBroadcast>>| async move {
            let broadcast = a.c.map(WebsocketBroadcast::from_wire).unwrap_or_default();
            let _ = sim
                .publish_websocket_event(&a.a, map_from_wire(a.b), &broadcast)
                .await;
            Empty {}
        },
    );

    // --- cluster ----------------------------------------------------------------------------------
    // Z_PublishPluginClusterEventArgs{A model.PluginClusterEvent, B model.PluginClusterEventSendOptions}
    // → {A error}.
    reg(
        s_,
        sim,
        "PublishPluginClusterEvent",
        |sim, a: A2<GobPluginClusterEvent, GobPluginClusterEventSendOptions>| async move {
            let event = PluginClusterEvent::from_wire(a.a);
            let options = PluginClusterEventSendOptions::from_wire(a.b);
            A1 {
                a: go_error(sim.publish_plugin_cluster_event(&event, &options).await),
            }
        },
    );

    // --- key-value store --------------------------------------------------------------------------
    reg(s_, sim, "KVSet", |sim, a: A2<String, Vec<u8>>| async move {
        unit(sim.kv_set(&a.a, &a.b).await)
    });
    reg(
        s_,
        sim,
        "KVSetWithExpiry",
        |sim, a: A3<String, Vec<u8>, i64>| async move { unit(sim.kv_set_with_expiry(&a.a, &a.b, a.c).await) },
    );
    reg(
        s_,
        sim,
        "KVSetWithOptions",
        |sim, a: A3<String, Vec<u8>, GobKvSetOptions>| async move {
            match sim
                .kv_set_with_options(&a.a, Some(&a.b), &KvSetOptions::from_wire(a.c))
                .await
            {
                Ok(done) => A2 { a: done, b: None },
                Err(e) => A2 {
                    a: false,
                    b: Some(app(e)),
                },
            }
        },
    );
    reg(s_, sim, "KVGet", |sim, a: A1<String>| async move {
        bytes(sim.kv_get(&a.a).await.map(Option::unwrap_or_default))
    });
    reg(s_, sim, "KVDelete", |sim, a: A1<String>| async move {
        unit(sim.kv_delete(&a.a).await)
    });
    reg(s_, sim, "KVList", |sim, a: A2<i64, i64>| async move {
        match sim.kv_list(a.a, a.b).await {
            Ok(keys) => A2 {
                a: keys,
                b: None::<GobAppError>,
            },
            Err(e) => A2 {
                a: Vec::new(),
                b: Some(app(e)),
            },
        }
    });

    // --- bots -----------------------------------------------------------------------------------
    reg(
        s_,
        sim,
        "EnsureBotUser",
        |sim, a: A1<Option<GobBot>>| async move {
            match sim
                .ensure_bot_user(&Bot::from_wire(a.a.unwrap_or_default()))
                .await
            {
                Ok(id) => A2 { a: id, b: None },
                Err(e) => A2 {
                    a: String::new(),
                    b: go_error(Err(e)),
                },
            }
        },
    );
    reg(s_, sim, "CreateBot", |sim, a: A1<Option<GobBot>>| async move {
        value(sim.create_bot(&Bot::from_wire(a.a.unwrap_or_default())).await)
    });
    reg(
        s_,
        sim,
        "PatchBot",
        |sim, a: A2<String, Option<GobBotPatch>>| async move {
            value(
                sim.patch_bot(&a.a, &BotPatch::from_wire(a.b.unwrap_or_default()))
                    .await,
            )
        },
    );
    reg(s_, sim, "GetBot", |sim, a: A2<String, bool>| async move {
        value(sim.get_bot(&a.a, a.b).await)
    });
    reg(
        s_,
        sim,
        "GetBots",
        |sim, a: A1<Option<GobBotGetOptions>>| async move {
            list(
                sim.get_bots(&BotGetOptions::from_wire(a.a.unwrap_or_default()))
                    .await,
            )
        },
    );
    reg(
        s_,
        sim,
        "UpdateBotActive",
        |sim, a: A2<String, bool>| async move { value(sim.update_bot_active(&a.a, a.b).await) },
    );

    // --- permissions ------------------------------------------------------------------------------
    reg(
        s_,
        sim,
        "HasPermissionTo",
        |sim, a: A2<String, Option<GobPermission>>| async move {
            let p = a.b.map(|p| p.id).unwrap_or_default();
            A1 {
                a: sim.has_permission_to(&a.a, &p).await.unwrap_or(false),
            }
        },
    );
    reg(
        s_,
        sim,
        "HasPermissionToTeam",
        |sim, a: A3<String, String, Option<GobPermission>>| async move {
            let p = a.c.map(|p| p.id).unwrap_or_default();
            A1 {
                a: sim.has_permission_to_team(&a.a, &a.b, &p).await.unwrap_or(false),
            }
        },
    );
    reg(
        s_,
        sim,
        "HasPermissionToChannel",
        |sim, a: A3<String, String, Option<GobPermission>>| async move {
            let p = a.c.map(|p| p.id).unwrap_or_default();
            A1 {
                a: sim
                    .has_permission_to_channel(&a.a, &a.b, &p)
                    .await
                    .unwrap_or(false),
            }
        },
    );

    // --- files, sessions, tokens, commands, inter-plugin HTTP -------------------------------------
    reg(s_, sim, "GetFileInfo", |sim, a: A1<String>| async move {
        value(sim.get_file_info(&a.a).await)
    });
    reg(s_, sim, "GetFile", |sim, a: A1<String>| async move {
        bytes(sim.get_file(&a.a).await)
    });
    reg(
        s_,
        sim,
        "UploadFile",
        |sim, a: A3<Vec<u8>, String, String>| async move { value(sim.upload_file(&a.a, &a.b, &a.c).await) },
    );
    reg(s_, sim, "GetSession", |sim, a: A1<String>| async move {
        value(sim.get_session(&a.a).await)
    });
    reg(
        s_,
        sim,
        "CreateUserAccessToken",
        |sim, a: A1<Option<GobUserAccessToken>>| async move {
            value(
                sim.create_user_access_token(&UserAccessToken::from_wire(a.a.unwrap_or_default()))
                    .await,
            )
        },
    );
    reg(
        s_,
        sim,
        "RevokeUserAccessToken",
        |sim, a: A1<String>| async move { unit(sim.revoke_user_access_token(&a.a).await) },
    );
    reg(
        s_,
        sim,
        "RegisterCommand",
        |sim, a: A1<Option<GobCommand>>| async move {
            A1 {
                a: go_error(
                    sim.register_command(&Command::from_wire(a.a.unwrap_or_default()))
                        .await,
                ),
            }
        },
    );
    reg(s_, sim, "PluginHTTP", |sim, a: PluginHttpArgs| async move {
        let req = a.request.unwrap_or_default();
        let request = PluginHttpRequest {
            method: req.method,
            url: req
                .url
                .map(|u| String::from_utf8_lossy(&u.0).into_owned())
                .unwrap_or_default(),
            headers: req.header,
            body: a.request_body,
        };
        match sim.plugin_http(request).await {
            Ok(r) => PluginHttpReturns {
                response: Some(GobHttpResponse {
                    status: format!(
                        "{} {}",
                        r.status,
                        http::StatusCode::from_u16(r.status)
                            .map(|c| c.canonical_reason().unwrap_or(""))
                            .unwrap_or("")
                    ),
                    status_code: i64::from(r.status),
                    header: r.headers,
                }),
                response_body: r.body,
            },
            Err(_) => PluginHttpReturns::default(),
        }
    });

    // --- logging --------------------------------------------------------------------------------
    for (method, level) in [
        ("LogDebug", LogLevel::Debug),
        ("LogInfo", LogLevel::Info),
        ("LogWarn", LogLevel::Warn),
        ("LogError", LogLevel::Error),
    ] {
        reg(
            s_,
            sim,
            method,
            move |sim, a: A2<String, Vec<Option<Interface>>>| async move {
                // The glue sends key, value, key, value…, already stringified.
                let flat: Vec<serde_json::Value> = a.b.iter().map(interface_to_json).collect();
                let pairs: Vec<(String, serde_json::Value)> = flat
                    .chunks(2)
                    .map(|kv| {
                        let k = match &kv[0] {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k, kv.get(1).cloned().unwrap_or(serde_json::Value::Null))
                    })
                    .collect();
                let fields: Vec<(&str, serde_json::Value)> =
                    pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                let _ = sim.log(level, &a.a, &fields).await;
                Empty {}
            },
        );
    }
    sv
}

/// `*model.Config` as the server sends it: nested settings structs with Go field names. The
/// settings the plugin reads are mirrored; gob skips the rest on the plugin side anyway.
fn config_to_wire(config: &serde_json::Value) -> GobConfig {
    let text = |path: &str| config.pointer(path).and_then(|v| v.as_str()).map(str::to_owned);
    GobConfig {
        service_settings: GobServiceSettings {
            site_url: text("/ServiceSettings/SiteURL"),
        },
        sql_settings: GobSqlSettings {
            driver_name: text("/SqlSettings/DriverName"),
            data_source: text("/SqlSettings/DataSource"),
        },
        log_settings: GobLogSettings {
            console_level: text("/LogSettings/ConsoleLevel"),
            file_level: text("/LogSettings/FileLevel"),
        },
        plugin_settings: GobPluginSettings {
            enable: config.pointer("/PluginSettings/Enable").and_then(|v| v.as_bool()),
        },
        cluster_settings: GobClusterSettings {
            enable: config
                .pointer("/ClusterSettings/Enable")
                .and_then(|v| v.as_bool()),
        },
    }
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
#[gob(name = "Config")]
struct GobConfig {
    #[gob(name = "ServiceSettings")]
    service_settings: GobServiceSettings,
    #[gob(name = "SqlSettings")]
    sql_settings: GobSqlSettings,
    #[gob(name = "LogSettings")]
    log_settings: GobLogSettings,
    #[gob(name = "PluginSettings")]
    plugin_settings: GobPluginSettings,
    #[gob(name = "ClusterSettings")]
    cluster_settings: GobClusterSettings,
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct GobClusterSettings {
    #[gob(name = "Enable")]
    enable: Option<bool>,
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct GobServiceSettings {
    #[gob(name = "SiteURL")]
    site_url: Option<String>,
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct GobSqlSettings {
    #[gob(name = "DriverName")]
    driver_name: Option<String>,
    #[gob(name = "DataSource")]
    data_source: Option<String>,
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct GobLogSettings {
    #[gob(name = "ConsoleLevel")]
    console_level: Option<String>,
    #[gob(name = "FileLevel")]
    file_level: Option<String>,
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct GobPluginSettings {
    #[gob(name = "Enable")]
    enable: Option<bool>,
}

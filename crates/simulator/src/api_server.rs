//! The Mattermost API the simulator serves back to the plugin over the broker, with the same
//! `Plugin.<Method>` names and `Z_*` shapes the real server's net/rpc glue uses.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use go_netrpc::{Server, ServiceError};
use gobwire::{Decode, Encode, Interface};
use mattermost_ai::host::AppError;
use mattermost_ai::host::model::*;
use mattermost_ai::transport::netrpc::wire::*;

use crate::SimState;
use crate::store::{bad_request, new_id, not_found, now_millis, post_list};

type AppErr = Option<GobAppError>;
type WithErr<T> = A2<Option<T>, AppErr>;

fn ok<T: Wire>(v: T) -> WithErr<T::Repr> {
    A2 {
        a: Some(v.to_wire()),
        b: None,
    }
}

fn fail<T>(e: AppError) -> WithErr<T> {
    A2 {
        a: None,
        b: Some(e.to_wire()),
    }
}

fn result<T: Wire>(r: Result<T, AppError>) -> WithErr<T::Repr> {
    match r {
        Ok(v) => ok(v),
        Err(e) => fail(e),
    }
}

fn unit(r: Result<(), AppError>) -> A1<AppErr> {
    A1 {
        a: r.err().map(|e| e.to_wire()),
    }
}

fn list<T: Wire>(r: Result<Vec<T>, AppError>) -> A2<Vec<T::Repr>, AppErr> {
    match r {
        Ok(v) => A2 {
            a: v.iter().map(Wire::to_wire).collect(),
            b: None,
        },
        Err(e) => A2 {
            a: Vec::new(),
            b: Some(e.to_wire()),
        },
    }
}

fn bytes(r: Result<Vec<u8>, AppError>) -> A2<Vec<u8>, AppErr> {
    match r {
        Ok(v) => A2 { a: v, b: None },
        Err(e) => A2 {
            a: Vec::new(),
            b: Some(e.to_wire()),
        },
    }
}

/// Registers one API method: records the call, then answers from the store.
fn reg<A, R, F>(s: &mut Server, sim: &Arc<SimState>, name: &'static str, f: F)
where
    A: Decode + Default + Debug + Send + 'static,
    R: Encode + Send + Sync + 'static,
    F: Fn(&Arc<SimState>, A) -> R + Send + Sync + 'static,
{
    let sim = sim.clone();
    let f = Arc::new(f);
    s.register(&format!("Plugin.{name}"), move |a: A| {
        let (sim, f) = (sim.clone(), f.clone());
        async move {
            sim.record(name, format!("{a:?}"));
            Ok::<_, ServiceError>(f(&sim, a))
        }
    });
}

pub fn api_server(sim: &Arc<SimState>) -> Server {
    let mut s = Server::new();

    // --- server -----------------------------------------------------------------------------
    reg(&mut s, sim, "GetServerVersion", |sim, _: Empty| A1 {
        a: sim.data().server_version.clone(),
    });
    reg(&mut s, sim, "GetTelemetryId", |sim, _: Empty| A1 {
        a: sim.data().telemetry_id.clone(),
    });
    reg(&mut s, sim, "GetDiagnosticId", |sim, _: Empty| A1 {
        a: sim.data().telemetry_id.clone(),
    });
    reg(&mut s, sim, "GetConfig", |sim, _: Empty| A1 {
        a: Some(config_to_wire(&sim.data().server_config, true)),
    });
    reg(&mut s, sim, "GetUnsanitizedConfig", |sim, _: Empty| A1 {
        a: Some(config_to_wire(&sim.data().server_config, false)),
    });
    reg(&mut s, sim, "GetLicense", |sim, _: Empty| A1 {
        a: sim.data().license.as_ref().map(Wire::to_wire),
    });
    reg(&mut s, sim, "GetPluginStatus", |_, a: A1<String>| {
        if a.a == mattermost_ai::PLUGIN_ID {
            ok(PluginStatus {
                plugin_id: a.a,
                state: 2,
                name: "Agents".into(),
                version: mattermost_ai::PLUGIN_VERSION.into(),
                ..Default::default()
            })
        } else {
            fail(not_found("plugin", &a.a))
        }
    });

    // --- plugin configuration -----------------------------------------------------------------
    reg(&mut s, sim, "LoadPluginConfiguration", |sim, _: Empty| {
        let d = sim.data();
        // The server overlays saved values (keys lower-cased) on the manifest's defaults.
        let mut out = serde_json::Map::new();
        out.insert("config".into(), serde_json::Value::Null);
        for (k, v) in &d.plugin_config {
            out.insert(k.to_lowercase(), v.clone());
        }
        A1 {
            a: serde_json::to_vec(&out).unwrap_or_default(),
        }
    });
    reg(&mut s, sim, "GetPluginConfig", |sim, _: Empty| A1 {
        a: map_to_wire(&sim.data().plugin_config),
    });
    reg(
        &mut s,
        sim,
        "SavePluginConfig",
        |sim, a: A1<HashMap<String, Option<Interface>>>| {
            let config = map_from_wire(a.a);
            sim.data().plugin_config = config.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
            sim.fire_config_change();
            A1 {
                a: None::<GobAppError>,
            }
        },
    );

    // --- users ----------------------------------------------------------------------------------
    reg(&mut s, sim, "GetUser", |sim, a: A1<String>| {
        result(
            sim.data()
                .users
                .get(&a.a)
                .cloned()
                .ok_or_else(|| not_found("user", &a.a)),
        )
    });
    reg(&mut s, sim, "GetUserByUsername", |sim, a: A1<String>| {
        let d = sim.data();
        result(
            d.users
                .values()
                .find(|u| u.username == a.a)
                .cloned()
                .ok_or_else(|| not_found("user", &a.a)),
        )
    });
    reg(&mut s, sim, "GetUsersByIds", |sim, a: A1<Vec<String>>| {
        let d = sim.data();
        list(Ok(a
            .a
            .iter()
            .filter_map(|id| d.users.get(id).cloned())
            .collect::<Vec<_>>()))
    });
    reg(&mut s, sim, "GetUserStatus", |sim, a: A1<String>| {
        let d = sim.data();
        if !d.users.contains_key(&a.a) {
            return fail(not_found("user", &a.a));
        }
        ok(d.statuses.get(&a.a).cloned().unwrap_or(Status {
            user_id: a.a.clone(),
            status: "online".into(),
            ..Default::default()
        }))
    });
    reg(&mut s, sim, "GetProfileImage", |sim, a: A1<String>| {
        bytes(
            sim.data()
                .profile_images
                .get(&a.a)
                .cloned()
                .ok_or_else(|| not_found("profile image", &a.a)),
        )
    });
    reg(&mut s, sim, "SetProfileImage", |sim, a: A2<String, Vec<u8>>| {
        let mut d = sim.data();
        if !d.users.contains_key(&a.a) {
            return unit(Err(not_found("user", &a.a)));
        }
        d.profile_images.insert(a.a, a.b);
        unit(Ok(()))
    });

    // --- teams ----------------------------------------------------------------------------------
    reg(&mut s, sim, "GetTeam", |sim, a: A1<String>| {
        result(
            sim.data()
                .teams
                .get(&a.a)
                .cloned()
                .ok_or_else(|| not_found("team", &a.a)),
        )
    });
    reg(&mut s, sim, "GetTeamMember", |sim, a: A2<String, String>| {
        let key = (a.a.clone(), a.b.clone());
        result(
            sim.data()
                .team_members
                .get(&key)
                .cloned()
                .ok_or_else(|| not_found("team member", &a.b)),
        )
    });
    reg(&mut s, sim, "GetTeamsForUser", |sim, a: A1<String>| {
        let d = sim.data();
        list(Ok(d
            .team_members
            .values()
            .filter(|m| m.user_id == a.a && m.delete_at == 0)
            .filter_map(|m| d.teams.get(&m.team_id).cloned())
            .collect::<Vec<_>>()))
    });

    // --- channels -------------------------------------------------------------------------------
    reg(&mut s, sim, "GetChannel", |sim, a: A1<String>| {
        result(
            sim.data()
                .channels
                .get(&a.a)
                .cloned()
                .ok_or_else(|| not_found("channel", &a.a)),
        )
    });
    reg(
        &mut s,
        sim,
        "GetChannelByName",
        |sim, a: A3<String, String, bool>| {
            let d = sim.data();
            result(
                d.channels
                    .values()
                    .find(|c| c.team_id == a.a && c.name == a.b && (a.c || c.delete_at == 0))
                    .cloned()
                    .ok_or_else(|| not_found("channel", &a.b)),
            )
        },
    );
    reg(&mut s, sim, "GetDirectChannel", |sim, a: A2<String, String>| {
        result(sim.data().direct_channel(&a.a, &a.b))
    });
    reg(&mut s, sim, "GetChannelMember", |sim, a: A2<String, String>| {
        let key = (a.a.clone(), a.b.clone());
        result(
            sim.data()
                .channel_members
                .get(&key)
                .cloned()
                .ok_or_else(|| not_found("channel member", &a.b)),
        )
    });
    reg(
        &mut s,
        sim,
        "GetChannelMembers",
        |sim, a: A3<String, i64, i64>| {
            let d = sim.data();
            let mut members: Vec<ChannelMember> = d
                .channel_members
                .values()
                .filter(|m| m.channel_id == a.a)
                .cloned()
                .collect();
            members.sort_by(|x, y| x.user_id.cmp(&y.user_id));
            let per_page = a.c.max(1) as usize;
            list(Ok(members
                .into_iter()
                .skip(a.b.max(0) as usize * per_page)
                .take(per_page)
                .collect::<Vec<_>>()))
        },
    );

    // --- posts ----------------------------------------------------------------------------------
    reg(&mut s, sim, "CreatePost", |sim, a: A1<Option<GobPost>>| {
        let Some(post) = a.a else {
            return fail(bad_request("no post"));
        };
        let created = sim.data().insert_post(Post::from_wire(post));
        if let Ok(p) = &created {
            sim.fire_posted(p.clone());
        }
        result(created)
    });
    reg(&mut s, sim, "UpdatePost", |sim, a: A1<Option<GobPost>>| {
        let Some(post) = a.a else {
            return fail(bad_request("no post"));
        };
        let post = Post::from_wire(post);
        let mut d = sim.data();
        let Some(existing) = d.posts.get_mut(&post.id) else {
            return fail(not_found("post", &post.id));
        };
        if post.message.chars().count() > 16383 {
            return fail(bad_request("message is longer than 16383 characters"));
        }
        // The server keeps identity and placement, and takes the editable fields.
        existing.message = post.message;
        existing.props = post.props;
        existing.file_ids = post.file_ids;
        existing.is_pinned = post.is_pinned;
        existing.post_type = post.post_type;
        existing.update_at = now_millis();
        ok(existing.clone())
    });
    reg(&mut s, sim, "GetPost", |sim, a: A1<String>| {
        let d = sim.data();
        result(
            d.posts
                .get(&a.a)
                .filter(|p| p.delete_at == 0)
                .cloned()
                .ok_or_else(|| not_found("post", &a.a)),
        )
    });
    reg(&mut s, sim, "DeletePost", |sim, a: A1<String>| {
        let mut d = sim.data();
        match d.posts.get_mut(&a.a) {
            Some(p) => {
                p.delete_at = now_millis();
                unit(Ok(()))
            }
            None => unit(Err(not_found("post", &a.a))),
        }
    });
    reg(&mut s, sim, "GetPostThread", |sim, a: A1<String>| {
        result(sim.data().thread(&a.a).ok_or_else(|| not_found("post", &a.a)))
    });
    reg(&mut s, sim, "GetPostsSince", |sim, a: A2<String, i64>| {
        let d = sim.data();
        let mut posts: Vec<&Post> = d
            .posts
            .values()
            .filter(|p| p.channel_id == a.a && p.update_at > a.b)
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse(p.create_at));
        ok(post_list(posts))
    });
    reg(
        &mut s,
        sim,
        "GetPostsForChannel",
        |sim, a: A3<String, i64, i64>| {
            let d = sim.data();
            let mut posts: Vec<&Post> = d
                .posts
                .values()
                .filter(|p| p.channel_id == a.a && p.delete_at == 0)
                .collect();
            posts.sort_by_key(|p| std::cmp::Reverse(p.create_at));
            let per_page = a.c.max(1) as usize;
            ok(post_list(
                posts
                    .into_iter()
                    .skip(a.b.max(0) as usize * per_page)
                    .take(per_page),
            ))
        },
    );
    reg(
        &mut s,
        sim,
        "SendEphemeralPost",
        |sim, a: A2<String, Option<GobPost>>| {
            let mut post = a.b.map(Post::from_wire).unwrap_or_default();
            post.id = new_id();
            post.create_at = now_millis();
            post.post_type = "system_ephemeral".into();
            sim.data().ephemeral.push((a.a, post.clone()));
            A1 {
                a: Some(post.to_wire()),
            }
        },
    );
    reg(
        &mut s,
        sim,
        "UpdateEphemeralPost",
        |sim, a: A2<String, Option<GobPost>>| {
            let post = a.b.map(Post::from_wire).unwrap_or_default();
            let mut d = sim.data();
            if let Some(slot) = d.ephemeral.iter_mut().find(|(u, p)| *u == a.a && p.id == post.id) {
                slot.1 = post.clone();
            }
            A1 {
                a: Some(post.to_wire()),
            }
        },
    );
    reg(
        &mut s,
        sim,
        "DeleteEphemeralPost",
        |sim, a: A2<String, String>| {
            sim.data().ephemeral.retain(|(u, p)| !(*u == a.a && p.id == a.b));
            Empty {}
        },
    );
    reg(&mut s, sim, "AddReaction", |sim, a: A1<Option<GobReaction>>| {
        let mut r = a.a.map(Reaction::from_wire).unwrap_or_default();
        let mut d = sim.data();
        let Some(post) = d.posts.get_mut(&r.post_id) else {
            return fail(not_found("post", &r.post_id));
        };
        post.has_reactions = true;
        r.channel_id = post.channel_id.clone();
        r.create_at = now_millis();
        d.reactions.push(r.clone());
        ok(r)
    });

    // --- websocket ------------------------------------------------------------------------------
    reg(
        &mut s,
        sim,
        "PublishWebSocketEvent",
        |sim, a: A3<String, HashMap<String, Option<Interface>>, Option<GobWebsocketBroadcast>>| {
            sim.data().ws_events.push(crate::store::WsEvent {
                event: a.a,
                payload: map_from_wire(a.b),
                broadcast: a.c.map(WebsocketBroadcast::from_wire).unwrap_or_default(),
            });
            Empty {}
        },
    );

    // --- key-value store --------------------------------------------------------------------------
    reg(&mut s, sim, "KVSet", |sim, a: A2<String, Vec<u8>>| {
        sim.data().kv_put(&a.a, a.b, 0);
        unit(Ok(()))
    });
    reg(
        &mut s,
        sim,
        "KVSetWithExpiry",
        |sim, a: A3<String, Vec<u8>, i64>| {
            sim.data().kv_put(&a.a, a.b, a.c);
            unit(Ok(()))
        },
    );
    reg(
        &mut s,
        sim,
        "KVSetWithOptions",
        |sim, a: A3<String, Vec<u8>, GobKvSetOptions>| {
            let opts = KvSetOptions::from_wire(a.c);
            let mut d = sim.data();
            if opts.atomic {
                let current = d.kv_live(&a.a).map(|e| e.value.clone());
                if current != opts.old_value {
                    return A2 {
                        a: false,
                        b: None::<GobAppError>,
                    };
                }
            }
            d.kv_put(&a.a, a.b, opts.expire_in_seconds);
            A2 { a: true, b: None }
        },
    );
    reg(&mut s, sim, "KVGet", |sim, a: A1<String>| {
        bytes(Ok(sim
            .data()
            .kv_live(&a.a)
            .map(|e| e.value.clone())
            .unwrap_or_default()))
    });
    reg(&mut s, sim, "KVDelete", |sim, a: A1<String>| {
        sim.data().kv.remove(&a.a);
        unit(Ok(()))
    });
    reg(&mut s, sim, "KVList", |sim, a: A2<i64, i64>| {
        let mut d = sim.data();
        let keys: Vec<String> = d.kv.keys().cloned().collect();
        let mut live: Vec<String> = keys.into_iter().filter(|k| d.kv_live(k).is_some()).collect();
        live.sort();
        let per_page = a.b.max(1) as usize;
        A2 {
            a: live
                .into_iter()
                .skip(a.a.max(0) as usize * per_page)
                .take(per_page)
                .collect::<Vec<_>>(),
            b: None::<GobAppError>,
        }
    });

    // --- bots -----------------------------------------------------------------------------------
    reg(&mut s, sim, "EnsureBotUser", |sim, a: A1<Option<GobBot>>| {
        let bot = a.a.map(Bot::from_wire).unwrap_or_default();
        match sim.create_bot(bot, true) {
            Ok(b) => A2 {
                a: b.user_id,
                b: None::<Interface>,
            },
            Err(e) => A2 {
                a: String::new(),
                b: Interface::new(APP_ERROR_NAME, &e.to_wire()).ok(),
            },
        }
    });
    reg(&mut s, sim, "CreateBot", |sim, a: A1<Option<GobBot>>| {
        result(sim.create_bot(a.a.map(Bot::from_wire).unwrap_or_default(), false))
    });
    reg(
        &mut s,
        sim,
        "PatchBot",
        |sim, a: A2<String, Option<GobBotPatch>>| {
            let patch = a.b.map(BotPatch::from_wire).unwrap_or_default();
            let mut d = sim.data();
            let Some(bot) = d.bots.get_mut(&a.a) else {
                return fail(not_found("bot", &a.a));
            };
            if let Some(v) = patch.username {
                bot.username = v;
            }
            if let Some(v) = patch.display_name {
                bot.display_name = v;
            }
            if let Some(v) = patch.description {
                bot.description = v;
            }
            bot.update_at = now_millis();
            let bot = bot.clone();
            if let Some(u) = d.users.get_mut(&a.a) {
                u.username = bot.username.clone();
                u.first_name = bot.display_name.clone();
                u.bot_description = bot.description.clone();
            }
            ok(bot)
        },
    );
    reg(&mut s, sim, "GetBot", |sim, a: A2<String, bool>| {
        let d = sim.data();
        result(
            d.bots
                .get(&a.a)
                .filter(|b| a.b || b.delete_at == 0)
                .cloned()
                .ok_or_else(|| not_found("bot", &a.a)),
        )
    });
    reg(&mut s, sim, "GetBots", |sim, a: A1<Option<GobBotGetOptions>>| {
        let o = a.a.map(BotGetOptions::from_wire).unwrap_or_default();
        let d = sim.data();
        let mut bots: Vec<Bot> = d
            .bots
            .values()
            .filter(|b| {
                (o.owner_id.is_empty() || b.owner_id == o.owner_id) && (o.include_deleted || b.delete_at == 0)
            })
            .cloned()
            .collect();
        bots.sort_by(|x, y| x.username.cmp(&y.username));
        let per_page = if o.per_page <= 0 { 60 } else { o.per_page as usize };
        list(Ok(bots
            .into_iter()
            .skip(o.page.max(0) as usize * per_page)
            .take(per_page)
            .collect::<Vec<_>>()))
    });
    reg(&mut s, sim, "UpdateBotActive", |sim, a: A2<String, bool>| {
        let mut d = sim.data();
        let Some(bot) = d.bots.get_mut(&a.a) else {
            return fail(not_found("bot", &a.a));
        };
        bot.delete_at = if a.b { 0 } else { now_millis() };
        let bot = bot.clone();
        if let Some(u) = d.users.get_mut(&a.a) {
            u.delete_at = bot.delete_at;
        }
        ok(bot)
    });

    // --- permissions ------------------------------------------------------------------------------
    reg(
        &mut s,
        sim,
        "HasPermissionTo",
        |sim, a: A2<String, Option<GobPermission>>| {
            let p = a.b.map(|p| p.id).unwrap_or_default();
            A1 {
                a: sim.data().has_permission(&a.a, "", &p),
            }
        },
    );
    reg(
        &mut s,
        sim,
        "HasPermissionToTeam",
        |sim, a: A3<String, String, Option<GobPermission>>| {
            let p = a.c.map(|p| p.id).unwrap_or_default();
            A1 {
                a: sim.data().has_permission(&a.a, &a.b, &p),
            }
        },
    );
    reg(
        &mut s,
        sim,
        "HasPermissionToChannel",
        |sim, a: A3<String, String, Option<GobPermission>>| {
            let p = a.c.map(|p| p.id).unwrap_or_default();
            let d = sim.data();
            // Channel members can read their channel, as Mattermost's default roles allow.
            let member = d.channel_members.contains_key(&(a.b.clone(), a.a.clone()));
            let implied = member
                && matches!(
                    p.as_str(),
                    "read_channel" | "create_post" | "read_channel_content"
                );
            A1 {
                a: implied || d.has_permission(&a.a, &a.b, &p),
            }
        },
    );

    // --- files ----------------------------------------------------------------------------------
    reg(&mut s, sim, "GetFileInfo", |sim, a: A1<String>| {
        result(
            sim.data()
                .files
                .get(&a.a)
                .map(|f| f.0.clone())
                .ok_or_else(|| not_found("file", &a.a)),
        )
    });
    reg(&mut s, sim, "GetFile", |sim, a: A1<String>| {
        bytes(
            sim.data()
                .files
                .get(&a.a)
                .map(|f| f.1.clone())
                .ok_or_else(|| not_found("file", &a.a)),
        )
    });
    reg(
        &mut s,
        sim,
        "UploadFile",
        |sim, a: A3<Vec<u8>, String, String>| result(sim.add_file(&a.b, &a.c, a.a)),
    );

    // --- sessions, tokens, commands -----------------------------------------------------------------
    reg(&mut s, sim, "GetSession", |sim, a: A1<String>| {
        result(
            sim.data()
                .sessions
                .get(&a.a)
                .cloned()
                .ok_or_else(|| not_found("session", &a.a)),
        )
    });
    reg(
        &mut s,
        sim,
        "CreateUserAccessToken",
        |sim, a: A1<Option<GobUserAccessToken>>| {
            let mut t = a.a.map(UserAccessToken::from_wire).unwrap_or_default();
            let mut d = sim.data();
            if !d.users.contains_key(&t.user_id) {
                return fail(not_found("user", &t.user_id));
            }
            t.id = new_id();
            t.token = new_id();
            t.is_active = true;
            d.tokens.insert(t.id.clone(), t.clone());
            ok(t)
        },
    );
    reg(&mut s, sim, "RevokeUserAccessToken", |sim, a: A1<String>| {
        unit(
            sim.data()
                .tokens
                .remove(&a.a)
                .map(|_| ())
                .ok_or_else(|| not_found("token", &a.a)),
        )
    });
    reg(
        &mut s,
        sim,
        "RegisterCommand",
        |sim, a: A1<Option<GobCommand>>| {
            sim.data()
                .commands
                .push(a.a.map(Command::from_wire).unwrap_or_default());
            A1 { a: None::<Interface> }
        },
    );

    // --- logging --------------------------------------------------------------------------------
    for (method, level) in [
        ("LogDebug", "debug"),
        ("LogInfo", "info"),
        ("LogWarn", "warn"),
        ("LogError", "error"),
    ] {
        reg(
            &mut s,
            sim,
            method,
            move |sim, a: A2<String, Vec<Option<Interface>>>| {
                let fields =
                    a.b.iter()
                        .map(
                            |i| match mattermost_ai::transport::netrpc::gobjson::interface_to_json(i) {
                                serde_json::Value::String(s) => s,
                                other => other.to_string(),
                            },
                        )
                        .collect();
                sim.data().logs.push(crate::store::LogLine {
                    level: level.into(),
                    message: a.a,
                    fields,
                });
                Empty {}
            },
        );
    }
    s
}

/// `*model.Config` as the server sends it: nested settings structs with Go field names.
/// The sanitized form blanks secrets, as `GetConfig` does.
fn config_to_wire(config: &serde_json::Value, sanitized: bool) -> GobConfig {
    let text = |section: &str, key: &str| {
        config
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    GobConfig {
        service_settings: GobServiceSettings {
            site_url: text("ServiceSettings", "SiteURL"),
        },
        sql_settings: GobSqlSettings {
            driver_name: text("SqlSettings", "DriverName"),
            data_source: if sanitized {
                Some("********************************".into())
            } else {
                text("SqlSettings", "DataSource")
            },
        },
        log_settings: GobLogSettings {
            console_level: text("LogSettings", "ConsoleLevel"),
        },
        plugin_settings: GobPluginSettings {
            enable: config.pointer("/PluginSettings/Enable").and_then(|v| v.as_bool()),
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
}

#[derive(gobwire::Gob, Debug, Default, Clone)]
struct GobPluginSettings {
    #[gob(name = "Enable")]
    enable: Option<bool>,
}

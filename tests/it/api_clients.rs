//! Both API clients against the same simulated server, each over its real wire: net/rpc (gob)
//! and gRPC. Every call must give the same answer through either, including the server's
//! failures — gRPC status errors and response-embedded AppErrors alike — so domain code sees
//! one `ApiError` whatever the transport.

use std::sync::Arc;

use mattermost_simulator::SimState;
use plugin_runtime::host::model::*;
use plugin_runtime::host::{ApiError, LogLevel, MattermostApi};
use plugin_runtime::transport::grpc::api_client::GrpcApi;
use plugin_runtime::transport::netrpc::api_client::NetRpcApi;
use serde_json::json;

async fn clients(sim: &Arc<SimState>) -> (NetRpcApi, GrpcApi) {
    let (ours, theirs) = tokio::io::duplex(1 << 20);
    let server = Arc::new(mattermost_simulator::api_server::api_server(sim));
    tokio::spawn(async move { server.serve(theirs).await });
    let netrpc = NetRpcApi::new(go_netrpc::Client::new(ours));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let svc = plugin_runtime::transport::grpc::pb::v1::plugin_api_server::PluginApiServer::new(
        mattermost_simulator::grpc_api::GrpcSimApi { sim: sim.clone() },
    );
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming(plugin_runtime::transport::grpc::nodelay(listener))
            .await
    });
    (netrpc, GrpcApi::connect_lazy(&addr.to_string()).unwrap())
}

fn app(e: ApiError) -> (i64, String) {
    match e {
        ApiError::App(a) => (a.status_code, a.id),
        other => panic!("expected an AppError, got {other:?}"),
    }
}

#[tokio::test]
async fn both_clients_see_the_same_server() {
    let sim = SimState::new();
    let user = User {
        id: "u1".repeat(13),
        username: "alice".into(),
        locale: "fr".into(),
        ..Default::default()
    };
    let team = Team {
        id: "t1".repeat(13),
        name: "eng".into(),
        team_type: "O".into(),
        ..Default::default()
    };
    let channel = Channel {
        id: "c1".repeat(13),
        team_id: team.id.clone(),
        name: "town".into(),
        channel_type: "O".into(),
        ..Default::default()
    };
    {
        let mut d = sim.data();
        d.users.insert(user.id.clone(), user.clone());
        d.teams.insert(team.id.clone(), team.clone());
        d.channels.insert(channel.id.clone(), channel.clone());
        d.license = Some(License {
            sku_short_name: "enterprise".into(),
            ..Default::default()
        });
    }
    let (netrpc, grpc) = clients(&sim).await;
    let apis: [(&str, &dyn MattermostApi); 2] = [("netrpc", &netrpc), ("grpc", &grpc)];

    for (name, api) in apis {
        assert_eq!(api.get_user(&user.id).await.unwrap().locale, "fr", "{name}");
        assert_eq!(api.get_team(&team.id).await.unwrap().name, "eng", "{name}");
        assert_eq!(
            api.get_channel(&channel.id).await.unwrap().channel_type,
            "O",
            "{name}"
        );
        assert_eq!(
            api.get_license().await.unwrap().unwrap().sku_short_name,
            "enterprise",
            "{name}"
        );
        assert_eq!(api.get_server_version().await.unwrap(), "10.11.0", "{name}");

        // A status-style failure on gRPC, an AppError return on net/rpc: the same error here.
        assert_eq!(
            app(api.get_user("missing").await.unwrap_err()),
            (404, "app.user.get.app_error".into()),
            "{name}"
        );
        // A response-embedded failure on gRPC: also the same.
        assert_eq!(
            app(api.get_post("missing").await.unwrap_err()),
            (404, "app.post.get.app_error".into()),
            "{name}"
        );

        // Posts with nested props survive the round trip.
        let props = json!({"nested": {"list": [1, "two", {"three": 3.5}]}, "flag": true});
        let post = Post {
            channel_id: channel.id.clone(),
            user_id: user.id.clone(),
            message: format!("hi from {name}"),
            props: props.as_object().unwrap().clone(),
            ..Default::default()
        };
        let created = api.create_post(&post).await.unwrap();
        assert_eq!(
            serde_json::Value::Object(api.get_post(&created.id).await.unwrap().props),
            props,
            "{name}"
        );
        let thread = api.get_post_thread(&created.id).await.unwrap();
        assert_eq!(thread.order, vec![created.id.clone()], "{name}");

        // KV: plain, atomic success and failure, expiry, listing, absent keys.
        let key = format!("k-{name}");
        api.kv_set(&key, b"1").await.unwrap();
        let cas = |old: &'static [u8]| KvSetOptions {
            atomic: true,
            old_value: Some(old.to_vec()),
            expire_in_seconds: 0,
        };
        assert!(
            api.kv_set_with_options(&key, Some(b"2"), &cas(b"1"))
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !api.kv_set_with_options(&key, Some(b"3"), &cas(b"1"))
                .await
                .unwrap(),
            "{name}"
        );
        assert_eq!(api.kv_get(&key).await.unwrap(), Some(b"2".to_vec()), "{name}");
        assert_eq!(api.kv_get("absent").await.unwrap(), None, "{name}");
        assert!(api.kv_list(0, 100).await.unwrap().contains(&key), "{name}");

        // Bots: ensure is idempotent, patch and deactivate reach the store.
        let bot = Bot {
            username: format!("ai-{name}"),
            display_name: "AI".into(),
            ..Default::default()
        };
        let id = api.ensure_bot_user(&bot).await.unwrap();
        assert_eq!(api.ensure_bot_user(&bot).await.unwrap(), id, "{name}");
        let patched = api
            .patch_bot(
                &id,
                &BotPatch {
                    description: Some("Powered by X".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(patched.description, "Powered by X", "{name}");
        assert!(
            api.update_bot_active(&id, false).await.unwrap().delete_at > 0,
            "{name}"
        );

        // Websocket events and log lines reach the server with their payloads.
        let payload = json!({"post_id": created.id, "next": "partial"});
        let broadcast = WebsocketBroadcast {
            user_id: user.id.clone(),
            ..Default::default()
        };
        api.publish_websocket_event("postupdate", payload.as_object().unwrap().clone(), &broadcast)
            .await
            .unwrap();
        api.log(LogLevel::Warn, &format!("hello {name}"), &[("n", json!(3))])
            .await
            .unwrap();
    }
    let d = sim.data();
    assert_eq!(d.ws_events.len(), 2);
    assert!(
        d.ws_events
            .iter()
            .all(|e| e.payload["next"] == "partial" && e.broadcast.user_id == user.id)
    );
    assert!(
        d.logs
            .iter()
            .any(|l| l.message == "hello netrpc" && l.fields == ["n", "3"])
    );
    assert!(
        d.logs
            .iter()
            .any(|l| l.message == "hello grpc" && l.fields == ["n", "3"])
    );
}

/// Teams, channels, users and search through both clients: the same values and the same
/// AppErrors (status-style on gRPC for teams, channels and users, embedded for post search).
#[tokio::test]
async fn both_clients_agree_on_channels_teams_users_and_search() {
    let sim = SimState::new();
    let user = |id: &str, username: &str, first: &str, deleted: bool| User {
        id: id.repeat(13),
        username: username.into(),
        first_name: first.into(),
        email: format!("{username}@example.com"),
        roles: "system_user".into(),
        delete_at: if deleted { 1 } else { 0 },
        ..Default::default()
    };
    let (alice, bob, carol, dora) = (
        user("a1", "alice", "Alice", false),
        user("b1", "bob", "Robert", false),
        user("c1", "carol", "Alina", false),
        user("d1", "dora", "Dora", true),
    );
    let team = Team {
        id: "t1".repeat(13),
        name: "eng".into(),
        team_type: "O".into(),
        ..Default::default()
    };
    let other_team = Team {
        id: "t2".repeat(13),
        name: "ops".into(),
        team_type: "O".into(),
        ..Default::default()
    };
    let town = Channel {
        id: "c1".repeat(13),
        team_id: team.id.clone(),
        name: "town".into(),
        display_name: "Town".into(),
        channel_type: "O".into(),
        ..Default::default()
    };
    let secret = Channel {
        id: "c2".repeat(13),
        team_id: team.id.clone(),
        name: "secret".into(),
        display_name: "Secret".into(),
        channel_type: "P".into(),
        ..Default::default()
    };
    let elsewhere = Channel {
        id: "c3".repeat(13),
        team_id: other_team.id.clone(),
        name: "elsewhere".into(),
        display_name: "Elsewhere".into(),
        channel_type: "O".into(),
        ..Default::default()
    };
    {
        let mut d = sim.data();
        for u in [&alice, &bob, &carol, &dora] {
            d.users.insert(u.id.clone(), u.clone());
        }
        for t in [&team, &other_team] {
            d.teams.insert(t.id.clone(), t.clone());
        }
        for c in [&town, &secret, &elsewhere] {
            d.channels.insert(c.id.clone(), c.clone());
        }
        for u in [&alice, &bob, &dora] {
            d.team_members.insert(
                (team.id.clone(), u.id.clone()),
                TeamMember {
                    team_id: team.id.clone(),
                    user_id: u.id.clone(),
                    roles: "team_user".into(),
                    ..Default::default()
                },
            );
        }
        for (c, u) in [
            (&town, &alice),
            (&town, &bob),
            (&secret, &bob),
            (&elsewhere, &alice),
        ] {
            d.channel_members.insert(
                (c.id.clone(), u.id.clone()),
                ChannelMember {
                    channel_id: c.id.clone(),
                    user_id: u.id.clone(),
                    roles: "channel_user".into(),
                    ..Default::default()
                },
            );
        }
    }
    let dm = sim.data().direct_channel(&alice.id, &bob.id).unwrap();
    for (channel, message) in [
        (&town, "The budget review is on Friday"),
        (&town, "BUDGET approved, review later"),
        (&secret, "secret budget review"),
        (&elsewhere, "budget review elsewhere"),
        (&dm, "about the budget review"),
        (&town, "nothing to see"),
    ] {
        sim.data()
            .insert_post(Post {
                channel_id: channel.id.clone(),
                user_id: bob.id.clone(),
                message: message.into(),
                ..Default::default()
            })
            .unwrap();
    }
    let (netrpc, grpc) = clients(&sim).await;
    let apis: [(&str, &dyn MattermostApi); 2] = [("netrpc", &netrpc), ("grpc", &grpc)];

    for (name, api) in apis {
        // Teams by name and their members.
        assert_eq!(api.get_team_by_name("eng").await.unwrap().id, team.id, "{name}");
        assert_eq!(
            app(api.get_team_by_name("nope").await.unwrap_err()),
            (404, "app.team.get_by_name.missing.app_error".into()),
            "{name}"
        );
        let members = api.get_team_members(&team.id, 0, 2).await.unwrap();
        assert_eq!(
            members.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
            [alice.id.as_str(), bob.id.as_str()],
            "{name}"
        );
        assert_eq!(
            api.get_team_members(&team.id, 1, 2).await.unwrap().len(),
            1,
            "{name}"
        );

        // User search: prefix on names, filters, inactive users only when asked.
        let search = |term: &str| UserSearch {
            term: term.into(),
            ..Default::default()
        };
        let names = |users: Vec<User>| users.into_iter().map(|u| u.username).collect::<Vec<_>>();
        assert_eq!(
            names(api.search_users(&search("AL")).await.unwrap()),
            ["alice", "carol"],
            "{name}"
        );
        assert_eq!(
            names(api.search_users(&search("rob")).await.unwrap()),
            ["bob"],
            "{name}"
        );
        assert!(
            api.search_users(&search("dora")).await.unwrap().is_empty(),
            "{name}"
        );
        let inactive = UserSearch {
            allow_inactive: true,
            ..search("dora")
        };
        assert_eq!(
            names(api.search_users(&inactive).await.unwrap()),
            ["dora"],
            "{name}"
        );
        let in_team = UserSearch {
            team_id: team.id.clone(),
            not_in_channel_id: secret.id.clone(),
            ..search("")
        };
        assert_eq!(
            names(api.search_users(&in_team).await.unwrap()),
            ["alice"],
            "{name}"
        );
        let limited = UserSearch {
            limit: 1,
            ..search("")
        };
        assert_eq!(api.search_users(&limited).await.unwrap().len(), 1, "{name}");

        // Channels for a user: the team's and the DM (and the group channel the first pass
        // created), never another team's or one they are not in.
        let mine = api
            .get_channels_for_team_for_user(&team.id, &alice.id, false)
            .await
            .unwrap();
        let mut ids: Vec<&str> = mine
            .iter()
            .filter(|c| c.channel_type != "G")
            .map(|c| c.id.as_str())
            .collect();
        ids.sort();
        let mut want = vec![town.id.as_str(), dm.id.as_str()];
        want.sort();
        assert_eq!(ids, want, "{name}");
        assert_eq!(
            app(api
                .get_channels_for_team_for_user(&team.id, &dora.id, false)
                .await
                .unwrap_err()),
            (404, "app.channel.get_channels.not_found.app_error".into()),
            "{name}"
        );

        // Channel creation: ids assigned, no member added, bad names and types refused.
        let new = Channel {
            team_id: team.id.clone(),
            name: format!("launch-{name}"),
            display_name: "Launch".into(),
            channel_type: "P".into(),
            creator_id: alice.id.clone(),
            ..Default::default()
        };
        let created = api.create_channel(&new).await.unwrap();
        assert_eq!(created.id.len(), 26, "{name}");
        assert!(created.create_at > 0, "{name}");
        assert_eq!(
            (created.name.as_str(), created.channel_type.as_str()),
            (new.name.as_str(), "P"),
            "{name}"
        );
        assert!(
            api.get_channel_member(&created.id, &alice.id).await.is_err(),
            "{name}: the creator is not a member"
        );
        for bad in [
            Channel {
                name: "town".into(),
                ..new.clone()
            },
            Channel {
                name: "Not Valid".into(),
                ..new.clone()
            },
            Channel {
                name: String::new(),
                ..new.clone()
            },
            Channel {
                name: format!("dm-{name}"),
                channel_type: "D".into(),
                ..new.clone()
            },
        ] {
            assert_eq!(
                app(api.create_channel(&bad).await.unwrap_err()).0,
                400,
                "{name}: {bad:?}"
            );
        }

        // Adding members: team members only, idempotent, not into direct channels.
        let m = api
            .add_user_to_channel(&created.id, &bob.id, &alice.id)
            .await
            .unwrap();
        assert_eq!(
            (m.channel_id.as_str(), m.user_id.as_str()),
            (created.id.as_str(), bob.id.as_str()),
            "{name}"
        );
        let again = api
            .add_user_to_channel(&created.id, &bob.id, &alice.id)
            .await
            .unwrap();
        assert_eq!(again.user_id, bob.id, "{name}");
        assert_eq!(
            app(api
                .add_user_to_channel(&created.id, &carol.id, &alice.id)
                .await
                .unwrap_err()),
            (404, "app.team.get_member.missing.app_error".into()),
            "{name}"
        );
        assert_eq!(
            app(api
                .add_user_to_channel(&dm.id, &carol.id, &alice.id)
                .await
                .unwrap_err())
            .0,
            400,
            "{name}"
        );
        assert_eq!(
            app(api
                .add_user_to_channel("missing", &bob.id, &alice.id)
                .await
                .unwrap_err())
            .0,
            404,
            "{name}"
        );

        // Group channels: found or created once, by the sha1 of the sorted ids.
        let trio = [carol.id.clone(), alice.id.clone(), bob.id.clone()];
        let group = api.get_group_channel(&trio).await.unwrap();
        assert_eq!(group.channel_type, "G", "{name}");
        assert_eq!(group.display_name, "alice, bob, carol", "{name}");
        assert_eq!(group.name.len(), 40, "{name}");
        let reversed: Vec<String> = trio.iter().rev().cloned().collect();
        assert_eq!(
            api.get_group_channel(&reversed).await.unwrap().id,
            group.id,
            "{name}"
        );
        assert_eq!(
            app(api.get_group_channel(&trio[..2]).await.unwrap_err()),
            (400, "api.channel.create_group.bad_size.app_error".into()),
            "{name}"
        );
        assert_eq!(
            app(api
                .get_group_channel(&[alice.id.clone(), bob.id.clone(), "missing".into()])
                .await
                .unwrap_err())
            .0,
            404,
            "{name}"
        );

        // Post search: all words, case-insensitive, the user's channels of the team and DMs,
        // newest first, paged.
        let params = |terms: &str| SearchParameter {
            terms: Some(terms.into()),
            ..Default::default()
        };
        let found = api
            .search_posts_in_team_for_user(&team.id, &alice.id, &params("budget REVIEW"))
            .await
            .unwrap();
        let messages: Vec<&str> = found.ordered().iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "about the budget review",
                "BUDGET approved, review later",
                "The budget review is on Friday"
            ],
            "{name}"
        );
        assert!(
            found.order.iter().all(|id| found.matches.contains_key(id)),
            "{name}"
        );
        let paged = SearchParameter {
            page: Some(1),
            per_page: Some(2),
            ..params("budget review")
        };
        let second = api
            .search_posts_in_team_for_user(&team.id, &alice.id, &paged)
            .await
            .unwrap();
        assert_eq!(second.order.len(), 1, "{name}");
        let bob_sees = api
            .search_posts_in_team_for_user(&team.id, &bob.id, &params("secret"))
            .await
            .unwrap();
        assert_eq!(bob_sees.order.len(), 1, "{name}");
        let alice_sees = api
            .search_posts_in_team_for_user(&team.id, &alice.id, &params("secret"))
            .await
            .unwrap();
        assert!(alice_sees.order.is_empty(), "{name}");

        // Default roles: team members see the team, channel members manage members by type.
        assert!(
            api.has_permission_to_team(&alice.id, &team.id, "view_team")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !api.has_permission_to_team(&carol.id, &team.id, "view_team")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            api.has_permission_to_channel(&bob.id, &secret.id, "manage_private_channel_members")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !api.has_permission_to_channel(&bob.id, &secret.id, "manage_public_channel_members")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !api.has_permission_to_channel(&alice.id, &secret.id, "read_channel")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            api.has_permission_to(&carol.id, "create_group_channel")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !api.has_permission_to(&dora.id, "create_group_channel")
                .await
                .unwrap(),
            "{name}"
        );
        assert!(
            !api.has_permission_to(&alice.id, "manage_system").await.unwrap(),
            "{name}"
        );
    }
    // One group channel for both transports, with exactly its three members.
    let d = sim.data();
    let groups: Vec<&Channel> = d.channels.values().filter(|c| c.channel_type == "G").collect();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        d.channel_members
            .keys()
            .filter(|(c, _)| *c == groups[0].id)
            .count(),
        3
    );
}

#[tokio::test]
async fn both_clients_publish_cluster_events() {
    let nodes = SimState::cluster_of(3);
    let (netrpc, grpc) = clients(&nodes[0]).await;
    let apis: [(&str, &dyn MattermostApi); 2] = [("netrpc", &netrpc), ("grpc", &grpc)];
    let everyone = PluginClusterEventSendOptions::reliable();
    let to_last = PluginClusterEventSendOptions {
        send_type: PluginClusterEventSendOptions::BEST_EFFORT.into(),
        target_id: nodes[2].node_id().to_owned(),
    };
    for (name, api) in apis {
        // Binary data, zero bytes included, crosses both wires intact.
        let broadcast = PluginClusterEvent {
            id: format!("{name}_all"),
            data: vec![0, 1, 2, 255, 0],
        };
        api.publish_plugin_cluster_event(&broadcast, &everyone)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let targeted = PluginClusterEvent {
            id: format!("{name}_last"),
            data: Vec::new(),
        };
        api.publish_plugin_cluster_event(&targeted, &to_last)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // A node that is not in the cluster: the server's error, through either client.
        let nowhere = PluginClusterEventSendOptions {
            target_id: "nosuchnode".into(),
            ..PluginClusterEventSendOptions::reliable()
        };
        let e = api
            .publish_plugin_cluster_event(&broadcast, &nowhere)
            .await
            .expect_err(name);
        assert!(e.to_string().contains("nosuchnode"), "{name}: {e}");
    }
    let ids =
        |n: &SimState| -> Vec<String> { n.received_cluster_events().into_iter().map(|e| e.id).collect() };
    assert!(
        ids(&nodes[0]).is_empty(),
        "the publisher hears nothing of its own"
    );
    assert_eq!(ids(&nodes[1]), ["netrpc_all", "grpc_all"]);
    assert_eq!(
        ids(&nodes[2]),
        ["netrpc_all", "netrpc_last", "grpc_all", "grpc_last"]
    );
    assert_eq!(nodes[2].received_cluster_events()[0].data, [0, 1, 2, 255, 0]);
    let published = nodes[1].data().cluster_events.clone();
    assert_eq!(published.len(), 6, "every call is recorded, the refused ones too");
    assert!(published.iter().all(|r| r.from_node == nodes[0].node_id()));
    assert_eq!(published[1].options, to_last);

    // A lone server accepts the event and delivers it nowhere, whatever the target.
    let lone = SimState::new();
    let (netrpc, grpc) = clients(&lone).await;
    for api in [&netrpc as &dyn MattermostApi, &grpc] {
        let ev = PluginClusterEvent {
            id: "x".into(),
            data: b"y".to_vec(),
        };
        api.publish_plugin_cluster_event(
            &ev,
            &PluginClusterEventSendOptions {
                target_id: "anyone".into(),
                ..PluginClusterEventSendOptions::reliable()
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(lone.data().cluster_events.len(), 2);
}

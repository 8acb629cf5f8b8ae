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

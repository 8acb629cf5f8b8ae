//! The plugin binary under the simulator, over both real transports (net/rpc as released
//! servers speak it, gRPC as the multi-language host does): lifecycle, API calls back to the
//! server, ServeHTTP streaming both ways, hooks and shutdown. Every test runs once per
//! transport, so a feature cannot work on one and silently fail on the other.

use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

async fn start(t: Transport) -> Simulator {
    match Simulator::builder(BIN).transport(t).start().await {
        Ok(s) => s,
        Err(e) => panic!("simulator ({t:?}) failed to start the plugin: {e}"),
    }
}

fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::NetRpc => "netrpc",
        Transport::Grpc => "grpc",
        Transport::InProcess => "in-process",
    }
}

both_transports!(
    activates_and_reports_version,
    echo_streams_large_bodies_and_requires_a_user,
    concurrent_requests_all_succeed,
    metrics_reach_operators,
    message_hooks_with_nested_props_keep_the_plugin_alive,
    configuration_changes_are_loaded_and_a_bad_one_keeps_the_plugin_running,
);

async fn activates_and_reports_version(t: Transport) {
    let sim = start(t).await;
    assert!(
        sim.handshake_time.as_secs_f64() < 3.0,
        "handshake took {:?}",
        sim.handshake_time
    );
    let mut expected = vec![
        "OnActivate",
        "OnDeactivate",
        "OnConfigurationChange",
        "MessageHasBeenPosted",
        "ServeHTTP",
        "ExecuteCommand",
    ];
    if t == Transport::NetRpc {
        expected.push("ServeMetrics");
    }
    for hook in expected {
        assert!(
            sim.implemented.iter().any(|h| h == hook),
            "{hook} missing from {:?}",
            sim.implemented
        );
    }
    // Configuration is read before activation (the gRPC host sends no OnConfigurationChange
    // first, so the plugin loads it itself), then the server facts.
    let methods: Vec<String> = sim.calls().into_iter().map(|c| c.method).collect();
    let pos = |m: &str| {
        methods
            .iter()
            .position(|x| x == m)
            .unwrap_or_else(|| panic!("{m} never called: {methods:?}"))
    };
    assert!(pos("LoadPluginConfiguration") < pos("GetServerVersion"));
    assert!(sim.called("GetLicense") && sim.called("GetConfig"));
    assert!(
        sim.data()
            .logs
            .iter()
            .any(|l| l.level == "info" && l.message.contains("activated"))
    );

    let body: Value = reqwest::get(sim.plugin_url("/version"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body,
        json!({"id": "mattermost-ai", "version": mattermost_ai::PLUGIN_VERSION, "transport": transport_name(t)})
    );

    // Logs reach the server as hclog JSON (the stderr pipe is read asynchronously).
    let hclog = |lines: &[String]| {
        lines.iter().any(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| v["@level"] == "info" && v["@message"].is_string())
        })
    };
    let mut lines = sim.stderr_lines();
    for _ in 0..50 {
        if hclog(&lines) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        lines = sim.stderr_lines();
    }
    assert!(hclog(&lines), "no hclog JSON line in {lines:?}");
    assert!(
        sim.shutdown().await.unwrap(),
        "plugin did not exit by itself when asked to stop"
    );
}

async fn echo_streams_large_bodies_and_requires_a_user(t: Transport) {
    let sim = start(t).await;
    let (_, token) = sim.add_user("alice", "system_user system_admin");
    let (_, user_token) = sim.add_user("mallory", "system_user");
    let http = reqwest::Client::new();

    let body: Vec<u8> = (0..(3 * 1024 * 1024 + 17))
        .map(|i: u32| (i * 31 % 251) as u8)
        .collect();
    let r = http
        .post(sim.plugin_url("/echo"))
        .bearer_auth(&token)
        .header("content-type", "text/html")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Whatever the caller sends, the echo is opaque bytes a browser will not render.
    assert_eq!(r.headers()["content-type"], "application/octet-stream");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), body.as_slice());

    let r = http
        .post(sim.plugin_url("/echo"))
        .bearer_auth(&token)
        .body(Vec::new())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().is_empty());

    // A user who is not a system admin: reflecting bodies is for admins only.
    let r = http
        .post(sim.plugin_url("/echo"))
        .bearer_auth(&user_token)
        .header("content-type", "text/html")
        .body("<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // No session: the server sets no user, the plugin refuses.
    let r = http.post(sim.plugin_url("/echo")).body("x").send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A forged identity header is stripped by the server before the plugin sees it.
    let r = http
        .post(sim.plugin_url("/echo"))
        .header("Mattermost-User-Id", "someone")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // A bad token is no identity either.
    let r = http
        .post(sim.plugin_url("/echo"))
        .bearer_auth("nope")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = http
        .get(sim.plugin_url("/no/such/route"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(sim.shutdown().await.unwrap());
}

async fn concurrent_requests_all_succeed(t: Transport) {
    let sim = start(t).await;
    let (_, token) = sim.add_user("bob", "system_user system_admin");
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (http, url, token) = (http.clone(), sim.plugin_url("/echo"), token.clone());
        tasks.push(tokio::spawn(async move {
            let payload = format!("request {i}").repeat(i * 100 + 1);
            let r = http
                .post(url)
                .bearer_auth(token)
                .body(payload.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.text().await.unwrap(), payload);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert!(sim.shutdown().await.unwrap());
}

async fn metrics_reach_operators(t: Transport) {
    let sim = start(t).await;
    let info = format!(
        "agents_system_plugin_info{{installationId=\"\",version=\"{}\"}} 1",
        mattermost_ai::PLUGIN_VERSION
    );
    if t == Transport::NetRpc {
        // Released servers expose ServeMetrics on their metrics listener.
        let text = reqwest::get(sim.metrics_url())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("agents_system_plugin_start_timestamp_seconds"),
            "{text}"
        );
        assert!(text.contains(&info), "{text}");
    }
    // Everywhere, system admins can read the same text over the plugin's HTTP API.
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let (_, user) = sim.add_user("dave", "system_user");
    let http = reqwest::Client::new();
    let r = http
        .get(sim.plugin_url("/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("agents_system_plugin_start_timestamp_seconds") && text.contains(&info),
        "{text}"
    );
    let r = http
        .get(sim.plugin_url("/metrics"))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = http.get(sim.plugin_url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(sim.shutdown().await.unwrap());
}

async fn message_hooks_with_nested_props_keep_the_plugin_alive(t: Transport) {
    let sim = start(t).await;
    let (user, token) = sim.add_user("carol", "system_user");
    let team = sim.add_team("t");
    let channel = sim.add_channel(&team.id, "town-square", "O");
    sim.add_member(&channel.id, &user.id);
    let root = sim.post_as(&user.id, &channel.id, "hello", "").await.unwrap();
    {
        let mut d = sim.data();
        let p = d.posts.get_mut(&root.id).unwrap();
        p.props.insert(
            "attachments".into(),
            json!([{"fields": [{"title": "a", "value": 1.5}], "nested": {"deep": [true, null]}}]),
        );
    }
    let with_props = sim.data().posts[&root.id].clone();
    sim.conn
        .message_has_been_posted(Default::default(), with_props.clone())
        .await
        .unwrap();
    sim.conn
        .message_has_been_updated(Default::default(), with_props.clone(), root.clone())
        .await
        .unwrap();
    sim.conn
        .message_has_been_deleted(Default::default(), with_props)
        .await
        .unwrap();
    sim.post_as(&user.id, &channel.id, "reply", &root.id)
        .await
        .unwrap();

    let reply = sim
        .conn
        .execute_command(
            Default::default(),
            plugin_runtime::host::model::CommandArgs {
                command: "/ai nonsense".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(reply.text.contains("/ai"), "{reply:?}");

    let r = reqwest::Client::new()
        .get(sim.plugin_url("/version"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sim.conn.ping().await.unwrap();
    assert!(sim.shutdown().await.unwrap());
}

async fn configuration_changes_are_loaded_and_a_bad_one_keeps_the_plugin_running(t: Transport) {
    let sim = Simulator::builder(BIN)
        .transport(t)
        .plugin_config(json!({"Config": {"services": [], "bots": []}}))
        .start()
        .await
        .unwrap();
    let loads = || {
        sim.calls()
            .iter()
            .filter(|c| c.method == "LoadPluginConfiguration")
            .count()
    };
    let before = loads();
    sim.save_plugin_config(json!({"config": {"services": "not a list"}}))
        .await
        .unwrap();
    assert_eq!(loads(), before + 1);
    let r = reqwest::get(sim.plugin_url("/version")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(sim.shutdown().await.unwrap());
}

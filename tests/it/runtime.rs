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
    optional_hooks_answer_over_the_wire,
    a_cluster_of_plugin_processes_shares_one_store,
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

/// The optional hooks answer over the wire whether or not the plugin lists them (the server
/// calls only the listed ones; an unlisted one answers with its zero values), and the server's
/// own paths (support packet, data retention job) call them only when listed.
async fn optional_hooks_answer_over_the_wire(t: Transport) {
    use plugin_runtime::host::model::{HookContext, PluginClusterEvent};
    let sim = start(t).await;
    let listed = |hook: &str| sim.implemented.iter().any(|h| h == hook);
    let event = PluginClusterEvent {
        id: "conformance_unknown_event".into(),
        data: vec![7; 70_000],
    };
    sim.conn
        .on_plugin_cluster_event(HookContext::default(), event)
        .await
        .unwrap();
    let files = sim
        .conn
        .generate_support_data(HookContext::default())
        .await
        .unwrap();
    assert!(listed("GenerateSupportData") || files.is_empty(), "{files:?}");
    let packet = sim.fire_support_packet().await.unwrap();
    assert_eq!(
        packet.is_empty(),
        files.is_empty(),
        "the packet asks only a listed hook"
    );
    // Far in the past: nothing of this test is old enough to delete.
    let deleted = sim.conn.run_data_retention(1, 100).await.unwrap();
    assert!(listed("RunDataRetention") || deleted == 0);
    assert_eq!(sim.run_data_retention(1, 100).await.unwrap(), deleted);
    assert!(
        reqwest::get(sim.plugin_url("/version"))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert!(sim.shutdown().await.unwrap());
}

/// Two plugin processes under one server: each node has its own HTTP front and connection,
/// the store is shared, and an event published on one node is routed to the other alone.
async fn a_cluster_of_plugin_processes_shares_one_store(t: Transport) {
    use plugin_runtime::host::MattermostApi as _;
    use plugin_runtime::host::model::{PluginClusterEvent, PluginClusterEventSendOptions};
    let cluster = Simulator::builder(BIN)
        .transport(t)
        .nodes(2)
        .start()
        .await
        .unwrap();
    assert_ne!(cluster.node_id(0), cluster.node_id(1));
    for i in 0..2 {
        let r = reqwest::get(cluster.plugin_url(i, "/version")).await.unwrap();
        assert!(r.status().is_success(), "node {i}");
        assert!(
            cluster.node(i).called("LoadPluginConfiguration"),
            "node {i} activated"
        );
    }
    // What node 0's plugin would do through its API.
    let event = PluginClusterEvent {
        id: "reload".into(),
        data: b"now".to_vec(),
    };
    cluster
        .node(0)
        .state
        .publish_plugin_cluster_event(&event, &PluginClusterEventSendOptions::reliable())
        .await
        .unwrap();
    cluster.settle().await;
    assert_eq!(cluster.node(1).cluster_events_received(), [event]);
    assert!(cluster.node(0).cluster_events_received().is_empty());
    // One store: what one node's plugin wrote, every node reads.
    cluster.node(1).state.kv_set("shared", b"yes").await.unwrap();
    assert_eq!(
        cluster.node(0).state.kv_get("shared").await.unwrap().as_deref(),
        Some(&b"yes"[..])
    );
    assert!(cluster.shutdown().await.unwrap(), "every plugin exits by itself");
}

/// The simulator's cluster with test hooks in this process: over the real net/rpc wire, the
/// real gRPC wire, and without a wire. The hooks publish what is POSTed to `/publish` (to
/// `?target=<node id>` or everyone), list what they received at `/events`, and answer the
/// support packet and data retention hooks with what tells the nodes apart.
mod cluster {
    use std::sync::{Arc, Mutex, OnceLock};

    use async_trait::async_trait;
    use http_body_util::BodyExt as _;
    use mattermost_simulator::{Cluster, Simulator, Transport};
    use plugin_runtime::host::model::*;
    use plugin_runtime::host::*;

    struct Node {
        index: usize,
        api: OnceLock<Arc<dyn MattermostApi>>,
        received: Mutex<Vec<PluginClusterEvent>>,
    }

    fn reply(status: u16, body: impl Into<String>) -> HttpResponse {
        http::Response::builder()
            .status(status)
            .body(HttpBody::from(body.into()))
            .unwrap()
    }

    #[async_trait]
    impl Hooks for Node {
        fn attach_api(&self, api: Arc<dyn MattermostApi>, _transport: TransportKind) {
            let _ = self.api.set(api);
        }
        async fn on_activate(&self) -> Result<(), HookError> {
            Ok(())
        }
        async fn on_deactivate(&self) -> Result<(), HookError> {
            Ok(())
        }
        async fn on_configuration_change(&self) -> Result<(), HookError> {
            Ok(())
        }
        async fn message_has_been_posted(&self, _ctx: HookContext, _post: Post) {}
        async fn message_has_been_updated(&self, _ctx: HookContext, _new: Post, _old: Post) {}
        async fn message_has_been_deleted(&self, _ctx: HookContext, _post: Post) {}
        async fn serve_http(&self, _ctx: HookContext, request: HttpRequest) -> HttpResponse {
            let path = request.uri().path().to_owned();
            let query = request.uri().query().unwrap_or("").to_owned();
            let body = request.into_body().collect().await.unwrap().to_bytes().to_vec();
            match path.as_str() {
                "/publish" => {
                    let options = PluginClusterEventSendOptions {
                        target_id: query.strip_prefix("target=").unwrap_or("").to_owned(),
                        ..PluginClusterEventSendOptions::reliable()
                    };
                    let event = PluginClusterEvent {
                        id: format!("from_{}", self.index),
                        data: body,
                    };
                    match self
                        .api
                        .get()
                        .unwrap()
                        .publish_plugin_cluster_event(&event, &options)
                        .await
                    {
                        Ok(()) => reply(200, "sent"),
                        Err(e) => reply(500, e.to_string()),
                    }
                }
                "/events" => {
                    let got: Vec<String> = self
                        .received
                        .lock()
                        .unwrap()
                        .iter()
                        .map(|e| format!("{}:{}", e.id, String::from_utf8_lossy(&e.data)))
                        .collect();
                    reply(200, serde_json::to_string(&got).unwrap())
                }
                _ => reply(404, ""),
            }
        }
        async fn serve_metrics(&self, _ctx: HookContext, _request: HttpRequest) -> HttpResponse {
            reply(404, "")
        }
        async fn execute_command(
            &self,
            _ctx: HookContext,
            _args: CommandArgs,
        ) -> Result<CommandResponse, AppError> {
            Ok(CommandResponse::default())
        }
        fn optional_hooks(&self) -> &'static [&'static str] {
            OPTIONAL_HOOKS
        }
        async fn on_plugin_cluster_event(&self, _ctx: HookContext, event: PluginClusterEvent) {
            self.received.lock().unwrap().push(event);
        }
        async fn generate_support_data(&self, _ctx: HookContext) -> Result<Vec<FileData>, HookError> {
            Ok(vec![FileData {
                filename: format!("node{}.txt", self.index),
                body: vec![0, 1, 2, self.index as u8],
            }])
        }
        async fn run_data_retention(&self, now_millis: i64, batch_size: i64) -> Result<i64, HookError> {
            if batch_size < 0 {
                return Err(HookError::Plain("negative batch".into()));
            }
            Ok(now_millis % 1000 + batch_size + self.index as i64)
        }
    }

    async fn start(t: Transport) -> Cluster {
        Simulator::builder(super::BIN)
            .transport(t)
            .nodes(3)
            .hooks_per_node(|index| {
                Arc::new(Node {
                    index,
                    api: OnceLock::new(),
                    received: Mutex::new(Vec::new()),
                })
            })
            .start()
            .await
            .unwrap_or_else(|e| panic!("{t:?}: {e}"))
    }

    async fn events(c: &Cluster, node: usize) -> Vec<String> {
        reqwest::get(c.plugin_url(node, "/events"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn publish(c: &Cluster, node: usize, query: &str, body: &str) -> (u16, String) {
        let r = reqwest::Client::new()
            .post(c.plugin_url(node, &format!("/publish{query}")))
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn events_reach_the_other_nodes_in_order(t: Transport) {
        let c = start(t).await;
        for hook in OPTIONAL_HOOKS {
            assert!(c.node(0).implemented.iter().any(|h| h == hook), "{t:?}: {hook}");
        }
        assert_eq!(publish(&c, 0, "", "one").await.0, 200);
        assert_eq!(publish(&c, 0, "", "two").await.0, 200);
        let target = format!("?target={}", c.node_id(2));
        assert_eq!(publish(&c, 1, &target, "three").await.0, 200);
        c.settle().await;
        assert!(
            events(&c, 0).await.is_empty(),
            "{t:?}: no node hears itself or another's target"
        );
        assert_eq!(events(&c, 1).await, ["from_0:one", "from_0:two"]);
        assert_eq!(events(&c, 2).await, ["from_0:one", "from_0:two", "from_1:three"]);

        let (status, text) = publish(&c, 2, "?target=nosuchnode", "lost").await;
        assert_eq!(status, 500);
        assert!(text.contains("nosuchnode"), "{text}");
        {
            let d = c.data();
            let from: Vec<&str> = d.cluster_events.iter().map(|r| r.from_node.as_str()).collect();
            assert_eq!(from, [c.node_id(0), c.node_id(0), c.node_id(1), c.node_id(2)]);
        }

        let files = c.fire_support_packet(1).await.unwrap();
        assert_eq!(
            files,
            [FileData {
                filename: "node1.txt".into(),
                body: vec![0, 1, 2, 1],
            }]
        );
        assert_eq!(
            c.run_data_retention(2, 1_700_000_000_123, 50).await.unwrap(),
            123 + 50 + 2
        );
        let e = c.run_data_retention(0, 0, -1).await.unwrap_err();
        assert!(e.to_string().contains("negative batch"), "{e}");
        assert!(c.shutdown().await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_netrpc() {
        events_reach_the_other_nodes_in_order(Transport::NetRpc).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn over_grpc() {
        events_reach_the_other_nodes_in_order(Transport::Grpc).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn in_process() {
        events_reach_the_other_nodes_in_order(Transport::InProcess).await
    }
}

//! The Mattermost MCP server (issue 15) as external clients reach it: the official MCP Python
//! SDK client (PyPI `mcp`, installed by scripts/py-mcp.sh) connects to `/mcp-server/mcp`
//! through the simulated server's HTTP front with a token, lists and calls every tool, and is
//! told where to authorize without one. Then the permission matrix: every tool × member,
//! non-member, system admin who is not a member, and a user outside the team, with private
//! channels and other people's DMs as targets.

use crate::common::{Under, licensed};
use std::process::Stdio;
use std::sync::OnceLock;

use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::{Channel, Post, Team, TeamMember, User};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const CLIENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/external_client.py");

// Over the real transports: the endpoint streams through ServeHTTP.
both_transports!(an_external_client_lists_and_calls_every_tool);
in_process!(
    every_tool_answers_every_caller_as_mattermost_would,
    a_session_belongs_to_the_user_who_opened_it,
    a_user_holds_a_bounded_number_of_sessions,
    off_or_unlicensed_the_server_does_not_exist
);

/// The SDK's directory (installed once per test run).
pub(crate) fn sdk() -> &'static str {
    static DIR: OnceLock<String> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/py-mcp.sh"))
            .output()
            .expect("scripts/py-mcp.sh runs");
        assert!(
            out.status.success(),
            "installing the MCP Python SDK failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    })
}

/// Runs the external client with `token` (may be empty) and `calls`; its JSON report.
async fn client(sim: &Simulator, token: &str, calls: &Value) -> Value {
    let dir = sdk().to_owned();
    let mut child = tokio::process::Command::new("python3")
        .arg(CLIENT)
        .arg(sim.plugin_url("/mcp-server/mcp"))
        .env("PYTHONPATH", dir)
        .env("MCP_TOKEN", token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(calls.to_string().as_bytes()).await.unwrap();
    drop(stdin);
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("the client finishes")
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "client output: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

struct World {
    sim: Simulator,
    team: Team,
    town: Channel,
    secret: Channel,
    side: Channel,
    town_post: Post,
    secret_post: Post,
    gossip: Post,
    alice: (User, String),
    carol: (User, String),
    dave: (User, String),
    erin: (User, String),
}

async fn world(t: Transport) -> World {
    let config = json!({"config": {
        "mcp": {"enabled": true, "enablePluginServer": true, "embeddedServer": {"enabled": true}},
        "services": [{"id": "s1", "name": "S", "type": "openaicompatible", "apiURL": "http://127.0.0.1:9/v1", "defaultModel": "m"}],
        "bots": [{"id": "b1", "name": "ai", "displayName": "AI", "serviceID": "s1"}],
    }});
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(config)
        .start()
        .await
        .unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let alice = sim.add_user("alice", "system_user");
    let (bob, _) = sim.add_user("bob", "system_user");
    let carol = sim.add_user("carol", "system_user");
    let dave = sim.add_user("dave", "system_user system_admin");
    let erin = sim.add_user("erin", "system_user");
    let team = sim.add_team("eng");
    let town = sim.add_channel(&team.id, "town", "O");
    let secret = sim.add_channel(&team.id, "secret", "P");
    let side = sim.add_channel(&team.id, "side", "O");
    for u in [&alice.0, &carol.0, &dave.0] {
        sim.add_member(&town.id, &u.id);
    }
    sim.add_member(&secret.id, &alice.0.id);
    sim.add_member(&secret.id, &bob.id);
    sim.add_member(&side.id, &alice.0.id);
    {
        let mut d = sim.data();
        d.team_members.insert(
            (team.id.clone(), bob.id.clone()),
            TeamMember {
                team_id: team.id.clone(),
                user_id: bob.id.clone(),
                roles: "team_user".into(),
                ..Default::default()
            },
        );
    }
    let town_post = sim
        .post_as(&alice.0.id, &town.id, "The launch is on Friday", "")
        .await
        .unwrap();
    let secret_post = sim
        .post_as(&bob.id, &secret.id, "The secret plan is ready", "")
        .await
        .unwrap();
    let gossip_dm = sim.direct_channel(&bob.id, &carol.0.id);
    let gossip = sim
        .post_as(&bob.id, &gossip_dm.id, "private gossip about the plan", "")
        .await
        .unwrap();
    World {
        sim,
        team,
        town,
        secret,
        side,
        town_post,
        secret_post,
        gossip,
        alice,
        carol,
        dave,
        erin,
    }
}

fn call(name: &str, arguments: Value) -> Value {
    json!({"name": name, "arguments": arguments})
}

async fn an_external_client_lists_and_calls_every_tool(t: Transport) {
    let w = world(t).await;
    let (alice, token) = &w.alice;

    // Without a token: 401, and where to find the authorization server.
    let r = reqwest::Client::new()
        .post(w.sim.plugin_url("/mcp-server/mcp"))
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "{:?}", r.text().await);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("Bearer resource_metadata=\"")
            && challenge
                .ends_with("/plugins/mattermost-ai/mcp-server/.well-known/oauth-protected-resource\""),
        "{challenge}"
    );
    let meta = reqwest::get(
        w.sim
            .plugin_url("/mcp-server/.well-known/oauth-protected-resource"),
    )
    .await
    .unwrap();
    assert_eq!(meta.headers()["access-control-allow-origin"], "*");
    let meta: Value = meta.json().await.unwrap();
    assert!(
        meta["resource"]
            .as_str()
            .unwrap()
            .ends_with("/plugins/mattermost-ai/mcp-server"),
        "{meta}"
    );
    assert_eq!(meta["scopes_supported"], json!(["user"]));
    assert_eq!(meta["authorization_servers"].as_array().map(Vec::len), Some(1));
    // The SDK client without a token is refused before any tool is listed.
    let refused = client(&w.sim, "", &json!([])).await;
    assert!(
        refused["error"].is_string() && refused["tools"].is_null(),
        "{refused}"
    );

    let calls = json!([
        call("read_post", json!({"post_id": w.town_post.id})),
        call("read_channel", json!({"channel_id": w.secret.id, "limit": 5})),
        call("search_posts", json!({"query": "Friday", "team_id": w.team.id})),
        call(
            "create_post",
            json!({"channel_id": w.town.id, "message": "Posted from an MCP client"})
        ),
        call(
            "create_post",
            json!({"channel_id": w.town.id, "message": "A reply", "root_id": w.town_post.id})
        ),
        call(
            "create_channel",
            json!({"team_name": "eng", "name": "mcp-made", "display_name": "MCP made", "private": true})
        ),
        call(
            "get_channel_info",
            json!({"channel_name": "town", "team_name": "eng"})
        ),
        call("get_team_info", json!({"team_id": w.team.id})),
        call("search_users", json!({"term": "car"})),
        call("get_channel_members", json!({"channel_id": w.secret.id})),
        call("get_team_members", json!({"team_name": "eng"})),
        call("dm", json!({"user": "@carol", "message": "Hi Carol"})),
        call(
            "group_message",
            json!({"users": ["bob", "carol"], "message": "Hi both"})
        ),
        call(
            "add_user_to_channel",
            json!({"channel_id": w.side.id, "user": "carol"})
        ),
        call("get_user_channels", json!({})),
        call("list_agents", json!({})),
        call("read_post", json!({"post_id": "not-an-id"})),
    ]);
    let report = client(&w.sim, token, &calls).await;
    assert_eq!(report["server"], "mattermost", "{report}");
    let tools: Vec<&str> = report["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in [
        "read_post",
        "read_channel",
        "search_posts",
        "create_post",
        "create_channel",
        "get_channel_info",
        "get_team_info",
        "search_users",
        "get_channel_members",
        "get_team_members",
        "dm",
        "group_message",
        "add_user_to_channel",
        "get_user_channels",
        "list_agents",
    ] {
        assert!(tools.contains(&name), "{name} missing from {tools:?}");
    }
    let read_only = |n: &str| {
        report["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == n)
            .map(|t| t["readOnly"] == true)
    };
    assert_eq!(read_only("read_post"), Some(true));
    assert_eq!(read_only("create_post"), Some(false));

    let results = report["calls"].as_array().unwrap();
    let text = |i: usize| {
        let c = &results[i];
        assert_eq!(c["isError"], false, "{} failed: {}", c["name"], c["text"]);
        c["text"].as_str().unwrap().to_owned()
    };
    assert!(text(0).contains("The launch is on Friday"));
    assert!(text(1).contains("The secret plan is ready"));
    assert!(text(2).contains("The launch is on Friday"), "{}", text(2));
    text(3);
    text(4);
    assert!(text(5).contains("mcp-made"));
    assert!(text(6).contains("town"));
    assert!(text(7).contains("eng"));
    assert!(text(8).contains("@carol"));
    assert!(text(9).contains("@bob") && text(9).contains("@alice"));
    assert!(text(10).contains("@bob"));
    text(11);
    text(12);
    text(13);
    assert!(text(14).contains("town") && text(14).contains("secret"));
    assert!(text(15).contains("@ai"));
    assert_eq!(results[16]["isError"], true);
    assert!(
        results[16]["text"]
            .as_str()
            .unwrap()
            .contains("not a Mattermost id")
    );

    // What the tools did is in Mattermost, as alice, marked as generated.
    let d = w.sim.data();
    let mine = |m: &str| d.posts.values().find(|p| p.message == m).cloned();
    let posted = mine("Posted from an MCP client").expect("create_post wrote");
    assert_eq!(posted.user_id, alice.id);
    assert_eq!(posted.channel_id, w.town.id);
    assert_eq!(posted.props.get("ai_generated_by"), Some(&json!(alice.id)));
    assert_eq!(mine("A reply").unwrap().root_id, w.town_post.id);
    let made = d
        .channels
        .values()
        .find(|c| c.name == "mcp-made")
        .expect("channel created");
    assert_eq!(made.channel_type, "P");
    assert!(
        d.channel_members
            .contains_key(&(made.id.clone(), alice.id.clone()))
    );
    assert!(
        d.channel_members
            .contains_key(&(w.side.id.clone(), w.carol.0.id.clone()))
    );
    let dm = mine("Hi Carol").expect("dm sent");
    assert_eq!(d.channels[&dm.channel_id].channel_type, "D");
    assert_eq!(d.channels[&mine("Hi both").unwrap().channel_id].channel_type, "G");
}

/// Each row: a tool call and whether it may succeed for [alice (member), carol (on the team,
/// not in the private channel; in the DM with bob), dave (system admin, in no private
/// channel), erin (not on the team)].
fn matrix(w: &World, who: usize) -> Vec<(Value, [bool; 4])> {
    let (y, n) = (true, false);
    vec![
        (
            call("read_post", json!({"post_id": w.secret_post.id})),
            [y, n, n, n],
        ),
        (call("read_post", json!({"post_id": w.gossip.id})), [n, y, n, n]),
        (
            call("read_post", json!({"post_id": w.town_post.id})),
            [y, y, y, n],
        ),
        (
            call("read_channel", json!({"channel_id": w.secret.id})),
            [y, n, n, n],
        ),
        (
            call(
                "create_post",
                json!({"channel_id": w.secret.id, "message": "matrix write"}),
            ),
            [y, n, n, n],
        ),
        (
            call(
                "create_post",
                json!({"channel_id": w.town.id, "message": "matrix reply", "root_id": w.secret_post.id}),
            ),
            [n, n, n, n],
        ),
        (
            call("get_channel_info", json!({"channel_id": w.secret.id})),
            [y, n, n, n],
        ),
        (
            call(
                "get_channel_info",
                json!({"channel_name": "secret", "team_id": w.team.id}),
            ),
            [y, n, n, n],
        ),
        (
            call("get_channel_members", json!({"channel_id": w.secret.id})),
            [y, n, n, n],
        ),
        (call("get_team_info", json!({"team_name": "eng"})), [y, y, y, n]),
        (
            call("get_team_members", json!({"team_id": w.team.id})),
            [y, y, y, n],
        ),
        (
            call(
                "create_channel",
                json!({"team_id": w.team.id, "name": format!("new-{who}"), "display_name": "New", "private": false}),
            ),
            [y, y, y, n],
        ),
        (call("search_users", json!({"term": "bob"})), [y, y, y, y]),
        (
            call("dm", json!({"user": "bob", "message": "matrix dm"})),
            [y, y, y, y],
        ),
        (
            call(
                "add_user_to_channel",
                json!({"channel_id": w.secret.id, "user": "carol"}),
            ),
            [y, n, n, n],
        ),
        (call("get_user_channels", json!({})), [y, y, y, y]),
        (call("list_agents", json!({})), [y, y, y, y]),
        (call("search_posts", json!({"query": "plan"})), [y, y, y, y]),
    ]
}

async fn every_tool_answers_every_caller_as_mattermost_would(t: Transport) {
    let w = world(t).await;
    let mut wrong = Vec::new();
    // Alice last: her add_user_to_channel changes who is in the private channel.
    for (who, (user, token)) in [(1, &w.carol), (2, &w.dave), (3, &w.erin), (0, &w.alice)] {
        let rows = matrix(&w, who);
        let calls = Value::Array(rows.iter().map(|(c, _)| c.clone()).collect());
        let report = client(&w.sim, token, &calls).await;
        let results = report["calls"].as_array().unwrap_or_else(|| panic!("{report}"));
        for ((call, want), got) in rows.iter().zip(results) {
            let ok = got["isError"] == false;
            if ok != want[who] {
                wrong.push(format!(
                    "{} {} as @{}: expected {}, got {}",
                    call["name"],
                    call["arguments"],
                    user.username,
                    if want[who] { "success" } else { "refusal" },
                    got["text"]
                ));
            }
            // Nothing private leaks through search, whoever asks.
            if call["name"] == "search_posts" {
                let text = got["text"].as_str().unwrap_or("");
                assert_eq!(
                    text.contains("secret plan"),
                    who == 0,
                    "search as @{}: {text}",
                    user.username
                );
                assert_eq!(
                    text.contains("gossip"),
                    who == 1,
                    "search as @{}: {text}",
                    user.username
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let d = w.sim.data();
    let writes: Vec<&Post> = d.posts.values().filter(|p| p.message == "matrix write").collect();
    assert_eq!(writes.len(), 1, "only alice wrote in the private channel");
    assert_eq!(writes[0].user_id, w.alice.0.id);
    assert!(
        !d.posts.values().any(|p| p.message == "matrix reply"),
        "a reply across channels was refused"
    );
}

/// A JSON-RPC POST to the endpoint as `token`, in session `session` if given.
async fn rpc(w: &World, token: &str, session: Option<&str>, body: Value) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(w.sim.plugin_url("/mcp-server/mcp"))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&body);
    if let Some(s) = session {
        r = r.header("mcp-session-id", s);
    }
    r.send().await.unwrap()
}

async fn a_session_belongs_to_the_user_who_opened_it(t: Transport) {
    let w = world(t).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"}}});
    let r = rpc(&w, &w.alice.1, None, init).await;
    assert_eq!(r.status(), 200);
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let _ = r.text().await;
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert!(
        rpc(&w, &w.alice.1, Some(&session), initialized)
            .await
            .status()
            .is_success()
    );
    let read = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "read_channel", "arguments": {"channel_id": w.secret.id}}});

    // Carol, who learned alice's session id, gets nothing through it.
    let r = rpc(&w, &w.carol.1, Some(&session), read.clone()).await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("secret plan"));
    // Alice still can.
    let r = rpc(&w, &w.alice.1, Some(&session), read).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("The secret plan is ready"));
    // The session is in the KV store (owner and initialize), for the other nodes of a cluster;
    // keyed by a hash, never by the id itself.
    {
        let d = w.sim.data();
        assert!(d.kv.keys().any(|k| k.starts_with("mcp_server_owner_")));
        assert!(d.kv.keys().any(|k| k.starts_with("mcp_server_session_")));
        assert!(!d.kv.keys().any(|k| k.contains(&session)));
    }
    // Carol cannot end it either.
    let r = reqwest::Client::new()
        .delete(w.sim.plugin_url("/mcp-server/mcp"))
        .bearer_auth(&w.carol.1)
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Alice can, and then it is gone everywhere.
    let r = reqwest::Client::new()
        .delete(w.sim.plugin_url("/mcp-server/mcp"))
        .bearer_auth(&w.alice.1)
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let d = w.sim.data();
    assert!(
        !d.kv
            .keys()
            .any(|k| k.starts_with("mcp_server_owner_") || k.starts_with("mcp_server_session_"))
    );
}

async fn off_or_unlicensed_the_server_does_not_exist(t: Transport) {
    let w = world(t).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"}}});
    w.sim
        .save_plugin_config(json!({"config": {"mcp": {"enabled": true, "enablePluginServer": false}}}))
        .await
        .unwrap();
    assert_eq!(rpc(&w, &w.alice.1, None, init.clone()).await.status(), 404);
    let meta = reqwest::get(
        w.sim
            .plugin_url("/mcp-server/.well-known/oauth-protected-resource"),
    )
    .await
    .unwrap();
    assert_eq!(meta.status(), 404);
    w.sim
        .save_plugin_config(json!({"config": {"mcp": {"enabled": true, "enablePluginServer": true}}}))
        .await
        .unwrap();
    assert_eq!(rpc(&w, &w.alice.1, None, init.clone()).await.status(), 200);
    w.sim.data().license = None;
    w.sim.state.deliver_config_change().await.unwrap();
    assert_eq!(
        rpc(&w, &w.alice.1, None, init).await.status(),
        404,
        "MCP needs a license"
    );
}

/// Opening sessions costs memory on the server: a user holds at most 16, the 17th closes one.
async fn a_user_holds_a_bounded_number_of_sessions(t: Transport) {
    let w = world(t).await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"}}});
    for _ in 0..17 {
        let r = rpc(&w, &w.alice.1, None, init.clone()).await;
        assert_eq!(r.status(), 200);
        let _ = r.text().await;
    }
    let owners = w
        .sim
        .data()
        .kv
        .keys()
        .filter(|k| k.starts_with("mcp_server_owner_"))
        .count();
    assert_eq!(owners, 16);
}

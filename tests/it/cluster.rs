//! The plugin on a Mattermost cluster (issue 16, item 3) and the server's housekeeping hooks
//! (item 5): two plugin processes under one simulated server sharing one store, Stop sent to
//! the node that is not streaming the answer, and the support packet.

use std::time::Duration;

use mattermost_ai::cluster::events;
use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};

use crate::common::licensed;

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_on_one_node_stops_the_answer_streaming_on_the_other() {
    // A long, slow answer: 200 words, 50 ms apart.
    let words: Vec<String> = (0..200).map(|i| format!("word{i} ")).collect();
    let parts: Vec<&str> = words.iter().map(String::as_str).collect();
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    let slow = Script::chat_completion(&parts, 50, None);
    fake.route(move |seen| {
        let system = seen.body["messages"][0]["content"].as_str().unwrap_or("");
        Some(if system.starts_with("Write a title") {
            Script::chat_completion(&["A title"], 0, None)
        } else {
            slow.clone()
        })
    });
    let cluster = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(licensed())
        .plugin_config(one_agent_config(&fake.url, json!({}), json!({}), json!({})))
        .nodes(2)
        .start()
        .await
        .unwrap();
    let streaming = cluster.node(0);
    let (alice, token) = streaming.add_user("alice", "system_user");
    let bot = streaming.bot_user_id("ai").unwrap();
    let dm = streaming.direct_channel(&alice.id, &bot);
    // The post reaches node 0, which answers it.
    streaming
        .post_as(&alice.id, &dm.id, "Tell me a long story", "")
        .await
        .unwrap();
    assert!(
        cluster
            .node(0)
            .wait_until(Duration::from_secs(20), |d| d
                .posts
                .values()
                .any(|p| p.user_id == bot && p.message.contains("word3")))
            .await,
        "the answer never started"
    );
    let answer = cluster
        .data()
        .posts
        .values()
        .find(|p| p.user_id == bot && p.channel_id == dm.id && p.message.contains("word3"))
        .cloned()
        .expect("the answer post");

    // Stop arrives at node 1.
    let r = reqwest::Client::new()
        .post(cluster.plugin_url(1, &format!("/post/{}/stop", answer.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        cluster
            .node(0)
            .wait_until(Duration::from_secs(10), |d| d.ws_events.iter().any(|e| {
                e.event == EVENT
                    && e.payload.get("post_id") == Some(&json!(answer.id))
                    && e.payload.get("control") == Some(&json!("cancel"))
            }))
            .await,
        "the streaming node did not stop"
    );
    cluster.settle().await;
    let heard: Vec<(String, String)> = cluster
        .node(0)
        .cluster_events_received()
        .into_iter()
        .map(|e| (e.id, String::from_utf8_lossy(&e.data).into_owned()))
        .collect();
    assert!(
        heard.contains(&(events::STOP_ANSWER.to_owned(), answer.id.clone())),
        "node 0 was told: {heard:?}"
    );
    let kept = cluster.data().posts[&answer.id].message.clone();
    assert!(kept.contains("word3") && !kept.contains("word199"), "{kept}");
    assert!(cluster.shutdown().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_packet_describes_the_plugin_without_secrets() {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    let sim = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(licensed())
        .plugin_config(one_agent_config(
            &fake.url,
            json!({"apiKey": "sk-very-secret-key"}),
            json!({}),
            json!({"mcp": {"enabled": true, "servers": [{"name": "x", "enabled": true,
                "baseURL": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer hdr-secret"},
                "clientID": "cid", "clientSecret": "client-secret-value"}]}}),
        ))
        .start()
        .await
        .unwrap();
    let files = sim.fire_support_packet().await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].filename, "mattermost-ai/diagnostics.json");
    let text = String::from_utf8(files[0].body.clone()).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["plugin"]["id"], "mattermost-ai");
    assert_eq!(doc["plugin"]["transport"], "netrpc");
    assert_eq!(doc["configuration"]["agents"]["active"], 1);
    assert_eq!(doc["configuration"]["services"]["types"]["openai"], 1);
    assert_eq!(doc["mcp"]["servers"], 1);
    for secret in ["sk-very-secret-key", "hdr-secret", "client-secret-value"] {
        assert!(!text.contains(secret), "{secret} in the support packet");
    }
    assert!(sim.shutdown().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_changes_and_tool_list_refreshes_reach_every_node() {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    let cluster = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(licensed())
        .plugin_config(one_agent_config(&fake.url, json!({}), json!({}), json!({})))
        .nodes(2)
        .start()
        .await
        .unwrap();
    let (_, token) = cluster.node(0).add_user("alice", "system_user");
    let (_, admin) = cluster.node(0).add_user("root", "system_user system_admin");
    let names = |body: Value| -> Vec<String> {
        body["bots"]
            .as_array()
            .map(|b| {
                b.iter()
                    .filter_map(|x| x["username"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // A second agent, saved once: both nodes serve it.
    let mut config = one_agent_config(&fake.url, json!({}), json!({}), json!({}));
    config["config"]["bots"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "b2", "name": "helper", "displayName": "Helper", "serviceID": "svc"}));
    cluster.save_plugin_config(config).await.unwrap();
    for i in 0..2 {
        let body: Value = reqwest::Client::new()
            .get(cluster.plugin_url(i, "/ai_bots"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(names(body), vec!["ai", "helper"], "node {i}");
    }
    // The admin refreshes the MCP tool lists on node 1: node 0 is told to forget its own.
    let r = reqwest::Client::new()
        .post(cluster.plugin_url(1, "/admin/mcp/tools/cache/clear"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    cluster.settle().await;
    assert!(
        cluster
            .node(0)
            .cluster_events_received()
            .iter()
            .any(|e| e.id == events::MCP_TOOLS_CLEARED),
        "node 0 was not told"
    );
    assert!(cluster.shutdown().await.unwrap());
}

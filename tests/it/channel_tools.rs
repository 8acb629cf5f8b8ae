//! Tools in channel threads (issue 15, item 6): off by default (offered and run in DMs only);
//! with `enableChannelMentionToolCalling` an @mentioned agent is offered its tools, a call runs
//! after the requester's approval (or unasked under `auto_run_everywhere`, never under
//! `auto_run_in_dm`), and its result is the requester's alone until they share it (then the
//! agent continues with it) or keep it private (then the model never sees it).

use crate::common::{Under, licensed};
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::Post;
use serde_json::{Value, json};

use crate::common::http::post_json;
use crate::mcp_tools::{model, tool_calls as calls, wait_for};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
/// The name of a channel only alice is in: it appears in `get_user_channels`'s result for her,
/// and nowhere else.
const MARKER: &str = "orchard";

in_process!(
    channel_tools_are_off_by_default,
    channel_results_stay_private_until_shared,
    results_kept_private_never_reach_the_model,
    only_auto_run_everywhere_runs_unasked_in_channels
);

fn config(fake: &FakeProvider, channel_tools: bool, tool_configs: Value) -> Value {
    one_agent_config(
        &fake.url,
        json!({}),
        json!({}),
        json!({
            "enableChannelMentionToolCalling": channel_tools,
            "mcp": {"enabled": true, "embeddedServer": {"enabled": true, "tool_configs": tool_configs}},
        }),
    )
}

struct World {
    sim: Simulator,
    fake: FakeProvider,
    bot: String,
    alice: (String, String),
    bob: (String, String),
    town: String,
}

/// Alice and bob in `town`; alice alone in `orchard`.
async fn world(t: Transport, channel_tools: bool, tool_configs: Value) -> World {
    let fake = model().await;
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(config(&fake, channel_tools, tool_configs))
        .start()
        .await
        .unwrap();
    let (alice, alice_token) = sim.add_user("alice", "system_user");
    let (bob, bob_token) = sim.add_user("bob", "system_user");
    let team = sim.add_team("eng");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &alice.id);
    sim.add_member(&town.id, &bob.id);
    let orchard = sim.add_channel(&team.id, MARKER, "P");
    sim.add_member(&orchard.id, &alice.id);
    let bot = sim.bot_user_id("ai").unwrap();
    World {
        sim,
        fake,
        bot,
        alice: (alice.id, alice_token),
        bob: (bob.id, bob_token),
        town: town.id,
    }
}

async fn get(sim: &Simulator, token: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(sim.plugin_url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("the simulated server answers");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn statuses(p: &Post) -> Vec<i64> {
    calls(p)
        .iter()
        .map(|c| c["status"].as_i64().unwrap_or(-1))
        .collect()
}

/// Alice asks the agent in `town` to call `tool`; the agent's post asking for it.
async fn ask(w: &World, tool: &str) -> Post {
    let question = w
        .sim
        .post_as(&w.alice.0, &w.town, &format!("@ai call {tool}"), "")
        .await
        .unwrap();
    let bot = w.bot.clone();
    wait_for(&w.sim, "the agent's tool call", |p| {
        p.user_id == bot
            && p.prop_str("responding_to") == Some(question.id.as_str())
            && p.props.contains_key("pending_tool_call")
    })
    .await
}

/// The latest post's current state.
fn now(sim: &Simulator, id: &str) -> Post {
    sim.data().posts[id].clone()
}

async fn wait_statuses(w: &World, id: &str, want: &[i64]) -> Post {
    let want = want.to_vec();
    assert!(
        w.sim
            .wait_until(Duration::from_secs(20), |d| {
                d.posts.get(id).is_some_and(|p| statuses(p) == want)
            })
            .await,
        "the tool post never reached {want:?}: {:?}",
        statuses(&now(&w.sim, id))
    );
    now(&w.sim, id)
}

/// Everything public that could carry the result: every post and every websocket event.
fn public_text(sim: &Simulator) -> String {
    let d = sim.data();
    let posts: Vec<String> = d
        .posts
        .values()
        .map(|p| {
            format!(
                "{} {}",
                p.message,
                Value::Object(p.props.clone().into_iter().collect())
            )
        })
        .collect();
    let events: Vec<String> = d
        .ws_events
        .iter()
        .map(|e| Value::Object(e.payload.clone()).to_string())
        .collect();
    format!("{}\n{}", posts.join("\n"), events.join("\n"))
}

/// The tools of the latest request that offered any.
fn offered(fake: &FakeProvider) -> Vec<String> {
    fake.seen()
        .into_iter()
        .rev()
        .find_map(|s| s.body["tools"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn model_saw(fake: &FakeProvider, text: &str) -> bool {
    fake.seen().iter().any(|s| s.body.to_string().contains(text))
}

async fn channel_tools_are_off_by_default(t: Transport) {
    let w = world(t, false, json!([])).await;
    // The model asks for the tool anyway: it was offered nothing, and the call cannot run.
    let asked = ask(&w, "get_user_channels").await;
    assert!(offered(&w.fake).is_empty(), "{:?}", offered(&w.fake));
    let system = w.fake.seen()[0].body["messages"][0]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        system.contains("available to you only in direct messages") && system.contains("get_user_channels"),
        "{system}"
    );
    let (status, body) = post_json(
        &w.sim,
        &w.alice.1,
        &format!("/post/{}/tool_call", asked.id),
        json!({"accepted_tool_ids": ["call_get_user_channels"]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("direct messages"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(statuses(&now(&w.sim, &asked.id)), vec![0], "still pending");
    assert!(!public_text(&w.sim).contains(MARKER));

    // In the DM the same agent is offered its tools as before.
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    w.sim.post_as(&w.alice.0, &dm.id, "hello", "").await.unwrap();
    wait_for(&w.sim, "the DM answer", |p| p.message == "Hello.").await;
    assert!(offered(&w.fake).contains(&"get_user_channels".to_owned()));
}

async fn channel_results_stay_private_until_shared(t: Transport) {
    let w = world(t, true, json!([])).await;
    let asked = ask(&w, "get_user_channels").await;
    let names = offered(&w.fake);
    assert!(names.contains(&"get_user_channels".to_owned()), "{names:?}");
    let system = w.fake.seen()[0].body["messages"][0]["content"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(!system.contains("only in direct messages"), "{system}");

    // Nobody else decides, and nobody else reads.
    let path = format!("/post/{}/tool_call", asked.id);
    let body = json!({"accepted_tool_ids": ["call_get_user_channels"]});
    let (status, _) = post_json(&w.sim, &w.bob.1, &path, body.clone()).await;
    assert_eq!(status, 403, "only the requester approves");
    let (status, reply) = post_json(&w.sim, &w.alice.1, &path, body).await;
    assert_eq!(status, 200, "{reply}");
    let ran = wait_statuses(&w, &asked.id, &[4]).await;
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| {
                d.posts[&asked.id].prop_str("private_tool_results") == Some("pending")
            })
            .await
    );
    assert_eq!(calls(&ran)[0]["result"], "", "{:?}", calls(&ran));

    // No continuation, and the result is nowhere public.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let requests = w.fake.requests();
    assert_eq!(requests, 1, "the model waits for the decision");
    assert!(!public_text(&w.sim).contains(MARKER), "{}", public_text(&w.sim));
    assert!(
        w.sim.data().ws_events.iter().any(|e| {
            e.payload.get("control") == Some(&json!("tool_call"))
                && e.payload.get("post_id") == Some(&json!(asked.id))
                && e.broadcast.channel_id == w.town
        }),
        "the channel is told the statuses"
    );

    // Alice reads her result; bob gets a 404, for reading and deciding alike.
    let results_path = format!("/post/{}/tool_result", asked.id);
    let (status, mine) = get(&w.sim, &w.alice.1, &results_path).await;
    assert_eq!(status, 200, "{mine}");
    let first = &mine["results"][0];
    assert_eq!(first["id"], "call_get_user_channels", "{mine}");
    assert_eq!(first["name"], "get_user_channels");
    assert_eq!(first["status"], 4);
    assert!(first["result"].as_str().unwrap_or("").contains(MARKER), "{mine}");
    let (status, theirs) = get(&w.sim, &w.bob.1, &results_path).await;
    assert_eq!(status, 404, "{theirs}");
    assert!(!theirs.to_string().contains(MARKER));
    let (status, _) = post_json(&w.sim, &w.bob.1, &results_path, json!({"share": true})).await;
    assert_eq!(status, 404);
    assert_eq!(w.fake.requests(), requests);

    // Another question in the thread meanwhile: the model learns only that the result is private.
    let root = if asked.root_id.is_empty() {
        asked.id.clone()
    } else {
        asked.root_id.clone()
    };
    w.sim
        .post_as(&w.alice.0, &w.town, "@ai hello there", &root)
        .await
        .unwrap();
    wait_for(&w.sim, "an answer in the thread", |p| p.message == "Hello.").await;
    let history = w
        .fake
        .seen()
        .last()
        .map(|s| s.body.to_string())
        .unwrap_or_default();
    assert!(
        history.contains("visible only to the user who asked"),
        "{history}"
    );
    assert!(!history.contains(MARKER), "{history}");

    // Shared: on the post, to the channel, and the agent continues with it.
    let (status, body) = post_json(&w.sim, &w.alice.1, &results_path, json!({"share": true})).await;
    assert_eq!(status, 200, "{body}");
    let done = wait_for(&w.sim, "the answer after sharing", |p| {
        p.message.starts_with("Done:")
    })
    .await;
    assert!(done.message.contains(MARKER), "{}", done.message);
    assert_eq!(done.root_id, asked.root_id, "in the thread");
    let shared = now(&w.sim, &asked.id);
    assert!(
        calls(&shared)[0]["result"]
            .as_str()
            .unwrap_or("")
            .contains(MARKER)
    );
    assert_eq!(shared.prop_str("private_tool_results"), Some("shared"));
    assert!(
        !w.sim
            .data()
            .kv
            .keys()
            .any(|k| k.contains(&asked.id) && k.starts_with("tool_private_"))
    );
    let (status, after) = get(&w.sim, &w.alice.1, &results_path).await;
    assert_eq!((status, &after["results"]), (200, &json!([])));

    // Once only.
    let (status, again) = post_json(&w.sim, &w.alice.1, &results_path, json!({"share": false})).await;
    assert_eq!(status, 400, "{again}");
}

async fn results_kept_private_never_reach_the_model(t: Transport) {
    let w = world(t, true, json!([])).await;
    let asked = ask(&w, "get_user_channels").await;
    let (status, _) = post_json(
        &w.sim,
        &w.alice.1,
        &format!("/post/{}/tool_call", asked.id),
        json!({"accepted_tool_ids": ["call_get_user_channels"]}),
    )
    .await;
    assert_eq!(status, 200);
    wait_statuses(&w, &asked.id, &[4]).await;
    let results_path = format!("/post/{}/tool_result", asked.id);
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| {
                d.posts[&asked.id].prop_str("private_tool_results") == Some("pending")
            })
            .await
    );
    let (status, body) = post_json(&w.sim, &w.alice.1, &results_path, json!({"share": false})).await;
    assert_eq!(status, 200, "{body}");
    let done = wait_for(&w.sim, "the answer after keeping it private", |p| {
        p.message.starts_with("Done:")
    })
    .await;
    assert!(
        done.message.contains("keep this tool result private"),
        "{}",
        done.message
    );
    assert!(!model_saw(&w.fake, MARKER), "the model saw the kept result");
    assert!(!public_text(&w.sim).contains(MARKER));
    let kept = now(&w.sim, &asked.id);
    assert_eq!(kept.prop_str("private_tool_results"), Some("kept"));
    let (status, after) = get(&w.sim, &w.alice.1, &results_path).await;
    assert_eq!((status, &after["results"]), (200, &json!([])), "deleted");
    let (status, _) = post_json(&w.sim, &w.alice.1, &results_path, json!({"share": true})).await;
    assert_eq!(status, 400, "decided once");
    assert!(!model_saw(&w.fake, MARKER));
}

async fn only_auto_run_everywhere_runs_unasked_in_channels(t: Transport) {
    let w = world(
        t,
        true,
        json!([
            {"name": "get_user_channels", "policy": "auto_run_everywhere", "enabled": true},
            {"name": "get_team_info", "policy": "auto_run_in_dm", "enabled": true},
        ]),
    )
    .await;
    // Everywhere: runs without asking, the result still private to alice.
    let auto = ask(&w, "get_user_channels").await;
    let ran = wait_statuses(&w, &auto.id, &[4]).await;
    assert_eq!(ran.props.get("auto_tool_round"), Some(&json!(1)));
    assert!(
        w.sim
            .wait_until(Duration::from_secs(10), |d| {
                d.posts[&auto.id].prop_str("private_tool_results") == Some("pending")
            })
            .await
    );
    assert!(!public_text(&w.sim).contains(MARKER));
    let (status, mine) = get(&w.sim, &w.alice.1, &format!("/post/{}/tool_result", auto.id)).await;
    assert_eq!(status, 200);
    assert!(mine.to_string().contains(MARKER), "{mine}");

    // In DMs only: asks in a channel.
    let asked = ask(&w, "get_team_info").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(statuses(&now(&w.sim, &asked.id)), vec![0], "waits for alice");
    assert!(now(&w.sim, &asked.id).props.get("auto_tool_round").is_none());
}

/// The LLM trace logs channel tool calls without their results (the executable's log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_never_logs_private_results() {
    let fake = model().await;
    let mut cfg = config(&fake, true, json!([]));
    cfg["config"]["enableLLMTrace"] = json!(true);
    let sim = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(licensed())
        .plugin_config(cfg)
        .start()
        .await
        .unwrap();
    let (alice, token) = sim.add_user("alice", "system_user");
    let team = sim.add_team("eng");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &alice.id);
    let orchard = sim.add_channel(&team.id, MARKER, "P");
    sim.add_member(&orchard.id, &alice.id);
    sim.post_as(&alice.id, &town.id, "@ai call get_user_channels", "")
        .await
        .unwrap();
    let asked = wait_for(&sim, "the tool call", |p| {
        p.props.contains_key("pending_tool_call")
    })
    .await;
    let (status, _) = post_json(
        &sim,
        &token,
        &format!("/post/{}/tool_call", asked.id),
        json!({"accepted_tool_ids": ["call_get_user_channels"]}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        sim.wait_until(Duration::from_secs(20), |d| {
            d.posts[&asked.id].prop_str("private_tool_results") == Some("pending")
        })
        .await
    );
    let mut logged = false;
    for _ in 0..100 {
        logged = sim
            .stderr_lines()
            .iter()
            .any(|l| l.contains("tool call (result private)"));
        if logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(logged, "the trace logs the call");
    let leaked: Vec<String> = sim
        .stderr_lines()
        .into_iter()
        .filter(|l| l.contains(MARKER))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
}

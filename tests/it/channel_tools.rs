//! Tools in channel threads (issue 15, item 6), with upstream's contract (the mobile app's):
//! off by default (offered and run in DMs only); with `enableChannelMentionToolCalling` an
//! @mentioned agent is offered its tools. Outside a DM the post and its channel see each call
//! without arguments (`pending_tool_call_redacted`), the requester reads them from
//! `tool_call_private`; a call runs after the requester's approval (or unasked under
//! `auto_run_everywhere`, never under `auto_run_in_dm`; status 5 then) with those arguments;
//! its result is the requester's alone (`pending_tool_result`, `tool_result_private`) until
//! they choose which results to share (`POST tool_result {accepted_tool_ids}`): shared ones
//! reach the post and the agent, the others are replaced by a note.

use crate::common::{Under, licensed};
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::Post;
use serde_json::{Value, json};

use crate::common::http::post_json;
use crate::mcp_tools::{tool_calls as calls, wait_for};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
/// The name of a channel only alice is in: it appears in `get_user_channels`'s result for her,
/// and nowhere else.
const MARKER: &str = "orchard";
/// An argument of every call the model makes, which no tool reads and nobody types: it shows
/// up only where the calls' arguments do.
const ARG: &str = "persimmon";
/// The team, which every call names in its arguments (`get_team_info` fails without it).
const TEAM: &str = "quincefield";
/// What the post and the model read in place of a result the requester kept private.
const KEPT: &str = "keep this tool result private";

in_process!(
    channel_tools_are_off_by_default,
    channel_results_stay_private_until_shared,
    results_kept_private_never_reach_the_model,
    only_the_results_chosen_are_shared,
    only_auto_run_everywhere_runs_unasked_in_channels
);

/// The model: "call a+b" calls the tools `a` and `b` (ids `call_<tool>`), each with the
/// arguments `{"team_name": TEAM, "reason": ARG}`; a tool result is answered with
/// "Done: <result>"; anything else with "Hello.".
async fn model() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|seen| {
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
        let last = messages.last().cloned().unwrap_or(Value::Null);
        let content = last["content"].to_string();
        let tools: Vec<String> = content
            .find("call ")
            .map(|at| {
                content[at + 5..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
                    .collect::<String>()
            })
            .unwrap_or_default()
            .split('+')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        Some(if system.starts_with("Write a title") {
            Script::chat_completion(&["Title"], 0, None)
        } else if last["role"] == "tool" {
            let result = last["content"].as_str().unwrap_or("").replace('\n', " ");
            Script::chat_completion(&[&format!("Done: {result}")], 0, None)
        } else if !tools.is_empty() {
            let ids: Vec<String> = tools.iter().map(|t| format!("call_{t}")).collect();
            let list: Vec<(&str, &str, Value)> = tools
                .iter()
                .zip(&ids)
                .map(|(t, id)| (id.as_str(), t.as_str(), json!({"team_name": TEAM, "reason": ARG})))
                .collect();
            Script::chat_tool_calls(&list)
        } else {
            Script::chat_completion(&["Hello."], 0, None)
        })
    });
    fake
}

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

/// Alice and bob in `town`; alice alone in `orchard`; both in the team `TEAM`.
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
    let team = sim.add_team(TEAM);
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

/// Alice asks the agent in `town` to call `tools` ("a+b"); the agent's post asking for them.
async fn ask(w: &World, tools: &str) -> Post {
    let question = w
        .sim
        .post_as(&w.alice.0, &w.town, &format!("@ai call {tools}"), "")
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

/// Waits until the results of the post's calls wait for the requester.
async fn wait_results_pending(w: &World, id: &str) -> Post {
    assert!(
        w.sim
            .wait_until(Duration::from_secs(20), |d| {
                d.posts[id].prop_str("pending_tool_result") == Some("true")
            })
            .await,
        "the results never waited for the requester: {:?}",
        now(&w.sim, id).props
    );
    now(&w.sim, id)
}

async fn approve(w: &World, id: &str, ids: &[&str]) {
    let (status, body) = post_json(
        &w.sim,
        &w.alice.1,
        &format!("/post/{id}/tool_call"),
        json!({"accepted_tool_ids": ids}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The requester shares the results of `ids` (and of no other call).
async fn share(w: &World, id: &str, ids: &[&str]) -> (u16, Value) {
    post_json(
        &w.sim,
        &w.alice.1,
        &format!("/post/{id}/tool_result"),
        json!({"accepted_tool_ids": ids}),
    )
    .await
}

/// Everything public that could carry an argument or a result: every post and every websocket
/// event.
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

/// The tool-call events of `id` sent to `channel`, as their `tool_call` lists.
fn tool_call_events(sim: &Simulator, id: &str, channel: &str) -> Vec<String> {
    sim.data()
        .ws_events
        .iter()
        .filter(|e| {
            e.payload.get("control") == Some(&json!("tool_call"))
                && e.payload.get("post_id") == Some(&json!(id))
                && e.broadcast.channel_id == channel
        })
        .map(|e| e.payload["tool_call"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The calls on the post and in its channel's events are names and statuses only; the post
/// says so.
fn assert_redacted(w: &World, post: &Post) {
    assert_eq!(post.prop_str("pending_tool_call_redacted"), Some("true"));
    for c in calls(post) {
        assert_eq!((&c["arguments"], &c["result"]), (&json!({}), &json!("")), "{c}");
    }
    let events = tool_call_events(&w.sim, &post.id, &w.town);
    assert!(!events.is_empty(), "the channel is told about the calls");
    for e in events {
        let list: Value = serde_json::from_str(&e).unwrap();
        assert!(
            list.as_array()
                .unwrap()
                .iter()
                .all(|c| c["arguments"] == json!({}) && c["result"] == ""),
            "{e}"
        );
    }
    let public = public_text(&w.sim);
    assert!(!public.contains(ARG) && !public.contains(MARKER), "{public}");
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
    // Still, its arguments are nobody's business but alice's.
    assert_redacted(&w, &asked);
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

    // In the DM the same agent is offered its tools as before, and nothing is redacted.
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    w.sim.post_as(&w.alice.0, &dm.id, "hello", "").await.unwrap();
    wait_for(&w.sim, "the DM answer", |p| p.message == "Hello.").await;
    assert!(offered(&w.fake).contains(&"get_user_channels".to_owned()));
    let question = w
        .sim
        .post_as(&w.alice.0, &dm.id, "call get_team_info", "")
        .await
        .unwrap();
    let in_dm = wait_for(&w.sim, "the tool call in the DM", |p| {
        p.prop_str("responding_to") == Some(question.id.as_str()) && p.props.contains_key("pending_tool_call")
    })
    .await;
    assert_eq!(calls(&in_dm)[0]["arguments"]["reason"], ARG);
    assert!(!in_dm.props.contains_key("pending_tool_call_redacted"));
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

    // The post and the channel see the call without its arguments; alice reads them, bob
    // gets a 404.
    assert_redacted(&w, &asked);
    let call_path = format!("/post/{}/tool_call_private", asked.id);
    let (status, mine) = get(&w.sim, &w.alice.1, &call_path).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine[0]["id"], "call_get_user_channels", "{mine}");
    assert_eq!(mine[0]["name"], "get_user_channels");
    assert_eq!(mine[0]["status"], 0);
    assert_eq!(mine[0]["arguments"], json!({"team_name": TEAM, "reason": ARG}));
    let (status, theirs) = get(&w.sim, &w.bob.1, &call_path).await;
    assert_eq!(status, 404, "{theirs}");
    assert!(!theirs.to_string().contains(ARG));

    // Nobody else decides.
    let path = format!("/post/{}/tool_call", asked.id);
    let body = json!({"accepted_tool_ids": ["call_get_user_channels"]});
    let (status, _) = post_json(&w.sim, &w.bob.1, &path, body.clone()).await;
    assert_eq!(status, 403, "only the requester approves");
    approve(&w, &asked.id, &["call_get_user_channels"]).await;
    wait_statuses(&w, &asked.id, &[4]).await;
    let ran = wait_results_pending(&w, &asked.id).await;
    assert_redacted(&w, &ran);

    // No continuation, and neither the arguments nor the result are anywhere public.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let requests = w.fake.requests();
    assert_eq!(requests, 1, "the model waits for the decision");
    assert!(!public_text(&w.sim).contains(TEAM), "{}", public_text(&w.sim));

    // Alice reads her result; bob gets a 404, for reading and deciding alike.
    let results_path = format!("/post/{}/tool_result_private", asked.id);
    let (status, mine) = get(&w.sim, &w.alice.1, &results_path).await;
    assert_eq!(status, 200, "{mine}");
    let first = &mine[0];
    assert_eq!(first["id"], "call_get_user_channels", "{mine}");
    assert_eq!(first["name"], "get_user_channels");
    assert_eq!(first["status"], 4);
    assert!(first["result"].as_str().unwrap_or("").contains(MARKER), "{mine}");
    let (status, theirs) = get(&w.sim, &w.bob.1, &results_path).await;
    assert_eq!(status, 404, "{theirs}");
    assert!(!theirs.to_string().contains(MARKER));
    let share_path = format!("/post/{}/tool_result", asked.id);
    let (status, _) = post_json(
        &w.sim,
        &w.bob.1,
        &share_path,
        json!({"accepted_tool_ids": ["call_get_user_channels"]}),
    )
    .await;
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
    assert!(
        !model_saw(&w.fake, ARG),
        "the model was sent the private arguments"
    );

    // Shared: on the post, to the channel, and the agent continues with it.
    let (status, body) = share(&w, &asked.id, &["call_get_user_channels"]).await;
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
    assert_eq!(statuses(&shared), vec![4]);
    assert!(!shared.props.contains_key("pending_tool_result"));
    assert!(
        !w.sim
            .data()
            .kv
            .keys()
            .any(|k| k.contains(&asked.id) && k.contains("_private:")),
        "the private calls and results are deleted"
    );
    let (status, after) = get(&w.sim, &w.alice.1, &results_path).await;
    assert_eq!(status, 400, "{after}");

    // Once only.
    let (status, again) = share(&w, &asked.id, &[]).await;
    assert_eq!(status, 400, "{again}");
}

async fn results_kept_private_never_reach_the_model(t: Transport) {
    let w = world(t, true, json!([])).await;
    let asked = ask(&w, "get_user_channels").await;
    approve(&w, &asked.id, &["call_get_user_channels"]).await;
    wait_statuses(&w, &asked.id, &[4]).await;
    wait_results_pending(&w, &asked.id).await;
    let (status, body) = share(&w, &asked.id, &[]).await;
    assert_eq!(status, 200, "{body}");
    let done = wait_for(&w.sim, "the answer after keeping it private", |p| {
        p.message.starts_with("Done:")
    })
    .await;
    assert!(done.message.contains(KEPT), "{}", done.message);
    assert!(!model_saw(&w.fake, MARKER), "the model saw the kept result");
    assert!(!public_text(&w.sim).contains(MARKER));
    let kept = now(&w.sim, &asked.id);
    assert!(!kept.props.contains_key("pending_tool_result"));
    assert!(calls(&kept)[0]["result"].as_str().unwrap_or("").contains(KEPT));
    let (status, after) = get(
        &w.sim,
        &w.alice.1,
        &format!("/post/{}/tool_result_private", asked.id),
    )
    .await;
    assert_eq!(status, 400, "deleted: {after}");
    let (status, _) = share(&w, &asked.id, &["call_get_user_channels"]).await;
    assert_eq!(status, 400, "decided once");
    assert!(!model_saw(&w.fake, MARKER));
}

async fn only_the_results_chosen_are_shared(t: Transport) {
    let w = world(t, true, json!([])).await;
    let asked = ask(&w, "get_user_channels+get_team_info").await;
    assert_redacted(&w, &asked);
    let (status, mine) = get(
        &w.sim,
        &w.alice.1,
        &format!("/post/{}/tool_call_private", asked.id),
    )
    .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine.as_array().map(Vec::len), Some(2), "{mine}");
    approve(&w, &asked.id, &["call_get_user_channels", "call_get_team_info"]).await;
    // get_team_info fails without a team: it ran with the arguments the post does not show.
    wait_statuses(&w, &asked.id, &[4, 4]).await;
    let ran = wait_results_pending(&w, &asked.id).await;
    assert_redacted(&w, &ran);
    let (status, results) = get(
        &w.sim,
        &w.alice.1,
        &format!("/post/{}/tool_result_private", asked.id),
    )
    .await;
    assert_eq!(status, 200, "{results}");
    assert_eq!(results.as_array().map(Vec::len), Some(2), "{results}");
    let team_info = format!("handle {TEAM}");
    assert!(results.to_string().contains(&team_info), "{results}");

    // Alice shares the team's description, not her channels.
    let (status, body) = share(&w, &asked.id, &["call_get_team_info"]).await;
    assert_eq!(status, 200, "{body}");
    wait_for(&w.sim, "the answer after sharing", |p| {
        p.message.starts_with("Done:")
    })
    .await;
    let decided = now(&w.sim, &asked.id);
    let list = calls(&decided);
    assert!(
        list[0]["result"].as_str().unwrap_or("").contains(KEPT),
        "{list:?}"
    );
    assert!(
        list[1]["result"].as_str().unwrap_or("").contains(&team_info),
        "{list:?}"
    );
    let continuation = w
        .fake
        .seen()
        .last()
        .map(|s| s.body.to_string())
        .unwrap_or_default();
    assert!(
        continuation.contains(&team_info) && continuation.contains(KEPT),
        "{continuation}"
    );
    assert!(
        !model_saw(&w.fake, MARKER),
        "the model saw the result kept private"
    );
    assert!(!public_text(&w.sim).contains(MARKER));
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
    // Everywhere: runs without asking (status 5), the arguments and result still private to
    // alice.
    let auto = ask(&w, "get_user_channels").await;
    wait_statuses(&w, &auto.id, &[5]).await;
    let ran = wait_results_pending(&w, &auto.id).await;
    assert_eq!(ran.props.get("auto_tool_round"), Some(&json!(1)));
    assert_eq!(ran.prop_str("auto_approved_tool_call"), Some("true"));
    assert_redacted(&w, &ran);
    let (status, mine) = get(
        &w.sim,
        &w.alice.1,
        &format!("/post/{}/tool_result_private", auto.id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(mine.to_string().contains(MARKER), "{mine}");
    assert_eq!(mine[0]["status"], 5);
    let (status, body) = share(&w, &auto.id, &["call_get_user_channels"]).await;
    assert_eq!(status, 200, "{body}");
    let done = wait_for(&w.sim, "the answer after sharing", |p| {
        p.message.starts_with("Done:") && p.prop_str("responding_to") == Some(auto.id.as_str())
    })
    .await;
    assert!(
        done.message.contains(MARKER),
        "status 5 is a success: {}",
        done.message
    );

    // In DMs only: asks in a channel.
    let asked = ask(&w, "get_team_info").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(statuses(&now(&w.sim, &asked.id)), vec![0], "waits for alice");
    assert!(now(&w.sim, &asked.id).props.get("auto_tool_round").is_none());

    // In the DM it runs unasked, as status 5, and the agent continues at once.
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    let question = w
        .sim
        .post_as(&w.alice.0, &dm.id, "call get_team_info", "")
        .await
        .unwrap();
    let tool_post = wait_for(&w.sim, "the tool call in the DM", |p| {
        p.prop_str("responding_to") == Some(question.id.as_str()) && p.props.contains_key("pending_tool_call")
    })
    .await;
    wait_for(&w.sim, "the answer in the DM", |p| {
        p.message.starts_with("Done:") && p.prop_str("responding_to") == Some(tool_post.id.as_str())
    })
    .await;
    let tool_post = now(&w.sim, &tool_post.id);
    assert_eq!(statuses(&tool_post), vec![5]);
    assert_eq!(tool_post.prop_str("auto_approved_tool_call"), Some("true"));
}

/// The LLM trace logs channel tool calls without their arguments or results (the executable's
/// log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_never_logs_private_arguments_or_results() {
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
    let team = sim.add_team(TEAM);
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
            d.posts[&asked.id].prop_str("pending_tool_result") == Some("true")
        })
        .await
    );
    let mut logged = false;
    for _ in 0..100 {
        logged = sim
            .stderr_lines()
            .iter()
            .any(|l| l.contains("tool call (arguments and result private)"));
        if logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(logged, "the trace logs the call");
    let leaked: Vec<String> = sim
        .stderr_lines()
        .into_iter()
        .filter(|l| l.contains(MARKER) || l.contains(ARG))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
}

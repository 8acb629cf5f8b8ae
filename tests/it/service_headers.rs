//! A service's custom headers (`customHeaders`): sent on every request to that service (answers
//! and model listing), never across a redirect to another origin, refused when they would
//! override what the plugin sets or are not valid HTTP, and never shown in the problems, the
//! support packet or the logs. Fake providers on 127.0.0.1 record what they receive.

use crate::common::Under;
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const TENANT: &str = "tenant-secret-7f3a";
const GATEWAY: &str = "gateway-secret-91c2";

in_process!(
    headers_reach_answers_and_model_listing,
    a_redirect_to_another_origin_gets_no_headers,
    headers_that_would_override_the_plugin_or_are_invalid_are_problems,
);

fn headers() -> Value {
    json!([{"name": "X-Tenant", "value": TENANT}, {"name": "X-Gateway-Key", "value": GATEWAY}])
}

fn answer(text: &str) -> Script {
    Script::chat_completion(&[text], 0, Some((10, 2)))
}

async fn start(t: Transport, config: Value) -> (Simulator, String, (String, String)) {
    let sim = Simulator::builder(BIN)
        .under(t)
        .plugin_config(config)
        .start()
        .await
        .unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let bot = sim.bot_user_id("ai").unwrap_or_default();
    let (alice, token) = sim.add_user("alice", "system_user");
    (sim, bot, (alice.id, token))
}

/// Asks the agent in a DM and waits until its answer post is final; the post.
async fn ask(sim: &Simulator, bot: &str, alice: &str) -> plugin_runtime::host::model::Post {
    let dm = sim.direct_channel(alice, bot);
    sim.post_as(alice, &dm.id, "Hello", "").await.unwrap();
    let done = sim
        .wait_until(Duration::from_secs(15), |d| {
            d.ws_events.iter().any(|e| {
                e.event == "custom_mattermost-ai_postupdate"
                    && e.payload.get("control") == Some(&json!("end"))
            })
        })
        .await;
    assert!(done, "the answer did not finish");
    sim.settle().await;
    let data = sim.data();
    let mut posts: Vec<_> = data
        .posts
        .values()
        .filter(|p| p.user_id == bot)
        .cloned()
        .collect();
    posts.sort_by_key(|p| p.create_at);
    posts.pop().expect("an answer post")
}

fn header<'a>(h: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn headers_reach_answers_and_model_listing(t: Transport) {
    let fake = FakeProvider::start(vec![answer("Hi there.")]).await.unwrap();
    fake.route(|seen| {
        seen.uri.ends_with("/models").then(|| {
            Script::json(
                200,
                &json!({"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]}),
            )
        })
    });
    let config = one_agent_config(
        &fake.url,
        json!({"customHeaders": headers()}),
        json!({}),
        json!({}),
    );
    let (sim, bot, (alice, _)) = start(t, config).await;
    let post = ask(&sim, &bot, &alice).await;
    assert!(post.message.starts_with("Hi there."), "{}", post.message);
    let chat = fake
        .seen()
        .into_iter()
        .find(|s| s.uri.ends_with("/chat/completions"))
        .expect("a chat request");
    assert_eq!(header(&chat.headers, "x-tenant"), Some(TENANT));
    assert_eq!(header(&chat.headers, "x-gateway-key"), Some(GATEWAY));
    // The plugin's own headers are untouched.
    assert_eq!(header(&chat.headers, "authorization"), Some("Bearer sk-test"));
    assert_eq!(header(&chat.headers, "content-type"), Some("application/json"));

    // The System Console's "fetch models" sends the service's headers too.
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let (status, body) = crate::common::http::post_json(
        &sim,
        &admin,
        "/admin/models/fetch",
        json!({"serviceType": "openai", "apiKey": "sk-test", "apiURL": fake.url, "customHeaders": headers()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listing = fake
        .seen()
        .into_iter()
        .find(|s| s.uri.ends_with("/models"))
        .expect("a model listing request");
    assert_eq!(header(&listing.headers, "x-tenant"), Some(TENANT));
    assert_eq!(header(&listing.headers, "x-gateway-key"), Some(GATEWAY));

    let check = crate::common::http::get_json(&sim, &admin, "/admin/config/check").await;
    assert_eq!(check["problems"], json!([]), "{check}");
}

async fn a_redirect_to_another_origin_gets_no_headers(t: Transport) {
    // Another port is another origin: it must never see the headers (nor the key).
    let elsewhere = FakeProvider::start(vec![answer("Leaked.")]).await.unwrap();
    let fake = FakeProvider::start(vec![
        // A redirect on the same origin is followed, headers and all.
        Script::status(307, "").header("location", "/v2/chat/completions"),
        answer("Same origin."),
    ])
    .await
    .unwrap();
    let config = one_agent_config(
        &fake.url,
        json!({"customHeaders": headers()}),
        json!({}),
        json!({}),
    );
    let (sim, bot, (alice, _)) = start(t, config).await;
    let post = ask(&sim, &bot, &alice).await;
    assert!(post.message.starts_with("Same origin."), "{}", post.message);
    let seen = fake.seen();
    let followed = seen
        .iter()
        .find(|s| s.uri == "/v2/chat/completions")
        .expect("the redirect was followed");
    assert_eq!(header(&followed.headers, "x-tenant"), Some(TENANT));

    fake.script(vec![
        Script::status(307, "").header("location", &format!("{}/chat/completions", elsewhere.url)),
    ]);
    // The title request may share the queue; every answer from now on is the redirect.
    let before = sim.data().posts.len();
    let dm = sim.direct_channel(&alice, &bot);
    sim.post_as(&alice, &dm.id, "Again", "").await.unwrap();
    let failed = sim
        .wait_until(Duration::from_secs(15), |d| {
            d.posts.len() > before + 1
                && d.posts
                    .values()
                    .any(|p| p.user_id == bot && p.props.contains_key("llm_error"))
        })
        .await;
    assert!(
        failed,
        "the cross-origin redirect did not end the answer with an error"
    );
    sim.settle().await;
    assert_eq!(elsewhere.requests(), 0, "another origin received a request");
}

async fn headers_that_would_override_the_plugin_or_are_invalid_are_problems(t: Transport) {
    let fake = FakeProvider::start(vec![answer("unused")]).await.unwrap();
    let bad = json!([
        {"name": "X-Fine", "value": "ok"},
        {"name": "Authorization", "value": "Bearer hidden-auth-1"},
        {"name": "Bad Header", "value": "x"},
        {"name": "X-Split", "value": "a\r\nX-Injected: hidden-split-2"},
        {"name": "host", "value": "evil.example"},
        {"name": "x-fine", "value": "twice"},
        {"name": "X-Amz-Date", "value": "20200101T000000Z"}
    ]);
    let config = one_agent_config(&fake.url, json!({"customHeaders": bad}), json!({}), json!({}));
    let (sim, _, _) = start(t, config).await;
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let check = crate::common::http::get_json(&sim, &admin, "/admin/config/check").await;
    let problems = check["problems"].as_array().cloned().unwrap_or_default();
    let paths: Vec<&str> = problems.iter().filter_map(|p| p["path"].as_str()).collect();
    for want in [
        "services[0].customHeaders[1].name",
        "services[0].customHeaders[2].name",
        "services[0].customHeaders[3].value",
        "services[0].customHeaders[4].name",
        "services[0].customHeaders[5].name",
        "services[0].customHeaders[6].name",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("services[0].customHeaders[0]")),
        "{paths:?}"
    );
    let text = check.to_string();
    assert!(
        !text.contains("hidden-auth-1") && !text.contains("hidden-split-2"),
        "{text}"
    );
    // A service with bad headers is not used: its agent is off until they are fixed.
    assert_eq!(check["agents"]["active"], json!([]), "{check}");
}

/// Under a real transport, where the plugin's own log lines can be read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_values_stay_out_of_logs_and_the_support_packet() {
    let fake = FakeProvider::start(vec![Script::status(500, r#"{"error":{"message":"boom"}}"#)])
        .await
        .unwrap();
    let config = one_agent_config(
        &fake.url,
        json!({"customHeaders": headers()}),
        json!({}),
        json!({"enableLLMTrace": true}),
    );
    let (sim, bot, (alice, _)) = start(Transport::NetRpc, config).await;
    let post = ask(&sim, &bot, &alice).await;
    assert!(post.props.contains_key("llm_error"), "{:?}", post.props);
    assert_eq!(header(&fake.seen()[0].headers, "x-tenant"), Some(TENANT));
    let files = sim.fire_support_packet().await.unwrap();
    let packet: String = files
        .iter()
        .map(|f| String::from_utf8_lossy(&f.body).into_owned())
        .collect();
    let logs = sim.stderr_lines().join("\n");
    for secret in [TENANT, GATEWAY] {
        assert!(!packet.contains(secret), "{secret} in the support packet");
        assert!(!logs.contains(secret), "{secret} in the plugin's log");
    }
    assert!(sim.shutdown().await.unwrap());
}

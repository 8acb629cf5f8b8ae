//! Ask Sage against a fake query endpoint on 127.0.0.1: request shape (token header, message
//! list, system prompt kept), the whole answer as one event, and faults.

use std::time::Duration;

use crate::common::failed_answer;
use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::asksage::AskSage;
use mattermost_ai::llm::{ErrorClass, Event, LanguageModel, Message, Request, Role};
use mattermost_ai::outbound::{OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script};
use serde_json::json;

async fn client(scripts: Vec<Script>) -> (AskSage, FakeProvider) {
    let f = FakeProvider::start(scripts).await.unwrap();
    let svc = ServiceConfig {
        service_type: "asage".into(),
        api_key: "sage-token".into(),
        api_url: format!("{}/server", f.url),
        default_model: "gpt-4o".into(),
        ..Default::default()
    };
    let c = AskSage::from_service(&svc, OutboundClient::new(OutboundSettings::default()).unwrap())
        .with_timeout(Duration::from_millis(500));
    (c, f)
}

fn convo() -> Request {
    Request {
        messages: vec![
            Message::text(Role::System, "You are Sage."),
            Message::text(Role::User, "@alice: hi"),
            Message::text(Role::Assistant, "Hello!"),
            Message::text(Role::User, "@alice: what is 2+2?"),
        ],
        ..Default::default()
    }
}

#[tokio::test]
async fn the_whole_answer_arrives_as_one_event_with_the_system_prompt_kept() {
    let (c, f) = client(vec![Script::json(
        200,
        &json!({"message": "4", "response": "OK", "status": 200}),
    )])
    .await;
    let mut s = c.stream(&convo()).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = s.recv().await {
        events.push(e);
    }
    assert_eq!(events[0], Event::Text("4".into()));
    assert!(matches!(events[1], Event::Usage(u) if u.input_tokens > 0 && u.output_tokens > 0));
    assert!(matches!(events[2], Event::End(_)));
    let seen = &f.seen()[0];
    assert_eq!(seen.uri, "/server/query");
    assert_eq!(seen.headers["x-access-tokens"], "sage-token");
    assert_eq!(seen.body["system_prompt"], "You are Sage.");
    assert_eq!(seen.body["model"], "gpt-4o");
    assert_eq!(seen.body["usage"], true);
    assert!(seen.body.get("persona").is_none(), "{}", seen.body);
    assert_eq!(
        seen.body["message"],
        json!([{"user": "me", "message": "@alice: hi"}, {"user": "gpt", "message": "Hello!"},
               {"user": "me", "message": "@alice: what is 2+2?"}])
    );
}

#[tokio::test]
async fn reported_usage_is_preferred_to_the_estimate() {
    let (c, _f) = client(vec![Script::json(
        200,
        &json!({"message": "4", "response": "OK", "status": 200,
                "usage": {"prompt_tokens": 321, "completion_tokens": 7, "total_tokens": 328}}),
    )])
    .await;
    let mut s = c.stream(&convo()).await.unwrap();
    let mut usage = None;
    while let Some(e) = s.recv().await {
        if let Event::Usage(u) = e {
            usage = Some(u);
        }
    }
    let u = usage.expect("a usage event");
    assert_eq!((u.input_tokens, u.output_tokens), (321, 7));
}

#[tokio::test]
async fn faults_have_their_class() {
    for (script, class) in [
        (
            Script::status(401, r#"{"message":"Invalid token"}"#),
            ErrorClass::Authentication,
        ),
        (Script::status(500, "oops"), ErrorClass::Unavailable),
        (
            Script::json(200, &json!({"status": 429, "response": "Too many requests"})),
            ErrorClass::RateLimited,
        ),
        (
            Script::json(200, &json!({"response": "OK"})),
            ErrorClass::Malformed,
        ),
        (
            Script::status(200, "<html>not json</html>"),
            ErrorClass::Malformed,
        ),
    ] {
        let (c, _) = client(vec![script]).await;
        let (_, err) = failed_answer(&c, &convo()).await;
        assert_eq!(err.class, class, "{err:?}");
        assert!(!err.detail.contains("sage-token"));
    }
    // Silence longer than the timeout.
    let mut slow = Script::json(200, &json!({"message": "late"}));
    slow.chunks[0].0 = 2000;
    let (c, _) = client(vec![slow]).await;
    let (_, err) = failed_answer(&c, &convo()).await;
    assert_eq!(err.class, ErrorClass::Timeout);
}

//! Embeddings against a fake OpenAI endpoint: request shape, order by index, faults.

use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::embeddings::OpenAiEmbeddings;
use mattermost_ai::llm::{Embedder, ErrorClass};
use mattermost_ai::outbound::{OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script};
use serde_json::json;

fn embedder(url: &str) -> OpenAiEmbeddings {
    let svc = ServiceConfig {
        service_type: "openai".into(),
        api_key: "sk-embed".into(),
        api_url: url.into(),
        ..Default::default()
    };
    OpenAiEmbeddings::new(
        &svc,
        "text-embedding-3-small",
        3,
        OutboundClient::new(OutboundSettings::default()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn vectors_come_back_in_input_order() {
    let answer = json!({"object": "list", "data": [
        {"object": "embedding", "index": 1, "embedding": [0.4, 0.5, 0.6]},
        {"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]},
    ], "usage": {"prompt_tokens": 4, "total_tokens": 4}});
    let f = FakeProvider::start(vec![Script::json(200, &answer)])
        .await
        .unwrap();
    let e = embedder(&f.url);
    let v = e.embed(&["first".into(), "second".into()]).await.unwrap();
    assert_eq!(v, vec![vec![0.1, 0.2, 0.3], vec![0.4, 0.5, 0.6]]);
    let seen = &f.seen()[0];
    assert_eq!(seen.uri, "/embeddings");
    assert_eq!(seen.headers["authorization"], "Bearer sk-embed");
    assert_eq!(seen.body["input"], json!(["first", "second"]));
    assert_eq!(seen.body["dimensions"], 3);
    assert_eq!(e.dimensions(), 3);
}

#[tokio::test]
async fn faults_are_classified() {
    for (script, class) in [
        (Script::status(401, "{}"), ErrorClass::Authentication),
        (Script::status(429, "{}"), ErrorClass::RateLimited),
        (Script::json(200, &json!({"data": []})), ErrorClass::Malformed),
    ] {
        let f = FakeProvider::start(vec![script]).await.unwrap();
        let err = embedder(&f.url).embed(&["x".into()]).await.unwrap_err();
        assert_eq!(err.class, class);
    }
}

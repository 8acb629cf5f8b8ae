//! The Chat Completions provider against a fake OpenAI server on 127.0.0.1 that checks the
//! request shape and streams scripted SSE, faults included. Nothing here talks to the internet.

use std::time::Duration;

use crate::common::failed_answer;
use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::openai::ChatCompletions;
use mattermost_ai::llm::{ErrorClass, FinishReason, LanguageModel, Message, Part, Role, ToolSpec, collect};
use mattermost_ai::outbound::{HostAllowlist, OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script};
use serde_json::{Value, json};

async fn fake(scripts: Vec<Script>) -> (String, FakeProvider) {
    let f = FakeProvider::start(scripts).await.unwrap();
    (f.url.clone(), f)
}

fn sse(events: &[Value]) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = events.iter().map(|e| (0, format!("data: {e}\n\n"))).collect();
    out.push((0, "data: [DONE]\n\n".into()));
    out
}

fn ok(chunks: Vec<(u64, String)>) -> Script {
    Script::sse(chunks)
}

fn delta(content: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
}

fn done(reason: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
}

fn service(kind: &str, url: &str) -> ServiceConfig {
    ServiceConfig {
        id: "s".into(),
        service_type: kind.into(),
        api_key: "sk-test-key".into(),
        api_url: url.into(),
        default_model: "gpt-4o".into(),
        org_id: "org-1".into(),
        send_user_id: true,
        output_token_limit: 512,
        ..Default::default()
    }
}

fn client(s: &ServiceConfig) -> ChatCompletions {
    ChatCompletions::from_service(s, outbound())
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(400))
}

fn outbound() -> OutboundClient {
    OutboundClient::new(OutboundSettings::default()).unwrap()
}

fn hello() -> mattermost_ai::llm::Request {
    mattermost_ai::llm::Request {
        messages: vec![
            Message::text(Role::System, "You are helpful."),
            Message::text(Role::User, "Hi"),
        ],
        user_id: Some("user-1".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn streams_text_and_usage_with_the_documented_request() {
    let usage =
        json!({"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}});
    let (url, f) = fake(vec![ok(sse(&[delta("Hel"), delta("lo!"), done("stop"), usage]))]).await;
    let (text, calls, u, end) =
        collect(client(&service("openai", &url)).stream(&hello()).await.unwrap()).await;
    assert_eq!(
        (text.as_str(), calls.len(), end),
        ("Hello!", 0, Ok(FinishReason::Stop))
    );
    assert_eq!(u.map(|u| (u.input_tokens, u.output_tokens)), Some((12, 3)));
    let seen = f.seen()[0].clone();
    assert_eq!(seen.uri, "/chat/completions");
    assert_eq!(seen.headers["authorization"], "Bearer sk-test-key");
    assert_eq!(seen.headers["openai-organization"], "org-1");
    let b = &seen.body;
    assert_eq!(
        (b["model"].clone(), b["stream"].clone()),
        (json!("gpt-4o"), json!(true))
    );
    assert_eq!(b["stream_options"], json!({"include_usage": true}));
    assert_eq!(b["max_completion_tokens"], 512);
    assert_eq!(b["user"], "user-1");
    assert_eq!(
        b["messages"],
        json!([{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "Hi"}])
    );
}

#[tokio::test]
async fn tool_calls_arrive_whole_from_fragments() {
    let frag = |i: u64, id: Option<&str>, name: Option<&str>, args: &str| {
        let mut f = json!({"index": i, "function": {"arguments": args}});
        if let Some(id) = id {
            f["id"] = json!(id);
            f["type"] = json!("function");
        }
        if let Some(n) = name {
            f["function"]["name"] = json!(n);
        }
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [f]}}]})
    };
    let events = [
        frag(0, Some("call_1"), Some("lookup_user"), "{\"user"),
        frag(0, None, None, "name\":\"al\"}"),
        frag(1, Some("call_2"), Some("get_time"), "{}"),
        done("tool_calls"),
    ];
    let (url, f) = fake(vec![ok(sse(&events))]).await;
    let mut req = hello();
    req.tools = vec![ToolSpec {
        name: "lookup_user".into(),
        description: "Find a user".into(),
        parameters: json!({"type": "object"}),
    }];
    let (_, calls, _, end) = collect(client(&service("openai", &url)).stream(&req).await.unwrap()).await;
    assert_eq!(end, Ok(FinishReason::ToolCalls));
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (
            calls[0].id.as_str(),
            calls[0].name.as_str(),
            calls[0].arguments.as_str()
        ),
        ("call_1", "lookup_user", "{\"username\":\"al\"}")
    );
    let body = f.seen()[0].body.clone();
    assert_eq!(
        body["tools"][0],
        json!({"type": "function", "function": {"name": "lookup_user", "description": "Find a user", "parameters": {"type": "object"}}})
    );

    // The next turn replays the calls and their results in the documented shape.
    let msg = Message {
        role: Role::Assistant,
        parts: vec![],
        tool_calls: calls.clone(),
        tool_call_id: None,
        thinking: None,
    };
    let body = client(&service("openai", &url)).body(
        &mattermost_ai::llm::Request {
            messages: vec![msg, Message::tool_result("call_1", "al is Alice")],
            ..Default::default()
        },
        true,
    );
    assert_eq!(
        body["messages"][0]["tool_calls"][0]["function"]["name"],
        "lookup_user"
    );
    assert_eq!(
        body["messages"][1],
        json!({"role": "tool", "content": "al is Alice", "tool_call_id": "call_1"})
    );
}

#[tokio::test]
async fn images_go_as_data_urls() {
    let (url, f) = fake(vec![ok(sse(&[delta("a cat"), done("stop")]))]).await;
    let mut req = hello();
    req.messages[1].parts.push(Part::Image {
        mime: "image/png".into(),
        data: vec![1, 2, 3],
    });
    assert!(
        collect(client(&service("openai", &url)).stream(&req).await.unwrap())
            .await
            .3
            .is_ok()
    );
    let content = f.seen()[0].body["messages"][1]["content"].clone();
    assert_eq!(
        content,
        json!([{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AQID"}}])
    );
}

#[tokio::test]
async fn azure_uses_its_deployment_url_and_api_key_header() {
    let (url, f) = fake(vec![ok(sse(&[delta("ok"), done("stop")]))]).await;
    let (text, ..) = collect(client(&service("azure", &url)).stream(&hello()).await.unwrap()).await;
    assert_eq!(text, "ok");
    let seen = f.seen()[0].clone();
    assert_eq!(
        seen.uri,
        "/openai/deployments/gpt-4o/chat/completions?api-version=2025-04-01-preview"
    );
    assert_eq!(seen.headers["api-key"], "sk-test-key");
    assert!(seen.headers.get("authorization").is_none());
}

#[tokio::test]
async fn azure_given_its_v1_endpoint_puts_the_model_in_the_body() {
    let (url, f) = fake(vec![ok(sse(&[delta("ok"), done("stop")]))]).await;
    let s = service("azure", &format!("{url}/openai/v1/"));
    let (text, ..) = collect(client(&s).stream(&hello()).await.unwrap()).await;
    assert_eq!(text, "ok");
    let seen = f.seen()[0].clone();
    assert_eq!(seen.uri, "/openai/v1/chat/completions");
    assert_eq!(seen.body["model"], "gpt-4o");
    assert_eq!(seen.headers["api-key"], "sk-test-key");
}

#[tokio::test]
async fn mistral_and_cohere_get_max_tokens_and_no_user_or_stream_options() {
    for kind in ["mistral", "cohere"] {
        let (url, f) = fake(vec![ok(sse(&[delta("hola"), done("stop")]))]).await;
        let (text, .., end) = collect(client(&service(kind, &url)).stream(&hello()).await.unwrap()).await;
        assert_eq!(text, "hola", "{kind}");
        assert!(end.is_ok(), "{kind}");
        let seen = f.seen()[0].clone();
        assert_eq!(seen.uri, "/chat/completions", "{kind}");
        assert_eq!(seen.headers["authorization"], "Bearer sk-test-key", "{kind}");
        let b = seen.body;
        assert_eq!(b["max_tokens"], 512, "{kind}");
        assert!(
            b.get("max_completion_tokens").is_none()
                && b.get("user").is_none()
                && b.get("stream_options").is_none(),
            "{kind}: {b}"
        );
    }
}

#[tokio::test]
async fn a_compatible_server_that_rejects_stream_options_is_retried_without() {
    let reject = Script::status(
        400,
        r#"{"error":{"message":"Unrecognized request argument supplied: stream_options"}}"#,
    );
    let (url, f) = fake(vec![reject, ok(sse(&[delta("fine"), done("stop")]))]).await;
    let mut s = service("openaicompatible", &url);
    s.api_key.clear();
    let c = client(&s);
    let (text, ..) = collect(c.stream(&hello()).await.unwrap()).await;
    assert_eq!(text, "fine");
    assert!(collect(c.stream(&hello()).await.unwrap()).await.3.is_ok());
    let seen = f.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen[0].body.get("stream_options").is_some());
    assert!(
        seen[1].body.get("stream_options").is_none() && seen[2].body.get("stream_options").is_none(),
        "remembered"
    );
    assert!(
        seen[1].headers.get("authorization").is_none(),
        "no key, no header"
    );
}

async fn failure(script: Script) -> (String, mattermost_ai::llm::LlmError) {
    let (url, _) = fake(vec![script]).await;
    failed_answer(&client(&service("openai", &url)), &hello()).await
}

#[tokio::test]
async fn every_fault_has_its_class() {
    let status = Script::status;
    let cases = [
        (
            status(
                401,
                r#"{"error":{"message":"Incorrect API key provided: sk-te****"}}"#,
            ),
            ErrorClass::Authentication,
        ),
        (
            status(403, r#"{"error":{"message":"not allowed"}}"#),
            ErrorClass::Permission,
        ),
        (
            status(404, r#"{"error":{"message":"The model `gpt-9` does not exist"}}"#),
            ErrorClass::ModelNotFound,
        ),
        (
            status(
                400,
                r#"{"error":{"code":"context_length_exceeded","message":"maximum context length is 8192 tokens"}}"#,
            ),
            ErrorClass::ContextTooLong,
        ),
        (status(500, "upstream exploded"), ErrorClass::Unavailable),
        (status(503, ""), ErrorClass::Unavailable),
    ];
    for (script, class) in cases {
        let (_, e) = failure(script).await;
        assert_eq!(e.class, class, "{e}");
        assert!(!e.user_message().contains("sk-test-key"));
    }

    let limited = Script::status(429, "slow down").header("retry-after", "7");
    let (_, e) = failure(limited).await;
    assert_eq!(
        (e.class, e.retry_after),
        (ErrorClass::RateLimited, Some(Duration::from_secs(7)))
    );
    assert!(e.user_message().contains("7 seconds"));
}

#[tokio::test]
async fn stream_faults_keep_the_partial_answer() {
    // Cut: the connection ends mid-answer.
    let cut = ok(vec![(0, format!("data: {}\n\n", delta("Half an ans")))]);
    let (text, e) = failure(cut).await;
    assert_eq!((text.as_str(), e.class), ("Half an ans", ErrorClass::Unavailable));

    // Garbage where an event should be.
    let garbage = ok(vec![
        (0, format!("data: {}\n\n", delta("Before"))),
        (0, "data: {not json\n\n".into()),
    ]);
    let (text, e) = failure(garbage).await;
    assert_eq!((text.as_str(), e.class), ("Before", ErrorClass::Malformed));

    // Silence longer than the streaming timeout (400 ms here).
    let silent = ok(vec![
        (0, format!("data: {}\n\n", delta("Wait"))),
        (2000, format!("data: {}\n\n", delta("late"))),
    ]);
    let (text, e) = failure(silent).await;
    assert_eq!((text.as_str(), e.class), ("Wait", ErrorClass::Timeout));

    // An error object inside the stream.
    let inline = ok(vec![(
        0,
        format!("data: {}\n\n", json!({"error": {"message": "overloaded"}})),
    )]);
    let (_, e) = failure(inline).await;
    assert_eq!(e.class, ErrorClass::Unavailable);
}

#[tokio::test]
async fn dropping_the_stream_closes_the_upstream_request() {
    let slow: Vec<(u64, String)> = (0..50)
        .map(|i| (50, format!("data: {}\n\n", delta(&format!("{i} ")))))
        .collect();
    let (url, _) = fake(vec![ok(slow)]).await;
    let c = ChatCompletions::from_service(&service("openai", &url), outbound())
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_secs(5));
    let mut s = c.stream(&hello()).await.unwrap();
    let first = s.recv().await;
    assert!(matches!(first, Some(mattermost_ai::llm::Event::Text(_))));
    drop(s);
    // The fake's sender fails once the client hangs up; give it a moment and make sure the
    // process is not still pulling 50 chunks (no hang, no panic).
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn hosts_outside_the_allowlist_are_refused_before_connecting() {
    let (url, f) = fake(vec![ok(sse(&[delta("never"), done("stop")]))]).await;
    let out = outbound();
    out.set_allowlist(HostAllowlist::parse("api.openai.com, *.example.com").unwrap());
    let c = ChatCompletions::from_service(&service("openai", &url), out.clone()).unwrap();
    let e = c.stream(&hello()).await.expect_err("refused");
    assert_eq!(e.class, ErrorClass::Permission);
    assert!(
        e.detail.contains("127.0.0.1") && e.detail.contains("Allowed Upstream Hostnames"),
        "{}",
        e.detail
    );
    assert!(f.seen().is_empty(), "nothing was sent");
    out.set_allowlist(HostAllowlist::parse("127.0.0.1").unwrap());
    assert!(collect(c.stream(&hello()).await.unwrap()).await.3.is_ok());
}

#[tokio::test]
async fn a_compatible_server_that_rejects_tools_is_retried_without_and_remembered() {
    let reject = Script::status(
        400,
        r#"{"error":{"message":"registry.ollama.ai/library/gemma:2b does not support tools"}}"#,
    );
    let (url, f) = fake(vec![reject, ok(sse(&[delta("plain answer"), done("stop")]))]).await;
    let mut svc = service("openaicompatible", &url);
    svc.api_key.clear();
    let c = client(&svc);
    let mut req = hello();
    req.tools = vec![ToolSpec {
        name: "LookupMattermostUser".into(),
        description: "d".into(),
        parameters: json!({"type": "object"}),
    }];
    let (text, _, _, end) = collect(c.stream(&req.clone()).await.unwrap()).await;
    assert_eq!((text.as_str(), end.is_ok()), ("plain answer", true));
    let seen = f.seen();
    assert!(seen[0].body.get("tools").is_some());
    assert!(seen[1].body.get("tools").is_none(), "retried without tools");
    // Remembered: the next request goes without tools straight away.
    assert!(collect(c.stream(&req).await.unwrap()).await.3.is_ok());
    assert_eq!(f.seen().len(), 3);
    assert!(f.seen()[2].body.get("tools").is_none());
}

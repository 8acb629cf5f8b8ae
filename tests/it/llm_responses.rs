//! The OpenAI Responses API provider against a fake server on 127.0.0.1: request shape
//! (instructions, input items, tools, reasoning, web search, safety identifier), streamed
//! text, reasoning summaries, function calls, URL citations, usage and faults.

use std::time::Duration;

use crate::common::failed_answer;
use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::responses::Responses;
use mattermost_ai::llm::{
    Effort, ErrorClass, Event, FinishReason, LanguageModel, Message, Part, ReasoningOptions, Request, Role,
    ToolCall, ToolSpec, collect,
};
use mattermost_ai::outbound::{OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script};
use serde_json::{Value, json};

fn ev(v: Value) -> (u64, String) {
    let kind = v["type"].as_str().unwrap_or("").to_owned();
    (0, format!("event: {kind}\ndata: {v}\n\n"))
}

fn completed(input: u64, output: u64) -> (u64, String) {
    ev(
        json!({"type": "response.completed", "response": {"status": "completed", "usage": {"input_tokens": input, "output_tokens": output}}}),
    )
}

fn service(kind: &str, url: &str) -> ServiceConfig {
    ServiceConfig {
        service_type: kind.into(),
        api_key: "sk-test-key".into(),
        api_url: url.into(),
        org_id: "org-1".into(),
        default_model: "gpt-5".into(),
        send_user_id: true,
        use_responses_api: true,
        ..Default::default()
    }
}

fn client(s: &ServiceConfig) -> Responses {
    Responses::from_service(s, OutboundClient::new(OutboundSettings::default()).unwrap())
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(400))
}

fn request() -> Request {
    let mut earlier = Message::text(Role::Assistant, "Checking.");
    earlier.tool_calls = vec![ToolCall {
        id: "call_0".into(),
        name: "LookupMattermostUser".into(),
        arguments: "{\"username\":\"bob\"}".into(),
    }];
    let mut user = Message::text(Role::User, "@alice: and this?");
    user.parts.push(Part::Image {
        mime: "image/png".into(),
        data: vec![1, 2, 3],
    });
    Request {
        messages: vec![
            Message::text(Role::System, "You are helpful."),
            Message::text(Role::User, "@alice: who is bob?"),
            earlier,
            Message::tool_result("call_0", "Username: @bob"),
            user,
        ],
        user_id: Some("user-1".into()),
        reasoning: Some(ReasoningOptions {
            budget_tokens: 0,
            effort: Effort::High,
        }),
        web_search: true,
        tools: vec![ToolSpec {
            name: "LookupMattermostUser".into(),
            description: "d".into(),
            parameters: json!({"type": "object"}),
        }],
        max_output_tokens: Some(900),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_documented_request_and_a_streamed_answer_with_reasoning_and_citations() {
    let f = FakeProvider::start(vec![Script::sse(vec![
        ev(json!({"type": "response.created", "response": {"status": "in_progress"}})),
        ev(json!({"type": "response.reasoning_summary_text.delta", "delta": "Thinking about bob."})),
        ev(json!({"type": "response.output_item.added", "output_index": 1, "item": {"type": "message", "id": "msg_1"}})),
        ev(json!({"type": "response.output_text.delta", "output_index": 1, "delta": "Bob works "})),
        ev(json!({"type": "response.output_text.delta", "output_index": 1, "delta": "at Example."})),
        ev(json!({"type": "response.output_text.annotation.added", "annotation": {"type": "url_citation", "start_index": 0, "end_index": 21, "url": "https://example.com/bob", "title": "Bob"}})),
        completed(120, 30),
    ])])
    .await
    .unwrap();
    let c = client(&service("openai", &f.url));
    let mut s = c.stream(&request()).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = s.recv().await {
        events.push(e);
    }
    assert_eq!(events[0], Event::Reasoning("Thinking about bob.".into()));
    assert_eq!(events[1], Event::Text("Bob works ".into()));
    match &events[3] {
        Event::Annotations(a) => {
            assert_eq!(
                (a[0].url.as_str(), a[0].start_index, a[0].end_index, a[0].index),
                ("https://example.com/bob", 0, 21, 1)
            );
            assert_eq!(a[0].kind, "url_citation");
        }
        other => panic!("{other:?}"),
    }
    assert!(events.contains(&Event::Usage(mattermost_ai::llm::Usage {
        input_tokens: 120,
        output_tokens: 30
    })));
    assert_eq!(events.last(), Some(&Event::End(FinishReason::Stop)));

    let seen = &f.seen()[0];
    assert_eq!(seen.uri, "/responses");
    assert_eq!(seen.headers["authorization"], "Bearer sk-test-key");
    assert_eq!(seen.headers["openai-organization"], "org-1");
    let b = &seen.body;
    assert_eq!(b["model"], "gpt-5");
    assert_eq!(b["instructions"], "You are helpful.");
    assert_eq!(b["stream"], true);
    assert_eq!(b["store"], false);
    assert_eq!(b["max_output_tokens"], 900);
    assert_eq!(b["safety_identifier"], "user-1");
    assert!(
        b.get("user").is_none(),
        "the Responses API takes safety_identifier, not user"
    );
    assert_eq!(b["reasoning"], json!({"effort": "high", "summary": "auto"}));
    let tools = b["tools"].as_array().unwrap();
    assert_eq!(
        tools[0],
        json!({"type": "function", "name": "LookupMattermostUser", "description": "d", "parameters": {"type": "object"}})
    );
    assert_eq!(tools[1], json!({"type": "web_search"}));
    let input = b["input"].as_array().unwrap();
    assert_eq!(
        input[0],
        json!({"role": "user", "content": [{"type": "input_text", "text": "@alice: who is bob?"}]})
    );
    assert_eq!(
        input[1],
        json!({"role": "assistant", "content": [{"type": "output_text", "text": "Checking."}]})
    );
    assert_eq!(
        input[2],
        json!({"type": "function_call", "call_id": "call_0", "name": "LookupMattermostUser", "arguments": "{\"username\":\"bob\"}"})
    );
    assert_eq!(
        input[3],
        json!({"type": "function_call_output", "call_id": "call_0", "output": "Username: @bob"})
    );
    assert_eq!(
        input[4]["content"][1],
        json!({"type": "input_image", "image_url": "data:image/png;base64,AQID"})
    );
}

#[tokio::test]
async fn function_calls_end_the_stream_for_approval() {
    let f = FakeProvider::start(vec![Script::sse(vec![
        ev(json!({"type": "response.output_item.added", "output_index": 0, "item": {"type": "function_call", "call_id": "call_9", "name": "GetJiraIssue", "arguments": ""}})),
        ev(json!({"type": "response.function_call_arguments.delta", "output_index": 0, "delta": "{\"issue_keys\":"})),
        ev(json!({"type": "response.function_call_arguments.delta", "output_index": 0, "delta": "[\"MM-1\"]}"})),
        completed(10, 5),
    ])])
    .await
    .unwrap();
    let (_, calls, usage, end) = collect(
        client(&service("openai", &f.url))
            .stream(&request())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(end.unwrap(), FinishReason::ToolCalls);
    assert_eq!(
        calls,
        vec![ToolCall {
            id: "call_9".into(),
            name: "GetJiraIssue".into(),
            arguments: "{\"issue_keys\":[\"MM-1\"]}".into()
        }]
    );
    assert_eq!(usage.unwrap().output_tokens, 5);
}

#[tokio::test]
async fn azure_uses_its_v1_path_and_api_key_and_no_user_id_when_off() {
    let f = FakeProvider::start(vec![Script::sse(vec![
        ev(json!({"type": "response.output_text.delta", "delta": "ok"})),
        ev(json!({"type": "response.incomplete", "response": {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}})),
    ])])
    .await
    .unwrap();
    let mut s = service("azure", &f.url);
    s.send_user_id = false;
    let (text, _, _, end) = collect(client(&s).stream(&request()).await.unwrap()).await;
    assert_eq!((text.as_str(), end.unwrap()), ("ok", FinishReason::Length));
    let seen = &f.seen()[0];
    assert_eq!(seen.uri, "/openai/v1/responses");
    assert_eq!(seen.headers["api-key"], "sk-test-key");
    assert!(seen.headers.get("authorization").is_none());
    assert!(seen.body.get("safety_identifier").is_none());

    // The endpoint may be given with the v1 path already on it.
    let s = service("azure", &format!("{}/openai/v1", f.url));
    let _ = collect(client(&s).stream(&request()).await.unwrap()).await;
    assert_eq!(f.seen()[1].uri, "/openai/v1/responses");
}

async fn failure(script: Script) -> (String, mattermost_ai::llm::LlmError) {
    let f = FakeProvider::start(vec![script]).await.unwrap();
    failed_answer(&client(&service("openai", &f.url)), &request()).await
}

#[tokio::test]
async fn every_fault_has_its_class_and_keeps_the_partial_text() {
    for (script, class) in [
        (
            Script::status(
                401,
                r#"{"error":{"message":"Incorrect API key provided: sk-te****"}}"#,
            ),
            ErrorClass::Authentication,
        ),
        (Script::status(500, "oops"), ErrorClass::Unavailable),
        (
            Script::status(404, r#"{"error":{"message":"The model `gpt-9` does not exist"}}"#),
            ErrorClass::ModelNotFound,
        ),
    ] {
        let (_, e) = failure(script).await;
        assert_eq!(e.class, class, "{e:?}");
        assert!(!e.detail.contains("sk-test-key"));
    }
    let (_, e) = failure(Script::status(429, "slow").header("retry-after", "9")).await;
    assert_eq!(
        (e.class, e.retry_after),
        (ErrorClass::RateLimited, Some(Duration::from_secs(9)))
    );

    let partial = || ev(json!({"type": "response.output_text.delta", "delta": "Half"}));
    let (text, e) = failure(Script::sse(vec![
        partial(),
        ev(json!({"type": "response.failed", "response": {"status": "failed", "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached"}}})),
    ]))
    .await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::RateLimited));
    let (text, e) = failure(Script::sse(vec![
        partial(),
        (0, "event: response.output_text.delta\ndata: {not json\n\n".into()),
    ]))
    .await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::Malformed));
    let (text, e) = failure(Script::sse(vec![partial()])).await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::Unavailable));
    let (text, e) = failure(Script::sse(vec![
        partial(),
        (2000, "event: x\ndata: {}\n\n".into()),
    ]))
    .await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::Timeout));
}

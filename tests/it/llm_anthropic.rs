//! The Anthropic Messages provider against a fake Anthropic server on 127.0.0.1: request shape,
//! streamed text, tool use, images, extended thinking with its signature replayed, usage and
//! faults. Nothing here talks to the internet.

use std::time::Duration;

use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::anthropic::Messages;
use mattermost_ai::llm::{
    ErrorClass, Event, FinishReason, LanguageModel, Message, Part, ReasoningOptions, Role, Thinking,
    ToolCall, ToolSpec, collect,
};
use mattermost_ai::outbound::{OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script};
use serde_json::{Value, json};

async fn start(status: u16, events: Vec<(u64, String)>) -> (Messages, FakeProvider) {
    let mut script = Script::sse(events);
    script.status = status;
    let f = FakeProvider::start(vec![script]).await.unwrap();
    let svc = ServiceConfig {
        service_type: "anthropic".into(),
        api_key: "ak-test".into(),
        api_url: f.url.clone(),
        default_model: "claude-sonnet-4".into(),
        send_user_id: true,
        ..Default::default()
    };
    let m = Messages::from_service(&svc, OutboundClient::new(OutboundSettings::default()).unwrap())
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(400));
    (m, f)
}

fn ev(kind: &str, v: Value) -> (u64, String) {
    (0, format!("event: {kind}\ndata: {v}\n\n"))
}

fn conversation() -> Vec<(u64, String)> {
    vec![
        ev(
            "message_start",
            json!({"type": "message_start", "message": {"usage": {"input_tokens": 25, "output_tokens": 1}}}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me think."}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "sig-abc"}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        ),
        ev("ping", json!({"type": "ping"})),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Checking "}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "now."}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 1}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "lookup_user", "input": {}}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"username\":"}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "\"al\"}"}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 2}),
        ),
        ev(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 40}}),
        ),
        ev("message_stop", json!({"type": "message_stop"})),
    ]
}

#[tokio::test]
async fn streams_thinking_text_and_tool_use_with_the_documented_request() {
    let (m, f) = start(200, conversation()).await;
    let req = mattermost_ai::llm::Request {
        messages: vec![
            Message::text(Role::System, "Be brief."),
            Message {
                parts: vec![
                    Part::Text("Who is al?".into()),
                    Part::Image {
                        mime: "image/png".into(),
                        data: vec![9],
                    },
                ],
                ..Message::text(Role::User, "")
            },
        ],
        tools: vec![ToolSpec {
            name: "lookup_user".into(),
            description: "Find".into(),
            parameters: json!({"type": "object"}),
        }],
        reasoning: Some(ReasoningOptions::default()),
        user_id: Some("u1".into()),
        ..Default::default()
    };
    let mut s = m.stream(&req).await.unwrap();
    let mut events = Vec::new();
    while let Some(e) = s.recv().await {
        events.push(e);
    }
    assert!(events.contains(&Event::Reasoning("Let me think.".into())));
    assert!(events.contains(&Event::Thinking(Thinking {
        text: "Let me think.".into(),
        signature: "sig-abc".into()
    })));
    assert!(events.contains(&Event::ToolCalls(vec![ToolCall {
        id: "toolu_1".into(),
        name: "lookup_user".into(),
        arguments: "{\"username\":\"al\"}".into()
    }])));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Usage(u) if u.input_tokens == 25 && u.output_tokens == 40))
    );
    assert_eq!(events.last(), Some(&Event::End(FinishReason::ToolCalls)));
    let text: String = events
        .iter()
        .filter_map(|e| {
            if let Event::Text(t) = e {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(text, "Checking now.");

    let seen = f.seen()[0].clone();
    let (headers, body) = (seen.headers, seen.body);
    assert_eq!(headers["x-api-key"], "ak-test");
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(body["model"], "claude-sonnet-4");
    assert_eq!(body["max_tokens"], 8192);
    assert_eq!(body["system"], "Be brief.");
    assert_eq!(
        body["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert_eq!(body["metadata"], json!({"user_id": "u1"}));
    assert_eq!(
        body["tools"][0],
        json!({"name": "lookup_user", "description": "Find", "input_schema": {"type": "object"}})
    );
    assert_eq!(
        body["messages"][0]["content"][1],
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "CQ=="}})
    );
}

#[tokio::test]
async fn the_signed_thinking_block_is_replayed_before_tool_use() {
    let (m, _) = start(200, vec![]).await;
    let assistant = Message {
        role: Role::Assistant,
        parts: vec![Part::Text("Checking now.".into())],
        tool_calls: vec![ToolCall {
            id: "toolu_1".into(),
            name: "lookup_user".into(),
            arguments: "{\"username\":\"al\"}".into(),
        }],
        tool_call_id: None,
        thinking: Some(Thinking {
            text: "Let me think.".into(),
            signature: "sig-abc".into(),
        }),
    };
    let body = m.body(&mattermost_ai::llm::Request {
        messages: vec![
            Message::text(Role::User, "Who is al?"),
            assistant,
            Message::tool_result("toolu_1", "Alice"),
            Message::text(Role::User, "thanks"),
        ],
        ..Default::default()
    });
    let msgs = body["messages"].as_array().unwrap();
    assert_eq!(
        msgs.len(),
        3,
        "tool result and the next user turn merge into one user turn: {body}"
    );
    assert_eq!(
        msgs[1]["content"][0],
        json!({"type": "thinking", "thinking": "Let me think.", "signature": "sig-abc"})
    );
    assert_eq!(
        msgs[1]["content"][2],
        json!({"type": "tool_use", "id": "toolu_1", "name": "lookup_user", "input": {"username": "al"}})
    );
    assert_eq!(
        msgs[2]["content"][0],
        json!({"type": "tool_result", "tool_use_id": "toolu_1", "content": "Alice"})
    );
}

#[tokio::test]
async fn faults_have_their_classes_and_keep_partial_text() {
    for (status, class) in [
        (401, ErrorClass::Authentication),
        (429, ErrorClass::RateLimited),
        (529, ErrorClass::Unavailable),
        (500, ErrorClass::Unavailable),
    ] {
        let (m, _) = start(
            status,
            vec![(
                0,
                "{\"type\":\"error\",\"error\":{\"type\":\"x\",\"message\":\"no\"}}".into(),
            )],
        )
        .await;
        let e = m
            .stream(&mattermost_ai::llm::Request {
                messages: vec![Message::text(Role::User, "hi")],
                ..Default::default()
            })
            .await
            .expect_err("fails");
        assert_eq!(e.class, class, "HTTP {status}");
    }
    let mut partial: Vec<(u64, String)> = conversation().into_iter().take(9).collect();
    partial.push(ev(
        "error",
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    ));
    let (m, _) = start(200, partial).await;
    let (text, _, _, end) = collect(
        m.stream(&mattermost_ai::llm::Request {
            messages: vec![Message::text(Role::User, "hi")],
            ..Default::default()
        })
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (text.as_str(), end.map_err(|e| e.class)),
        ("Checking now.", Err(ErrorClass::Unavailable))
    );

    let mut silent: Vec<(u64, String)> = conversation().into_iter().take(8).collect();
    silent.push((2000, "event: ping\ndata: {\"type\":\"ping\"}\n\n".into()));
    let (m, _) = start(200, silent).await;
    let (text, _, _, end) = collect(
        m.stream(&mattermost_ai::llm::Request {
            messages: vec![Message::text(Role::User, "hi")],
            ..Default::default()
        })
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (text.as_str(), end.map_err(|e| e.class)),
        ("Checking ", Err(ErrorClass::Timeout))
    );
}

#[tokio::test]
async fn native_web_search_cites_its_sources_and_is_never_a_tool_call() {
    let events = vec![
        ev(
            "message_start",
            json!({"type": "message_start", "message": {"usage": {"input_tokens": 40, "output_tokens": 1}}}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"query\":\"mattermost\"}"}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [{"type": "web_search_result", "url": "https://mattermost.com", "title": "Mattermost", "encrypted_content": "x"}]}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 1}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "Intro. "}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 2}),
        ),
        ev(
            "content_block_start",
            json!({"type": "content_block_start", "index": 3, "content_block": {"type": "text", "text": "", "citations": []}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 3, "delta": {"type": "citations_delta", "citation": {"type": "web_search_result_location", "url": "https://mattermost.com", "title": "Mattermost", "cited_text": "Mattermost is a collaboration platform", "encrypted_index": "y"}}}),
        ),
        ev(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 3, "delta": {"type": "text_delta", "text": "It is a chat platform."}}),
        ),
        ev(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 3}),
        ),
        ev(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 30, "server_tool_use": {"web_search_requests": 1}}}),
        ),
        ev("message_stop", json!({"type": "message_stop"})),
    ];
    let (m, f) = start(200, events).await;
    let request = mattermost_ai::llm::Request {
        messages: vec![Message::text(Role::User, "What is Mattermost?")],
        web_search: true,
        ..Default::default()
    };
    let mut s = m.stream(&request).await.unwrap();
    let mut got = Vec::new();
    while let Some(e) = s.recv().await {
        got.push(e);
    }
    let annotations: Vec<_> = got
        .iter()
        .filter_map(|e| match e {
            Event::Annotations(a) => Some(a.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(annotations.len(), 1, "{got:?}");
    let a = &annotations[0];
    assert_eq!(
        (a.start_index, a.end_index, a.index),
        (7, 29, 1),
        "the cited block's range of the answer"
    );
    assert_eq!(
        (a.url.as_str(), a.kind.as_str()),
        ("https://mattermost.com", "url_citation")
    );
    assert_eq!(a.cited_text, "Mattermost is a collaboration platform");
    assert!(
        !got.iter().any(|e| matches!(e, Event::ToolCalls(_))),
        "server tools are not ours to run"
    );
    assert_eq!(got.last(), Some(&Event::End(FinishReason::Stop)));
    let tools = f.body(0)["tools"].clone();
    assert_eq!(
        tools,
        json!([{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}])
    );
}

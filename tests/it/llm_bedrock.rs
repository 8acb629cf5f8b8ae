//! Bedrock ConverseStream against a fake endpoint on 127.0.0.1 that answers in AWS's binary
//! event-stream framing: request shape, SigV4 / bearer / credential-chain auth, text, tools,
//! images, usage and faults. Nothing here talks to AWS.

use std::collections::HashMap;
use std::time::Duration;

use crate::common::failed_answer;
use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message as Frame};
use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::bedrock::Converse;
use mattermost_ai::llm::{
    ErrorClass, Event, FinishReason, LanguageModel, Message, Part, Request, Role, ToolCall, ToolSpec, collect,
};
use mattermost_ai::outbound::{OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script};
use serde_json::{Value, json};

const MODEL: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";

fn frame(event: &str, payload: Value) -> Vec<u8> {
    let f = Frame::new(payload.to_string().into_bytes())
        .add_header(Header::new(":message-type", HeaderValue::String("event".into())))
        .add_header(Header::new(
            ":event-type",
            HeaderValue::String(event.to_owned().into()),
        ))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let mut out = Vec::new();
    write_message_to(&f, &mut out).unwrap();
    out
}

fn exception(kind: &str, message: &str) -> Vec<u8> {
    let f = Frame::new(json!({"message": message}).to_string().into_bytes())
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String("exception".into()),
        ))
        .add_header(Header::new(
            ":exception-type",
            HeaderValue::String(kind.to_owned().into()),
        ));
    let mut out = Vec::new();
    write_message_to(&f, &mut out).unwrap();
    out
}

fn stream(frames: Vec<Vec<u8>>) -> Script {
    Script {
        status: 200,
        content_type: "application/vnd.amazon.eventstream".into(),
        headers: Vec::new(),
        chunks: frames.into_iter().map(|f| (0, f)).collect(),
    }
}

fn text_answer() -> Script {
    stream(vec![
        frame("messageStart", json!({"role": "assistant"})),
        frame(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": "Hello"}}),
        ),
        frame(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": " there"}}),
        ),
        frame("contentBlockStop", json!({"contentBlockIndex": 0})),
        frame("messageStop", json!({"stopReason": "end_turn"})),
        frame(
            "metadata",
            json!({"usage": {"inputTokens": 21, "outputTokens": 4, "totalTokens": 25}, "metrics": {"latencyMs": 5}}),
        ),
    ])
}

fn service(url: &str) -> ServiceConfig {
    ServiceConfig {
        service_type: "bedrock".into(),
        api_url: url.into(),
        region: "us-east-1".into(),
        aws_access_key_id: "AKIDTEST".into(),
        aws_secret_access_key: "secret-test-key".into(),
        default_model: MODEL.into(),
        ..Default::default()
    }
}

fn client(s: &ServiceConfig) -> Converse {
    Converse::from_service(s, OutboundClient::new(OutboundSettings::default()).unwrap())
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(400))
        .with_env(HashMap::new())
}

fn hello() -> Request {
    Request {
        messages: vec![
            Message::text(Role::System, "Be brief."),
            Message::text(Role::User, "@alice: hi"),
            Message::text(Role::User, "@bob: me too"),
        ],
        ..Default::default()
    }
}

async fn events(c: &Converse, r: Request) -> Vec<Event> {
    let mut s = c.stream(&r).await.unwrap();
    let mut out = Vec::new();
    while let Some(e) = s.recv().await {
        out.push(e);
    }
    out
}

#[tokio::test]
async fn streams_text_with_a_sigv4_signed_documented_request() {
    let f = FakeProvider::start(vec![text_answer()]).await.unwrap();
    let c = client(&service(&f.url));
    let ev = events(&c, hello()).await;
    assert_eq!(ev[0], Event::Text("Hello".into()));
    assert_eq!(ev[1], Event::Text(" there".into()));
    assert!(ev.contains(&Event::Usage(mattermost_ai::llm::Usage {
        input_tokens: 21,
        output_tokens: 4
    })));
    assert_eq!(ev.last(), Some(&Event::End(FinishReason::Stop)));

    let seen = &f.seen()[0];
    assert_eq!(
        seen.uri,
        "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream"
    );
    let auth = seen.headers["authorization"].to_str().unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"),
        "{auth}"
    );
    assert!(auth.contains("/us-east-1/bedrock/aws4_request"), "{auth}");
    assert!(
        auth.contains("SignedHeaders=") && auth.contains("Signature="),
        "{auth}"
    );
    assert!(seen.headers.contains_key("x-amz-date"));
    assert!(!auth.contains("secret-test-key"));
    // Consecutive user turns merge: Bedrock wants alternating roles.
    assert_eq!(seen.body["system"], json!([{"text": "Be brief."}]));
    assert_eq!(
        seen.body["messages"],
        json!([{"role": "user", "content": [{"text": "@alice: hi"}, {"text": "@bob: me too"}]}])
    );
    assert_eq!(seen.body["inferenceConfig"]["maxTokens"], 8192);
}

#[tokio::test]
async fn a_bedrock_api_key_goes_as_a_bearer_token() {
    let f = FakeProvider::start(vec![text_answer()]).await.unwrap();
    let mut s = service(&f.url);
    s.aws_access_key_id.clear();
    s.aws_secret_access_key.clear();
    s.api_key = "bedrock-api-key".into();
    assert!(
        collect(client(&s).stream(&hello()).await.unwrap())
            .await
            .3
            .is_ok()
    );
    assert_eq!(f.seen()[0].headers["authorization"], "Bearer bedrock-api-key");
}

/// The request was SigV4-signed with this access key id and session token.
fn assert_signed_by(headers: http::HeaderMap, key_id: &str, session: &str) {
    let auth = headers["authorization"].to_str().unwrap_or_default().to_owned();
    assert!(auth.contains(&format!("Credential={key_id}/")), "{auth}");
    assert_eq!(headers["x-amz-security-token"], session);
}

#[tokio::test]
async fn the_credential_chain_reads_the_environment_containers_and_instance_metadata() {
    let f = FakeProvider::start(vec![text_answer()]).await.unwrap();
    let mut s = service(&f.url);
    s.aws_access_key_id.clear();
    s.aws_secret_access_key.clear();
    let env: HashMap<String, String> = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
        ("AWS_SESSION_TOKEN", "env-session"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let c = client(&s).with_env(env);
    assert!(collect(c.stream(&hello()).await.unwrap()).await.3.is_ok());
    let seen = &f.seen()[0];
    assert_signed_by(seen.headers.clone(), "AKIDENV", "env-session");

    // No environment keys: IMDSv2 (token, role name, role credentials).
    let imds = FakeProvider::start(vec![
        Script::status(200, "imds-token"),
        Script::status(200, "bedrock-role\n"),
        Script::json(
            200,
            &json!({"AccessKeyId": "AKIDROLE", "SecretAccessKey": "role-secret", "Token": "role-session"}),
        ),
    ])
    .await
    .unwrap();
    let env: HashMap<String, String> =
        [("AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(), imds.url.clone())].into();
    let c = client(&s).with_env(env);
    assert!(collect(c.stream(&hello()).await.unwrap()).await.3.is_ok());
    let asked = imds.seen();
    assert_eq!(
        (asked[0].method.as_str(), asked[0].uri.as_str()),
        ("PUT", "/latest/api/token")
    );
    assert_eq!(asked[1].headers["x-aws-ec2-metadata-token"], "imds-token");
    assert_eq!(
        asked[2].uri,
        "/latest/meta-data/iam/security-credentials/bedrock-role"
    );
    let seen = f.seen().pop().unwrap();
    assert_signed_by(seen.headers.clone(), "AKIDROLE", "role-session");

    // A container credentials endpoint (EKS Pod Identity style): full URL, token from a file.
    let pod = FakeProvider::start(vec![Script::json(
        200,
        &json!({"AccessKeyId": "AKIDPOD", "SecretAccessKey": "pod-secret", "Token": "pod-session"}),
    )])
    .await
    .unwrap();
    let token_file = std::env::temp_dir().join(format!("mmai-pod-token-{}", std::process::id()));
    std::fs::write(&token_file, "pod-token\n").unwrap();
    let env: HashMap<String, String> = [
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v1/credentials", pod.url),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token_file.display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let c = client(&s).with_env(env);
    assert!(collect(c.stream(&hello()).await.unwrap()).await.3.is_ok());
    let _ = std::fs::remove_file(&token_file);
    let asked = &pod.seen()[0];
    assert_eq!(asked.uri, "/v1/credentials");
    assert_eq!(asked.headers["authorization"], "pod-token");
    let seen = f.seen().pop().unwrap();
    assert_signed_by(seen.headers.clone(), "AKIDPOD", "pod-session");

    // Nothing anywhere: a clear authentication error, no request sent.
    let nowhere: HashMap<String, String> = [(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_owned(),
        "http://127.0.0.1:9".to_owned(),
    )]
    .into();
    let before = f.requests();
    let err = client(&s).with_env(nowhere).stream(&hello()).await.unwrap_err();
    assert_eq!(err.class, ErrorClass::Authentication);
    assert_eq!(f.requests(), before);
}

#[tokio::test]
async fn tool_use_round_trip_and_images() {
    let f = FakeProvider::start(vec![stream(vec![
        frame("messageStart", json!({"role": "assistant"})),
        frame("contentBlockDelta", json!({"contentBlockIndex": 0, "delta": {"text": "Let me look."}})),
        frame("contentBlockStart", json!({"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "tu1", "name": "LookupMattermostUser"}}})),
        frame("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"username\":"}}})),
        frame("contentBlockDelta", json!({"contentBlockIndex": 1, "delta": {"toolUse": {"input": "\"bob\"}"}}})),
        frame("contentBlockStop", json!({"contentBlockIndex": 1})),
        frame("messageStop", json!({"stopReason": "tool_use"})),
        frame("metadata", json!({"usage": {"inputTokens": 50, "outputTokens": 20}})),
    ])])
    .await
    .unwrap();
    let c = client(&service(&f.url));
    let mut r = hello();
    r.tools = vec![ToolSpec {
        name: "LookupMattermostUser".into(),
        description: "Look up a user".into(),
        parameters: json!({"type": "object", "properties": {"username": {"type": "string"}}}),
    }];
    r.messages[1].parts.push(Part::Image {
        mime: "image/png".into(),
        data: vec![1, 2, 3],
    });
    let (text, calls, _, end) = collect(c.stream(&r.clone()).await.unwrap()).await;
    assert_eq!(text, "Let me look.");
    assert_eq!(end.unwrap(), FinishReason::ToolCalls);
    assert_eq!(
        calls,
        vec![ToolCall {
            id: "tu1".into(),
            name: "LookupMattermostUser".into(),
            arguments: "{\"username\":\"bob\"}".into()
        }]
    );
    let body = f.body(0);
    assert_eq!(
        body["toolConfig"]["tools"][0]["toolSpec"]["name"],
        "LookupMattermostUser"
    );
    assert_eq!(
        body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["type"],
        "object"
    );
    assert_eq!(
        body["messages"][0]["content"][1],
        json!({"image": {"format": "png", "source": {"bytes": "AQID"}}})
    );

    // The next turn carries the call and its result in Bedrock's blocks.
    let mut asked = Message::text(Role::Assistant, "Let me look.");
    asked.tool_calls = calls;
    r.messages.push(asked);
    r.messages.push(Message::tool_result("tu1", "Username: @bob"));
    f.script(vec![text_answer()]);
    assert!(collect(c.stream(&r).await.unwrap()).await.3.is_ok());
    let body = f.body(1);
    assert_eq!(body["messages"][1]["role"], "assistant");
    assert_eq!(
        body["messages"][1]["content"][1]["toolUse"],
        json!({"toolUseId": "tu1", "name": "LookupMattermostUser", "input": {"username": "bob"}})
    );
    assert_eq!(body["messages"][2]["role"], "user");
    assert_eq!(
        body["messages"][2]["content"][0]["toolResult"]["content"],
        json!([{"text": "Username: @bob"}])
    );
}

async fn failure(script: Script) -> (String, mattermost_ai::llm::LlmError) {
    let f = FakeProvider::start(vec![script]).await.unwrap();
    failed_answer(&client(&service(&f.url)), &hello()).await
}

#[tokio::test]
async fn every_fault_has_its_class_and_keeps_the_partial_text() {
    let cases = [
        (
            Script::status(
                403,
                r#"{"message":"The request signature we calculated does not match the signature you provided."}"#,
            ),
            ErrorClass::Authentication,
        ),
        (
            Script::status(
                403,
                r#"{"message":"You don't have access to the model with the specified model ID."}"#,
            ),
            ErrorClass::Permission,
        ),
        (
            Script::status(400, r#"{"message":"The provided model identifier is invalid."}"#),
            ErrorClass::ModelNotFound,
        ),
        (Script::status(500, "internal"), ErrorClass::Unavailable),
    ];
    for (script, class) in cases {
        let (_, e) = failure(script).await;
        assert_eq!(e.class, class, "{e:?}");
        assert!(!e.detail.contains("secret-test-key"));
    }
    let (_, e) =
        failure(Script::status(429, r#"{"message":"Too many requests"}"#).header("retry-after", "3")).await;
    assert_eq!(
        (e.class, e.retry_after),
        (ErrorClass::RateLimited, Some(Duration::from_secs(3)))
    );

    // Mid-stream: an exception frame, a corrupt frame, a cut, silence.
    let partial = || {
        frame(
            "contentBlockDelta",
            json!({"contentBlockIndex": 0, "delta": {"text": "Half"}}),
        )
    };
    let (text, e) = failure(stream(vec![
        partial(),
        exception("throttlingException", "slow down"),
    ]))
    .await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::RateLimited));
    let (_, e) = failure(stream(vec![
        partial(),
        exception("validationException", "Input is too long for requested model."),
    ]))
    .await;
    assert_eq!(e.class, ErrorClass::ContextTooLong);
    let mut corrupt = partial();
    let n = corrupt.len();
    corrupt[n - 1] ^= 0xff;
    let (_, e) = failure(stream(vec![corrupt])).await;
    assert_eq!(e.class, ErrorClass::Malformed);
    let (text, e) = failure(stream(vec![partial()])).await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::Unavailable));
    let mut silent = stream(vec![
        partial(),
        frame("messageStop", json!({"stopReason": "end_turn"})),
    ]);
    silent.chunks[1].0 = 2000;
    let (text, e) = failure(silent).await;
    assert_eq!((text.as_str(), e.class), ("Half", ErrorClass::Timeout));

    // A service without a region is refused up front.
    let mut s = service("http://127.0.0.1:9");
    s.region.clear();
    let err = Converse::from_service(&s, OutboundClient::new(OutboundSettings::default()).unwrap())
        .err()
        .unwrap();
    assert_eq!(err.class, ErrorClass::BadRequest);
}

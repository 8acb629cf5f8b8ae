//! Google's generateContent API — Gemini (Google AI Studio, an API key) and Vertex AI (a
//! service account's OAuth token) — against fakes on 127.0.0.1 speaking the documented wire
//! formats: the request shape, streamed text, thoughts, function calls and their responses,
//! images, usage, finish reasons, error classes, model listing, the signed JWT exchange with
//! token reuse and refresh, and the plugin's log never showing a key. Nothing here talks to
//! the internet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use mattermost_ai::config::ServiceConfig;
use mattermost_ai::llm::gemini::GenerateContent;
use mattermost_ai::llm::{
    ErrorClass, Event, FinishReason, LanguageModel, Message, Part, ReasoningOptions, Request, Role, Thinking,
    ToolCall, ToolSpec, Usage, collect,
};
use mattermost_ai::outbound::{OutboundClient, OutboundSettings};
use mattermost_simulator::fake_provider::{FakeProvider, Script, Seen};
use rustls::SignatureScheme;
use serde_json::{Value, json};

use crate::common::failed_answer;

const KEY: &str = "AIza-test-key-do-not-log";

fn http() -> OutboundClient {
    OutboundClient::new(OutboundSettings::default()).unwrap()
}

fn gemini_service(url: &str) -> ServiceConfig {
    ServiceConfig {
        id: "g".into(),
        service_type: "gemini".into(),
        api_key: KEY.into(),
        api_url: url.into(),
        default_model: "gemini-2.5-flash".into(),
        output_token_limit: 4096,
        ..Default::default()
    }
}

fn gemini(url: &str) -> GenerateContent {
    GenerateContent::gemini(&gemini_service(url), http())
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(500))
}

fn chunk(v: Value) -> (u64, String) {
    (0, format!("data: {v}\r\n\r\n"))
}

fn parts(p: Value) -> Value {
    json!({"candidates": [{"content": {"role": "model", "parts": p}, "index": 0}]})
}

/// A thought, then text in two chunks, then the finish with usage.
fn thought_and_text() -> Script {
    Script::sse(vec![
        chunk(parts(
            json!([{"text": "Weighing the question.", "thought": true}]),
        )),
        chunk(parts(json!([{"text": "Hello"}]))),
        chunk(parts(json!([{"text": ", world"}]))),
        chunk(json!({
            "candidates": [{"content": {"role": "model", "parts": [{"text": "!"}]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "thoughtsTokenCount": 7, "totalTokenCount": 24}
        })),
    ])
}

fn question() -> Request {
    Request {
        messages: vec![
            Message::text(Role::System, "Be brief."),
            Message {
                parts: vec![
                    Part::Text("What is in the picture?".into()),
                    Part::Image {
                        mime: "image/png".into(),
                        data: vec![1, 2, 3],
                    },
                ],
                ..Message::text(Role::User, "")
            },
        ],
        reasoning: Some(ReasoningOptions {
            budget_tokens: 2048,
            ..Default::default()
        }),
        ..Default::default()
    }
}

async fn events(s: mattermost_ai::llm::EventStream) -> Vec<Event> {
    let mut s = s;
    let mut out = Vec::new();
    while let Some(e) = s.recv().await {
        out.push(e);
    }
    out
}

#[tokio::test]
async fn streams_thoughts_text_and_usage_from_the_documented_request() {
    let f = FakeProvider::start(vec![thought_and_text()]).await.unwrap();
    let got = events(gemini(&f.url).stream(&question()).await.unwrap()).await;
    let text: String = got
        .iter()
        .filter_map(|e| match e {
            Event::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "Hello, world!");
    assert!(got.contains(&Event::Reasoning("Weighing the question.".into())));
    assert!(got.contains(&Event::Usage(Usage {
        input_tokens: 12,
        output_tokens: 12
    })));
    assert_eq!(got.last(), Some(&Event::End(FinishReason::Stop)));

    let seen = &f.seen()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.uri,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(seen.headers["x-goog-api-key"], KEY);
    assert!(!seen.uri.contains(KEY), "the key never goes in the URL");
    let b = &seen.body;
    assert_eq!(b["systemInstruction"], json!({"parts": [{"text": "Be brief."}]}));
    assert_eq!(b["contents"][0]["role"], "user");
    assert_eq!(
        b["contents"][0]["parts"][0],
        json!({"text": "What is in the picture?"})
    );
    assert_eq!(
        b["contents"][0]["parts"][1],
        json!({"inlineData": {"mimeType": "image/png", "data": "AQID"}})
    );
    assert_eq!(b["generationConfig"]["maxOutputTokens"], 4096);
    assert_eq!(
        b["generationConfig"]["thinkingConfig"],
        json!({"includeThoughts": true, "thinkingBudget": 2048})
    );
}

#[tokio::test]
async fn a_function_call_round_trip_replays_the_call_its_signature_and_the_response() {
    let call = Script::sse(vec![
        chunk(parts(json!([{"text": "Let me look.", "thought": true}]))),
        chunk(json!({
            "candidates": [{"content": {"role": "model", "parts": [
                {"functionCall": {"name": "lookup_user", "args": {"username": "al"}}, "thoughtSignature": "sig-1"}
            ]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 8}
        })),
    ]);
    let f = FakeProvider::start(vec![call, thought_and_text()]).await.unwrap();
    let m = gemini(&f.url);
    let tools = vec![ToolSpec {
        name: "lookup_user".into(),
        description: "Finds a user".into(),
        parameters: json!({"type": "object", "properties": {"username": {"type": "string"}}}),
    }];
    let first = Request {
        messages: vec![Message::text(Role::User, "Who is al?")],
        tools: tools.clone(),
        ..Default::default()
    };
    let got = events(m.stream(&first).await.unwrap()).await;
    let calls: Vec<ToolCall> = got
        .iter()
        .find_map(|e| match e {
            Event::ToolCalls(c) => Some(c.clone()),
            _ => None,
        })
        .expect("the call is reported");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "lookup_user");
    assert_eq!(
        serde_json::from_str::<Value>(&calls[0].arguments).unwrap(),
        json!({"username": "al"})
    );
    assert!(!calls[0].id.is_empty(), "calls without an id get one");
    let thinking = Thinking {
        text: "Let me look.".into(),
        signature: "sig-1".into(),
    };
    assert!(got.contains(&Event::Thinking(thinking.clone())));
    assert_eq!(got.last(), Some(&Event::End(FinishReason::ToolCalls)));
    assert_eq!(
        f.body(0)["tools"],
        json!([{"functionDeclarations": [{"name": "lookup_user", "description": "Finds a user",
            "parametersJsonSchema": {"type": "object", "properties": {"username": {"type": "string"}}}}]}])
    );

    let second = Request {
        messages: vec![
            Message::text(Role::User, "Who is al?"),
            Message {
                tool_calls: calls.clone(),
                thinking: Some(thinking),
                ..Message::text(Role::Assistant, "")
            },
            Message::tool_result(calls[0].id.clone(), "Al Smith, engineer"),
        ],
        tools,
        ..Default::default()
    };
    let (text, _, _, end) = collect(m.stream(&second).await.unwrap()).await;
    assert_eq!((text.as_str(), end), ("Hello, world!", Ok(FinishReason::Stop)));
    let contents = &f.body(1)["contents"];
    assert_eq!(contents[1]["role"], "model");
    assert_eq!(
        contents[1]["parts"],
        json!([{"functionCall": {"name": "lookup_user", "args": {"username": "al"}}, "thoughtSignature": "sig-1"}]),
        "our own call ids stay ours; the signature goes back on the call"
    );
    assert_eq!(contents[2]["role"], "user");
    assert_eq!(
        contents[2]["parts"],
        json!([{"functionResponse": {"name": "lookup_user", "response": {"result": "Al Smith, engineer"}}}])
    );
}

#[tokio::test]
async fn safety_stops_are_content_filtered_and_json_answers_ask_for_the_schema() {
    let blocked = Script::sse(vec![
        chunk(parts(json!([{"text": "Part"}]))),
        chunk(json!({"candidates": [{"finishReason": "SAFETY", "index": 0}]})),
    ]);
    let f = FakeProvider::start(vec![blocked]).await.unwrap();
    let req = Request {
        messages: vec![Message::text(Role::User, "hi")],
        json_schema: Some(json!({"type": "object"})),
        model: "models/gemini-2.0-flash".into(),
        reasoning: Some(ReasoningOptions::default()),
        ..Default::default()
    };
    let (text, _, _, end) = collect(gemini(&f.url).stream(&req).await.unwrap()).await;
    assert_eq!((text.as_str(), end), ("Part", Ok(FinishReason::ContentFilter)));
    let seen = &f.seen()[0];
    assert_eq!(
        seen.uri,
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
    );
    let g = &seen.body["generationConfig"];
    assert_eq!(g["responseMimeType"], "application/json");
    assert_eq!(g["responseJsonSchema"], json!({"type": "object"}));
    assert!(
        g.get("thinkingConfig").is_none(),
        "models before 2.5 do not think"
    );
}

fn google_error(code: u16, status: &str, message: &str) -> Script {
    Script::status(
        code,
        &json!({"error": {"code": code, "message": message, "status": status}}).to_string(),
    )
}

#[tokio::test]
async fn every_fault_has_its_class_and_keeps_the_partial_text() {
    let cases = [
        (
            google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials.",
            ),
            ErrorClass::Authentication,
        ),
        (
            google_error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
            ),
            ErrorClass::Authentication,
        ),
        (
            google_error(403, "PERMISSION_DENIED", "Permission denied on resource project."),
            ErrorClass::Permission,
        ),
        (
            google_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
            ),
            ErrorClass::RateLimited,
        ),
        (
            google_error(
                404,
                "NOT_FOUND",
                "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.",
            ),
            ErrorClass::ModelNotFound,
        ),
        (
            google_error(
                400,
                "INVALID_ARGUMENT",
                "The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).",
            ),
            ErrorClass::ContextTooLong,
        ),
        (
            google_error(
                503,
                "UNAVAILABLE",
                "The model is overloaded. Please try again later.",
            ),
            ErrorClass::Unavailable,
        ),
    ];
    for (script, class) in cases {
        let f = FakeProvider::start(vec![script]).await.unwrap();
        let (_, e) = failed_answer(&gemini(&f.url), &question()).await;
        assert_eq!(e.class, class, "{e:?}");
        assert!(!e.detail.contains(KEY));
    }
    // An error mid-stream, and a stream cut before it finished: the text so far stays.
    let mid = Script::sse(vec![
        chunk(parts(json!([{"text": "Half"}]))),
        chunk(json!({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})),
    ]);
    let cut = Script::sse(vec![chunk(parts(json!([{"text": "Half"}])))]);
    for script in [mid, cut] {
        let f = FakeProvider::start(vec![script]).await.unwrap();
        let (text, e) = failed_answer(&gemini(&f.url), &question()).await;
        assert_eq!(
            (text.as_str(), e.class),
            ("Half", ErrorClass::Unavailable),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn models_are_listed_across_pages_keeping_those_that_generate_content() {
    let f = FakeProvider::start(vec![]).await.unwrap();
    f.route(|s: &Seen| {
        let page = if s.uri.contains("pageToken=next%2F1") {
            json!({"models": [
                {"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro", "supportedGenerationMethods": ["generateContent", "countTokens"]},
            ]})
        } else {
            json!({"models": [
                {"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash", "supportedGenerationMethods": ["generateContent"]},
                {"name": "models/text-embedding-004", "displayName": "Embedding", "supportedGenerationMethods": ["embedContent"]},
            ], "nextPageToken": "next/1"})
        };
        Some(Script::json(200, &page))
    });
    let models = mattermost_ai::llm::models::list_models(&http(), &gemini_service(&f.url))
        .await
        .unwrap();
    let ids: Vec<(&str, &str)> = models
        .iter()
        .map(|m| (m.id.as_str(), m.display_name.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("gemini-2.5-flash", "Gemini 2.5 Flash"),
            ("gemini-2.5-pro", "Gemini 2.5 Pro")
        ]
    );
    let seen = f.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].uri.starts_with("/v1beta/models?"));
    assert_eq!(seen[1].headers["x-goog-api-key"], KEY);
    assert!(seen.iter().all(|s| !s.uri.contains(KEY)));

    let f = FakeProvider::start(vec![google_error(400, "INVALID_ARGUMENT", "API key not valid.")])
        .await
        .unwrap();
    let e = mattermost_ai::llm::models::list_models(&http(), &gemini_service(&f.url))
        .await
        .unwrap_err();
    assert_eq!(e.class, ErrorClass::Authentication);
}

// ---- Vertex AI ----

/// A throwaway service account: its key file (token endpoint on the fake) and public key.
struct Account {
    key_file: String,
    public_key: Vec<u8>,
    pem_body: String,
}

fn account(token_uri: &str) -> Account {
    let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(pair.serialize_der());
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let key_file = json!({
        "type": "service_account",
        "project_id": "proj-1",
        "private_key_id": "kid-1",
        "private_key": pem,
        "client_email": "agents@proj-1.iam.gserviceaccount.com",
        "token_uri": token_uri,
    })
    .to_string();
    Account {
        key_file,
        public_key: pair.public_key_raw().to_vec(),
        pem_body: lines[1].to_owned(),
    }
}

/// Checks a JWT-bearer token request the way Google's endpoint does.
fn verify_assertion(seen: &Seen, public_key: &[u8], token_uri: &str) -> Result<(), String> {
    let body = String::from_utf8_lossy(&seen.raw).into_owned();
    let form: Vec<(&str, &str)> = body.split('&').filter_map(|kv| kv.split_once('=')).collect();
    let field = |k: &str| {
        form.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| *v)
            .unwrap_or_default()
    };
    if field("grant_type") != "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" {
        return Err(format!("grant_type {}", field("grant_type")));
    }
    let jwt = field("assertion");
    let pieces: Vec<&str> = jwt.split('.').collect();
    let [header, claims, signature] = pieces[..] else {
        return Err("not a JWT".into());
    };
    let decode = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|e| e.to_string())
    };
    let verifier = rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .mapping
        .iter()
        .find(|(s, _)| *s == SignatureScheme::RSA_PKCS1_SHA256)
        .map(|(_, algs)| algs[0])
        .ok_or("no RS256 verifier")?;
    verifier
        .verify_signature(
            public_key,
            format!("{header}.{claims}").as_bytes(),
            &decode(signature)?,
        )
        .map_err(|_| "bad signature".to_string())?;
    let h: Value = serde_json::from_slice(&decode(header)?).map_err(|e| e.to_string())?;
    let c: Value = serde_json::from_slice(&decode(claims)?).map_err(|e| e.to_string())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let iat = c["iat"].as_u64().unwrap_or(0);
    let ok = h["alg"] == "RS256"
        && h["kid"] == "kid-1"
        && c["iss"] == "agents@proj-1.iam.gserviceaccount.com"
        && c["aud"] == token_uri
        && c["scope"] == "https://www.googleapis.com/auth/cloud-platform"
        && iat.abs_diff(now) < 60
        && c["exp"].as_u64() == Some(iat + 3600);
    if ok {
        Ok(())
    } else {
        Err(format!("claims {h} {c}"))
    }
}

/// A fake that is both Google's token endpoint (`/token`, counting the tokens it issues) and
/// Vertex AI (the queue), with a service account whose key file names that endpoint. With
/// `trusted` false the endpoint checks assertions against another key.
async fn vertex_fake(scripts: Vec<Script>, trusted: bool) -> (FakeProvider, Account, Arc<AtomicUsize>) {
    let f = FakeProvider::start(scripts).await.unwrap();
    let token_uri = format!("{}/token", f.url);
    let acct = account(&token_uri);
    let known = if trusted {
        acct.public_key.clone()
    } else {
        account(&token_uri).public_key
    };
    let issued = Arc::new(AtomicUsize::new(0));
    let count = issued.clone();
    f.route(move |s: &Seen| {
        if !s.uri.starts_with("/token") {
            return None;
        }
        Some(match verify_assertion(s, &known, &token_uri) {
            Ok(()) => {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                Script::json(200, &json!({"access_token": format!("ya29.tok-{n}"), "expires_in": 3599, "token_type": "Bearer"}))
            }
            Err(why) => Script::json(400, &json!({"error": "invalid_grant", "error_description": why})),
        })
    });
    (f, acct, issued)
}

fn vertex_service(url: &str, key_file: &str) -> ServiceConfig {
    let mut s = ServiceConfig {
        id: "v".into(),
        service_type: "vertex".into(),
        api_url: url.into(),
        region: "europe-west4".into(),
        default_model: "gemini-2.5-pro".into(),
        ..Default::default()
    };
    s.extra.insert("vertexProjectID".into(), json!("proj-1"));
    s.extra.insert("vertexAuthCredentials".into(), json!(key_file));
    s
}

fn bearer(s: &Seen) -> String {
    s.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn vertex_signs_a_jwt_reuses_the_token_and_refreshes_it_once_after_a_401() {
    let (f, acct, issued) = vertex_fake(vec![thought_and_text()], true).await;
    let svc = vertex_service(&f.url, &acct.key_file);
    let m = GenerateContent::vertex(&svc, http())
        .unwrap()
        .with_timeouts(Duration::from_secs(5), Duration::from_millis(500));

    for _ in 0..2 {
        let (text, _, _, end) = collect(m.stream(&question()).await.unwrap()).await;
        assert_eq!((text.as_str(), end), ("Hello, world!", Ok(FinishReason::Stop)));
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1, "one token serves both answers");
    let calls: Vec<Seen> = f
        .seen()
        .into_iter()
        .filter(|s| !s.uri.starts_with("/token"))
        .collect();
    assert_eq!(calls.len(), 2);
    for c in &calls {
        assert_eq!(
            c.uri,
            "/v1/projects/proj-1/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        assert_eq!(bearer(c), "Bearer ya29.tok-1");
        assert!(c.headers.get("x-goog-api-key").is_none());
        assert_eq!(c.body["contents"][0]["parts"][1]["inlineData"]["data"], "AQID");
    }
    // The private key stays here: only the signed assertion went to the token endpoint.
    assert!(
        f.seen()
            .iter()
            .all(|s| !String::from_utf8_lossy(&s.raw).contains(&acct.pem_body))
    );

    // The API refuses the token (revoked): one new token, one retry, and the answer arrives.
    f.script(vec![
        google_error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        ),
        Script::gemini_text(&["Fresh", " token"], 0, Some((3, 2))),
    ]);
    let (text, _, usage, end) = collect(m.stream(&question()).await.unwrap()).await;
    assert_eq!((text.as_str(), end), ("Fresh token", Ok(FinishReason::Stop)));
    assert_eq!(
        usage,
        Some(Usage {
            input_tokens: 3,
            output_tokens: 2
        })
    );
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    let calls: Vec<Seen> = f
        .seen()
        .into_iter()
        .filter(|s| !s.uri.starts_with("/token"))
        .collect();
    assert_eq!(bearer(&calls[2]), "Bearer ya29.tok-1");
    assert_eq!(bearer(&calls[3]), "Bearer ya29.tok-2");

    // A refusal that persists is an authentication failure, not a loop.
    f.script(vec![google_error(
        401,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials.",
    )]);
    let (_, e) = failed_answer(&m, &question()).await;
    assert_eq!(e.class, ErrorClass::Authentication);
    assert_eq!(issued.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn vertex_refuses_bad_credentials_clearly() {
    // Signed with another key than the endpoint knows: the endpoint refuses the assertion.
    let (f, acct, _) = vertex_fake(vec![thought_and_text()], false).await;
    let m = GenerateContent::vertex(&vertex_service(&f.url, &acct.key_file), http()).unwrap();
    let (_, e) = failed_answer(&m, &question()).await;
    assert_eq!(e.class, ErrorClass::Authentication, "{e:?}");
    assert!(!e.detail.contains(&acct.pem_body));

    // Not JSON, a token endpoint in the clear on another host, no project: refused up front.
    let bad = |s: ServiceConfig| GenerateContent::vertex(&s, http()).err().map(|e| e.class);
    assert_eq!(
        bad(vertex_service(&f.url, "{not json")),
        Some(ErrorClass::Authentication)
    );
    let elsewhere = account("http://example.com/token");
    assert_eq!(
        bad(vertex_service(&f.url, &elsewhere.key_file)),
        Some(ErrorClass::Authentication)
    );
    let mut no_project = vertex_service(&f.url, &acct.key_file);
    no_project.extra.remove("vertexProjectID");
    assert_eq!(bad(no_project), Some(ErrorClass::BadRequest));
    let mut no_key = vertex_service(&f.url, &acct.key_file);
    no_key.extra.remove("vertexAuthCredentials");
    assert_eq!(bad(no_key.clone()), Some(ErrorClass::Authentication));

    // The configuration says so first: upstream's field names, checked like the common ones.
    let problems = |s: &ServiceConfig| -> Vec<String> {
        mattermost_ai::config::validate::service_problems(s, "services[0]")
            .into_iter()
            .map(|p| p.path)
            .collect()
    };
    assert_eq!(problems(&no_key), ["services[0].vertexAuthCredentials"]);
    assert!(problems(&vertex_service(&f.url, &acct.key_file)).is_empty());
    let mut gemini = gemini_service(&f.url);
    assert!(problems(&gemini).is_empty());
    gemini.api_key.clear();
    assert_eq!(problems(&gemini), ["services[0].apiKey"]);
}

// ---- Through the plugin ----

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

/// Both Google services behind agents in the plugin executable, with LLM tracing on: Vertex AI
/// answers a DM, Gemini refuses its key, and the plugin's log shows neither the API key, the
/// private key nor the access token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_answers_through_vertex_and_never_logs_a_key() {
    use mattermost_simulator::{Simulator, Transport};

    let (vertex, acct, issued) = vertex_fake(vec![thought_and_text()], true).await;
    let gemini = FakeProvider::start(vec![google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
    )])
    .await
    .unwrap();
    let config = json!({"config": {
        "enableLLMTrace": true,
        "services": [
            {"id": "sv", "name": "Vertex", "type": "vertex", "apiURL": vertex.url, "region": "us-central1",
             "vertexProjectID": "proj-1", "vertexAuthCredentials": acct.key_file, "defaultModel": "gemini-2.5-pro",
             "streamingTimeoutSeconds": 2},
            {"id": "sg", "name": "Gemini", "type": "gemini", "apiURL": gemini.url, "apiKey": KEY,
             "defaultModel": "gemini-2.5-flash", "streamingTimeoutSeconds": 2},
        ],
        "bots": [
            {"id": "b1", "name": "ai", "displayName": "Vertex agent", "serviceID": "sv"},
            {"id": "b2", "name": "gem", "displayName": "Gemini agent", "serviceID": "sg"},
        ],
    }});
    let sim = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(crate::common::licensed())
        .plugin_config(config)
        .start()
        .await
        .unwrap();
    let (alice, _) = sim.add_user("alice", "system_user");
    for (bot, want) in [("ai", "Hello, world!"), ("gem", "")] {
        let Some(bot_id) = sim.bot_user_id(bot) else {
            panic!("@{bot} has no bot: {}", sim.stderr_lines().join("\n"));
        };
        let dm = sim.direct_channel(&alice.id, &bot_id);
        sim.post_as(&alice.id, &dm.id, "Hello there", "").await.unwrap();
        let done = sim
            .wait_until(Duration::from_secs(15), |d| {
                d.ws_events
                    .iter()
                    .filter(|e| e.event == "custom_mattermost-ai_postupdate")
                    .any(|e| {
                        e.payload.get("control").and_then(Value::as_str) == Some("end") && {
                            let post = e
                                .payload
                                .get("post_id")
                                .and_then(Value::as_str)
                                .unwrap_or_default();
                            d.posts.get(post).is_some_and(|p| p.user_id == bot_id)
                        }
                    })
            })
            .await;
        assert!(done, "@{bot} did not finish");
        if !want.is_empty() {
            let data = sim.data();
            let answer = data
                .posts
                .values()
                .find(|p| p.user_id == bot_id)
                .map(|p| p.message.clone());
            assert_eq!(answer.as_deref(), Some(want));
        }
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    // Give the last log lines a moment to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = sim.stderr_lines().join("\n");
    for secret in [KEY, acct.pem_body.as_str(), "ya29.tok-1", "BEGIN PRIVATE KEY"] {
        assert!(!log.contains(secret), "the log shows {secret:?}");
    }
    assert!(sim.shutdown().await.unwrap());
}

#[tokio::test]
async fn web_search_is_google_search_grounding_with_citations() {
    // "Café" has a two-byte letter: grounding offsets are bytes, citations count characters.
    let grounded = Script::sse(vec![
        chunk(parts(json!([{"text": "Café opens at 9. "}]))),
        chunk(json!({
            "candidates": [{
                "content": {"role": "model", "parts": [{"text": "It closes at 5."}]},
                "finishReason": "STOP",
                "groundingMetadata": {
                    "webSearchQueries": ["cafe hours"],
                    "groundingChunks": [
                        {"web": {"uri": "https://example.com/hours", "title": "example.com"}},
                        {"web": {"uri": "https://example.org/cafe", "title": "example.org"}}
                    ],
                    "groundingSupports": [
                        {"segment": {"startIndex": 0, "endIndex": 17, "text": "Café opens at 9."}, "groundingChunkIndices": [0]},
                        {"segment": {"startIndex": 18, "endIndex": 33, "text": "It closes at 5."}, "groundingChunkIndices": [0, 1]}
                    ]
                }
            }],
            "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 9}
        })),
    ]);
    let f = FakeProvider::start(vec![grounded]).await.unwrap();
    let req = Request {
        messages: vec![Message::text(Role::User, "When is the café open?")],
        web_search: true,
        ..Default::default()
    };
    let got = events(gemini(&f.url).stream(&req).await.unwrap()).await;
    let cites = got
        .iter()
        .find_map(|e| match e {
            Event::Annotations(a) => Some(a.clone()),
            _ => None,
        })
        .expect("the sources are cited");
    let spans: Vec<(usize, usize, &str, usize)> = cites
        .iter()
        .map(|a| (a.start_index, a.end_index, a.url.as_str(), a.index))
        .collect();
    assert_eq!(
        spans,
        [
            (0, 16, "https://example.com/hours", 1),
            (17, 32, "https://example.com/hours", 2),
            (17, 32, "https://example.org/cafe", 3),
        ]
    );
    assert!(cites.iter().all(|a| a.kind == "url_citation"));
    assert!(
        !got.iter().any(|e| matches!(e, Event::ToolCalls(_))),
        "searches are never our tool calls"
    );
    assert_eq!(f.body(0)["tools"], json!([{"googleSearch": {}}]));

    // Before Gemini 3, search and function calling do not mix: the agent's tools win.
    let f = FakeProvider::start(vec![thought_and_text()]).await.unwrap();
    let with_tools = Request {
        tools: vec![ToolSpec {
            name: "lookup_user".into(),
            description: "Finds a user".into(),
            parameters: json!({"type": "object"}),
        }],
        ..req
    };
    events(gemini(&f.url).stream(&with_tools).await.unwrap()).await;
    let tools = f.body(0)["tools"].clone();
    assert_eq!(tools.as_array().map(Vec::len), Some(1));
    assert!(tools[0]["functionDeclarations"].is_array());
}

//! The LLM Bridge (`/bridge/v1`) as its callers use it: the core server (`Mattermost-Plugin-ID:
//! mattermost-server`, with or without a user), other plugins (their own id), and users and
//! strangers over the server's HTTP front (always 401: the front deletes the plugin header).
//! The contract is `tests/fixtures/bridge_contract.json`, walked fixture by fixture; then the
//! core's three structured-output calls end to end, access, failures, long answers and tools.

use std::time::Duration;

use crate::common::Under;
use mattermost_simulator::fake_provider::{FakeProvider, Script, Seen};
use mattermost_simulator::inter_plugin::Recorded;
use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const CALLER_PLUGIN: &str = "com.mattermost.plugin-channel-automation";
const CORE: &str = "mattermost-server";
/// An address only the provider's error body holds: it must never reach a caller.
const SECRET: &str = "http://10.1.2.3:8080/internal";
const UNKNOWN_AGENT: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaa";

both_transports!(the_contract_fixtures_hold_for_every_caller);

in_process!(
    the_cores_structured_outputs_end_to_end,
    access_rules_refuse_with_403,
    failures_are_500_or_an_error_frame_after_the_partial_text,
    long_answers_are_split_into_small_frames,
    allowed_tools_run_only_under_an_automatic_policy,
);

// ---- the world -------------------------------------------------------------------------------

struct World {
    sim: Simulator,
    fake: FakeProvider,
    alice: (String, String),
    bob: String,
    town: String,
    ai: String,
    local: String,
    restricted: String,
    channel_only: String,
    broken: String,
    partial: String,
}

const REWRITE: &str = r#"{"rewritten_text":"Hello, world."}"#;
const RECAP: &str = r#"{"highlights":["We ship on Friday"],"action_items":["Alice writes the notes"]}"#;
const TRANSLATE: &str = r#"{"translations":["Hola {{0}}"],"source_language":"en","confidence":0.9}"#;

/// The document a structured request asks for, by the schema it names.
fn document_for(body: &str) -> Option<&'static str> {
    if body.contains("rewritten_text") {
        Some(REWRITE)
    } else if body.contains("highlights") {
        Some(RECAP)
    } else if body.contains("translations") {
        Some(TRANSLATE)
    } else {
        None
    }
}

fn last_message(seen: &Seen) -> Value {
    seen.body["messages"]
        .as_array()
        .and_then(|m| m.last().cloned())
        .unwrap_or(Value::Null)
}

/// Answers by model: `gpt-4o` (OpenAI, native structured output) answers a schema with the
/// bare document; `local-model` (OpenAI-compatible, schema in the prompt) wraps it in a fence
/// and prose; `fail-model` fails with a body holding an internal address; `partial-model` is cut
/// after some text; `long-model` writes 200 000 characters; tool requests get a tool call.
fn fake_answers(seen: &Seen) -> Option<Script> {
    let model = seen.body["model"].as_str().unwrap_or_default();
    let text = seen.body.to_string();
    let last = last_message(seen);
    Some(match model {
        "fail-model" => Script::status(
            500,
            &json!({"error": {"message": format!("upstream exploded at {SECRET}")}}).to_string(),
        ),
        "partial-model" => Script::sse(vec![(
            0,
            format!(
                "data: {}\n\n",
                json!({"choices": [{"index": 0, "delta": {"content": "Partial answer"}, "finish_reason": null}]})
            ),
        )]),
        "long-model" => Script::chat_completion(&[&"\"quoted\"\n".repeat(20_000)], 0, Some((10, 50_000))),
        _ if last["role"] == "tool" => {
            Script::chat_completion(&["Tool said: ", last["content"].as_str().unwrap_or("")], 0, None)
        }
        _ if seen.body["tools"].is_array() && text.contains("look up bob") => {
            Script::chat_tool_calls(&[("call_1", "LookupMattermostUser", json!({"username": "bob"}))])
        }
        "local-model" => match document_for(&text) {
            Some(doc) => Script::chat_completion(&["Here you go:\n```json\n", doc, "\n```"], 0, None),
            None => Script::chat_completion(&["Hi ", "from local."], 0, None),
        },
        _ => match (seen.body.get("response_format"), document_for(&text)) {
            (Some(_), Some(doc)) => Script::chat_completion(&[doc], 0, Some((40, 12))),
            (None, Some(doc)) => Script::chat_completion(&["Sure! ", doc], 0, Some((40, 12))),
            _ => Script::chat_completion(&["Hel", "lo!"], 0, Some((12, 3))),
        },
    })
}

fn config(url: &str, top: Value) -> Value {
    let svc = |id: &str, name: &str, kind: &str, model: &str| json!({"id": id, "name": name, "type": kind, "apiKey": "sk-test", "apiURL": url, "defaultModel": model});
    let agent = |name: &str, display: &str, service: &str, extra: Value| {
        let mut a =
            json!({"id": format!("id-{name}"), "name": name, "displayName": display, "serviceID": service});
        if let (Some(a), Value::Object(e)) = (a.as_object_mut(), extra) {
            a.extend(e);
        }
        a
    };
    let mut config = json!({
        "services": [
            svc("svc", "Fake", "openai", "gpt-4o"),
            svc("compat", "Local", "openaicompatible", "local-model"),
            svc("bad", "Broken", "openai", "fail-model"),
            svc("cut", "Cut", "openai", "partial-model"),
            svc("long", "Long", "openai", "long-model"),
        ],
        "bots": [
            agent("ai", "Assistant", "svc", json!({})),
            agent("local", "Local helper", "compat", json!({})),
            agent("restricted", "Restricted", "svc", json!({"userAccessLevel": 1, "userIDs": ["ALICE"]})),
            agent("channelonly", "Channel only", "svc", json!({"channelAccessLevel": 1, "channelIDs": []})),
            agent("broken", "Broken", "bad", json!({})),
            agent("partial", "Partial", "cut", json!({})),
            agent("long", "Long", "long", json!({})),
        ],
        "defaultBotName": "ai",
    });
    if let (Some(c), Value::Object(t)) = (config.as_object_mut(), top) {
        c.extend(t);
    }
    config
}

async fn world(t: Transport, top: Value, env: &[(&str, &str)]) -> World {
    let fake = FakeProvider::start(Vec::new())
        .await
        .expect("the fake provider starts");
    fake.route(fake_answers);
    // Alice's id is known only once she exists: the restricted agent's list is set after.
    let mut b = Simulator::builder(BIN)
        .under(t)
        .license(crate::common::licensed())
        .plugin_config(json!({"config": config(&fake.url, top.clone())}));
    for (k, v) in env {
        b = b.env(k, v);
    }
    let sim = b.start().await.expect("the simulated server starts the plugin");
    let (alice, token) = sim.add_user("alice", "system_user");
    let (bob, _) = sim.add_user("bob", "system_user");
    let team = sim.add_team("t");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &alice.id);
    let with_alice = config(&fake.url, top).to_string().replace("ALICE", &alice.id);
    sim.save_plugin_config(json!({"config": serde_json::from_str::<Value>(&with_alice).unwrap()}))
        .await
        .expect("saving the configuration");
    let id = |name: &str| {
        sim.bot_user_id(name)
            .unwrap_or_else(|| panic!("the {name} agent's bot"))
    };
    World {
        ai: id("ai"),
        local: id("local"),
        restricted: id("restricted"),
        channel_only: id("channelonly"),
        broken: id("broken"),
        partial: id("partial"),
        alice: (alice.id, token),
        bob: bob.id,
        town: town.id,
        fake,
        sim,
    }
}

/// A request from a plugin or the core: `user` as the server sets `Mattermost-User-Id`.
async fn call(
    w: &World,
    caller: &str,
    user: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
) -> Recorded {
    let mut r = http::Request::builder().method(method).uri(path);
    if body.is_some() {
        r = r.header("Content-Type", "application/json");
    }
    let request = r.body(body.unwrap_or_default()).expect("a request");
    tokio::time::timeout(
        Duration::from_secs(60),
        w.sim.inter_plugin_request(caller, user, request),
    )
    .await
    .expect("the plugin answers within a minute")
    .expect("the plugin answers")
}

async fn post(w: &World, caller: &str, path: &str, body: Value) -> Recorded {
    call(
        w,
        caller,
        Some(""),
        "POST",
        path,
        Some(body.to_string().into_bytes()),
    )
    .await
}

fn json_of(r: &Recorded) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// The SSE frames of a body, each checked to be exactly `data: <json>\n\n` below 64 KiB.
fn frames(r: &Recorded) -> Vec<Value> {
    let text = std::str::from_utf8(&r.body).expect("UTF-8 frames");
    assert!(
        text.ends_with("\n\n") || text.is_empty(),
        "the last frame is cut: {text:?}"
    );
    text.split_terminator("\n\n")
        .map(|f| {
            assert!(f.len() + 2 < 65_536, "a frame of {} bytes", f.len());
            let data = f
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data frame: {f:?}"));
            assert!(!data.contains('\n'), "a frame spans lines: {f:?}");
            serde_json::from_str(data).unwrap_or_else(|e| panic!("frame {data:?}: {e}"))
        })
        .collect()
}

fn streamed_text(frames: &[Value]) -> String {
    frames
        .iter()
        .filter(|f| f["Type"] == 0)
        .map(|f| f["Value"].as_str().unwrap_or_default())
        .collect()
}

// ---- the contract, fixture by fixture --------------------------------------------------------

fn fill(s: &str, w: &World) -> String {
    s.replace("${SESSION_USER_ID}", &w.alice.0)
        .replace("${CALLER_PLUGIN_ID}", CALLER_PLUGIN)
        .replace("${RESTRICTED_AGENT_ID}", &w.restricted)
        .replace("${DENIED_USER_ID}", &w.bob)
        .replace("${FAILING_AGENT_ID}", &w.broken)
        .replace("${UNKNOWN_AGENT_ID}", UNKNOWN_AGENT)
        .replace("${AGENT_ID}", &w.ai)
        .replace("${CHANNEL_ID}", &w.town)
        .replace("${SERVICE_ID}", "svc")
        .replace("${SERVICE_NAME}", "Fake")
}

/// Sends a fixture's request as its caller would.
async fn send_fixture(w: &World, f: &Value) -> Recorded {
    let req = &f["request"];
    let method = req["method"].as_str().unwrap();
    let path = fill(req["path"].as_str().unwrap(), w);
    let body = match &req["body"] {
        Value::Null => None,
        Value::String(raw) => Some(raw.clone().into_bytes()),
        v => Some(fill(&v.to_string(), w).into_bytes()),
    };
    let headers = req["headers"].as_object().cloned().unwrap_or_default();
    let header = |name: &str| headers.get(name).and_then(Value::as_str).map(|h| fill(h, w));
    match f["caller"]["kind"].as_str().unwrap() {
        "core" | "plugin" => {
            let caller = header("Mattermost-Plugin-ID").expect("a plugin id");
            let user = header("Mattermost-User-Id");
            let mut r = http::Request::builder().method(method).uri(&path);
            for (k, v) in &headers {
                if !k.starts_with("Mattermost-") {
                    r = r.header(k.as_str(), fill(v.as_str().unwrap(), w));
                }
            }
            let request = r.body(body.unwrap_or_default()).unwrap();
            tokio::time::timeout(
                Duration::from_secs(60),
                w.sim.inter_plugin_request(&caller, user.as_deref(), request),
            )
            .await
            .expect("the plugin answers within a minute")
            .expect("the plugin answers")
        }
        kind @ ("user" | "anonymous") => {
            // Over the server's HTTP front, with a forged plugin header it must delete.
            let mut r = reqwest::Client::new()
                .request(method.parse().unwrap(), w.sim.plugin_url(&path))
                .header("Mattermost-Plugin-ID", CORE)
                .header("Mattermost-User-Id", &w.alice.0);
            if kind == "user" {
                r = r.bearer_auth(&w.alice.1);
            }
            if let Some(b) = body {
                r = r.header("Content-Type", "application/json").body(b);
            }
            let resp = r.send().await.expect("the simulated server answers");
            Recorded {
                status: resp.status().as_u16(),
                headers: resp.headers().clone(),
                body: resp.bytes().await.unwrap_or_default(),
            }
        }
        other => panic!("unknown caller kind {other}"),
    }
}

/// A value against a fixture's description of it ("string", "bool", "string[]"…).
fn check_value(v: &Value, want: &Value, at: &str, w: &World) -> Result<(), String> {
    match want {
        Value::String(d) if d.starts_with("string[]") => {
            if v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                Ok(())
            } else {
                Err(format!("{at}: want an array of strings, got {v}"))
            }
        }
        Value::String(d) if d.starts_with("string") => {
            let s = v
                .as_str()
                .ok_or_else(|| format!("{at}: want a string, got {v}"))?;
            if d.starts_with("string(26") && s.chars().count() != 26 {
                return Err(format!("{at}: want a 26-character id, got {s:?}"));
            }
            if d.contains("non-empty") && s.is_empty() {
                return Err(format!("{at}: want a non-empty string"));
            }
            Ok(())
        }
        Value::String(d) if d == "bool" => v
            .is_boolean()
            .then_some(())
            .ok_or_else(|| format!("{at}: want a bool, got {v}")),
        Value::String(exact) => {
            if v.as_str() == Some(exact.as_str()) {
                Ok(())
            } else {
                Err(format!("{at}: want {exact:?}, got {v}"))
            }
        }
        Value::Object(d) => {
            match d.get("type").and_then(Value::as_str) {
                Some("array") => {
                    let items = v
                        .as_array()
                        .ok_or_else(|| format!("{at}: want an array, got {v}"))?;
                    if let Some(Value::Object(fields)) = d.get("items") {
                        for (i, item) in items.iter().enumerate() {
                            for (k, want) in fields {
                                check_value(&item[k], want, &format!("{at}[{i}].{k}"), w)?;
                            }
                        }
                    }
                    if let Some(id) = d.get("must_not_contain_id").and_then(Value::as_str) {
                        let id = fill(id, w);
                        if items.iter().any(|i| i["id"] == json!(id)) {
                            return Err(format!("{at}: lists {id}, which it must not"));
                        }
                    }
                }
                Some("string") => {
                    let s = v
                        .as_str()
                        .ok_or_else(|| format!("{at}: want a string, got {v}"))?;
                    if let Some(p) = d.get("starts_with").and_then(Value::as_str)
                        && !s.starts_with(p)
                    {
                        return Err(format!("{at}: want a string starting {p:?}, got {s:?}"));
                    }
                    if let Some(Value::Object(fields)) = d.get("parses_as_json") {
                        let doc: Value =
                            serde_json::from_str(s).map_err(|e| format!("{at}: not JSON ({e}): {s:?}"))?;
                        for (k, want) in fields {
                            check_value(&doc[k], want, &format!("{at}→{k}"), w)?;
                        }
                    }
                }
                other => return Err(format!("{at}: the fixture's type {other:?} is not understood")),
            }
            Ok(())
        }
        other => Err(format!(
            "{at}: the fixture's description {other} is not understood"
        )),
    }
}

fn check_fixture(w: &World, f: &Value, r: &Recorded) -> Result<(), String> {
    let expect = &f["expect"];
    let status = expect["status"].as_u64().unwrap() as u16;
    let body = String::from_utf8_lossy(&r.body);
    if r.status != status {
        return Err(format!("status {}, want {status}: {body}", r.status));
    }
    match expect["content_type"].as_str() {
        None => {
            if !r.body.is_empty() {
                return Err(format!("want an empty body, got {body:?}"));
            }
        }
        Some(ct) if r.content_type() != Some(ct) => {
            return Err(format!("content type {:?}, want {ct:?}", r.content_type()));
        }
        Some(_) => {}
    }
    if body.contains("10.1.2.3") || body.contains("sk-test") {
        return Err(format!("the answer leaks a provider detail: {body}"));
    }
    if let Some(Value::Object(fields)) = expect.get("json_fields") {
        let v = json_of(r);
        for (k, want) in fields {
            check_value(&v[k], want, k, w)?;
        }
    }
    if let Some(sse) = expect.get("sse_frames") {
        let got = frames(r);
        let last = got.last().ok_or("no frames")?;
        let want_error = sse["frames"][0]["Type"] == 2;
        if want_error {
            if last["Type"] != 2 || !last["Value"].is_string() {
                return Err(format!("want a final error frame, got {got:?}"));
            }
            if got.iter().any(|f| f["Type"] == 1) {
                return Err(format!("an end frame after a failure: {got:?}"));
            }
        } else {
            if last != &json!({"Type": 1, "Value": null}) {
                return Err(format!("want the end frame last, got {got:?}"));
            }
            if !got.iter().any(|f| f["Type"] == 0) {
                return Err(format!("no text frame: {got:?}"));
            }
            let allowed = [0, 1, 4, 5, 6, 7];
            if let Some(odd) = got.iter().find(|f| !allowed.iter().any(|t| f["Type"] == *t)) {
                return Err(format!("an unexpected frame {odd}"));
            }
            if got.iter().filter(|f| f["Type"] == 1).count() != 1 {
                return Err(format!("more than one end frame: {got:?}"));
            }
        }
    }
    if let Some(Value::Object(headers)) = f.get("expect_headers") {
        for (k, v) in headers {
            let got = r.headers.get(k.as_str()).and_then(|h| h.to_str().ok());
            if got != v.as_str() {
                return Err(format!("header {k}: {got:?}, want {v}"));
            }
        }
    }
    Ok(())
}

async fn the_contract_fixtures_hold_for_every_caller(t: Transport) {
    let w = world(t, json!({}), &[]).await;
    let contract: Value = serde_json::from_str(include_str!("../fixtures/bridge_contract.json")).unwrap();
    let fixtures = contract["fixtures"].as_array().expect("fixtures");
    assert!(
        fixtures.len() >= 25,
        "the contract has {} fixtures",
        fixtures.len()
    );
    let mut wrong = Vec::new();
    for f in fixtures {
        let name = f["name"].as_str().unwrap();
        let before = w.fake.requests();
        let r = send_fixture(&w, f).await;
        if let Err(e) = check_fixture(&w, f, &r) {
            wrong.push(format!("{name}: {e}"));
        }
        // Refusals before the model call cost nothing.
        if (400..500).contains(&r.status) && w.fake.requests() != before {
            wrong.push(format!(
                "{name}: refused with {} but the model was called",
                r.status
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} fixtures fail:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // What the core sent for the recap reached the model as it asked: roles in order, the
    // schema natively (OpenAI, strict), the caller's token limit.
    let recap = w
        .fake
        .seen()
        .into_iter()
        .find(|s| s.body.to_string().contains("highlights"))
        .expect("the recap reached the model");
    let roles: Vec<&str> = recap.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user"]);
    assert_eq!(recap.body["response_format"]["type"], "json_schema");
    assert_eq!(recap.body["response_format"]["json_schema"]["strict"], true);
    let hello = w
        .fake
        .seen()
        .into_iter()
        .find(|s| s.body["max_completion_tokens"] == 256)
        .expect("max_generated_tokens reached the model");
    assert_eq!(hello.body["messages"][0]["content"], "You are terse.");
}

// ---- the core's structured outputs -----------------------------------------------------------

fn schema_rewrite() -> Value {
    json!({"type": "object", "properties": {"rewritten_text": {"type": "string"}}, "required": ["rewritten_text"], "additionalProperties": false})
}

fn schema_recap() -> Value {
    json!({"type": "object", "properties": {"highlights": {"type": "array", "items": {"type": "string"}}, "action_items": {"type": "array", "items": {"type": "string"}}}, "required": ["highlights", "action_items"], "additionalProperties": false})
}

fn schema_translate() -> Value {
    json!({"type": "object", "properties": {"translations": {"type": "array", "items": {"type": "string"}}, "source_language": {"type": "string"}, "confidence": {"type": "number"}}, "required": ["translations", "source_language"]})
}

fn completion_doc(r: &Recorded) -> Value {
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let completion = json_of(r)["completion"]
        .as_str()
        .expect("a completion")
        .to_owned();
    serde_json::from_str(&completion)
        .unwrap_or_else(|e| panic!("the completion is not JSON ({e}): {completion:?}"))
}

async fn the_cores_structured_outputs_end_to_end(t: Transport) {
    let w = world(t, json!({}), &[]).await;
    let alice = w.alice.0.clone();

    // AI rewrite: the core's body, to an OpenAI agent (native strict schema).
    let r = post(
        &w,
        CORE,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.ai),
        json!({"posts": [{"role": "system", "message": "Rewrite. User locale: en_CA."}, {"role": "user", "message": "hello world"}],
               "json_output_format": schema_rewrite(), "operation_subtype": "improve_writing", "user_id": alice}),
    )
    .await;
    assert_eq!(completion_doc(&r)["rewritten_text"], "Hello, world.");
    let sent = w.fake.seen().last().cloned().unwrap();
    assert_eq!(
        sent.body["response_format"]["json_schema"]["schema"],
        schema_rewrite()
    );

    // Recap: to an OpenAI-compatible agent: the schema goes into the prompt, and the fenced
    // answer comes back as the bare document.
    let r = post(
        &w,
        CORE,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.local),
        json!({"posts": [{"role": "system", "message": "Summarise."}, {"role": "user", "message": "[p1] alice: we ship on Friday"}],
               "json_output_format": schema_recap(), "operation": "recaps", "operation_subtype": "summarize_channel",
               "user_id": alice, "channel_id": w.town}),
    )
    .await;
    let doc = completion_doc(&r);
    assert_eq!(doc["highlights"], json!(["We ship on Friday"]));
    assert_eq!(doc["action_items"], json!(["Alice writes the notes"]));
    let sent = w.fake.seen().last().cloned().unwrap();
    assert!(
        sent.body.get("response_format").is_none(),
        "no native schema for this provider"
    );
    let system = sent.body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.starts_with("Summarise.") && system.contains("JSON Schema") && system.contains("action_items"),
        "{system}"
    );

    // Auto-translation: a background job (no user) on a service; its schema is not strict,
    // so even OpenAI gets it in the prompt, and the answer's prose is dropped.
    let r = call(
        &w,
        CORE,
        Some(""),
        "POST",
        "/bridge/v1/completion/service/svc/nostream",
        Some(
            json!({"posts": [{"role": "system", "message": "Translate."}, {"role": "user", "message": "{\"target_language\":\"es\",\"texts\":[\"Hello {{0}}\"]}"}],
                   "json_output_format": schema_translate(), "operation": "auto_translate", "operation_subtype": "translate"})
            .to_string()
            .into_bytes(),
        ),
    )
    .await;
    let doc = completion_doc(&r);
    assert_eq!(doc["translations"], json!(["Hola {{0}}"]));
    assert_eq!(doc["source_language"], "en");

    // Streaming with a schema: the document arrives whole, then usage, then the end.
    let r = post(
        &w,
        CALLER_PLUGIN,
        &format!("/bridge/v1/completion/agent/{}", w.local),
        json!({"posts": [{"role": "user", "message": "rewrite this"}], "json_output_format": schema_rewrite()}),
    )
    .await;
    let got = frames(&r);
    assert_eq!(streamed_text(&got), REWRITE);
    assert_eq!(got.last().unwrap(), &json!({"Type": 1, "Value": null}));
    assert!(got.iter().any(|f| f["Type"] == 7), "a usage frame: {got:?}");
}

/// The usage log records the caller's operation and subtype (a subprocess: the log's path is
/// an environment variable).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_reach_the_token_usage_log() {
    let dir = std::env::temp_dir().join(format!(
        "mmai-bridge-{}-{}",
        std::process::id(),
        mattermost_simulator::new_id()
    ));
    let log = dir.join("token_usage.log");
    let w = world(
        Transport::NetRpc,
        json!({"enableTokenUsageLogging": true}),
        &[("MMAI_TOKEN_USAGE_LOG", log.to_str().unwrap())],
    )
    .await;
    let r = post(
        &w,
        CORE,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.ai),
        json!({"posts": [{"role": "user", "message": "[p1] we ship"}], "json_output_format": schema_recap(),
               "operation": "recaps", "operation_subtype": "summarize_channel", "user_id": w.alice.0, "channel_id": w.town}),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = post(
        &w,
        CALLER_PLUGIN,
        "/bridge/v1/completion/service/Fake",
        json!({"posts": [{"role": "user", "message": "hi"}]}),
    )
    .await;
    assert_eq!(r.status, 200);
    let mut lines = Vec::new();
    for _ in 0..100 {
        lines = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect();
        if lines.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recap = lines
        .iter()
        .find(|l| l["operation"] == "recaps")
        .expect("the recap's line");
    assert_eq!(recap["operation_subtype"], "summarize_channel");
    assert_eq!(recap["user_id"], json!(w.alice.0));
    assert_eq!(recap["bot_username"], "ai");
    assert_eq!(
        (recap["input_tokens"].clone(), recap["output_tokens"].clone()),
        (json!(40), json!(12))
    );
    let service = lines
        .iter()
        .find(|l| l["operation"] == "bridge_service")
        .expect("the service call's line");
    assert_eq!(service["operation_subtype"], "streaming");
    let _ = std::fs::remove_dir_all(dir);
}

// ---- access, failures, bounds ----------------------------------------------------------------

async fn agents_for(w: &World, user: &str) -> Value {
    let path = format!("/bridge/v1/agents?user_id={user}");
    json_of(&call(w, CORE, Some(user), "GET", &path, None).await)
}

async fn access_rules_refuse_with_403(t: Transport) {
    let w = world(t, json!({}), &[]).await;
    let hi = |extra: Value| {
        let mut b = json!({"posts": [{"role": "user", "message": "hi"}]});
        if let (Some(b), Value::Object(e)) = (b.as_object_mut(), extra) {
            b.extend(e);
        }
        b
    };
    let path = |agent: &str| format!("/bridge/v1/completion/agent/{agent}/nostream");

    // The restricted agent: alice may use it, bob may not, nobody in particular may.
    let r = post(
        &w,
        CALLER_PLUGIN,
        &path(&w.restricted),
        hi(json!({"user_id": w.alice.0})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = post(
        &w,
        CALLER_PLUGIN,
        &path(&w.restricted),
        hi(json!({"user_id": w.bob})),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        json_of(&r)["error"]
            .as_str()
            .unwrap()
            .starts_with("permission denied: ")
    );
    let r = post(&w, CALLER_PLUGIN, &path(&w.restricted), hi(json!({}))).await;
    assert_eq!(r.status, 200, "no user_id, no check (upstream)");

    // An agent allowed in no channel: alone the user is fine, with a channel it is refused.
    let r = post(
        &w,
        CORE,
        &path(&w.channel_only),
        hi(json!({"user_id": w.alice.0})),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = post(
        &w,
        CORE,
        &path(&w.channel_only),
        hi(json!({"user_id": w.alice.0, "channel_id": w.town})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));

    // The agents list leaves the restricted agent out for bob only; the default is marked.
    let ids = |v: &Value| -> Vec<String> {
        v["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let for_bob = agents_for(&w, &w.bob).await;
    let for_alice = agents_for(&w, &w.alice.0).await;
    assert!(!ids(&for_bob).contains(&w.restricted));
    assert!(ids(&for_alice).contains(&w.restricted));
    let defaults: Vec<&Value> = for_alice["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["is_default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["username"], "ai");
    let names: Vec<&str> = for_alice["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["displayName"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by display name");

    // Services: every usable one, by name, not filtered by user.
    let services = json_of(
        &call(
            &w,
            CORE,
            Some(&w.bob),
            "GET",
            &format!("/bridge/v1/services?user_id={}", w.bob),
            None,
        )
        .await,
    );
    let names: Vec<&str> = services["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Broken", "Cut", "Fake", "Local", "Long"]);
    assert_eq!(
        services["services"][2],
        json!({"id": "svc", "name": "Fake", "type": "openai"})
    );

    // A file in a channel bob cannot read is refused for bob; for alice the image is seen.
    let png = b"\x89PNG\r\n\x1a\nfake".to_vec();
    let secret = w.sim.add_channel(&w.sim.add_team("u").id, "secret", "P");
    w.sim.add_member(&secret.id, &w.alice.0);
    let file = w.sim.state.add_file(&secret.id, "pic.png", png).expect("a file");
    let with_file = |user: &str| json!({"posts": [{"role": "user", "message": "what is this?", "file_ids": [file.id]}], "user_id": user});
    let r = post(&w, CALLER_PLUGIN, &path(&w.ai), with_file(&w.bob)).await;
    assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    let r = post(&w, CALLER_PLUGIN, &path(&w.ai), with_file(&w.alice.0)).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let sent = w.fake.seen().last().cloned().unwrap();
    assert!(
        sent.body["messages"][0]["content"]
            .to_string()
            .contains("image_url"),
        "{}",
        sent.body
    );
    let r = post(
        &w,
        CALLER_PLUGIN,
        &path(&w.ai),
        json!({"posts": [{"role": "user", "message": "x", "file_ids": ["nosuchfileaaaaaaaaaaaaaaaa"]}]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        json_of(&r)["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid request: failed to get file info")
    );
}

async fn failures_are_500_or_an_error_frame_after_the_partial_text(t: Transport) {
    let w = world(t, json!({}), &[]).await;
    let hi = json!({"posts": [{"role": "user", "message": "hi"}]});

    let r = post(
        &w,
        CORE,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.broken),
        hi.clone(),
    )
    .await;
    assert_eq!(r.status, 500);
    let e = json_of(&r)["error"].as_str().unwrap().to_owned();
    assert!(e.starts_with("failed to complete LLM request: "), "{e}");
    assert!(
        !e.contains("10.1.2.3") && !e.contains("exploded"),
        "a provider body leaked: {e}"
    );

    // Cut mid-answer: the text already sent stays, then one error frame, no end frame.
    let r = post(
        &w,
        CALLER_PLUGIN,
        &format!("/bridge/v1/completion/agent/{}", w.partial),
        hi.clone(),
    )
    .await;
    assert_eq!((r.status, r.content_type()), (200, Some("text/event-stream")));
    let got = frames(&r);
    assert_eq!(streamed_text(&got), "Partial answer");
    let last = got.last().unwrap();
    assert_eq!(last["Type"], 2, "{got:?}");
    assert!(
        last["Value"]
            .as_str()
            .unwrap()
            .starts_with("failed to complete LLM request: ")
    );
    assert!(got.iter().all(|f| f["Type"] != 1));

    // The same agent without streaming: a 500, the partial text dropped.
    let r = post(
        &w,
        CALLER_PLUGIN,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.partial),
        hi.clone(),
    )
    .await;
    assert_eq!(r.status, 500);

    // Bounds: a body over 8 MiB, too many posts.
    let huge = vec![b' '; 8 * 1024 * 1024 + 10];
    let r = call(
        &w,
        CALLER_PLUGIN,
        Some(""),
        "POST",
        &format!("/bridge/v1/completion/agent/{}/nostream", w.ai),
        Some(huge),
    )
    .await;
    assert_eq!(r.status, 413);
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"role": "user", "message": "x"}))
        .collect();
    let r = post(
        &w,
        CALLER_PLUGIN,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.ai),
        json!({"posts": many}),
    )
    .await;
    assert_eq!(r.status, 400);

    // Older servers send no user header at all; a plugin id is enough.
    let r = call(
        &w,
        CALLER_PLUGIN,
        None,
        "POST",
        "/bridge/v1/completion/service/Local/nostream",
        Some(hi.to_string().into_bytes()),
    )
    .await;
    assert_eq!(
        (r.status, json_of(&r)),
        (200, json!({"completion": "Hi from local."}))
    );
}

async fn long_answers_are_split_into_small_frames(t: Transport) {
    let w = world(t, json!({}), &[]).await;
    let long = w.sim.bot_user_id("long").unwrap();
    let r = post(
        &w,
        CALLER_PLUGIN,
        &format!("/bridge/v1/completion/agent/{long}"),
        json!({"posts": [{"role": "user", "message": "write a lot"}]}),
    )
    .await;
    let got = frames(&r);
    assert!(got.len() > 10, "{} frames", got.len());
    assert_eq!(streamed_text(&got), "\"quoted\"\n".repeat(20_000));
    assert_eq!(
        got[got.len() - 2],
        json!({"Type": 7, "Value": {"input_tokens": 10, "output_tokens": 50_000, "total_tokens": 50_010}})
    );
}

async fn allowed_tools_run_only_under_an_automatic_policy(t: Transport) {
    let auto = json!({"builtinTools": {"tool_configs": [{"name": "LookupMattermostUser", "enabled": true, "policy": "auto_run_everywhere"}]}});
    let w = world(t, auto, &[]).await;
    w.sim
        .data()
        .permissions
        .push((w.alice.0.clone(), String::new(), "view_members".into()));
    let path = format!("/bridge/v1/completion/agent/{}/nostream", w.ai);
    let ask = |tools: Value| json!({"posts": [{"role": "user", "message": "Please look up bob"}], "user_id": w.alice.0, "allowed_tools": tools});

    let r = post(&w, CALLER_PLUGIN, &path, ask(json!(["LookupMattermostUser"]))).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let completion = json_of(&r)["completion"].as_str().unwrap().to_owned();
    assert!(
        completion.starts_with("Tool said: ") && completion.contains("bob"),
        "{completion}"
    );
    let offered = w
        .fake
        .seen()
        .into_iter()
        .find(|s| s.body["tools"].is_array())
        .unwrap();
    let names: Vec<&str> = offered.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["LookupMattermostUser"],
        "only the allowed tool is offered"
    );

    // An object naming it works too; unknown tools and missing users are refused up front.
    let r = post(
        &w,
        CALLER_PLUGIN,
        &path,
        ask(json!([{"server_origin": "", "name": "LookupMattermostUser"}])),
    )
    .await;
    assert_eq!(r.status, 200);
    let before = w.fake.requests();
    let r = post(&w, CALLER_PLUGIN, &path, ask(json!(["nope__missing"]))).await;
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str().unwrap()),
        (400, "invalid allowed_tools: tool not found: nope__missing")
    );
    let r = post(&w, CALLER_PLUGIN, &path, ask(json!([]))).await;
    assert_eq!(r.status, 400);
    let r = post(&w, CALLER_PLUGIN, &path, json!({"posts": [{"role": "user", "message": "x"}], "user_id": w.alice.0, "allowed_tools": ["LookupMattermostUser"], "tool_hooks": {"LookupMattermostUser": {"before_callback": "/x"}}})).await;
    assert_eq!(
        (r.status, json_of(&r)["error"].as_str().unwrap()),
        (400, "tool_hooks is not supported by this plugin")
    );
    assert_eq!(w.fake.requests(), before, "refusals never reach the model");

    // The same tool under the default policy (ask) is refused: nobody is there to approve.
    let w = world(t, json!({}), &[]).await;
    let r = post(
        &w,
        CALLER_PLUGIN,
        &format!("/bridge/v1/completion/agent/{}/nostream", w.ai),
        json!({"posts": [{"role": "user", "message": "Please look up bob"}], "user_id": w.alice.0, "allowed_tools": ["LookupMattermostUser"]}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        json_of(&r)["error"]
            .as_str()
            .unwrap()
            .contains("needs a user's approval")
    );
    assert_eq!(w.fake.requests(), 0);
}

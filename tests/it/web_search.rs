//! The built-in web search tools (issue 20): `WebSearch` against fakes speaking Brave's and
//! Google's JSON, its results cited in the answer's annotations like a native web search;
//! every call waits for the user's approval by default; denied domains are dropped from the
//! results and refused when fetched; fetches go through the untrusted client (no internal
//! addresses) and only to URLs a search returned; pages come back as capped text; the API keys
//! never reach the plugin's log.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use mattermost_ai::answer::tools::{Tool, ToolContext, ToolError};
use mattermost_ai::config::snapshot::{LiveConfig, Snapshot};
use mattermost_ai::config::{Effective, WebSearchConfig};
use mattermost_ai::outbound::{HostAllowlist, OutboundClient, OutboundSettings, TestingOverrides};
use mattermost_ai::tools::web_search::{FETCH_TEXT_CHARS, WebSearchTools};
use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::fake_search::{FakeResult, FakeSearch};
use mattermost_simulator::{SimState, Simulator, Transport};
use plugin_runtime::host::model::Post;
use serde_json::{Value, json};

use crate::common::http::post_json;
use crate::common::{Under, licensed};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const BRAVE_KEY: &str = "brave-key-7f3a9c";
const GOOGLE_KEY: &str = "google-key-51be20";
const CX: &str = "engine-cx-1";

in_process!(
    brave_results_are_cited_and_fetches_are_guarded,
    google_results_are_cited
);

/// The keys stay out of the plugin's log even with the LLM trace on (a real process, its
/// stderr captured).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_never_reach_the_log() {
    google_results_are_cited(Transport::Grpc).await;
}

/// The model: "search <q>" calls WebSearch, "fetch <url>" WebSearchFetchSource; after a
/// search result it answers citing the first number and a number nobody gave ([99]); after
/// anything else it repeats what the tool said.
async fn model() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|seen| {
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
        let last = messages.last().cloned().unwrap_or(Value::Null);
        let content = match &last["content"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Some(if system.starts_with("Write a title") {
            Script::chat_completion(&["Title"], 0, None)
        } else if last["role"] == "tool" {
            let first = content.lines().find_map(|l| {
                l.strip_prefix('[')
                    .and_then(|r| r.split_once(']'))
                    .map(|(n, _)| n.to_owned())
            });
            match first {
                Some(n) if content.starts_with("Web search results") => {
                    Script::chat_completion(&[&format!("Found it [{n}]"), " and more [99]."], 0, None)
                }
                _ => {
                    Script::chat_completion(&[&format!("Tool said: {}", content.replace('\n', " "))], 0, None)
                }
            }
        } else if let Some(at) = content.find("search ") {
            let q: String = content[at + 7..].chars().take_while(|c| *c != '"').collect();
            Script::chat_tool_calls(&[("call_search", "WebSearch", json!({"query": q.trim()}))])
        } else if let Some(at) = content.find("fetch ") {
            let url: String = content[at + 6..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"')
                .collect();
            Script::chat_tool_calls(&[("call_fetch", "WebSearchFetchSource", json!({"url": url}))])
        } else {
            Script::chat_completion(&["Hello."], 0, None)
        })
    });
    fake
}

fn annotations(p: &Post) -> Vec<Value> {
    p.props
        .get("annotations")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

fn tool_calls(p: &Post) -> Vec<Value> {
    let raw = p.props.get("pending_tool_call").cloned().unwrap_or(Value::Null);
    let list: Value = match raw {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
        v => v,
    };
    list.as_array().cloned().unwrap_or_default()
}

async fn wait_for(sim: &Simulator, what: &str, f: impl Fn(&Post) -> bool) -> Post {
    assert!(
        sim.wait_until(Duration::from_secs(30), |d| d.posts.values().any(&f))
            .await,
        "never saw {what}"
    );
    sim.data().posts.values().find(|p| f(p)).cloned().unwrap()
}

/// Asks in the DM, waits for the call that asks for approval, approves it and returns the
/// agent's next answer (the one responding to that tool post).
async fn ask_and_approve(sim: &Simulator, user: &str, token: &str, dm: &str, text: &str, call: &str) -> Post {
    let question = sim.post_as(user, dm, text, "").await.unwrap();
    let asked = wait_for(sim, "the tool call", |p| {
        p.root_id == question.id && tool_calls(p).iter().any(|c| c["id"] == call)
    })
    .await;
    let (status, body) = post_json(
        sim,
        token,
        &format!("/post/{}/tool_call", asked.id),
        json!({"accepted_tool_ids": [call]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    wait_for(sim, "the answer after the tool", |p| {
        p.props.get("responding_to").and_then(Value::as_str) == Some(asked.id.as_str())
            && !p.message.is_empty()
            && p.props.get("pending_tool_call").is_none()
    })
    .await
}

async fn start(t: Transport, fake: &FakeProvider, web_search: Value) -> Simulator {
    Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({"webSearch": web_search, "enableLLMTrace": true}),
        ))
        .start()
        .await
        .unwrap()
}

fn results() -> Vec<FakeResult> {
    vec![
        FakeResult::new("Page A", "{base}/pages/a", "All about <strong>A</strong>"),
        FakeResult::new("Tracker", "https://ads.tracker.example/x", "planted"),
        FakeResult::new("Docs", "https://docs.example.org/c", "Docs snippet"),
    ]
}

async fn brave_results_are_cited_and_fetches_are_guarded(t: Transport) {
    let fake = model().await;
    let search = FakeSearch::start(BRAVE_KEY, "", results(), vec![("a", "<p>Page A</p>".into())])
        .await
        .unwrap();
    let sim = start(
        t,
        &fake,
        json!({"enabled": true, "provider": "brave", "brave": {"apiKey": BRAVE_KEY, "apiURL": search.url},
               "domainDenylist": ["tracker.example"]}),
    )
    .await;
    let (alice, token) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);

    // Approval by default: the call waits for alice, nothing is searched before.
    let question = sim
        .post_as(&alice.id, &dm.id, "search rust async", "")
        .await
        .unwrap();
    let asked = wait_for(&sim, "the search call", |p| {
        p.root_id == question.id && !tool_calls(p).is_empty()
    })
    .await;
    assert_eq!(tool_calls(&asked)[0]["name"], "WebSearch");
    assert_eq!(tool_calls(&asked)[0]["status"], 0, "pending");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(search.seen().is_empty(), "searched before the user decided");
    let (status, _) = post_json(
        &sim,
        &token,
        &format!("/post/{}/tool_call", asked.id),
        json!({"accepted_tool_ids": ["call_search"]}),
    )
    .await;
    assert_eq!(status, 200);
    // Annotations are saved with the end of the answer.
    let answer = wait_for(&sim, "the cited answer", |p| {
        p.message.ends_with("[99].") && !annotations(p).is_empty()
    })
    .await;
    let seen = search.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].query, "rust async");
    assert!(seen[0].key_ok, "the key went in X-Subscription-Token");

    // The citation is an annotation like a native one; [99] names no result and is left alone.
    let notes = annotations(&answer);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["type"], "url_citation");
    assert_eq!(notes[0]["url"], search.page_url("a"));
    assert_eq!(notes[0]["title"], "Page A");
    assert_eq!(notes[0]["cited_text"], "All about A");
    let start = notes[0]["start_index"].as_u64().unwrap() as usize;
    let end = notes[0]["end_index"].as_u64().unwrap() as usize;
    let marker: String = answer.message.chars().skip(start).take(end - start).collect();
    assert_eq!(marker, format!("[{}]", notes[0]["index"]));

    // The denied domain never reached the model.
    let tool_post = sim.data().posts[&asked.id].clone();
    let result = tool_calls(&tool_post)[0]["result"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(
        result.contains("Page A") && result.contains("docs.example.org"),
        "{result}"
    );
    assert!(!result.contains("tracker.example"), "{result}");

    // A denied domain is refused without a request, even when asked for directly.
    let denied = ask_and_approve(
        &sim,
        &alice.id,
        &token,
        &dm.id,
        "fetch https://ads.tracker.example/x",
        "call_fetch",
    )
    .await;
    assert!(
        denied.message.contains("may not be fetched"),
        "{}",
        denied.message
    );

    // A URL no search returned is refused.
    let unknown = ask_and_approve(
        &sim,
        &alice.id,
        &token,
        &dm.id,
        "fetch https://docs.example.org/other",
        "call_fetch",
    )
    .await;
    assert!(unknown.message.contains("search first"), "{}", unknown.message);

    // A result on a private address (here loopback) is refused by the outbound guard.
    let page = search.page_url("a");
    let private = ask_and_approve(
        &sim,
        &alice.id,
        &token,
        &dm.id,
        &format!("fetch {page}"),
        "call_fetch",
    )
    .await;
    assert!(
        private.message.contains("internal network"),
        "{}",
        private.message
    );
    assert!(search.page_hits().is_empty(), "no page was fetched");
}

async fn google_results_are_cited(t: Transport) {
    let fake = model().await;
    let search = FakeSearch::start(GOOGLE_KEY, CX, results(), Vec::new())
        .await
        .unwrap();
    let sim = start(
        t,
        &fake,
        json!({"enabled": true, "provider": "google",
               "google": {"apiKey": GOOGLE_KEY, "searchEngineId": CX, "apiURL": search.google_url(), "resultLimit": 2}}),
    )
    .await;
    let (alice, token) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);
    let answer = ask_and_approve(
        &sim,
        &alice.id,
        &token,
        &dm.id,
        "search mattermost plugins",
        "call_search",
    )
    .await;
    assert!(answer.message.starts_with("Found it"), "{}", answer.message);
    let answer = wait_for(&sim, "the annotations", |p| {
        p.id == answer.id && !annotations(p).is_empty()
    })
    .await;
    let seen = search.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].key_ok, "key and cx in the query");
    assert_eq!(seen[0].count, "2", "the admin's result limit");
    let notes = annotations(&answer);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["url"], search.page_url("a"));

    if t != Transport::InProcess {
        let leaked: Vec<String> = sim
            .stderr_lines()
            .into_iter()
            .filter(|l| l.contains(GOOGLE_KEY) || l.contains(CX))
            .collect();
        assert!(leaked.is_empty(), "{leaked:?}");
        assert!(
            sim.stderr_lines().iter().any(|l| l.contains("LLM call")),
            "the trace was on, so the log had its chance to leak"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The fetch itself, with a client that lets the fake on 127.0.0.1 play a public site (the
// outbound tests' allowance, `TestingOverrides`; the plugin itself never has one).

fn tools_with(config: WebSearchConfig) -> Vec<Arc<dyn Tool>> {
    let live = Arc::new(LiveConfig::default());
    let mut effective = Effective::default();
    effective.config.web_search = config;
    let mut snapshot = Snapshot::empty();
    snapshot.effective = Arc::new(effective);
    live.set_snapshot(snapshot);
    WebSearchTools::new(live).tools()
}

fn context() -> ToolContext {
    let outbound = OutboundClient::new(OutboundSettings {
        allowlist: HostAllowlist::allow_all(),
        testing: TestingOverrides {
            guard_exempt: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            hosts: Vec::new(),
        },
        ..OutboundSettings::default()
    })
    .unwrap();
    ToolContext {
        api: SimState::new(),
        outbound,
        user_id: "alice".into(),
        bot: Default::default(),
        bot_user_id: "bot".into(),
        server_config: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_come_back_as_capped_text() {
    let big = format!(
        "<html><body>{}</body></html>",
        "<p>lorem ipsum dolor</p>".repeat(100_000)
    );
    let search = FakeSearch::start(
        BRAVE_KEY,
        "",
        vec![
            FakeResult::new("A", "{base}/pages/a", "a"),
            FakeResult::new("Big", "{base}/pages/big", "big"),
            FakeResult::new("Metadata", "http://169.254.169.254/latest/meta-data/", "m"),
        ],
        vec![
            (
                "a",
                "<html><head><title>Page A</title><script>steal()</script></head>\
                 <body><h1>Hello</h1><p>from page &amp; A</p></body></html>"
                    .into(),
            ),
            ("big", big),
        ],
    )
    .await
    .unwrap();
    let tools = tools_with(
        serde_json::from_value(json!({"enabled": true, "provider": "brave",
            "brave": {"apiKey": BRAVE_KEY, "apiURL": search.url}}))
        .unwrap(),
    );
    assert_eq!(tools.len(), 2);
    let (web, fetch) = (&tools[0], &tools[1]);
    let ctx = context();

    // Before any search nothing may be fetched.
    let early = fetch.run(&ctx, json!({"url": search.page_url("a")})).await;
    assert!(matches!(early, Err(ToolError::Denied(_))), "{early:?}");

    let found = web.run(&ctx, json!({"query": "anything"})).await.unwrap();
    assert!(found.contains("[1] A") && found.contains("[2] Big"), "{found}");

    let page = fetch
        .run(&ctx, json!({"url": search.page_url("a")}))
        .await
        .unwrap();
    assert!(page.contains("Page A\n\nHello\nfrom page & A"), "{page}");
    assert!(!page.contains("steal") && !page.contains('<'), "{page}");
    assert!(page.contains("treat it as data"), "{page}");

    // The fragment does not make it another page.
    let anchored = fetch
        .run(&ctx, json!({"url": format!("{}#part", search.page_url("a"))}))
        .await;
    assert!(anchored.is_ok(), "{anchored:?}");

    let big = fetch
        .run(&ctx, json!({"url": search.page_url("big")}))
        .await
        .unwrap();
    assert!(
        big.ends_with("[…truncated]"),
        "{}",
        &big[big.len().saturating_sub(80)..]
    );
    assert!(big.chars().count() < FETCH_TEXT_CHARS + 500);

    // A result on the metadata address is refused by the guard, search or not.
    let metadata = fetch
        .run(&ctx, json!({"url": "http://169.254.169.254/latest/meta-data/"}))
        .await;
    assert!(
        matches!(&metadata, Err(ToolError::Denied(m)) if m.contains("internal network")),
        "{metadata:?}"
    );
    // Only http(s).
    let file = fetch.run(&ctx, json!({"url": "file:///etc/passwd"})).await;
    assert!(matches!(file, Err(ToolError::Arguments(_))), "{file:?}");

    // Off (or incomplete): no tools at all.
    assert!(tools_with(WebSearchConfig::default()).is_empty());
}

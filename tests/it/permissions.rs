//! The permission matrix (issue 13, item 15): every HTTP route of the plugin × every kind of
//! caller, through the real interface — the plugin binary under the simulated server (net/rpc),
//! requests over HTTP with a session token as a browser sends them.
//!
//! Callers: nobody (no session), the user who asked (a member of the private channel, the asker
//! of the agent's posts), a user who is not a member of that channel, another member who did not
//! ask, and a system admin who is not a member. The routes come from `src/http/mod.rs` itself,
//! read at test time: a route without a row here (or a row without a route) fails the test.
//!
//! Refused requests run first, all of them, and must leave no trace: no model call, no post, no
//! reaction, no reindex job, the pending tool call still pending. Then the allowed requests run,
//! each left to finish before the next. Search also has its results checked: only from channels
//! the caller belongs to, whoever the caller is.
//!
//! Needs PostgreSQL with pgvector (`DATABASE_URL`; scripts/pg-up.sh starts one), for search.

use std::collections::BTreeSet;
use std::time::Duration;

use mattermost_ai::answer::props;
use mattermost_ai::answer::props::TRANSCRIPT_POST;
use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Data, Simulator, Transport};
use plugin_runtime::host::model::{License, Post};
use serde_json::{Value, json};

use crate::common::db::{database, indexed};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const EVENT: &str = "custom_mattermost-ai_postupdate";
const DIMS: usize = 64;
/// What the user asks the agent in their DM; the fake model answers it with a tool call.
const TOOL_QUESTION: &str = "Please look up bob";

// ---- the table -------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    /// No session: the server forwards the request without `Mattermost-User-Id`.
    Anonymous,
    /// Alice: a member of the private channel, and the one who asked the agent.
    User,
    /// Carol: on the team, not in the private channel.
    NonMember,
    /// Bob: in the private channel, but not the one who asked.
    Other,
    /// Dave: a system admin, not in the private channel.
    Admin,
}

const CALLERS: [Caller; 5] = [
    Caller::Anonymous,
    Caller::User,
    Caller::NonMember,
    Caller::Other,
    Caller::Admin,
];

#[derive(Clone, Copy, Debug)]
enum Want {
    Ok,
    Unauthorized,
    Forbidden,
    /// 403, or 404 for a route that would rather not say the post exists.
    Hidden,
    Any(&'static [u16]),
}

impl Want {
    fn accepts(self, status: u16) -> bool {
        match self {
            Want::Ok => status == 200,
            Want::Unauthorized => status == 401,
            Want::Forbidden => status == 403,
            Want::Hidden => status == 403 || status == 404,
            Want::Any(s) => s.contains(&status),
        }
    }

    fn refused(self) -> bool {
        matches!(self, Want::Unauthorized | Want::Forbidden | Want::Hidden)
    }
}

/// The object a route acts on, filled into its `{post_id}` / `{channel_id}`.
#[derive(Clone, Copy, Debug)]
enum Target {
    None,
    /// The agent's answer to alice's @mention in the private channel.
    Answer,
    /// The agent's post in alice's DM asking to run a tool.
    ToolPost,
    /// The agent's tool post in the private channel (channel tool calling is on), its call
    /// shown without arguments, run, and the result waiting, private to alice, for her to
    /// share it.
    ChannelToolPost,
    /// Alice's post in the private channel (thread analysis, reactions).
    Root,
    /// A Calls recording with its transcript, in the private channel.
    Recording,
    /// The meeting summary the agent wrote for alice, in her DM.
    Summary,
    /// The private channel.
    Secret,
}

struct Row {
    method: &'static str,
    route: &'static str,
    target: Target,
    body: fn(&World) -> Value,
    /// In `CALLERS` order: anonymous, user, non-member, other, admin.
    want: [Want; 5],
}

fn no_body(_: &World) -> Value {
    json!({})
}

/// A completion the bridge would run for a plugin: alice asks the agent.
fn bridge_body(w: &World) -> Value {
    json!({"posts": [{"role": "user", "message": "hi"}], "user_id": w.alice.0})
}

fn rows() -> Vec<Row> {
    use Want::{Forbidden as F, Hidden as H, Ok as K, Unauthorized as U};
    let row = |method, route, target, body, want| Row {
        method,
        route,
        target,
        body,
        want,
    };
    // The MCP server is off in this world: its routes do not exist for anyone.
    const GONE: Want = Want::Any(&[404]);
    const BAD: Want = Want::Any(&[400]);
    vec![
        row("GET", "/version", Target::None, no_body, [K, K, K, K, K]),
        row("ANY", "/mcp-server/mcp", Target::None, no_body, [GONE; 5]),
        row(
            "GET",
            "/mcp-server/.well-known/oauth-protected-resource",
            Target::None,
            no_body,
            [GONE; 5],
        ),
        row(
            "OPTIONS",
            "/mcp-server/.well-known/oauth-protected-resource",
            Target::None,
            no_body,
            [GONE; 5],
        ),
        row("POST", "/echo", Target::None, |_| json!("ping"), [U, F, F, F, K]),
        row("GET", "/metrics", Target::None, no_body, [U, F, F, F, K]),
        // The LLM Bridge is for the core server and other plugins (`Mattermost-Plugin-ID`, which
        // the server deletes from outside requests): no session, however privileged, gets in.
        row("GET", "/bridge/v1/agents", Target::None, no_body, [U; 5]),
        row("GET", "/bridge/v1/services", Target::None, no_body, [U; 5]),
        row(
            "POST",
            "/bridge/v1/completion/agent/{agent}",
            Target::None,
            bridge_body,
            [U; 5],
        ),
        row(
            "POST",
            "/bridge/v1/completion/agent/{agent}/nostream",
            Target::None,
            bridge_body,
            [U; 5],
        ),
        row(
            "POST",
            "/bridge/v1/completion/service/{service}",
            Target::None,
            bridge_body,
            [U; 5],
        ),
        row(
            "POST",
            "/bridge/v1/completion/service/{service}/nostream",
            Target::None,
            bridge_body,
            [U; 5],
        ),
        row("GET", "/ai_bots", Target::None, no_body, [U, K, K, K, K]),
        row("GET", "/ai_threads", Target::None, no_body, [U, K, K, K, K]),
        row("GET", "/mcp/tools", Target::None, no_body, [U, K, K, K, K]),
        // No MCP server is configured here: nothing to connect, and a callback without a
        // pending authorization is refused.
        row(
            "GET",
            "/mcp/oauth/{server}/start",
            Target::None,
            no_body,
            [U, GONE, GONE, GONE, GONE],
        ),
        row(
            "DELETE",
            "/mcp/oauth/{server}",
            Target::None,
            no_body,
            [U, GONE, GONE, GONE, GONE],
        ),
        row(
            "GET",
            "/oauth/callback",
            Target::None,
            no_body,
            [U, BAD, BAD, BAD, BAD],
        ),
        row("GET", "/admin/mcp/tools", Target::None, no_body, [U, F, F, F, K]),
        row("GET", "/admin/usage", Target::None, no_body, [U, F, F, F, K]),
        row(
            "GET",
            "/admin/usage/export.csv",
            Target::None,
            no_body,
            [U, F, F, F, K],
        ),
        row(
            "POST",
            "/admin/mcp/tools/cache/clear",
            Target::None,
            no_body,
            [U, F, F, F, K],
        ),
        row(
            "POST",
            "/post/{post_id}/stop",
            Target::Answer,
            no_body,
            [U, K, H, H, H],
        ),
        row(
            "POST",
            "/post/{post_id}/regenerate",
            Target::Answer,
            no_body,
            [U, K, H, H, H],
        ),
        row(
            "POST",
            "/post/{post_id}/tool_call",
            Target::ToolPost,
            |_| json!({"accepted_tool_ids": ["call_1"]}),
            [U, K, H, H, H],
        ),
        // Alice's private calls and results: read before she shares them (the POST after).
        row(
            "GET",
            "/post/{post_id}/tool_call_private",
            Target::ChannelToolPost,
            no_body,
            [U, K, H, H, H],
        ),
        row(
            "GET",
            "/post/{post_id}/tool_result_private",
            Target::ChannelToolPost,
            no_body,
            [U, K, H, H, H],
        ),
        row(
            "POST",
            "/post/{post_id}/tool_result",
            Target::ChannelToolPost,
            |_| json!({"accepted_tool_ids": ["call_1"]}),
            [U, K, H, H, H],
        ),
        row(
            "POST",
            "/post/{post_id}/analyze",
            Target::Root,
            |_| json!({"analysis_type": "summarize_thread"}),
            [U, K, F, K, F],
        ),
        row(
            "POST",
            "/post/{post_id}/react",
            Target::Root,
            no_body,
            [U, K, F, K, F],
        ),
        row(
            "POST",
            "/post/{post_id}/summarize_transcription",
            Target::Recording,
            no_body,
            [U, K, F, K, F],
        ),
        row(
            "POST",
            "/post/{post_id}/postback_summary",
            Target::Summary,
            no_body,
            [U, K, H, H, H],
        ),
        row(
            "POST",
            "/channel/{channel_id}/interval",
            Target::Secret,
            |_| json!({"start_time": mattermost_simulator::now_millis() - 3_600_000, "preset_prompt": "summarize_unreads"}),
            [U, K, F, K, F],
        ),
        row(
            "POST",
            "/channel/{channel_id}/analyze",
            Target::Secret,
            |_| json!({"analysis_type": "summarize_channel", "days": 1}),
            [U, K, F, K, F],
        ),
        row(
            "GET",
            "/admin/config/check",
            Target::None,
            no_body,
            [U, F, F, F, K],
        ),
        row(
            "POST",
            "/admin/models/fetch",
            Target::None,
            |w| json!({"serviceType": "openaicompatible", "apiURL": w.fake.url, "apiKey": ""}),
            [U, F, F, F, K],
        ),
        row(
            "POST",
            "/search",
            Target::None,
            |_| json!({"query": SEARCH}),
            [U, K, K, K, K],
        ),
        row(
            "POST",
            "/search/run",
            Target::None,
            |_| json!({"query": SEARCH}),
            [U, K, K, K, K],
        ),
        // The reindex rebuilds the search table: after the search rows.
        row("POST", "/admin/reindex", Target::None, no_body, [U, F, F, F, K]),
        row(
            "GET",
            "/admin/reindex/status",
            Target::None,
            no_body,
            [U, F, F, F, K],
        ),
        row(
            "GET",
            "/admin/reindex/health-check",
            Target::None,
            no_body,
            [U, F, F, F, K],
        ),
        // The reindex above may still hold the job lock (409), or have failed for want of the
        // server's tables (the catch-up then runs and fails likewise).
        row(
            "POST",
            "/admin/reindex/catchup",
            Target::None,
            no_body,
            [U, F, F, F, Want::Any(&[200, 400, 409])],
        ),
        // The job may have ended already (the test database has no Posts table): 400 not_running.
        row(
            "POST",
            "/admin/reindex/cancel",
            Target::None,
            no_body,
            [U, F, F, F, Want::Any(&[200, 400])],
        ),
    ]
}

/// Words of alice's private post, bob's reply and alice's DM with carol.
const SEARCH: &str = "shall we ship on Friday, look up bob";

// ---- the routes the router declares ----------------------------------------------------------

/// `(METHOD, path)` of every `.route(...)` in the plugin's router, read from its source.
fn routes_in_router() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/mod.rs");
    let src = std::fs::read_to_string(path).expect("reading src/http/mod.rs");
    // Groups are merged without a prefix, so every path is still a literal `.route(...)` here.
    for other in [".nest(", ".route_service(", ".nest_service("] {
        assert!(
            !src.contains(other),
            "src/http/mod.rs now uses {other}: teach routes_in_router to read it"
        );
    }
    let mut out = BTreeSet::new();
    let mut rest = src.as_str();
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let mut depth = 1usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let args = &rest[..end];
        let mut parts = args.splitn(3, '"');
        let (_, route, handler) = (parts.next(), parts.next(), parts.next());
        let route = route.expect("a route's path is a string literal");
        let handler = handler.unwrap_or_default();
        let mut methods = 0;
        for m in ["get", "post", "put", "patch", "delete", "head", "options", "any"] {
            let call = format!("{m}(");
            let mut s = handler;
            while let Some(i) = s.find(&call) {
                let word_start = !s[..i]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
                if word_start {
                    out.insert((m.to_uppercase(), route.to_owned()));
                    methods += 1;
                }
                s = &s[i + call.len()..];
            }
        }
        assert!(methods > 0, "no method router found for {route:?} in {args:?}");
        rest = &rest[end..];
    }
    assert!(out.len() >= 10, "the scan found too few routes: {out:?}");
    out
}

/// Every route of the router has a row, and every row a route.
#[test]
fn every_route_has_a_row() {
    let router = routes_in_router();
    let table: BTreeSet<(String, String)> = rows()
        .iter()
        .map(|r| (r.method.to_owned(), r.route.to_owned()))
        .collect();
    assert_eq!(table.len(), rows().len(), "a route has two rows");
    let missing: Vec<_> = router.difference(&table).collect();
    let stale: Vec<_> = table.difference(&router).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a row in tests/permissions.rs: {missing:?}; rows without a route: {stale:?}"
    );
}

// ---- the world the requests act on -----------------------------------------------------------

struct World {
    sim: Simulator,
    http: reqwest::Client,
    fake: FakeProvider,
    db: String,
    bot: String,
    /// alice, carol, bob, dave: (user id, token).
    alice: (String, String),
    carol: (String, String),
    bob: (String, String),
    dave: (String, String),
    secret: String,
    answer: Post,
    tool_post: Post,
    channel_tool_post: Post,
    root: Post,
    recording: Post,
    summary: Post,
    /// Alice's question in her DM with the agent.
    dm_question: Post,
    /// Alice's DM with carol, and alice's post there.
    people_dm: String,
}

impl World {
    fn token(&self, c: Caller) -> Option<&str> {
        match c {
            Caller::Anonymous => None,
            Caller::User => Some(&self.alice.1),
            Caller::NonMember => Some(&self.carol.1),
            Caller::Other => Some(&self.bob.1),
            Caller::Admin => Some(&self.dave.1),
        }
    }

    fn path(&self, r: &Row) -> String {
        let id = match r.target {
            Target::None => "",
            Target::Answer => &self.answer.id,
            Target::ToolPost => &self.tool_post.id,
            Target::ChannelToolPost => &self.channel_tool_post.id,
            Target::Root => &self.root.id,
            Target::Recording => &self.recording.id,
            Target::Summary => &self.summary.id,
            Target::Secret => &self.secret,
        };
        // No MCP server is configured in this world: any name is one that does not exist.
        let p = r
            .route
            .replace("{post_id}", id)
            .replace("{channel_id}", id)
            .replace("{server}", "no-such-server")
            .replace("{agent}", &self.bot)
            .replace("{service}", "svc");
        assert!(
            !p.contains('{'),
            "{} has a parameter the row does not fill",
            r.route
        );
        p
    }
}

/// A fake provider that answers by what it is asked: embeddings, the model list, a tool call
/// for the DM question, and ":tada:" for everything else (a fine title, summary and emoji).
async fn fake_provider() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new())
        .await
        .expect("the fake provider starts");
    fake.route(|seen| {
        if seen.uri.ends_with("/embeddings") {
            return Some(Script::embeddings(&seen.body, DIMS));
        }
        if seen.uri.ends_with("/models") {
            return Some(Script::json(
                200,
                &json!({"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]}),
            ));
        }
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
        let last = messages.last().cloned().unwrap_or(Value::Null);
        let asks_tool = !system.starts_with("Write a title")
            && last["role"] == "user"
            && last["content"].to_string().contains(TOOL_QUESTION);
        Some(if asks_tool {
            Script::chat_tool_calls(&[("call_1", "LookupMattermostUser", json!({"username": "bob"}))])
        } else {
            Script::chat_completion(&[":tada:"], 0, None)
        })
    });
    fake
}

fn controls(d: &Data, control: &str) -> usize {
    d.ws_events
        .iter()
        .filter(|e| e.event == EVENT && e.payload.get("control") == Some(&json!(control)))
        .count()
}

/// Waits until every answer that started has ended and the model has had no new request for a
/// moment.
async fn quiet(w: &World) {
    let mut last = usize::MAX;
    let mut still = 0;
    for _ in 0..1200 {
        let n = w.fake.requests();
        let settled = {
            let d = w.sim.data();
            controls(&d, "start") == controls(&d, "end")
        };
        still = if settled && n == last { still + 1 } else { 0 };
        if still >= 2 {
            return;
        }
        last = n;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the plugin never went quiet");
}

async fn wait_for(w: &Simulator, what: &str, find: impl Fn(&Data) -> Option<Post>) -> Post {
    for _ in 0..300 {
        if let Some(p) = find(&w.data()) {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} never appeared");
}

async fn world() -> World {
    let fake = fake_provider().await;
    let db = database().await;
    let search = json!({"type": "composite", "dimensions": DIMS,
        "embeddingProvider": {"type": "openai-compatible", "parameters": {"apiURL": fake.url, "embeddingModel": "fake-embed"}},
        "chunkingOptions": {"chunkSize": 400, "chunkOverlap": 50}});
    let sim = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({ "embeddingSearchConfig": search, "enableChannelMentionToolCalling": true }),
        ))
        .license(License {
            id: "lic".into(),
            sku_short_name: "enterprise".into(),
            ..Default::default()
        })
        .server_config(json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db}}))
        .start()
        .await
        .expect("the simulated server starts the plugin");
    let bot = sim.bot_user_id("ai").expect("the agent's bot exists");

    let (alice, alice_token) = sim.add_user("alice", "system_user");
    let (bob, bob_token) = sim.add_user("bob", "system_user");
    let (carol, carol_token) = sim.add_user("carol", "system_user");
    let (dave, dave_token) = sim.add_user("dave", "system_user system_admin");
    let team = sim.add_team("t");
    let town = sim.add_channel(&team.id, "town", "O");
    for u in [&alice, &bob, &carol, &dave] {
        sim.add_member(&town.id, &u.id);
    }
    let secret = sim.add_channel(&team.id, "secret", "P");
    sim.add_member(&secret.id, &alice.id);
    sim.add_member(&secret.id, &bob.id);
    sim.data()
        .permissions
        .push((alice.id.clone(), String::new(), "view_members".into()));

    let root = sim
        .post_as(&alice.id, &secret.id, "Shall we ship on Friday?", "")
        .await
        .expect("posting");
    let reply = sim
        .post_as(&bob.id, &secret.id, "Yes, we ship on Friday.", &root.id)
        .await
        .expect("posting");
    let mention = sim
        .post_as(&alice.id, &secret.id, "@ai what do you think?", "")
        .await
        .expect("posting");
    let answer = wait_for(&sim, "the agent's answer", |d| {
        d.posts
            .values()
            .find(|p| p.user_id == bot && p.prop_str(props::RESPONDING_TO) == Some(mention.id.as_str()))
            .cloned()
    })
    .await;
    let alice_dm = sim.direct_channel(&alice.id, &bot).id;
    let dm_question = sim
        .post_as(&alice.id, &alice_dm, TOOL_QUESTION, "")
        .await
        .expect("posting");
    let tool_post = wait_for(&sim, "the agent's tool call", |d| {
        d.posts
            .values()
            .find(|p| p.user_id == bot && p.props.contains_key(props::PENDING_TOOL_CALL))
            .cloned()
    })
    .await;

    // The same question in the private channel: alice approves, the result waits for her.
    let channel_question = sim
        .post_as(&alice.id, &secret.id, &format!("@ai {TOOL_QUESTION}"), "")
        .await
        .expect("posting");
    let channel_tool_post = wait_for(&sim, "the agent's tool call in the channel", |d| {
        d.posts
            .values()
            .find(|p| {
                p.user_id == bot
                    && p.prop_str(props::RESPONDING_TO) == Some(channel_question.id.as_str())
                    && p.props.contains_key(props::PENDING_TOOL_CALL)
            })
            .cloned()
    })
    .await;
    let approved = reqwest::Client::new()
        .post(sim.plugin_url(&format!("/post/{}/tool_call", channel_tool_post.id)))
        .bearer_auth(&alice_token)
        .json(&json!({"accepted_tool_ids": ["call_1"]}))
        .send()
        .await
        .expect("the simulated server answers");
    assert_eq!(approved.status().as_u16(), 200, "alice approves in the channel");
    wait_for(&sim, "the channel tool call's private result", |d| {
        d.posts
            .get(&channel_tool_post.id)
            .filter(|p| p.prop_str(props::PENDING_TOOL_RESULT) == Some(props::TRUE))
            .cloned()
    })
    .await;

    // A Calls recording with its transcript, and the summary the agent wrote of it for alice.
    // A DM between people, which only its two members may find.
    let people_dm = sim.direct_channel(&alice.id, &carol.id).id;
    let between = sim
        .post_as(
            &alice.id,
            &people_dm,
            "Carol, we ship on Friday, keep it quiet.",
            "",
        )
        .await
        .expect("posting");

    let (calls, _) = sim.add_user("calls", "system_user");
    sim.data().users.get_mut(&calls.id).expect("the calls bot").is_bot = true;
    let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Alice>We ship on Friday.</v>\n";
    let file = sim
        .state
        .add_file(&secret.id, "transcript.vtt", vtt.as_bytes().to_vec())
        .expect("a transcript file");
    let mut recording = Post {
        user_id: calls.id.clone(),
        channel_id: secret.id.clone(),
        message: "Recording".into(),
        post_type: "custom_calls_recording".into(),
        file_ids: vec![file.id.clone()],
        ..Default::default()
    };
    recording
        .props
        .insert("captions".into(), json!([{"file_id": file.id}]));
    let recording = sim.data().insert_post(recording).expect("a recording");
    let mut summary = Post {
        user_id: bot.clone(),
        channel_id: alice_dm.clone(),
        message: "Meeting notes: ship on Friday.".into(),
        post_type: "custom_llmbot".into(),
        ..Default::default()
    };
    summary.props.insert(props::REQUESTER.into(), json!(alice.id));
    summary.props.insert(TRANSCRIPT_POST.into(), json!(recording.id));
    let summary = sim.data().insert_post(summary).expect("a summary");

    let w = World {
        sim,
        http: reqwest::Client::new(),
        fake,
        db,
        bot,
        alice: (alice.id, alice_token),
        carol: (carol.id, carol_token),
        bob: (bob.id, bob_token),
        dave: (dave.id, dave_token),
        secret: secret.id,
        answer,
        tool_post,
        channel_tool_post,
        root,
        recording,
        summary,
        dm_question,
        people_dm,
    };
    let want: Vec<&str> = vec![&w.root.id, &reply.id, &between.id];
    for _ in 0..400 {
        let ids = indexed(&w.db).await;
        if want.iter().all(|id| ids.iter().any(|i| i == id)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let ids = indexed(&w.db).await;
    assert!(
        want.iter().all(|id| ids.iter().any(|i| i == id)),
        "the posts were never indexed: {ids:?}"
    );
    quiet(&w).await;
    w
}

async fn send(w: &World, method: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let url = w.sim.plugin_url(path);
    let mut req = match method {
        "GET" => w.http.get(url),
        "POST" | "ANY" => w.http.post(url).json(body),
        "OPTIONS" => w.http.request(reqwest::Method::OPTIONS, url),
        "DELETE" => w.http.delete(url),
        other => panic!("no request builder for {other}"),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("the simulated server answers");
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn result_posts(v: &Value) -> Vec<(String, String)> {
    v["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["postId"].as_str().unwrap_or_default().to_owned(),
                        r["channelId"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What an allowed answer must (not) contain, beyond its status.
fn check_answer(w: &World, route: &str, caller: Caller, body: &Value) -> Result<(), String> {
    match route {
        "/ai_threads" => {
            let ids: Vec<&str> = body
                .as_array()
                .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
                .unwrap_or_default();
            let mine = ids.contains(&w.dm_question.id.as_str());
            match caller {
                Caller::User if !mine => Err(format!("alice's conversation is missing: {body}")),
                Caller::User => Ok(()),
                _ if mine => Err(format!("alice's conversation is listed for {caller:?}: {body}")),
                _ => Ok(()),
            }
        }
        // Alice's call with its arguments, and her private result.
        "/post/{post_id}/tool_call_private" => match body.as_array() {
            Some(c) if c.len() == 1 && c[0]["arguments"] == json!({"username": "bob"}) => Ok(()),
            _ => Err(format!("alice's private call is missing: {body}")),
        },
        "/post/{post_id}/tool_result_private" => match body.as_array() {
            Some(r)
                if r.len() == 1
                    && r[0]["status"] == 4
                    && r[0]["result"].as_str().is_some_and(|s| !s.is_empty()) =>
            {
                Ok(())
            }
            _ => Err(format!("alice's private result is missing: {body}")),
        },
        "/search" => {
            let found = result_posts(body);
            let seen = |ch: &str| found.iter().any(|(_, c)| c == ch);
            match caller {
                Caller::User if !found.iter().any(|(p, _)| *p == w.root.id) => {
                    Err(format!("alice does not find her own post: {body}"))
                }
                Caller::NonMember if seen(&w.secret) => {
                    Err(format!("carol sees the private channel she is not in: {body}"))
                }
                Caller::Other if seen(&w.people_dm) => Err(format!("bob sees alice's DM with carol: {body}")),
                Caller::Admin if seen(&w.secret) || seen(&w.people_dm) => Err(format!(
                    "the admin sees a private channel or a DM they are not in: {body}"
                )),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// What refused requests could have changed.
fn traces(w: &World) -> (usize, usize, usize, String, String) {
    let d = w.sim.data();
    let pending = d
        .posts
        .get(&w.tool_post.id)
        .and_then(|p| p.props.get(props::PENDING_TOOL_CALL))
        .map(|v| v.to_string())
        .unwrap_or_default();
    let private = d
        .posts
        .get(&w.channel_tool_post.id)
        .map(|p| {
            format!(
                "{:?} {:?}",
                p.props.get(props::PENDING_TOOL_CALL),
                p.props.get(props::PENDING_TOOL_RESULT)
            )
        })
        .unwrap_or_default();
    (
        w.fake.requests(),
        d.posts.len(),
        d.reactions.len(),
        pending,
        private,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_table_says() {
    let routes = routes_in_router();
    let table = rows();
    assert_eq!(
        routes.len(),
        table.len(),
        "see every_route_has_a_row: the table and the router differ"
    );
    let w = world().await;
    let mut wrong = Vec::new();

    // Refused requests first, all of them; they must change nothing.
    let before = traces(&w);
    for r in &table {
        let path = w.path(r);
        for (caller, want) in CALLERS.iter().zip(r.want) {
            if !want.refused() {
                continue;
            }
            let (status, body) = send(&w, r.method, &path, w.token(*caller), &(r.body)(&w)).await;
            if !want.accepts(status) {
                wrong.push(format!(
                    "{} {} as {caller:?}: {status}, want {want:?} ({body})",
                    r.method, r.route
                ));
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = traces(&w);
    assert_eq!(
        after, before,
        "refused requests left traces (model requests, posts, reactions, the pending tool call, the private result)"
    );
    let (status, body) = send(
        &w,
        "GET",
        "/admin/reindex/status",
        w.token(Caller::Admin),
        &json!({}),
    )
    .await;
    assert_eq!(
        (status, &body),
        (404, &json!({"status": "no_job"})),
        "a refused reindex started a job"
    );

    // Then the allowed ones, each finished before the next.
    for r in &table {
        let path = w.path(r);
        for (caller, want) in CALLERS.iter().zip(r.want) {
            if want.refused() {
                continue;
            }
            let (status, body) = send(&w, r.method, &path, w.token(*caller), &(r.body)(&w)).await;
            if !want.accepts(status) {
                wrong.push(format!(
                    "{} {} as {caller:?}: {status}, want {want:?} ({body})",
                    r.method, r.route
                ));
            } else if let Err(e) = check_answer(&w, r.route, *caller, &body) {
                wrong.push(format!("{} {} as {caller:?}: {e}", r.method, r.route));
            }
            quiet(&w).await;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells of the permission matrix are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // The allowed requests did what they say: the tool ran for alice, she reacted, the summary
    // was posted back into the meeting's thread.
    let d = w.sim.data();
    let decided: Value = match &d.posts[&w.tool_post.id].props[props::PENDING_TOOL_CALL] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    assert_eq!(decided[0]["status"], 4, "alice's tool call ran: {decided}");
    let channel_tool_post = &d.posts[&w.channel_tool_post.id];
    let shared: Value = match &channel_tool_post.props[props::PENDING_TOOL_CALL] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    assert!(
        !channel_tool_post.props.contains_key(props::PENDING_TOOL_RESULT)
            && shared[0]["result"].as_str().is_some_and(|s| !s.is_empty()),
        "alice shared her channel result: {shared}"
    );
    assert!(
        d.reactions
            .iter()
            .any(|r| r.user_id == w.alice.0 && r.post_id == w.root.id),
        "alice's reaction"
    );
    assert!(
        d.posts
            .values()
            .any(|p| p.root_id == w.recording.id && p.user_id == w.bot),
        "the summary posted back"
    );
}

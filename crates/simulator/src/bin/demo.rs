//! `make demo`: the plugin without a Mattermost server, for a person to try in a browser.
//!
//! `demo [plugin binary] [webapp dir]` (defaults `target/debug/mattermost-ai` and `webapp`)
//! launches the real plugin under the simulator as a released server would (net/rpc), seeds a
//! small team (channels with conversations, the demo user as system admin, two agents), serves
//! the built webapp in a Mattermost-shaped page (`webapp/e2e/demo.html`) on 127.0.0.1, prints
//! the page's URL and what to try, and runs until SIGINT or SIGTERM, when it deactivates the
//! plugin, waits for its process to end and drops what it created.
//!
//! The agents' model is a local stand-in ([`mattermost_simulator::demo_model`]) unless
//! `DEMO_OPENAI_URL` names an OpenAI-compatible server (`DEMO_OPENAI_KEY`, `DEMO_OPENAI_MODEL`;
//! the key is never printed). Semantic search runs when `DATABASE_URL` reaches a PostgreSQL
//! with pgvector (`make demo` starts one with scripts/pg-up.sh when it can): a database of the
//! demo's own is created there, embeddings come from the simulator's fake embedder, and the
//! server's `Posts` table is kept in step for the System Console's index tools. `DEMO_PORT`
//! picks the port (8065, Mattermost's, by default; 0 for any free one).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::routing::get;
use mattermost_simulator::fake_embedder::FakeEmbedder;
use mattermost_simulator::fake_provider::FakeProvider;
use mattermost_simulator::scratch_db::with_database;
use mattermost_simulator::web::{Page, serve};
use mattermost_simulator::{SimState, Simulator, demo_model, new_id, now_millis, server_db};
use plugin_runtime::host::model::{HookContext, License, Post, Status};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::signal::unix::{SignalKind, signal};

/// Mattermost's own port, so the address looks familiar; any free port when it is taken.
const DEFAULT_PORT: u16 = 8065;
const DIMENSIONS: usize = 256;
const MINUTE: i64 = 60_000;

/// The people of the demo team: username, first and last name, position, status, timezone.
const PEOPLE: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("alex", "Alex", "Rivera", "Engineering manager", "online", ""),
    (
        "maria",
        "Maria",
        "Chen",
        "Release manager",
        "online",
        "Europe/Berlin",
    ),
    (
        "jonas",
        "Jonas",
        "Berg",
        "Backend engineer",
        "away",
        "Europe/Oslo",
    ),
    ("priya", "Priya", "Nair", "Support lead", "online", "Asia/Kolkata"),
    ("sam", "Sam", "Okafor", "QA engineer", "dnd", "America/Chicago"),
];
/// The person the page runs as (a system admin, so the System Console opens).
const ME: &str = "alex";

/// Channel name, display name, purpose, and how long ago the demo user last looked at it (the
/// messages after that are unread, for "Ask AI" on the new-messages line).
const CHANNELS: &[(&str, &str, &str, i64)] = &[
    (
        "town-square",
        "Town Square",
        "Everything that is not a project",
        60,
    ),
    (
        "release-2-4",
        "Release 2.4",
        "Shipping 2.4: status, blockers, notes",
        60,
    ),
    ("incidents", "Incidents", "Outages and their postmortems", 0),
];

/// A message: channel, author, minutes ago, text, and the index of the message it replies to.
type Seed = (&'static str, &'static str, i64, &'static str, Option<usize>);
const MESSAGES: &[Seed] = &[
    (
        "incidents",
        "jonas",
        300,
        "Postmortem for this morning's checkout outage: between 09:10 and 09:25 the checkout API returned 502s. Root cause: the database connection pool was exhausted after Monday's config change lowered it from 50 to 5. Fix: the pool is back at 50, and a check in CI now refuses anything under 20.",
        None,
    ),
    (
        "incidents",
        "priya",
        290,
        "Thanks. 37 customers opened tickets about it; I replied to all of them with the summary.",
        Some(0),
    ),
    (
        "incidents",
        "sam",
        280,
        "I added an alert for pool saturation above 80%, so we hear about it before customers do.",
        Some(0),
    ),
    (
        "town-square",
        "priya",
        180,
        "Morning all! The customer advisory board meets Thursday at 15:00; the agenda is in the shared drive.",
        None,
    ),
    (
        "town-square",
        "jonas",
        170,
        "Thanks Priya. Can someone from support join the API deprecation session? We want real customer questions.",
        None,
    ),
    (
        "town-square",
        "priya",
        165,
        "I'll join, and I'll bring the five most common tickets about the v1 endpoints.",
        None,
    ),
    (
        "release-2-4",
        "maria",
        120,
        "We ship 2.4 on Friday. Code freeze is Wednesday at noon; anything not merged by then moves to 2.5.",
        None,
    ),
    (
        "release-2-4",
        "sam",
        115,
        "QA status: 41 of 44 test plans pass. The three failures are all MM-1432, the login loop on Safari 17.",
        Some(6),
    ),
    (
        "release-2-4",
        "jonas",
        110,
        "I'm on MM-1432. It's the SameSite flag on the session cookie; I'll have a fix up for review by Wednesday morning.",
        Some(6),
    ),
    (
        "release-2-4",
        "maria",
        105,
        "Great. @priya can you update the support macros for the new export limits before Friday?",
        Some(6),
    ),
    (
        "release-2-4",
        "priya",
        100,
        "Yes, I'll update them Thursday. Who is writing the release notes this time?",
        Some(6),
    ),
    (
        "release-2-4",
        "maria",
        95,
        "@jonas and I will draft them tomorrow; I'll share the doc here.",
        Some(6),
    ),
    (
        "town-square",
        "maria",
        30,
        "Heads-up: the office is closed on Monday for maintenance of the building's power supply. Please work from home.",
        None,
    ),
    (
        "town-square",
        "sam",
        20,
        "Does anyone know whether the staging VPN certificates were renewed? Mine expires tomorrow.",
        None,
    ),
    (
        "release-2-4",
        "sam",
        15,
        "Safari fix verified on staging: MM-1432 can be closed once it is merged.",
        None,
    ),
    (
        "release-2-4",
        "jonas",
        8,
        "Merged. Do we still need the feature flag for the new export page, or can it default to on?",
        None,
    ),
];

/// The agents: username, display name, custom instructions.
const AGENTS: &[(&str, &str, &str)] = &[
    ("assistant", "Assistant", ""),
    (
        "scribe",
        "Scribe",
        "Keep answers short: bullet points, no preamble.",
    ),
];

/// Where the agents' answers come from.
enum Model {
    /// The stand-in, served on 127.0.0.1.
    StandIn(FakeProvider),
    /// An OpenAI-compatible server the person named.
    Real { url: String, key: String, model: String },
}

impl Model {
    fn service(&self) -> Value {
        match self {
            Model::StandIn(fake) => json!({
                "id": "demo-model", "name": "Demo model (local stand-in)", "type": "openaicompatible",
                "apiURL": fake.url, "apiKey": "", "defaultModel": demo_model::MODEL,
            }),
            Model::Real { url, key, model } => json!({
                "id": "demo-model", "name": "Your model", "type": "openaicompatible",
                "apiURL": url, "apiKey": key, "defaultModel": model,
            }),
        }
    }

    /// What to tell the person, without the key (and without any credentials in the URL).
    fn describe(&self) -> String {
        match self {
            Model::StandIn(_) => "a local stand-in (set DEMO_OPENAI_URL for a real model)".into(),
            Model::Real { url, model, .. } => {
                format!("{model} at {} (DEMO_OPENAI_URL)", host_of(url))
            }
        }
    }
}

/// The host (and port) of a URL, without scheme, credentials, path or query.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit('@').next().unwrap_or_default().to_owned()
}

/// The demo's own database on the server at `DATABASE_URL`, for semantic search.
struct Search {
    /// The server, to drop the database from at the end.
    admin_url: String,
    name: String,
    url: String,
    embedder: FakeEmbedder,
}

/// Creates the demo's database, or says why search stays off. The reasons name the host,
/// never the URL (it may carry a password).
async fn search_database(admin_url: &str) -> Result<Search, String> {
    let host = host_of(admin_url);
    let connect = sqlx::PgConnection::connect(admin_url);
    let mut admin = match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(format!("PostgreSQL at {host} refused the connection ({e})")),
        Err(_) => return Err(format!("PostgreSQL at {host} did not answer within 5 s")),
    };
    let vector: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
            .fetch_one(&mut admin)
            .await
            .map_err(|e| format!("PostgreSQL at {host}: {e}"))?;
    if vector == 0 {
        return Err(format!("PostgreSQL at {host} has no pgvector extension"));
    }
    // A database of our own, so the demo never touches anything else on that server.
    let name = format!("mmai_demo_{}", new_id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .map_err(|e| format!("creating a database on {host}: {e}"))?;
    let url = with_database(admin_url, &name).ok_or_else(|| "DATABASE_URL is not a URL".to_owned())?;
    let mut c = sqlx::PgConnection::connect(&url)
        .await
        .map_err(|e| format!("connecting to the demo database on {host}: {e}"))?;
    server_db::create_tables(&mut c)
        .await
        .map_err(|e| format!("creating the server's tables on {host}: {e}"))?;
    let embedder = FakeEmbedder::start(Duration::from_millis(5), DIMENSIONS)
        .await
        .map_err(|e| format!("starting the embedding stand-in: {e}"))?;
    Ok(Search {
        admin_url: admin_url.to_owned(),
        name,
        url,
        embedder,
    })
}

impl Search {
    fn config(&self) -> Value {
        json!({"type": "composite", "dimensions": DIMENSIONS,
               "embeddingProvider": {"type": "openai-compatible",
                                     "parameters": {"apiURL": self.embedder.url, "embeddingModel": "demo-embed"}},
               "chunkingOptions": {"chunkSize": 400, "chunkOverlap": 50}})
    }

    async fn drop_database(&self) {
        let drop = async {
            let mut admin = sqlx::PgConnection::connect(&self.admin_url).await.ok()?;
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .ok()
        };
        if tokio::time::timeout(Duration::from_secs(5), drop)
            .await
            .ok()
            .flatten()
            .is_none()
        {
            eprintln!(
                "demo: could not drop the database {} (drop it by hand)",
                self.name
            );
        }
    }
}

fn plugin_config(model: &Model, search: Option<&Search>) -> Value {
    let bots: Vec<Value> = AGENTS
        .iter()
        .map(|(name, display, instructions)| {
            json!({"id": format!("demo-{name}"), "name": name, "displayName": display,
                   "serviceID": "demo-model", "customInstructions": instructions})
        })
        .collect();
    let mut config = json!({"services": [model.service()], "bots": bots, "defaultBotName": AGENTS[0].0});
    if let Some(s) = search {
        config["embeddingSearchConfig"] = s.config();
    }
    json!({ "config": config })
}

/// Seeds the team, people, channels and messages; returns the demo user's session token and
/// the posts, to hand to the plugin once it is active.
fn seed(sim: &Simulator) -> (String, Vec<Post>) {
    let now = now_millis();
    let team = sim.add_team("northwind");
    let mut ids: HashMap<&str, String> = HashMap::new();
    let mut token = String::new();
    for (username, first, last, position, status, tz) in PEOPLE {
        let roles = if *username == ME {
            "system_admin system_user"
        } else {
            "system_user"
        };
        let (user, t) = sim.add_user(username, roles);
        if *username == ME {
            token = t;
        }
        let mut d = sim.data();
        if let Some(u) = d.users.get_mut(&user.id) {
            u.first_name = (*first).into();
            u.last_name = (*last).into();
            u.position = (*position).into();
            if !tz.is_empty() {
                u.timezone.insert("useAutomaticTimezone".into(), "false".into());
                u.timezone.insert("manualTimezone".into(), (*tz).into());
            }
        }
        d.statuses.insert(
            user.id.clone(),
            Status {
                user_id: user.id.clone(),
                status: (*status).into(),
                ..Default::default()
            },
        );
        ids.insert(username, user.id);
    }
    let me = ids.get(ME).cloned().unwrap_or_default();
    {
        let mut d = sim.data();
        if let Some(t) = d.teams.get_mut(&team.id) {
            t.display_name = "Northwind".into();
        }
        // LookupMattermostUser asks for it, as Mattermost's default roles grant it.
        d.permissions
            .push((me.clone(), String::new(), "view_members".into()));
    }
    let mut channels: HashMap<&str, String> = HashMap::new();
    for (name, display, purpose, viewed_minutes_ago) in CHANNELS {
        let c = sim.add_channel(&team.id, name, "O");
        for id in ids.values() {
            sim.add_member(&c.id, id);
        }
        let mut d = sim.data();
        if let Some(ch) = d.channels.get_mut(&c.id) {
            ch.display_name = (*display).into();
            ch.purpose = (*purpose).into();
            ch.create_at = now - 30 * 24 * 60 * MINUTE;
        }
        if let Some(m) = d.channel_members.get_mut(&(c.id.clone(), me.clone())) {
            m.last_viewed_at = now - viewed_minutes_ago * MINUTE;
        }
        channels.insert(name, c.id);
    }
    let mut posts: Vec<Post> = Vec::new();
    // The id each seed got, by its place in MESSAGES, for the replies to find their root.
    let mut seeded: Vec<Option<String>> = Vec::new();
    for (channel, author, minutes_ago, text, reply_to) in MESSAGES {
        let at = now - minutes_ago * MINUTE;
        let root = reply_to.and_then(|i| seeded.get(i).cloned().flatten());
        let mut d = sim.data();
        let inserted = d.insert_post(Post {
            user_id: ids.get(author).cloned().unwrap_or_default(),
            channel_id: channels.get(channel).cloned().unwrap_or_default(),
            root_id: root.clone().unwrap_or_default(),
            message: (*text).into(),
            ..Default::default()
        });
        let Ok(post) = inserted else {
            seeded.push(None);
            continue;
        };
        seeded.push(Some(post.id.clone()));
        // The store stamps posts with the present; the conversations happened earlier today.
        if let Some(p) = d.posts.get_mut(&post.id) {
            p.create_at = at;
            p.update_at = at;
        }
        if let Some(r) = root.and_then(|r| d.posts.get_mut(&r)) {
            r.last_reply_at = at;
        }
        if let Some(p) = d.posts.get(&post.id) {
            posts.push(p.clone());
        }
    }
    (token, posts)
}

/// Keeps the server's `Posts`, `Channels` and `Bots` tables in step with the store, as the
/// real server's database is, so the System Console's reindex and health check see what the
/// page shows. Also passes on the plugin's warnings and errors.
async fn housekeeping(state: Arc<SimState>, db: Option<String>) {
    let mut conn = match &db {
        Some(url) => sqlx::PgConnection::connect(url).await.ok(),
        None => None,
    };
    let mut written: HashSet<String> = HashSet::new();
    let mut complained = false;
    loop {
        print_plugin_problems(&state);
        if let Some(c) = conn.as_mut()
            && let Err(e) = mirror(&state, c, &mut written).await
            && !complained
        {
            complained = true;
            eprintln!("demo: keeping the search tables in step failed: {e}");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn mirror(
    state: &SimState,
    c: &mut sqlx::PgConnection,
    written: &mut HashSet<String>,
) -> Result<(), sqlx::Error> {
    let (channels, bots, posts) = {
        let d = state.data();
        let channels: Vec<_> = d
            .channels
            .values()
            .filter(|ch| !written.contains(&ch.id))
            .map(|ch| {
                (
                    ch.id.clone(),
                    ch.team_id.clone(),
                    ch.channel_type.clone(),
                    ch.name.clone(),
                )
            })
            .collect();
        let bots: Vec<String> = d
            .bots
            .keys()
            .filter(|id| !written.contains(*id))
            .cloned()
            .collect();
        let posts: Vec<server_db::PostRow> = d
            .posts
            .values()
            .filter(|p| !written.contains(&p.id))
            .map(|p| server_db::PostRow {
                id: p.id.clone(),
                create_at: p.create_at,
                edit_at: p.edit_at,
                delete_at: p.delete_at,
                user_id: p.user_id.clone(),
                channel_id: p.channel_id.clone(),
                message: p.message.clone(),
                post_type: p.post_type.clone(),
                props: serde_json::to_value(&p.props).unwrap_or(Value::Null),
            })
            .collect();
        (channels, bots, posts)
    };
    for (id, team, kind, name) in channels {
        server_db::insert_channel(c, &id, &team, &kind, &name).await?;
        written.insert(id);
    }
    for id in bots {
        server_db::insert_bot(c, &id).await?;
        written.insert(id);
    }
    if !posts.is_empty() {
        server_db::insert_posts(c, &posts).await?;
        written.extend(posts.into_iter().map(|p| p.id));
    }
    Ok(())
}

/// The plugin's errors, on the terminal: a wrong key or an unreachable model shows here as well
/// as in the answer. The rest of its log is dropped (warnings included: without PostgreSQL
/// there are some about what cannot be kept), so the simulator's copy of the log does not grow
/// for as long as the demo runs.
fn print_plugin_problems(state: &SimState) {
    let lines = match state.stderr.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        Err(_) => return,
    };
    for line in lines {
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let level = v["@level"].as_str().unwrap_or_default();
        if level == "error" {
            let message = v["@message"].as_str().unwrap_or_default();
            match v["error"].as_str() {
                Some(e) => eprintln!("plugin {level}: {message}: {e}"),
                None => eprintln!("plugin {level}: {message}"),
            }
        }
    }
}

/// Binds the page's port: `DEMO_PORT`, else 8065 or, when that is taken, any free port.
async fn bind() -> Result<(tokio::net::TcpListener, Option<String>), String> {
    let asked = match std::env::var("DEMO_PORT") {
        Ok(p) if !p.trim().is_empty() => Some(
            p.trim()
                .parse::<u16>()
                .map_err(|_| format!("DEMO_PORT={p:?} is not a port number"))?,
        ),
        _ => None,
    };
    let port = asked.unwrap_or(DEFAULT_PORT);
    match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => Ok((l, None)),
        Err(e) if asked.is_none() && e.kind() == std::io::ErrorKind::AddrInUse => {
            let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| format!("binding a port: {e}"))?;
            Ok((l, Some(format!("port {DEFAULT_PORT} is taken"))))
        }
        Err(e) => Err(format!("binding 127.0.0.1:{port}: {e}")),
    }
}

/// The page's files; every one must exist (the webapp must be built). The session comes
/// later, with the seeded user.
fn page(webapp: &Path) -> Result<Page, String> {
    let node = webapp.join("node_modules");
    let files: HashMap<String, PathBuf> = [
        ("main.js", webapp.join("dist/main.js")),
        ("harness.js", webapp.join("e2e/harness.js")),
        ("demo.js", webapp.join("e2e/demo.js")),
        ("react.js", node.join("react/umd/react.production.min.js")),
        (
            "react-dom.js",
            node.join("react-dom/umd/react-dom.production.min.js"),
        ),
        // Mattermost's icon font, which its webapp loads for every plugin.
        (
            "css/compass-icons.css",
            node.join("@mattermost/compass-icons/css/compass-icons.css"),
        ),
        (
            "font/compass-icons.woff2",
            node.join("@mattermost/compass-icons/font/compass-icons.woff2"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let index = webapp.join("e2e/demo.html");
    for path in files.values().chain([&index]) {
        if !path.exists() {
            return Err(format!(
                "{} is missing: build the webapp first (`make demo` does: cd webapp && npm ci && npm run build)",
                path.display()
            ));
        }
    }
    Ok(Page {
        index,
        files,
        token: String::new(),
    })
}

/// SIGINT (Ctrl-C) or SIGTERM.
struct Stop {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    fn new() -> Result<Self, String> {
        let listen = |kind| signal(kind).map_err(|e| format!("listening for signals: {e}"));
        Ok(Stop {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
        })
    }

    async fn wait(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Everything that runs, to stop in order.
struct Running {
    sim: Simulator,
    web: tokio::task::JoinHandle<()>,
    housekeeping: tokio::task::JoinHandle<()>,
    search: Option<Search>,
}

async fn start(plugin: &Path, webapp: &Path) -> Result<Running, String> {
    if !plugin.is_file() {
        return Err(format!(
            "{} is missing: build the plugin first (`make demo` does: cargo build --bin mattermost-ai)",
            plugin.display()
        ));
    }
    let mut page = page(webapp)?;
    let model = match std::env::var("DEMO_OPENAI_URL") {
        Ok(url) if !url.trim().is_empty() => Model::Real {
            url: url.trim().trim_end_matches('/').to_owned(),
            key: std::env::var("DEMO_OPENAI_KEY").unwrap_or_default(),
            model: std::env::var("DEMO_OPENAI_MODEL")
                .ok()
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| "gpt-4o-mini".into()),
        },
        _ => {
            let fake = FakeProvider::start(Vec::new())
                .await
                .map_err(|e| format!("starting the stand-in model: {e}"))?;
            fake.route(demo_model::route);
            Model::StandIn(fake)
        }
    };
    let (search, search_note) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => match search_database(url.trim()).await {
            Ok(s) => (Some(s), None),
            Err(why) => (None, Some(format!("Search is off: {why}."))),
        },
        _ => (
            None,
            Some(
                "Search is off: it needs PostgreSQL with pgvector (set DATABASE_URL, or let `make demo` start one with scripts/pg-up.sh)."
                    .to_owned(),
            ),
        ),
    };
    let (listener, port_note) = bind().await?;
    let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    let url = format!("http://{addr}/");

    let sim = Simulator::builder(plugin)
        .license(License {
            id: "demo".into(),
            sku_short_name: "enterprise".into(),
            ..Default::default()
        })
        .plugin_config(plugin_config(&model, search.as_ref()))
        .without_activation()
        .start()
        .await
        .map_err(|e| format!("starting the plugin: {e}"))?;
    {
        let mut d = sim.data();
        d.server_config["ServiceSettings"]["SiteURL"] = json!(url.trim_end_matches('/'));
        d.server_config["ServiceSettings"]["SiteName"] = json!("Northwind");
        if let Some(s) = &search {
            d.server_config["SqlSettings"]["DataSource"] = json!(s.url);
        }
    }
    let (token, posts) = seed(&sim);
    if let Err(e) = sim.conn.on_activate().await {
        let _ = sim.shutdown().await;
        return Err(format!("activating the plugin: {e}"));
    }
    // The agents' bots are created on activation, in the background.
    let agents_ready = sim
        .wait_until(Duration::from_secs(15), |d| {
            AGENTS
                .iter()
                .all(|(name, _, _)| d.bots.values().any(|b| b.username == *name))
        })
        .await;
    if !agents_ready {
        eprintln!("demo: the agents are not there yet; the page will list them once they are");
    }
    if search.is_some() {
        // The plugin indexes what it sees posted.
        for post in posts {
            let _ = sim
                .conn
                .message_has_been_posted(HookContext::default(), post)
                .await;
        }
    }
    let housekeeping = tokio::spawn(housekeeping(
        sim.state.clone(),
        search.as_ref().map(|s| s.url.clone()),
    ));

    page.token = token;
    let status = json!({
        "model": model.describe(),
        "standIn": matches!(model, Model::StandIn(_)),
        "search": search.is_some(),
        "notes": search_note.iter().collect::<Vec<_>>(),
    });
    let extra = axum::Router::new()
        .route(
            "/demo/status",
            get(move || {
                let status = status.clone();
                async move { Json(status) }
            }),
        )
        // Browsers ask for one; "none" keeps their consoles free of a 404.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        );
    let web = match serve(listener, &sim, page, extra).await {
        Ok((_, task)) => task,
        Err(e) => {
            housekeeping.abort();
            let _ = sim.shutdown().await;
            return Err(format!("serving the page: {e}"));
        }
    };

    let port_note = port_note.map(|n| format!(", {n}")).unwrap_or_default();
    println!("Agents for Mattermost demo: open {url} in your browser (Ctrl-C stops it{port_note})");
    println!(
        "  - Chat: the Agents button (top right) opens the panel; say hello, or ask \"who is @maria?\" and approve the tool call."
    );
    println!(
        "  - AI Actions: in Release 2.4, a message's ... menu > Summarize thread; Ask AI on the New messages line."
    );
    match &search_note {
        None => println!("  - Search: in the panel, ask \"what caused the checkout outage?\""),
        Some(note) => println!("  - {note}"),
    }
    println!(
        "  - System Console (left sidebar): the plugin's settings. Model: {}.",
        model.describe()
    );
    Ok(Running {
        sim,
        web,
        housekeeping,
        search,
    })
}

impl Running {
    /// Deactivates the plugin and waits for its process (killed after two seconds if it
    /// lingers), then closes the page and drops the demo's database.
    async fn stop(self) -> Result<(), String> {
        let shutdown = tokio::time::timeout(Duration::from_secs(15), self.sim.shutdown()).await;
        self.web.abort();
        self.housekeeping.abort();
        if let Some(s) = &self.search {
            s.drop_database().await;
        }
        match shutdown {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("stopping the plugin: {e}")),
            Err(_) => Err("the plugin did not stop within 15 s".into()),
        }
    }
}

async fn run(plugin: PathBuf, webapp: PathBuf) -> Result<(), String> {
    // Listening before anything starts, so Ctrl-C during start-up still stops cleanly.
    let mut stop = Stop::new()?;
    eprintln!("Starting the demo: the plugin under the simulator, with a small team to try it on…");
    let running = tokio::select! {
        r = start(&plugin, &webapp) => r?,
        _ = stop.wait() => return Ok(()),
    };
    // Ends on a signal, or when the plugin process is gone (nothing would answer any more).
    let mut failed_pings = 0;
    loop {
        tokio::select! {
            _ = stop.wait() => break,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                failed_pings = if running.sim.conn.ping().await.is_ok() { 0 } else { failed_pings + 1 };
                if failed_pings >= 2 {
                    let _ = running.stop().await;
                    return Err("the plugin process stopped answering".into());
                }
            }
        }
    }
    eprintln!("Stopping the demo…");
    running.stop().await?;
    eprintln!("Stopped.");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let plugin = args.get(1).map_or("target/debug/mattermost-ai", String::as_str);
    let webapp = args.get(2).map_or("webapp", String::as_str);
    if args.len() > 3 || plugin == "--help" || plugin == "-h" {
        eprintln!("usage: demo [plugin binary] [webapp dir]   (or simply: make demo)");
        return ExitCode::from(2);
    }
    match run(PathBuf::from(plugin), PathBuf::from(webapp)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_by_their_host_and_get_our_database() {
        assert_eq!(
            host_of("postgres://u:secret@db.example:5432/x?sslmode=require"),
            "db.example:5432"
        );
        assert_eq!(host_of("https://api.example.com/v1"), "api.example.com");
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "demo").as_deref(),
            Some("postgres://u:p@h:5432/demo?sslmode=disable")
        );
        assert_eq!(
            with_database("postgres://h", "demo").as_deref(),
            Some("postgres://h/demo")
        );
        assert_eq!(with_database("nonsense", "demo"), None);
    }

    #[test]
    fn replies_point_at_earlier_roots() {
        for (i, (channel, author, minutes, _, reply_to)) in MESSAGES.iter().enumerate() {
            assert!(PEOPLE.iter().any(|p| p.0 == *author), "{author}");
            assert!(CHANNELS.iter().any(|c| c.0 == *channel), "{channel}");
            if let Some(r) = reply_to {
                assert!(*r < i && MESSAGES[*r].4.is_none() && MESSAGES[*r].0 == *channel);
                assert!(MESSAGES[*r].2 > *minutes, "a reply comes after its root");
            }
        }
    }
}

//! Token usage and quotas, against a real PostgreSQL (the server's database, where the plugin
//! keeps per-day usage): usage aggregated per day, agent, user, team and model and shown to
//! admins with a CSV export; a user over a daily limit gets a polite, translated answer naming
//! the limit and its reset, with no provider call, also under concurrency and on the other
//! node of a cluster; admins are exempt; a warning comes once.

use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::{Channel, Post};
use serde_json::{Value, json};

use crate::common::db::database;
use crate::common::http::get_json;
use crate::common::licensed;

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

/// Every answer costs 30 input and 5 output tokens.
async fn model() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|_| Some(Script::chat_completion(&["Here."], 0, Some((30, 5)))));
    fake
}

fn config(url: &str, quotas: Value) -> Value {
    one_agent_config(url, json!({}), json!({}), json!({"tokenQuotas": quotas}))
}

fn server_db(db: &str) -> Value {
    json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db}})
}

struct World {
    sim: Simulator,
    bot_id: String,
    town: Channel,
    admin_token: String,
}

async fn world(fake: &FakeProvider, db: &str, quotas: Value) -> World {
    let sim = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(licensed())
        .server_config(server_db(db))
        .plugin_config(config(&fake.url, quotas))
        .start()
        .await
        .unwrap();
    let bot_id = sim.bot_user_id("ai").expect("the agent's bot");
    let team = sim.add_team("eng");
    let town = sim.add_channel(&team.id, "town", "O");
    let (admin, admin_token) = sim.add_user("root", "system_admin system_user");
    sim.data()
        .permissions
        .push((admin.id.clone(), String::new(), "manage_system".into()));
    sim.add_member(&town.id, &admin.id);
    World {
        sim,
        bot_id,
        town,
        admin_token,
    }
}

fn user(w: &World, name: &str, locale: &str) -> String {
    let (u, _) = w.sim.add_user(name, "system_user");
    w.sim.add_member(&w.town.id, &u.id);
    if let Some(u) = w.sim.data().users.get_mut(&u.id) {
        u.locale = locale.into();
    }
    u.id
}

fn replies(sim: &Simulator, bot_id: &str, root: &str) -> Vec<Post> {
    sim.data()
        .posts
        .values()
        .filter(|p| p.user_id == bot_id && p.root_id == root)
        .cloned()
        .collect()
}

/// A mention in the town channel and the agent's finished reply.
async fn ask(sim: &Simulator, bot_id: &str, user: &str, channel: &str, text: &str) -> Post {
    let q = sim
        .post_as(user, channel, &format!("@ai {text}"), "")
        .await
        .unwrap();
    // The reply is final once its stream's end event is out.
    let done = |d: &mattermost_simulator::Data| {
        d.posts
            .values()
            .filter(|p| p.user_id == bot_id && p.root_id == q.id)
            .any(|p| {
                d.ws_events.iter().any(|e| {
                    e.event == "custom_mattermost-ai_postupdate"
                        && e.payload.get("post_id").and_then(Value::as_str) == Some(p.id.as_str())
                        && e.payload.get("control").and_then(Value::as_str) == Some("end")
                })
            })
    };
    assert!(
        sim.wait_until(Duration::from_secs(10), done).await,
        "no reply to {text:?}"
    );
    replies(sim, bot_id, &q.id).remove(0)
}

/// Waits until the admin usage page counts `tokens` for `user`.
async fn counted(sim: &Simulator, token: &str, user: &str, tokens: i64) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = get_json(sim, token, "/admin/usage").await;
        let spent = last["topUsers"]
            .as_array()
            .and_then(|a| a.iter().find(|u| u["id"] == user))
            .map(|u| u["inputTokens"].as_i64().unwrap_or(0) + u["outputTokens"].as_i64().unwrap_or(0))
            .unwrap_or(0);
        if spent >= tokens {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("usage never reached {tokens} for {user}: {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_is_aggregated_shown_to_admins_and_exported() {
    let fake = model().await;
    let db = database().await;
    let w = world(&fake, &db, json!({})).await;
    let alice = user(&w, "alice", "en");
    let bob = user(&w, "bob", "en");
    for (who, text) in [(&alice, "one"), (&alice, "two"), (&bob, "three")] {
        ask(&w.sim, &w.bot_id, who, &w.town.id, text).await;
    }
    counted(&w.sim, &w.admin_token, &alice, 70).await;
    // Read once both are in: each poll above saw only what had been written by then.
    let report = counted(&w.sim, &w.admin_token, &bob, 35).await;
    assert_eq!(report["totals"]["requests"], 3, "{report}");
    assert_eq!(report["totals"]["inputTokens"], 90);
    assert_eq!(report["totals"]["outputTokens"], 15);
    assert_eq!(
        report["days"].as_array().map(Vec::len),
        Some(30),
        "the last 30 days by default"
    );
    assert_eq!(report["agents"][0]["name"], "Assistant", "{report}");
    assert_eq!(report["models"][0]["id"], "gpt-4o");
    assert_eq!(report["topUsers"][0]["name"], "alice");
    assert_eq!(report["topTeams"][0]["id"], w.town.team_id.as_str());
    assert_eq!(report["recording"], true);

    // The CSV holds every row with names, and nothing a spreadsheet would run.
    let csv = reqwest::Client::new()
        .get(w.sim.plugin_url("/admin/usage/export.csv"))
        .bearer_auth(&w.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"ai-usage-")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("day,agent_id,agent,user_id,username"),
        "{text}"
    );
    assert_eq!(
        lines.len(),
        3,
        "one row per user (same day, agent, team, model): {text}"
    );
    assert!(text.contains(",alice,") && text.contains(",Assistant,"), "{text}");

    // A bad range is refused with a reason; a user who is not an admin sees nothing.
    let (_, user_token) = w.sim.add_user("mallory", "system_user");
    let r = reqwest::Client::new()
        .get(w.sim.plugin_url("/admin/usage?from=2020-01-01"))
        .bearer_auth(&w.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = reqwest::Client::new()
        .get(w.sim.plugin_url("/admin/usage"))
        .bearer_auth(&user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Rows survive a restart: they live in the server's database.
    let rows: i64 = {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&db).await.unwrap();
        sqlx::query_scalar("SELECT SUM(requests)::int8 FROM mmai_token_usage")
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    assert_eq!(rows, 3);
    assert!(w.sim.shutdown().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_over_the_daily_limit_is_refused_politely_without_a_provider_call() {
    let fake = model().await;
    let db = database().await;
    let quotas = json!({"enabled": true, "warnAtPercent": 50, "perUser": {"daily": 60}});
    let w = world(&fake, &db, quotas).await;
    let alice = user(&w, "alice", "en");
    let (root, _) = w.sim.add_user("boss", "system_admin system_user");
    w.sim.add_member(&w.town.id, &root.id);

    assert_eq!(
        ask(&w.sim, &w.bot_id, &alice, &w.town.id, "one").await.message,
        "Here."
    );
    counted(&w.sim, &w.admin_token, &alice, 35).await;
    // Past half the limit: answered, and told once.
    assert_eq!(
        ask(&w.sim, &w.bot_id, &alice, &w.town.id, "two").await.message,
        "Here."
    );
    let warnings: Vec<Post> = w
        .sim
        .data()
        .ephemeral
        .iter()
        .filter(|(u, _)| *u == alice)
        .map(|(_, p)| p.clone())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .message
            .contains("58% of your daily limit of 60 AI tokens"),
        "{}",
        warnings[0].message
    );
    counted(&w.sim, &w.admin_token, &alice, 70).await;
    let calls = fake.requests();

    // Over the limit: a polite answer naming the limit and its reset, and no provider call.
    let refused = ask(&w.sim, &w.bot_id, &alice, &w.town.id, "three").await;
    assert!(
        refused
            .message
            .contains("You have reached your daily limit of 60 AI tokens.")
            && refused.message.contains("resets at midnight UTC"),
        "{}",
        refused.message
    );
    assert_eq!(fake.requests(), calls, "the provider was called over the limit");

    // As many at once as a user may have answers: every one refused, none reaches the provider.
    let texts: Vec<String> = (0..4).map(|i| format!("burst {i}")).collect();
    let asks = texts
        .iter()
        .map(|t| ask(&w.sim, &w.bot_id, &alice, &w.town.id, t));
    for p in futures_util::future::join_all(asks).await {
        assert!(p.message.contains("daily limit of 60"), "{}", p.message);
    }
    assert_eq!(fake.requests(), calls);

    // Admins are exempt unless the configuration says otherwise.
    assert_eq!(
        ask(&w.sim, &w.bot_id, &root.id, &w.town.id, "admin")
            .await
            .message,
        "Here."
    );

    // A German user is refused in German.
    let hans = user(&w, "hans", "de");
    let mut cfg = config(
        &fake.url,
        json!({"enabled": true, "perUser": {"daily": 60},
        "overrides": [{"scope": "user", "id": hans, "daily": 1}]}),
    );
    cfg["config"]["tokenQuotas"]["warnAtPercent"] = json!(100);
    w.sim.save_plugin_config(cfg).await.unwrap();
    assert_eq!(
        ask(&w.sim, &w.bot_id, &hans, &w.town.id, "eins").await.message,
        "Here."
    );
    counted(&w.sim, &w.admin_token, &hans, 35).await;
    let nein = ask(&w.sim, &w.bot_id, &hans, &w.town.id, "zwei").await;
    assert!(
        nein.message
            .contains("Sie haben Ihr tägliches Limit von 1 KI-Tokens erreicht."),
        "{}",
        nein.message
    );
    assert!(w.sim.shutdown().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_holds_on_every_node_of_a_cluster() {
    let fake = model().await;
    let db = database().await;
    let cluster = Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(licensed())
        .server_config(server_db(&db))
        .plugin_config(config(
            &fake.url,
            json!({"enabled": true, "perUser": {"daily": 60}}),
        ))
        .nodes(2)
        .start()
        .await
        .unwrap();
    let (a, b) = (cluster.node(0), cluster.node(1));
    let bot_id = a.bot_user_id("ai").unwrap();
    let team = a.add_team("eng");
    let town = a.add_channel(&team.id, "town", "O");
    let (admin, admin_token) = a.add_user("root", "system_admin system_user");
    cluster
        .data()
        .permissions
        .push((admin.id.clone(), String::new(), "manage_system".into()));
    let (alice, _) = a.add_user("alice", "system_user");
    a.add_member(&town.id, &alice.id);

    // One answer on each node: both write to the same rows.
    ask(a, &bot_id, &alice.id, &town.id, "on a").await;
    ask(b, &bot_id, &alice.id, &town.id, "on b").await;
    counted(a, &admin_token, &alice.id, 70).await;
    let calls = fake.requests();
    for node in [a, b] {
        let p = ask(node, &bot_id, &alice.id, &town.id, "again").await;
        assert!(p.message.contains("daily limit of 60"), "{}", p.message);
    }
    assert_eq!(fake.requests(), calls);
}

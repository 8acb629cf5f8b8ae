//! Semantic search against a real PostgreSQL with pgvector (`DATABASE_URL`; `make test` starts
//! one with scripts/pg-up.sh): posts indexed as they are written, edited and deleted, results
//! only from channels the asker can read, answers in the response and in the agent's DM, the
//! reindex job over the server's Posts table, and refusals when search is off or unlicensed.

use crate::common::Under;
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport, server_db};
use plugin_runtime::host::model::License;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::common::db::{database, indexed};
use crate::common::http::{approve_pending_tools, get_json, post_json as call};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
pub(crate) const DIMS: usize = 64;

in_process!(posts_are_indexed_and_results_respect_who_may_read_them);

pub(crate) fn search_config(fake: &str) -> Value {
    json!({"type": "composite", "dimensions": DIMS,
           "embeddingProvider": {"type": "openai-compatible", "parameters": {"apiURL": fake, "embeddingModel": "fake-embed"}},
           "chunkingOptions": {"chunkSize": 400, "chunkOverlap": 50}})
}

pub(crate) async fn fake() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|seen| {
        if seen.uri.ends_with("/embeddings") {
            return Some(Script::embeddings(&seen.body, DIMS));
        }
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
        let last = messages.last().cloned().unwrap_or(Value::Null);
        if last["role"] == "tool" {
            return Some(Script::chat_completion(&["Found it."], 0, None));
        }
        if last["content"].to_string().contains("Use the search tool") {
            return Some(Script::chat_tool_calls(&[(
                "call_s",
                "SearchServer",
                json!({"query": "when does the release ship"}),
            )]));
        }
        Some(if system.contains("searched their Mattermost messages") {
            Script::chat_completion(&["It ships ", "on Friday [1]."], 0, Some((50, 6)))
        } else {
            Script::chat_completion(&["A title"], 0, None)
        })
    });
    fake
}

pub(crate) fn enterprise() -> License {
    License {
        id: "lic".into(),
        sku_short_name: "enterprise".into(),
        ..Default::default()
    }
}

pub(crate) async fn start(
    t: Transport,
    fake: &FakeProvider,
    db: &str,
    search: Value,
    licensed: bool,
) -> Simulator {
    let mut b = Simulator::builder(BIN).under(t).plugin_config(one_agent_config(
        &fake.url,
        json!({}),
        json!({}),
        json!({"embeddingSearchConfig": search}),
    ));
    if licensed {
        b = b.license(enterprise());
    }
    let sim = b.start().await.unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    sim.data().server_config = json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db}});
    sim
}

/// The indexed text of a post (its chunks joined).
async fn indexed_content(db: &str, post_id: &str) -> String {
    let Ok(mut c) = sqlx::PgConnection::connect(db).await else {
        return String::new();
    };
    let parts: Vec<String> = sqlx::query_scalar(
        "SELECT content FROM mmai_post_embeddings WHERE post_id = $1 ORDER BY chunk_index",
    )
    .bind(post_id)
    .fetch_all(&mut c)
    .await
    .unwrap_or_default();
    parts.join(" ")
}

pub(crate) async fn wait_indexed(db: &str, want: impl Fn(&[String]) -> bool) -> Vec<String> {
    for _ in 0..200 {
        let ids = indexed(db).await;
        if want(&ids) {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "the index never reached the expected state: {:?}",
        indexed(db).await
    );
}

pub(crate) fn result_ids(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["postId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn posts_are_indexed_and_results_respect_who_may_read_them(t: Transport) {
    let fake = fake().await;
    let db = database().await;
    let sim = start(t, &fake, &db, search_config(&fake.url), true).await;
    let (alice, at) = sim.add_user("alice", "system_user");
    let (bob, bt) = sim.add_user("bob", "system_user");
    let team = sim.add_team("t");
    let town = sim.add_channel(&team.id, "town", "O");
    let secret = sim.add_channel(&team.id, "secret", "P");
    sim.add_member(&town.id, &alice.id);
    sim.add_member(&town.id, &bob.id);
    sim.add_member(&secret.id, &bob.id);

    let release = sim
        .post_as(
            &bob.id,
            &town.id,
            "The release ships on Friday after the final review.",
            "",
        )
        .await
        .unwrap();
    let launch = sim
        .post_as(&bob.id, &secret.id, "The secret launch code is tango seven.", "")
        .await
        .unwrap();
    let lunch = sim
        .post_as(&alice.id, &town.id, "Lunch is at noon in the big room.", "")
        .await
        .unwrap();
    wait_indexed(&db, |ids| ids.len() == 3).await;

    let (status, found) = call(
        &sim,
        &at,
        "/search",
        json!({"query": "when does the release ship?"}),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let ids = result_ids(&found);
    assert_eq!(ids.first(), Some(&release.id), "{found}");
    assert!(
        !ids.contains(&launch.id),
        "alice must not see the private channel: {found}"
    );
    assert_eq!(found["answer"], "It ships on Friday [1].");
    let first = &found["results"][0];
    assert_eq!(
        (first["channelName"].as_str(), first["username"].as_str()),
        (Some("town"), Some("bob"))
    );
    assert!(
        first["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 1.0),
        "{first}"
    );

    let (_, theirs) = call(&sim, &bt, "/search", json!({"query": "secret launch code"})).await;
    assert_eq!(result_ids(&theirs).first(), Some(&launch.id), "{theirs}");
    let (_, mine) = call(&sim, &at, "/search", json!({"query": "secret launch code"})).await;
    assert!(!result_ids(&mine).contains(&launch.id), "{mine}");
    // A system admin may open any channel, but search covers only where they belong (issue
    // 13: other people's private channels and DMs were returned and sent to the provider).
    let (_, root_token) = sim.add_user("root", "system_user system_admin");
    let (_, admins) = call(
        &sim,
        &root_token,
        "/search",
        json!({"query": "secret launch code"}),
    )
    .await;
    assert!(result_ids(&admins).is_empty(), "{admins}");
    // A post moved into a channel alice is not in, or edited since it was indexed, is judged
    // as it is now (the index has not caught up with either).
    let memo = sim
        .post_as(&bob.id, &town.id, "The budget memo says forty thousand.", "")
        .await
        .unwrap();
    let note = sim
        .post_as(&bob.id, &town.id, "The parking garage closes at nine.", "")
        .await
        .unwrap();
    wait_indexed(&db, |ids| ids.len() == 5).await;
    {
        let mut d = sim.data();
        if let Some(p) = d.posts.get_mut(&memo.id) {
            p.channel_id = secret.id.clone();
        }
        if let Some(p) = d.posts.get_mut(&note.id) {
            p.message = "(removed)".into();
        }
    }
    let (_, moved) = call(&sim, &at, "/search", json!({"query": "budget memo"})).await;
    assert!(!result_ids(&moved).contains(&memo.id), "{moved}");
    let (_, edited) = call(&sim, &at, "/search", json!({"query": "parking garage"})).await;
    assert!(!result_ids(&edited).contains(&note.id), "{edited}");
    sim.remove_post(&memo.id).await.unwrap();
    sim.remove_post(&note.id).await.unwrap();
    wait_indexed(&db, |ids| ids.len() == 3).await;

    // A burst of posts is indexed in batches: far fewer embedding calls than posts.
    let embeds = || {
        fake.seen()
            .iter()
            .filter(|s| s.uri.ends_with("/embeddings"))
            .count()
    };
    let before = embeds();
    let mut burst = Vec::new();
    for i in 0..30 {
        let p = sim
            .post_as(
                &bob.id,
                &town.id,
                &format!("Standup note number {i} about the build."),
                "",
            )
            .await
            .unwrap();
        burst.push(p.id);
    }
    wait_indexed(&db, |ids| burst.iter().all(|b| ids.contains(b))).await;
    let calls = embeds() - before;
    assert!(calls <= 20, "{calls} embedding calls for 30 posts");
    for id in &burst {
        sim.remove_post(id).await.unwrap();
    }
    wait_indexed(&db, |ids| ids.len() == 3).await;

    // Agents get SearchServer in DMs; it searches as the user who approved the call.
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);
    sim.post_as(&alice.id, &dm.id, "Use the search tool for the release", "")
        .await
        .unwrap();
    approve_pending_tools(&sim, &at, &["call_s"]).await;
    let mut tool_result = String::new();
    for _ in 0..200 {
        if let Some(m) = fake
            .seen()
            .iter()
            .filter_map(|s| s.body["messages"].as_array().and_then(|m| m.last()).cloned())
            .find(|m| m["role"] == "tool")
        {
            tool_result = m["content"].to_string();
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(tool_result.contains("release ships on Friday"), "{tool_result}");
    assert!(!tool_result.contains("tango"), "{tool_result}");

    // Edits are re-indexed; deleted posts leave the index.
    sim.edit_post(&lunch.id, "Lunch moved to the rooftop terrace.")
        .await
        .unwrap();
    sim.remove_post(&release.id).await.unwrap();
    wait_indexed(&db, |ids| ids.len() == 2 && !ids.contains(&release.id)).await;
    // The edit and the delete may be indexed by different workers: wait for the edit too.
    let mut content = String::new();
    for _ in 0..200 {
        content = indexed_content(&db, &lunch.id).await;
        if content.contains("rooftop") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(content.contains("rooftop"), "{content}");
    let (_, after) = call(&sim, &at, "/search", json!({"query": "rooftop terrace"})).await;
    assert_eq!(result_ids(&after).first(), Some(&lunch.id), "{after}");
    assert!(!result_ids(&after).contains(&release.id), "{after}");

    // Asked in the DM: the question as the user, the answer streamed under it with its sources.
    let (status, started) = call(&sim, &at, "/search/run", json!({"query": "Where is lunch?"})).await;
    assert_eq!(status, 200, "{started}");
    let question_id = started["postid"].as_str().unwrap_or_default().to_owned();
    assert!(
        sim.wait_until(Duration::from_secs(5), |d| d
            .posts
            .values()
            .any(|p| p.root_id == question_id && p.message == "It ships on Friday [1]."))
            .await
    );
    let d = sim.data();
    let question = &d.posts[&question_id];
    assert_eq!(
        (question.user_id.as_str(), question.message.as_str()),
        (alice.id.as_str(), "Where is lunch?")
    );
    assert_eq!(question.props["search_query"], "true");
    let answer = d.posts.values().find(|p| p.root_id == question_id).unwrap();
    let sources: Value = serde_json::from_str(answer.props["search_results"].as_str().unwrap()).unwrap();
    assert_eq!(sources[0]["postId"], json!(lunch.id));
    assert_eq!(answer.props["no_regen"], "true");
    // The question was not also answered as an ordinary chat message.
    assert_eq!(d.posts.values().filter(|p| p.root_id == question_id).count(), 1);
}

/// The server's own tables, as Mattermost keeps them (the simulator's copy of its schema).
pub(crate) async fn server_tables(db: &str) -> sqlx::PgConnection {
    let mut c = sqlx::PgConnection::connect(db).await.unwrap();
    server_db::create_tables(&mut c).await.unwrap();
    c
}

/// A public channel "town" with `member` in it, in the simulator and in the Channels table.
pub(crate) async fn town_with(
    sim: &Simulator,
    c: &mut sqlx::PgConnection,
    member: &str,
) -> plugin_runtime::host::model::Channel {
    let team = sim.add_team("t");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, member);
    server_db::insert_channel(c, &town.id, &team.id, "O", "town")
        .await
        .unwrap();
    town
}

/// A row in the server's Posts table.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn server_post(
    c: &mut sqlx::PgConnection,
    id: &str,
    create_at: i64,
    delete_at: i64,
    user: &str,
    channel: &str,
    message: &str,
    post_type: &str,
) {
    let row = server_db::PostRow {
        id: id.into(),
        create_at,
        delete_at,
        user_id: user.into(),
        channel_id: channel.into(),
        message: message.into(),
        post_type: post_type.into(),
        ..Default::default()
    };
    server_db::insert_post(c, &row).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reindex_rebuilds_from_the_servers_posts_table() {
    let fake = fake().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let sim = start(Transport::NetRpc, &fake, &db, search_config(&fake.url), true).await;
    let (admin, admin_token) = sim.add_user("admin", "system_admin system_user");
    let (_, user_token) = sim.add_user("carol", "system_user");
    sim.data()
        .permissions
        .push((admin.id.clone(), String::new(), "manage_system".into()));
    let town = town_with(&sim, &mut c, &admin.id).await;
    // 150 posts the plugin never saw (two batches), one deleted, one system message.
    let mut ids = Vec::new();
    for i in 0..150 {
        let p = sim
            .data()
            .insert_post(plugin_runtime::host::model::Post {
                user_id: admin.id.clone(),
                channel_id: town.id.clone(),
                message: if i == 42 {
                    "The unicorn offsite happens in Lisbon".to_owned()
                } else {
                    format!("Note number {i} about the quarterly budget")
                },
                ..Default::default()
            })
            .unwrap();
        ids.push(p.id.clone());
        server_post(&mut c, &p.id, p.create_at, 0, &admin.id, &town.id, &p.message, "").await;
    }
    let deleted = "deleted0000000000000000000";
    server_post(&mut c, deleted, 1, 5, &admin.id, &town.id, "gone", "").await;
    let system = "system00000000000000000000";
    server_post(
        &mut c,
        system,
        2,
        0,
        &admin.id,
        &town.id,
        "joined",
        "system_join_channel",
    )
    .await;

    let (status, _) = call(&sim, &user_token, "/admin/reindex", json!({})).await;
    assert_eq!(status, 403);
    let (status, started) = call(&sim, &admin_token, "/admin/reindex", json!({})).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["status"], "running");
    assert_eq!(started["total_rows"], 150);
    let mut last = Value::Null;
    for _ in 0..400 {
        last = get_json(&sim, &admin_token, "/admin/reindex/status").await;
        if last["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(last["status"], "completed", "{last}");
    assert_eq!(last["processed_rows"], 150, "{last}");
    assert!(last["completed_at"].is_string(), "{last}");
    assert_eq!(indexed(&db).await.len(), 150);
    let (_, found) = call(
        &sim,
        &admin_token,
        "/search",
        json!({"query": "where is the unicorn offsite?", "maxResults": 3}),
    )
    .await;
    assert_eq!(result_ids(&found).len(), 3, "{found}");
    assert_eq!(result_ids(&found).first(), Some(&ids[42]), "{found}");

    let (status, body) = call(&sim, &admin_token, "/admin/reindex/cancel", json!({})).await;
    assert_eq!((status, body["status"].as_str()), (400, Some("not_running")));
    assert!(
        !sim.data().kv.contains_key("reindex_job_lock"),
        "a finished job leaves no lock"
    );

    // A job left "running" by a crash (no heartbeat) is marked failed at the next activation,
    // so the admin is not locked out of reindexing.
    let mut stuck = last.clone();
    stuck["status"] = json!("running");
    stuck["completed_at"] = Value::Null;
    sim.data()
        .kv_put("reindex_job_status", serde_json::to_vec(&stuck).unwrap(), 0);
    sim.conn.on_activate().await.unwrap();
    let mut after = Value::Null;
    for _ in 0..200 {
        after = get_json(&sim, &admin_token, "/admin/reindex/status").await;
        if after["status"] != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(after["status"], "failed", "{after}");
    assert!(
        after["error"].as_str().unwrap_or("").contains("interrupted"),
        "{after}"
    );
    let (status, _) = call(&sim, &admin_token, "/admin/reindex", json!({})).await;
    assert_eq!(status, 200, "a new reindex can start");
}

/// Mattermost's data retention deletes old posts straight from its tables, with no hook: the
/// index must let them go too, or their text stays searchable and is sent to the model.
/// The index holds three posts; the server then loses one to data retention and soft-deletes
/// another. `sweep` is how the index learns of it.
async fn removed_posts_leave_the_index(periodic: bool) {
    let fake = fake().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let mut builder = Simulator::builder(BIN).transport(Transport::NetRpc);
    if periodic {
        builder = builder.env("MMAI_INDEX_SWEEP_SECONDS", "1");
    }
    let sim = builder
        .license(enterprise())
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({"embeddingSearchConfig": search_config(&fake.url)}),
        ))
        .start()
        .await
        .unwrap();
    sim.data().server_config = json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db}});
    let (admin, admin_token) = sim.add_user("admin", "system_admin system_user");
    let town = town_with(&sim, &mut c, &admin.id).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let p = sim
            .data()
            .insert_post(plugin_runtime::host::model::Post {
                user_id: admin.id.clone(),
                channel_id: town.id.clone(),
                message: format!("Retention test message {i}"),
                ..Default::default()
            })
            .unwrap();
        server_post(&mut c, &p.id, p.create_at, 0, &admin.id, &town.id, &p.message, "").await;
        ids.push(p.id);
    }
    let (status, body) = call(&sim, &admin_token, "/admin/reindex", json!({})).await;
    assert_eq!(status, 200, "{body}");
    wait_indexed(&db, |got| got.len() == 3).await;
    // Retention removes one row outright and the server soft-deletes another.
    sqlx::query("DELETE FROM Posts WHERE Id = $1")
        .bind(&ids[0])
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE Posts SET DeleteAt = 5 WHERE Id = $1")
        .bind(&ids[1])
        .execute(&mut c)
        .await
        .unwrap();
    if !periodic {
        // Mattermost's data retention job calls RunDataRetention once it has deleted.
        let removed = sim
            .run_data_retention(mattermost_simulator::now_millis(), 1000)
            .await
            .unwrap();
        assert_eq!(removed, 2);
    }
    let left = wait_indexed(&db, |got| got.len() == 1).await;
    assert_eq!(left, vec![ids[2].clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_removed_by_data_retention_leave_the_index() {
    removed_posts_leave_the_index(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_retention_hook_removes_them_at_once() {
    removed_posts_leave_the_index(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_off_or_unlicensed_is_refused_with_a_reason() {
    let fake = fake().await;
    let db = database().await;
    let off = start(Transport::NetRpc, &fake, &db, json!({}), true).await;
    let (_, token) = off.add_user("alice", "system_user");
    let (status, body) = call(&off, &token, "/search", json!({"query": "anything"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap_or("").contains("not configured"),
        "{body}"
    );

    let unlicensed = start(Transport::NetRpc, &fake, &db, search_config(&fake.url), false).await;
    let (_, token) = unlicensed.add_user("alice", "system_user");
    let (status, body) = call(&unlicensed, &token, "/search", json!({"query": "anything"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"].as_str().unwrap_or("").contains("license"), "{body}");

    // Configured, but the database cannot be reached: a clear error, no password in it, and
    // posting goes on.
    let broken = start(
        Transport::NetRpc,
        &fake,
        "postgres://mmuser:hunter2secret@127.0.0.1:9/mattermost?sslmode=disable&connect_timeout=10",
        search_config(&fake.url),
        true,
    )
    .await;
    let (_, token) = broken.add_user("alice", "system_user");
    let (status, body) = call(&broken, &token, "/search", json!({"query": "anything"})).await;
    assert_eq!(status, 500, "{body}");
    let error = body["error"].as_str().unwrap_or("");
    assert!(
        error.contains("unavailable") && !error.contains("hunter2"),
        "{body}"
    );
    let (status, _) = call(&broken, &token, "/version", json!({})).await;
    assert_eq!(status, 405, "the plugin still answers");
    // The admin's configuration check says why.
    let (admin, admin_token) = broken.add_user("root", "system_admin system_user");
    broken
        .data()
        .permissions
        .push((admin.id, String::new(), "manage_system".into()));
    let check = get_json(&broken, &admin_token, "/admin/config/check").await;
    assert_eq!(check["search"]["ready"], false, "{check}");
    let why = check["search"]["error"].as_str().unwrap_or("");
    assert!(why.contains("unavailable") && !why.contains("hunter2"), "{check}");
}

//! The search index at scale, against a real PostgreSQL with pgvector and the server's tables
//! in Mattermost's layout: a reindex that batches its embedding requests, bounds how many run
//! at once, builds the vector index after the load and resumes from its cursor after a cancel;
//! a catch-up of posts written while indexing was off and of edited ones, with the health
//! check telling both; a changed embedding model refused until a reindex; hybrid ranking
//! finding a literal identifier that embeddings blur; one reindex at a time in a cluster.

use std::time::Duration;

use mattermost_simulator::fake_embedder::FakeEmbedder;
use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport, server_db};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::common::db::{database, indexed};
use crate::common::http::{get_json, post_json as call};
use crate::search::{BIN, DIMS, enterprise, result_ids, server_tables, town_with};

fn search_config(url: &str, model: &str, extra: Value) -> Value {
    let mut cfg = json!({"type": "composite", "dimensions": DIMS,
           "embeddingProvider": {"type": "openai-compatible", "parameters": {"apiURL": url, "embeddingModel": model}},
           "chunkingOptions": {"chunkSize": 400, "chunkOverlap": 50}});
    if let (Some(c), Some(e)) = (cfg.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    cfg
}

/// A simulator whose search embeds at `embed_url` (chat answers come from `chat`).
/// The simulator with one agent on `chat` and search configured as `search`.
fn builder(chat: &FakeProvider, search: Value) -> mattermost_simulator::SimulatorBuilder {
    Simulator::builder(BIN)
        .transport(Transport::NetRpc)
        .license(enterprise())
        .plugin_config(one_agent_config(
            &chat.url,
            json!({}),
            json!({}),
            json!({"embeddingSearchConfig": search}),
        ))
}

/// The server's database settings, as the plugin reads them to reach its table.
fn use_database(sim: &Simulator, db: &str) {
    sim.data().server_config = json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db}});
}

/// One simulator node, with the environment `env` and `db` as the server's database.
async fn start(chat: &FakeProvider, db: &str, search: Value, env: &[(&str, &str)]) -> Simulator {
    let mut b = builder(chat, search);
    for (k, v) in env {
        b = b.env(k, v);
    }
    let sim = b.start().await.unwrap();
    use_database(&sim, db);
    sim
}

async fn chat() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|seen| {
        // Embeddings blind to digits, as real models blur identifiers: "MM-48213" and
        // "MM-48214" embed alike.
        if seen.uri.ends_with("/embeddings") {
            let mut body = seen.body.clone();
            if let Some(a) = body["input"].as_array_mut() {
                for v in a.iter_mut() {
                    let blind: String = v
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .filter(|c| !c.is_ascii_digit())
                        .collect();
                    *v = Value::String(blind);
                }
            }
            return Some(Script::embeddings(&body, DIMS));
        }
        Some(Script::chat_completion(&["Answer."], 0, None))
    });
    fake
}

async fn admin(sim: &Simulator) -> (plugin_runtime::host::model::User, String) {
    let (admin, token) = sim.add_user("admin", "system_admin system_user");
    sim.data()
        .permissions
        .push((admin.id.clone(), String::new(), "manage_system".into()));
    (admin, token)
}

/// Polls the job until it is no longer running (or `until` holds).
async fn job_until(sim: &Simulator, token: &str, until: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..1200 {
        last = get_json(sim, token, "/admin/reindex/status").await;
        if until(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the job never got there: {last}");
}

fn finished(v: &Value) -> bool {
    v["status"].is_string() && v["status"] != "running"
}

/// `n` posts in `channel` by `user`, in the server's table only (as if written while the
/// plugin was not indexing), each also known to the simulator so search can re-read it.
async fn history(
    sim: &Simulator,
    c: &mut sqlx::PgConnection,
    user: &str,
    channel: &str,
    texts: &[String],
) -> Vec<String> {
    let mut rows = Vec::new();
    for text in texts {
        let p = sim
            .data()
            .insert_post(plugin_runtime::host::model::Post {
                user_id: user.into(),
                channel_id: channel.into(),
                message: text.clone(),
                ..Default::default()
            })
            .unwrap();
        rows.push(server_db::PostRow {
            id: p.id.clone(),
            create_at: p.create_at,
            user_id: user.into(),
            channel_id: channel.into(),
            message: text.clone(),
            ..Default::default()
        });
    }
    for page in rows.chunks(1000) {
        server_db::insert_posts(c, page).await.unwrap();
    }
    rows.into_iter().map(|r| r.id).collect()
}

async fn has_vector_index(db: &str) -> bool {
    let mut c = sqlx::PgConnection::connect(db).await.unwrap();
    sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'mmai_post_embeddings_hnsw'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap()
        == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reindex_batches_bounds_its_requests_and_resumes_after_a_cancel() {
    let embedder = FakeEmbedder::start(Duration::from_millis(120), DIMS)
        .await
        .unwrap();
    let (url, seen) = (embedder.url.clone(), embedder.served.clone());
    let chat = chat().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let sim = start(
        &chat,
        &db,
        search_config(&url, "slow-embed", json!({})),
        &[("MMAI_INDEX_CONCURRENCY", "3")],
    )
    .await;
    let (me, token) = admin(&sim).await;
    let town = town_with(&sim, &mut c, &me.id).await;
    let texts: Vec<String> = (0..1800)
        .map(|i| format!("Status note {i} about the rollout of service {}", i % 17))
        .collect();
    let ids = history(&sim, &mut c, &me.id, &town.id, &texts).await;
    // A bot's post and a webhook's post stay out.
    server_db::insert_bot(&mut c, "botuser0000000000000000000")
        .await
        .unwrap();
    let extra = [
        server_db::PostRow {
            id: "botpost00000000000000000000"[..26].into(),
            create_at: 5,
            user_id: "botuser0000000000000000000".into(),
            channel_id: town.id.clone(),
            message: "I am a bot".into(),
            ..Default::default()
        },
        server_db::PostRow {
            id: "hookpost0000000000000000000"[..26].into(),
            create_at: 6,
            user_id: me.id.clone(),
            channel_id: town.id.clone(),
            message: "From a webhook".into(),
            props: json!({"from_webhook": "true"}),
            ..Default::default()
        },
    ];
    server_db::insert_posts(&mut c, &extra).await.unwrap();

    // The first three requests (as many as may be in flight: the first page's two and one of
    // the next) are answered, the rest wait: the cancel below lands mid-job however busy the
    // machine is.
    seen.hold_after(3);
    let (status, started) = call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["operation"], "reindex");
    // A second start while it runs is refused with the running job.
    let (status, running) = call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(
        (status, running["status"].as_str()),
        (409, Some("running")),
        "{running}"
    );
    job_until(&sim, &token, |v| v["processed_rows"].as_i64().unwrap_or(0) >= 500).await;
    let (status, canceled) = call(&sim, &token, "/admin/reindex/cancel", json!({})).await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("canceled")),
        "{canceled}"
    );
    assert_eq!(canceled["resumable"], true, "{canceled}");
    seen.release();
    // The lock goes with the stopped job, and the cursor stays.
    for _ in 0..400 {
        if !sim.data().kv.contains_key("reindex_job_lock") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        !sim.data().kv.contains_key("reindex_job_lock"),
        "the lock outlived the job"
    );
    let cursor: Value = serde_json::from_slice(&sim.data().kv["indexer_cursor"].value).unwrap();
    assert!(
        cursor["last_id"].is_string() && cursor["last_create_at"].as_i64().unwrap() > 0,
        "{cursor}"
    );
    let stored = indexed(&db).await.len();
    seen.mark();
    assert!(
        stored >= 500 && stored < ids.len(),
        "{stored} posts stored before the cancel"
    );

    let (status, resumed) = call(&sim, &token, "/admin/reindex", json!({"clearIndex": false})).await;
    assert_eq!(status, 200, "{resumed}");
    let done = job_until(&sim, &token, finished).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["processed_rows"], json!(ids.len()), "{done}");
    let mut got = indexed(&db).await;
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(
        got, want,
        "every person's post, and no bot or webhook post, is indexed"
    );
    // The resume went on from the cursor: it embedded the posts after it, and none before.
    let after: Vec<String> =
        sqlx::query_scalar("SELECT Message FROM Posts WHERE (CreateAt, Id) > ($1, $2) AND Id = ANY($3)")
            .bind(cursor["last_create_at"].as_i64().unwrap())
            .bind(cursor["last_id"].as_str().unwrap())
            .bind(&ids)
            .fetch_all(&mut c)
            .await
            .unwrap();
    let resumed: std::collections::HashSet<String> = seen.since_mark().into_iter().collect();
    assert!(
        after.len() < ids.len() && after.iter().all(|t| resumed.contains(t)),
        "the resume skipped posts after its cursor"
    );
    assert_eq!(
        resumed.len(),
        after.len(),
        "the resume embedded posts from before its cursor"
    );
    // Requests within the provider's limits, several at once but never more than configured.
    let requests = seen.requests();
    assert!(seen.max_inputs() <= 256, "a request carried more than 256 texts");
    assert!(
        requests >= ids.len() / 256 && requests <= ids.len() / 100,
        "{requests} requests for {} posts",
        ids.len()
    );
    let widest = seen.max_in_flight();
    assert!(
        (2..=3).contains(&widest),
        "{widest} requests were in flight at once"
    );
    assert!(
        has_vector_index(&db).await,
        "the vector index is built after the load"
    );
    assert!(
        !sim.data().kv.contains_key("indexer_cursor"),
        "a finished job leaves no cursor"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_indexes_what_was_missed_and_the_health_check_tells() {
    let chat = chat().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let sim = start(&chat, &db, search_config(&chat.url, "fake-embed", json!({})), &[]).await;
    let (me, token) = admin(&sim).await;
    let town = town_with(&sim, &mut c, &me.id).await;
    let texts: Vec<String> = (0..20)
        .map(|i| format!("Weekly report number {i} for the platform team"))
        .collect();
    let ids = history(&sim, &mut c, &me.id, &town.id, &texts).await;
    call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(job_until(&sim, &token, finished).await["status"], "completed");
    let health = get_json(&sim, &token, "/admin/reindex/health-check").await;
    assert_eq!(
        (
            health["status"].as_str(),
            health["db_post_count"].as_i64(),
            health["indexed_post_count"].as_i64()
        ),
        (Some("healthy"), Some(20), Some(20)),
        "{health}"
    );
    assert_eq!(health["vector_index_state"], "ready", "{health}");
    assert_eq!(health["model_compatible"], true, "{health}");

    // While indexing was off: three new posts, one edited, one deleted.
    let new: Vec<String> = (0..3)
        .map(|i| format!("Late addition {i} about the flamingo budget"))
        .collect();
    let added = history(&sim, &mut c, &me.id, &town.id, &new).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let later = mattermost_simulator::now_millis();
    sqlx::query("UPDATE Posts SET Message = 'Weekly report, corrected: the walrus migration slipped', EditAt = $2 WHERE Id = $1")
        .bind(&ids[3])
        .bind(later)
        .execute(&mut c)
        .await
        .unwrap();
    sim.data().posts.get_mut(&ids[3]).unwrap().message =
        "Weekly report, corrected: the walrus migration slipped".into();
    sqlx::query("UPDATE Posts SET DeleteAt = 5 WHERE Id = $1")
        .bind(&ids[4])
        .execute(&mut c)
        .await
        .unwrap();
    let health = get_json(&sim, &token, "/admin/reindex/health-check").await;
    assert_eq!(
        (
            health["missing_posts"].as_i64(),
            health["stale_posts"].as_i64(),
            health["orphaned_posts"].as_i64()
        ),
        (Some(3), Some(1), Some(1)),
        "{health}"
    );
    assert_eq!(
        (health["status"].as_str(), health["needs_catch_up"].as_bool()),
        (Some("mismatch"), Some(true)),
        "{health}"
    );

    let (status, started) = call(&sim, &token, "/admin/reindex/catchup", json!({})).await;
    assert_eq!(
        (status, started["operation"].as_str()),
        (200, Some("catch_up")),
        "{started}"
    );
    let done = job_until(&sim, &token, finished).await;
    assert_eq!(
        (done["status"].as_str(), done["indexed_rows"].as_i64()),
        (Some("completed"), Some(4)),
        "{done}"
    );
    let health = get_json(&sim, &token, "/admin/reindex/health-check").await;
    assert_eq!(
        (
            health["status"].as_str(),
            health["missing_posts"].as_i64(),
            health["stale_posts"].as_i64(),
            health["orphaned_posts"].as_i64()
        ),
        (Some("healthy"), Some(0), Some(0), Some(0)),
        "{health}"
    );
    let (_, found) = call(
        &sim,
        &token,
        "/search",
        json!({"query": "walrus migration", "maxResults": 1}),
    )
    .await;
    assert_eq!(
        result_ids(&found),
        vec![ids[3].clone()],
        "the edit is searchable: {found}"
    );
    let (_, found) = call(
        &sim,
        &token,
        "/search",
        json!({"query": "flamingo budget", "maxResults": 3}),
    )
    .await;
    let mut got = result_ids(&found);
    got.sort();
    let mut want = added.clone();
    want.sort();
    assert_eq!(got, want, "{found}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_embedding_model_is_refused_until_a_reindex() {
    let chat = chat().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let sim = start(&chat, &db, search_config(&chat.url, "model-a", json!({})), &[]).await;
    let (me, token) = admin(&sim).await;
    let town = town_with(&sim, &mut c, &me.id).await;
    let texts: Vec<String> = vec!["The otter sanctuary opens on Monday".into()];
    let ids = history(&sim, &mut c, &me.id, &town.id, &texts).await;
    call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(job_until(&sim, &token, finished).await["status"], "completed");

    // Same size, another model: its vectors must not meet model A's.
    let mut cfg = Value::Object(sim.data().plugin_config.clone());
    cfg["config"]["embeddingSearchConfig"] = search_config(&chat.url, "model-b", json!({}));
    sim.save_plugin_config(cfg).await.unwrap();
    let (status, refused) = call(&sim, &token, "/search", json!({"query": "otter sanctuary"})).await;
    assert!(status >= 400, "{status} {refused}");
    let health = get_json(&sim, &token, "/admin/reindex/health-check").await;
    assert_eq!(
        (
            health["model_compatible"].as_bool(),
            health["model_needs_reindex"].as_bool(),
            health["status"].as_str()
        ),
        (Some(false), Some(true), Some("needs_reindex")),
        "{health}"
    );
    assert!(
        health["model_compat_reason"]
            .as_str()
            .unwrap()
            .contains("model-b"),
        "{health}"
    );
    assert_eq!(health["stored_model_name"], "model-a", "{health}");
    // A catch-up would mix the two: refused.
    let (status, body) = call(&sim, &token, "/admin/reindex/catchup", json!({})).await;
    assert_eq!(status, 400, "{body}");
    // Live posts are not indexed with model B into model A's index meanwhile.
    let (_, live) = sim.add_user("bob", "system_user");
    let _ = live;
    let p = sim
        .post_as(&me.id, &town.id, "A live post about penguins", "")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        !indexed(&db).await.contains(&p.id),
        "a post was indexed with the new model into the old index"
    );

    let (status, body) = call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(job_until(&sim, &token, finished).await["status"], "completed");
    let (status, found) = call(
        &sim,
        &token,
        "/search",
        json!({"query": "otter sanctuary", "maxResults": 1}),
    )
    .await;
    assert_eq!(
        (status, result_ids(&found)),
        (200, vec![ids[0].clone()]),
        "{found}"
    );
    let info: Value = serde_json::from_slice(&sim.data().kv["indexer_model_info"].value).unwrap();
    assert_eq!(info["model_name"], "model-b", "{info}");
}

/// Thirty near-identical tickets and the one asked for: embeddings that blur digits cannot
/// tell them apart, the words side can.
async fn ticket_search(hybrid: bool) -> (Vec<String>, String) {
    let chat = chat().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let extra = if hybrid {
        json!({})
    } else {
        json!({"parameters": {"hybrid": false}})
    };
    let sim = start(&chat, &db, search_config(&chat.url, "fake-embed", extra), &[]).await;
    let (me, token) = admin(&sim).await;
    let town = town_with(&sim, &mut c, &me.id).await;
    let mut texts: Vec<String> = (0..30).map(|i| format!("MM-{}", 48300 + i)).collect();
    texts.push("Login regression MM-48213 is fixed in the nightly build".into());
    let ids = history(&sim, &mut c, &me.id, &town.id, &texts).await;
    call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(job_until(&sim, &token, finished).await["status"], "completed");
    let (status, found) = call(
        &sim,
        &token,
        "/search",
        json!({"query": "MM-48213", "maxResults": 3}),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    (result_ids(&found), ids[30].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hybrid_ranking_finds_the_literal_identifier() {
    let (found, target) = ticket_search(true).await;
    assert_eq!(found.first(), Some(&target), "{found:?}");
    let (found, target) = ticket_search(false).await;
    assert!(
        !found.contains(&target),
        "vector search alone was expected to miss it: {found:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_of_a_cluster_runs_a_reindex() {
    let embedder = FakeEmbedder::start(Duration::from_millis(100), DIMS)
        .await
        .unwrap();
    let url = embedder.url.clone();
    let chat = chat().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let cluster = builder(&chat, search_config(&url, "slow-embed", json!({})))
        .nodes(2)
        .start()
        .await
        .unwrap();
    let node = cluster.node(0);
    use_database(node, &db);
    let (me, token) = admin(node).await;
    let town = town_with(node, &mut c, &me.id).await;
    let texts: Vec<String> = (0..1200).map(|i| format!("Cluster note {i}")).collect();
    history(node, &mut c, &me.id, &town.id, &texts).await;
    let post = |i: usize| {
        reqwest::Client::new()
            .post(cluster.plugin_url(i, "/admin/reindex"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
    };
    assert_eq!(post(0).await.unwrap().status().as_u16(), 200);
    let other = post(1).await.unwrap();
    assert_eq!(
        other.status().as_u16(),
        409,
        "the second node started a reindex too"
    );
    let running: Value = other.json().await.unwrap();
    assert_eq!(running["status"], "running", "{running}");
    let done = job_until(node, &token, finished).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(indexed(&db).await.len(), 1200);
    // Once it is done, any node may start the next one.
    assert_eq!(post(1).await.unwrap().status().as_u16(), 200);
    job_until(node, &token, finished).await;
}

/// Results the asker cannot read are dropped after the index answered: with two hundred nearer
/// matches in a channel they are not in, the one post they can read must still be found on a
/// later page of the HNSW scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readable_post_behind_many_unreadable_ones_is_found() {
    let chat = chat().await;
    let db = database().await;
    let mut c = server_tables(&db).await;
    let sim = start(&chat, &db, search_config(&chat.url, "fake-embed", json!({})), &[]).await;
    let (me, token) = admin(&sim).await;
    let town = town_with(&sim, &mut c, &me.id).await;
    let (other, _) = sim.add_user("other", "system_user");
    let secret = sim.add_channel(&town.team_id, "secret", "P");
    sim.add_member(&secret.id, &other.id);
    server_db::insert_channel(&mut c, &secret.id, &town.team_id, "P", "secret")
        .await
        .unwrap();
    // Enough rows that the planner takes the HNSW index over a scan of the table.
    let mut hidden: Vec<String> = (0..3000)
        .map(|i| format!("filler about the weather and lunch plans number {i}"))
        .collect();
    // Nearer to the question than the readable post, and more of them than four pages.
    let word = |i: usize| -> String {
        [i / 26 % 26, i % 26]
            .iter()
            .map(|d| (b'a' + *d as u8) as char)
            .collect()
    };
    hidden.extend((0..200).map(|i| format!("quarterly budget meeting notes {}zz", word(i))));
    history(&sim, &mut c, &other.id, &secret.id, &hidden).await;
    let visible = history(
        &sim,
        &mut c,
        &me.id,
        &town.id,
        &["quarterly budget review, see the notes".to_owned()],
    )
    .await;
    call(&sim, &token, "/admin/reindex", json!({})).await;
    assert_eq!(job_until(&sim, &token, finished).await["status"], "completed");
    assert!(has_vector_index(&db).await);
    let (status, found) = call(
        &sim,
        &token,
        "/search",
        json!({"query": "quarterly budget meeting notes", "maxResults": 3}),
    )
    .await;
    assert_eq!((status, result_ids(&found)), (200, visible), "{found}");
}

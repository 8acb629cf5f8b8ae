//! `make bench`: semantic search at scale. Prints one table.
//!
//! 1. Through the plugin (under the simulator, over net/rpc, with a real PostgreSQL): a reindex
//!    of a synthetic Mattermost `Posts` table with an embedding server that answers after a
//!    fixed latency, its throughput, requests and concurrency, the plugin's peak memory, and
//!    `/search` end to end (the answering model is a stand-in that answers at once).
//! 2. On the plugin's store directly, at each `--chunks` size: bulk load, HNSW build time,
//!    query latency with and without the HNSW index, recall@10 of HNSW against exact search,
//!    and hybrid (vector + full text) query latency.
//! 3. With `--quality DIR --embed-python PY`: the labelled query set in DIR embedded by a real
//!    model (all-MiniLM-L6-v2, served by scripts/embed-server.py), recall@10 and MRR of vector
//!    and hybrid ranking, overall and per category.
//!
//! usage: search-bench <plugin> [--posts N] [--chunks N[,N…]] [--dims D] [--latency-ms MS]
//!        [--concurrency C] [--queries Q] [--ef N[,N…]] [--keep-db | --reuse-db NAME] [--quality DIR --embed-python PY]
//! needs DATABASE_URL (a PostgreSQL with pgvector; scripts/pg-up.sh starts one).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use mattermost_ai::search::chunking::Chunking;
use mattermost_ai::search::hybrid::text_query;
use mattermost_ai::search::store::{Chunk, Filter, ScanWidth, Store};
use mattermost_simulator::fake_embedder::FakeEmbedder;
use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport, server_db};
use serde_json::{Value, json};
use sqlx::Connection;

struct Args {
    plugin: String,
    posts: usize,
    chunks: Vec<usize>,
    dims: usize,
    latency_ms: u64,
    concurrency: usize,
    queries: usize,
    quality: Option<String>,
    embed_python: Option<String>,
    ef_sweep: Vec<i64>,
    /// A store database kept by an earlier run (`--keep-db`): queries only, no load or build.
    reuse_db: Option<String>,
    keep_db: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        plugin: String::new(),
        posts: 20_000,
        chunks: vec![100_000],
        dims: 384,
        latency_ms: 50,
        concurrency: 4,
        queries: 200,
        quality: None,
        embed_python: None,
        ef_sweep: vec![40, 100, 400],
        reuse_db: None,
        keep_db: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let num = |v: String, name: &str| v.parse::<usize>().map_err(|_| format!("{name}: not a number"));
        match x.as_str() {
            "--posts" => a.posts = num(value("--posts")?, "--posts")?,
            "--chunks" => {
                a.chunks = value("--chunks")?
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(|v| num(v.to_owned(), "--chunks"))
                    .collect::<Result<_, _>>()?
            }
            "--dims" => a.dims = num(value("--dims")?, "--dims")?,
            "--latency-ms" => a.latency_ms = num(value("--latency-ms")?, "--latency-ms")? as u64,
            "--concurrency" => a.concurrency = num(value("--concurrency")?, "--concurrency")?,
            "--queries" => a.queries = num(value("--queries")?, "--queries")?,
            "--quality" => a.quality = Some(value("--quality")?),
            "--embed-python" => a.embed_python = Some(value("--embed-python")?),
            "--reuse-db" => a.reuse_db = Some(value("--reuse-db")?),
            "--keep-db" => a.keep_db = true,
            "--ef" => {
                a.ef_sweep = value("--ef")?
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(|v| num(v.to_owned(), "--ef").map(|n| n as i64))
                    .collect::<Result<_, _>>()?
            }
            p if a.plugin.is_empty() => a.plugin = p.to_owned(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if a.plugin.is_empty() {
        return Err("usage: search-bench <plugin> [--posts N] [--chunks N[,N…]] [--dims D] [--latency-ms MS] [--concurrency C] [--queries Q] [--ef N[,N…]] [--keep-db | --reuse-db NAME] [--quality DIR --embed-python PY]".into());
    }
    Ok(a)
}

/// Rows of the final table: what, figure, target.
#[derive(Default)]
struct Table(Vec<(String, String, String)>);

impl Table {
    fn row(&mut self, what: impl Into<String>, figure: impl Into<String>, target: &str) {
        let (w, f) = (what.into(), figure.into());
        eprintln!("  {w}: {f}");
        self.0.push((w, f, target.to_owned()));
    }

    fn print(&self, title: &str) {
        println!("\n{title}\n");
        println!("| measure | figure | target |");
        println!("|---|---|---|");
        for (w, f, t) in &self.0 {
            println!("| {w} | {f} | {t} |");
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn p50_p99(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (percentile(&v, 0.5), percentile(&v, 0.99))
}

/// A deterministic generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// Roughly normal (sum of uniforms).
    fn gauss(&mut self) -> f32 {
        (0..4)
            .map(|_| (self.next() % 10_000) as f32 / 10_000.0)
            .sum::<f32>()
            - 2.0
    }
}

const WORDS: &[&str] = &[
    "release",
    "deploy",
    "rollback",
    "incident",
    "customer",
    "latency",
    "database",
    "migration",
    "login",
    "outage",
    "ticket",
    "escalation",
    "review",
    "merge",
    "build",
    "pipeline",
    "cluster",
    "node",
    "cache",
    "index",
    "search",
    "budget",
    "roadmap",
    "design",
    "meeting",
    "standup",
    "retro",
    "sprint",
    "backlog",
    "priority",
    "alert",
    "pager",
    "dashboard",
    "metrics",
    "timeout",
    "certificate",
    "proxy",
    "gateway",
    "upgrade",
    "version",
    "plugin",
    "webhook",
    "permission",
    "channel",
    "team",
    "invoice",
    "contract",
    "renewal",
    "onboarding",
    "feedback",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s: Vec<String> = (0..words)
        .map(|_| WORDS[rng.below(WORDS.len())].to_owned())
        .collect();
    if rng.below(4) == 0 {
        s.push(format!("MM-{}", 40_000 + rng.below(20_000)));
    }
    if rng.below(6) == 0 {
        s.push(format!(
            "v{}.{}.{}",
            7 + rng.below(4),
            rng.below(12),
            rng.below(9)
        ));
    }
    s.join(" ")
}

fn new_id(rng: &mut Rng) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..26).map(|_| A[rng.below(A.len())] as char).collect()
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn fresh_database() -> Result<String, String> {
    let name = format!("mmai_bench_{}", mattermost_simulator::new_id());
    admin_sql(&format!("CREATE DATABASE {name}")).await?;
    database_named(&name)
}

/// The URL of database `name` on DATABASE_URL's server.
fn database_named(name: &str) -> Result<String, String> {
    let base = std::env::var("DATABASE_URL")
        .map_err(|_| "DATABASE_URL is not set (scripts/pg-up.sh starts a server)")?;
    let (prefix, _) = base
        .rsplit_once('/')
        .ok_or("DATABASE_URL ends with a database name")?;
    Ok(format!("{prefix}/{name}"))
}

async fn admin_sql(statement: &str) -> Result<(), String> {
    let base = std::env::var("DATABASE_URL")
        .map_err(|_| "DATABASE_URL is not set (scripts/pg-up.sh starts a server)")?;
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .map_err(|e| format!("DATABASE_URL: {e}"))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Exact nearest neighbours (the vector index switched off for this transaction).
async fn exact_top10(store: &Store, q: &[f32]) -> Result<Vec<String>, String> {
    let mut tx = store.pool().begin().await.map_err(|e| e.to_string())?;
    for s in [
        "SET LOCAL enable_indexscan = off",
        "SET LOCAL statement_timeout = 0",
    ] {
        sqlx::query(s)
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT post_id FROM mmai_post_embeddings ORDER BY embedding <=> $1 LIMIT 10")
            .bind(pgvector::Vector::from(q.to_vec()))
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(ids)
}

/// Part 1: a reindex and searches through the plugin.
async fn through_the_plugin(a: &Args, table: &mut Table) -> Result<(), String> {
    eprintln!(
        "reindex of {} posts through the plugin (embedding latency {} ms, {} requests at once)",
        a.posts, a.latency_ms, a.concurrency
    );
    let db = fresh_database().await?;
    let mut c = sqlx::PgConnection::connect(&db)
        .await
        .map_err(|e| e.to_string())?;
    server_db::create_tables(&mut c)
        .await
        .map_err(|e| e.to_string())?;
    let embedder = FakeEmbedder::start(Duration::from_millis(a.latency_ms), a.dims)
        .await
        .map_err(|e| e.to_string())?;
    let (embed_url, served) = (embedder.url.clone(), embedder.served.clone());
    let chat = FakeProvider::start(Vec::new()).await.map_err(|e| e.to_string())?;
    chat.route(|_| Some(Script::chat_completion(&["Here is what I found."], 0, None)));
    let search = json!({"type": "composite", "dimensions": a.dims,
        "embeddingProvider": {"type": "openai-compatible", "parameters": {"apiURL": embed_url, "embeddingModel": "bench-embed"}}});
    let concurrency = a.concurrency.to_string();
    let sim = Simulator::builder(&a.plugin)
        .transport(Transport::NetRpc)
        .env("MMAI_INDEX_CONCURRENCY", &concurrency)
        .license(plugin_runtime::host::model::License {
            id: "bench".into(),
            sku_short_name: "enterprise".into(),
            ..Default::default()
        })
        .plugin_config(one_agent_config(
            &chat.url,
            json!({}),
            json!({}),
            json!({"embeddingSearchConfig": search}),
        ))
        .start()
        .await
        .map_err(|e| format!("starting the plugin: {e}"))?;
    sim.data().server_config = json!({"SqlSettings": {"DriverName": "postgres", "DataSource": db}});
    let (admin, token) = sim.add_user("admin", "system_admin system_user");
    sim.data()
        .permissions
        .push((admin.id.clone(), String::new(), "manage_system".into()));
    let team = sim.add_team("bench");
    let mut channels = Vec::new();
    for i in 0..20 {
        let ch = sim.add_channel(&team.id, &format!("channel-{i}"), "O");
        sim.add_member(&ch.id, &admin.id);
        server_db::insert_channel(&mut c, &ch.id, &team.id, "O", &ch.name)
            .await
            .map_err(|e| e.to_string())?;
        channels.push(ch.id);
    }
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut rows = Vec::with_capacity(a.posts);
    let mut texts = Vec::new();
    for i in 0..a.posts {
        let words = 6 + rng.below(40) + if rng.below(20) == 0 { 300 } else { 0 };
        let message = sentence(&mut rng, words);
        let post = sim
            .data()
            .insert_post(plugin_runtime::host::model::Post {
                user_id: admin.id.clone(),
                channel_id: channels[i % channels.len()].clone(),
                message: message.clone(),
                ..Default::default()
            })
            .map_err(|e| e.message)?;
        if texts.len() < a.queries {
            texts.push(message.split(' ').take(6).collect::<Vec<_>>().join(" "));
        }
        rows.push(server_db::PostRow {
            id: post.id,
            create_at: post.create_at,
            user_id: admin.id.clone(),
            channel_id: post.channel_id,
            message,
            ..Default::default()
        });
    }
    for page in rows.chunks(2000) {
        server_db::insert_posts(&mut c, page)
            .await
            .map_err(|e| e.to_string())?;
    }
    let pid = sim.conn.pid().ok_or("no plugin process")?;
    let http = reqwest::Client::new();
    let started = Instant::now();
    let r = http
        .post(sim.plugin_url("/admin/reindex"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("reindex refused: {}", r.text().await.unwrap_or_default()));
    }
    let mut loaded_at = None;
    let mut last_print = Instant::now();
    let status = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s: Value = http
            .get(sim.plugin_url("/admin/reindex/status"))
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        if loaded_at.is_none() && (s["phase"] == "building_index" || s["status"] != "running") {
            loaded_at = Some(started.elapsed());
        }
        if last_print.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "  progress: {} of about {} posts ({})",
                s["processed_rows"],
                s["total_rows"],
                s["phase"].as_str().unwrap_or("indexing")
            );
            last_print = Instant::now();
        }
        if s["status"] != "running" {
            break s;
        }
    };
    let total = started.elapsed();
    if status["status"] != "completed" {
        return Err(format!("the reindex ended as {status}"));
    }
    let posts = status["processed_rows"].as_f64().unwrap_or(0.0);
    let load = loaded_at.unwrap_or(total);
    table.row(
        format!(
            "Reindex of {} posts ({} chunks), embedding latency {} ms",
            a.posts,
            served.inputs(),
            a.latency_ms
        ),
        format!(
            "{:.0} posts/s loading; {:.0} posts/s with the HNSW build ({:.1} s in all)",
            posts / load.as_secs_f64(),
            posts / total.as_secs_f64(),
            total.as_secs_f64()
        ),
        "≥ 5,000 posts/s",
    );
    table.row(
        "Embedding requests",
        format!(
            "{} requests, at most {} texts each, at most {} at once (configured {})",
            served.requests(),
            served.max_inputs(),
            served.max_in_flight(),
            a.concurrency
        ),
        "≤ 2,048 inputs per request; bounded",
    );
    table.row(
        "Plugin peak memory (VmHWM) after the reindex",
        vm_hwm_kib(pid).map_or("unknown".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
        "bounded (independent of the number of posts)",
    );
    let mut latencies = Vec::new();
    for q in &texts {
        let t = Instant::now();
        let r = http
            .post(sim.plugin_url("/search"))
            .bearer_auth(&token)
            .json(&json!({"query": q, "maxResults": 5}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let ok = r.status().is_success();
        let _ = r.bytes().await;
        if ok {
            latencies.push(t.elapsed());
        }
    }
    let (p50, p99) = p50_p99(latencies.clone());
    table.row(
        format!(
            "/search end to end ({} queries, {} posts, model answers at once)",
            latencies.len(),
            a.posts
        ),
        format!("p50 {} ms, p99 {} ms", ms(p50), ms(p99)),
        "p99 < 150 ms",
    );
    sim.shutdown().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Clustered unit vectors, as embeddings of real text are (topics), not uniform noise.
struct Space {
    centers: Vec<Vec<f32>>,
    rng: Rng,
}

impl Space {
    fn new(dims: usize, clusters: usize) -> Self {
        let mut rng = Rng(0x2545f4914f6cdd1d);
        let centers = (0..clusters)
            .map(|_| unit((0..dims).map(|_| rng.gauss()).collect()))
            .collect();
        Space { centers, rng }
    }

    fn sample(&mut self) -> Vec<f32> {
        let c = self.rng.below(self.centers.len());
        // Noise of about 0.6 of the centre's length: neighbours share a topic, yet differ.
        let sigma = 0.6 / (self.centers[c].len() as f32).sqrt() / 0.58;
        let center = self.centers[c].clone();
        let v: Vec<f32> = center.iter().map(|x| x + sigma * self.rng.gauss()).collect();
        unit(v)
    }
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// Part 2: the store at `size` chunks.
async fn on_the_store(a: &Args, size: usize, table: &mut Table) -> Result<(), String> {
    eprintln!("store with {size} chunks of {} dimensions", a.dims);
    let reuse = a.reuse_db.is_some();
    let (db, name) = match &a.reuse_db {
        Some(name) => (database_named(name)?, name.clone()),
        None => {
            let db = fresh_database().await?;
            let name = db.rsplit('/').next().unwrap_or("").to_owned();
            (db, name)
        }
    };
    let store = Store::connect("postgres", &db, a.dims).map_err(|e| e.to_string())?;
    if !reuse {
        store.reset_for_load().await.map_err(|e| e.to_string())?;
    }
    let mut space = Space::new(a.dims, (size / 200).clamp(50, 5000));
    let mut rng = Rng(0xdeadbeefcafef00d);
    let t = Instant::now();
    let mut queries: Vec<(Vec<f32>, String)> = Vec::new();
    let batch = 2000;
    let mut done = 0;
    while done < size {
        let n = batch.min(size - done);
        let mut rows = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let id = new_id(&mut rng);
            let words = 8 + rng.below(30);
            let content = sentence(&mut rng, words);
            let v = space.sample();
            if queries.len() < a.queries && rng.below(size / a.queries.max(1) + 1) == 0 {
                queries.push((
                    unit(v.iter().map(|x| x + 0.02 * rng.gauss()).collect()),
                    content.split(' ').take(4).collect::<Vec<_>>().join(" "),
                ));
            }
            ids.push(id.clone());
            rows.push((
                Chunk {
                    post_id: id,
                    team_id: "team".into(),
                    channel_id: format!("channel{}", rng.below(50)),
                    user_id: "user".into(),
                    create_at: done as i64,
                    index: 0,
                    total: 1,
                    content,
                },
                v,
            ));
        }
        // A kept database already holds these rows: the same generator gives the same queries.
        if !reuse {
            store
                .replace_posts(&ids, &rows)
                .await
                .map_err(|e| e.to_string())?;
        }
        done += n;
        if done % 100_000 == 0 {
            eprintln!("  loaded {done}");
        }
    }
    while queries.len() < a.queries {
        queries.push((space.sample(), sentence(&mut rng, 4)));
    }
    let load = t.elapsed();
    sqlx::query("ANALYZE mmai_post_embeddings")
        .execute(store.pool())
        .await
        .map_err(|e| e.to_string())?;

    // Exact search (no vector index): the ground truth and its latency.
    let exact_n = queries.len().min(50);
    let mut truth: Vec<Vec<String>> = Vec::new();
    let mut exact = Vec::new();
    for (q, _) in queries.iter().take(exact_n) {
        let t = Instant::now();
        truth.push(exact_top10(&store, q).await?);
        exact.push(t.elapsed());
    }
    let t = Instant::now();
    store.build_vector_index().await.map_err(|e| e.to_string())?;
    let build = t.elapsed();
    // The default (adaptive) candidate list, then each fixed one the sweep names.
    let (hnsw, recall) = top10(&store, &queries, &truth).await?;
    let mut sweep = Vec::new();
    for ef in &a.ef_sweep {
        let fixed = store.clone().with_scan_width(ScanWidth::Fixed(*ef));
        sweep.push((*ef, top10(&fixed, &queries, &truth).await?));
    }
    let mut hybrid = Vec::new();
    for (q, words) in &queries {
        let terms = text_query(words);
        let t = Instant::now();
        store
            .hybrid(q, &terms, &Filter::default(), 50, 10, 0)
            .await
            .map_err(|e| e.to_string())?;
        hybrid.push(t.elapsed());
    }
    let (e50, e99) = p50_p99(exact);
    let (h50, h99) = p50_p99(hnsw);
    let (y50, y99) = p50_p99(hybrid);
    let label = if size >= 1_000_000 {
        format!("{}M", size / 1_000_000)
    } else {
        format!("{}k", size / 1000)
    };
    table.row(
        format!("{label} chunks: bulk load, HNSW build"),
        if reuse {
            "kept from an earlier run (--reuse-db)".to_owned()
        } else {
            format!(
                "{:.1} s load ({:.0} chunks/s), {:.1} s build",
                load.as_secs_f64(),
                size as f64 / load.as_secs_f64(),
                build.as_secs_f64()
            )
        },
        "",
    );
    table.row(
        format!("{label} chunks: top-10 query, exact (no index)"),
        format!("p50 {} ms, p99 {} ms ({exact_n} queries)", ms(e50), ms(e99)),
        "",
    );
    table.row(
        format!("{label} chunks: top-10 query, HNSW"),
        format!(
            "p50 {} ms, p99 {} ms ({} queries)",
            ms(h50),
            ms(h99),
            queries.len()
        ),
        "p99 < 20 ms at 1M",
    );
    table.row(
        format!("{label} chunks: recall@10 of HNSW against exact"),
        format!(
            "{recall:.3} (adaptive: ef_search {} for a top 10)",
            ScanWidth::Adaptive.for_rows(10, size as i64)
        ),
        "≥ 0.95",
    );
    for (ef, (times, recall)) in sweep {
        let (p50, p99) = p50_p99(times);
        table.row(
            format!("{label} chunks: HNSW at ef_search {ef}"),
            format!("recall@10 {recall:.3}, p50 {} ms, p99 {} ms", ms(p50), ms(p99)),
            "",
        );
    }
    table.row(
        format!("{label} chunks: hybrid query (vector + full text, RRF)"),
        format!("p50 {} ms, p99 {} ms", ms(y50), ms(y99)),
        "",
    );
    store.pool().close().await;
    if a.keep_db || reuse {
        eprintln!("  the store database is kept: --reuse-db {name}");
    } else {
        admin_sql(&format!("DROP DATABASE IF EXISTS {name}")).await?;
    }
    Ok(())
}

/// Top-10 queries on `store`: their times, and recall@10 against `truth` (the exact top 10
/// of the first queries).
async fn top10(
    store: &Store,
    queries: &[(Vec<f32>, String)],
    truth: &[Vec<String>],
) -> Result<(Vec<Duration>, f64), String> {
    let mut times = Vec::new();
    let (mut found, mut wanted) = (0usize, 0usize);
    for (i, (q, _)) in queries.iter().enumerate() {
        let t = Instant::now();
        let hits = store
            .nearest(q, &Filter::default(), 10, 0)
            .await
            .map_err(|e| e.to_string())?;
        times.push(t.elapsed());
        if let Some(want) = truth.get(i) {
            let got: HashSet<String> = hits.into_iter().map(|h| h.chunk.post_id).collect();
            found += want.iter().filter(|id| got.contains(*id)).count();
            wanted += want.len();
        }
    }
    Ok((times, found as f64 / wanted.max(1) as f64))
}

/// Part 3: search quality on the labelled set, with a real embedding model.
async fn quality(a: &Args, dir: &str, python: &str, table: &mut Table) -> Result<(), String> {
    let posts: Vec<Value> = read_jsonl(&format!("{dir}/posts.jsonl"))?;
    let queries: Vec<Value> = read_jsonl(&format!("{dir}/queries.jsonl"))?;
    eprintln!(
        "quality: {} posts, {} queries, all-MiniLM-L6-v2",
        posts.len(),
        queries.len()
    );
    let mut server = tokio::process::Command::new(python)
        .args(["scripts/embed-server.py", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting the embedding server: {e}"))?;
    let stdout = server
        .stdout
        .take()
        .ok_or("no stdout from the embedding server")?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let hello = tokio::time::timeout(Duration::from_secs(300), lines.next_line())
        .await
        .map_err(|_| "the embedding server did not start")?
        .map_err(|e| e.to_string())?
        .ok_or("the embedding server said nothing")?;
    let url = serde_json::from_str::<Value>(&hello).map_err(|e| e.to_string())?["url"]
        .as_str()
        .ok_or("no url from the embedding server")?
        .to_owned();
    let http = reqwest::Client::new();
    let embed = |texts: Vec<String>| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let r: Value = http
                .post(format!("{url}/embeddings"))
                .json(&json!({"model": "all-MiniLM-L6-v2", "input": texts}))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            r["data"]
                .as_array()
                .ok_or_else(|| format!("no data: {r}"))?
                .iter()
                .map(|d| {
                    d["embedding"]
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .map(|x| x.as_f64().unwrap_or(0.0) as f32)
                                .collect::<Vec<f32>>()
                        })
                        .ok_or_else(|| "no embedding".to_owned())
                })
                .collect::<Result<Vec<_>, String>>()
        }
    };
    let dims = 384;
    let db = fresh_database().await?;
    let store = Store::connect("postgres", &db, dims).map_err(|e| e.to_string())?;
    store.reset_for_load().await.map_err(|e| e.to_string())?;
    let chunking = Chunking::default();
    let t = Instant::now();
    for page in posts.chunks(128) {
        let mut chunks = Vec::new();
        let mut ids = Vec::new();
        for p in page {
            let id = p["id"].as_str().unwrap_or("").to_owned();
            let parts = chunking.split(p["message"].as_str().unwrap_or(""));
            let total = parts.len() as i32;
            for (i, content) in parts.into_iter().enumerate() {
                chunks.push(Chunk {
                    post_id: id.clone(),
                    team_id: p["team"].as_str().unwrap_or("").into(),
                    channel_id: p["channel"].as_str().unwrap_or("").into(),
                    user_id: p["user"].as_str().unwrap_or("").into(),
                    create_at: p["create_at"].as_i64().unwrap_or(0),
                    index: i as i32,
                    total,
                    content,
                });
            }
            ids.push(id);
        }
        let vectors = embed(chunks.iter().map(|c| c.content.clone()).collect()).await?;
        let rows: Vec<(Chunk, Vec<f32>)> = chunks.into_iter().zip(vectors).collect();
        store
            .replace_posts(&ids, &rows)
            .await
            .map_err(|e| e.to_string())?;
    }
    store.build_vector_index().await.map_err(|e| e.to_string())?;
    eprintln!("  embedded and indexed in {:.1} s", t.elapsed().as_secs_f64());
    // Per category: (queries, recall sum, reciprocal rank sum) for vector and hybrid.
    let mut scores: HashMap<String, [f64; 5]> = HashMap::new();
    let texts: Vec<String> = queries
        .iter()
        .map(|q| q["query"].as_str().unwrap_or("").to_owned())
        .collect();
    let mut vectors = Vec::new();
    for page in texts.chunks(64) {
        vectors.extend(embed(page.to_vec()).await?);
    }
    for (q, v) in queries.iter().zip(&vectors) {
        let relevant: HashSet<String> = q["relevant"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if relevant.is_empty() {
            continue;
        }
        let top = |hits: Vec<mattermost_ai::search::store::Hit>| {
            let mut seen = Vec::new();
            for h in hits {
                if !seen.contains(&h.chunk.post_id) {
                    seen.push(h.chunk.post_id);
                }
                if seen.len() == 10 {
                    break;
                }
            }
            seen
        };
        let vector = top(store
            .nearest(v, &Filter::default(), 50, 0)
            .await
            .map_err(|e| e.to_string())?);
        let terms = text_query(q["query"].as_str().unwrap_or(""));
        let hybrid = top(store
            .hybrid(v, &terms, &Filter::default(), 50, 50, 0)
            .await
            .map_err(|e| e.to_string())?);
        let measure = |list: &[String]| {
            let hit = list.iter().filter(|id| relevant.contains(*id)).count() as f64 / relevant.len() as f64;
            let rr = list
                .iter()
                .position(|id| relevant.contains(id))
                .map_or(0.0, |i| 1.0 / (i + 1) as f64);
            (hit, rr)
        };
        let (vr, vm) = measure(&vector);
        let (hr, hm) = measure(&hybrid);
        for key in [
            "all".to_owned(),
            q["category"].as_str().unwrap_or("other").to_owned(),
        ] {
            let e = scores.entry(key).or_default();
            e[0] += 1.0;
            e[1] += vr;
            e[2] += vm;
            e[3] += hr;
            e[4] += hm;
        }
    }
    let mut keys: Vec<String> = scores.keys().cloned().collect();
    keys.sort_by_key(|k| (k != "all", k.clone()));
    for k in keys {
        let e = scores[&k];
        let n = e[0].max(1.0);
        table.row(
            format!("Quality, {k} ({} queries): recall@10 / MRR", e[0]),
            format!(
                "vector {:.3} / {:.3}; hybrid {:.3} / {:.3}",
                e[1] / n,
                e[2] / n,
                e[3] / n,
                e[4] / n
            ),
            if k == "all" {
                "hybrid on by default if it wins"
            } else {
                ""
            },
        );
    }
    let _ = a;
    Ok(())
}

fn read_jsonl(path: &str) -> Result<Vec<Value>, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("{path}: {e}"))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{path}: {e}")))
        .collect()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut table = Table::default();
    let run = async {
        if a.posts > 0 {
            through_the_plugin(&a, &mut table).await?;
        }
        for size in a.chunks.clone() {
            on_the_store(&a, size, &mut table).await?;
        }
        if let (Some(dir), Some(py)) = (&a.quality, &a.embed_python) {
            quality(&a, dir, py, &mut table).await?;
        }
        Ok::<_, String>(())
    };
    let result = run.await;
    table.print(&format!(
        "Search at scale ({} dimensions, 2-core machine; embedding latency {} ms, {} requests at once)",
        a.dims, a.latency_ms, a.concurrency
    ));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("search-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

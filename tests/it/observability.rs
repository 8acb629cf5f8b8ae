//! Operators' view: the Prometheus metrics after a scripted conversation, and the token-usage
//! log with the admin guide's own `jq` conversions, rotation with gzip, and concurrent writers.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mattermost_ai::usage::log::TokenLog;
use mattermost_ai::usage::{UsageObserver, UsageRecord};
use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::License;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

both_transports!(
    metrics_and_token_log_follow_a_conversation,
    the_llm_trace_logs_the_rendered_request
);

fn scratch(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let d = std::env::temp_dir().join(format!("mmai-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn answer(text: &str) -> Script {
    Script::chat_completion(&[text], 0, Some((30, 5)))
}

/// The value of one sample line, e.g. `name{a="b"}`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

async fn metrics_and_token_log_follow_a_conversation(t: Transport) {
    let dir = scratch("obs");
    let log = dir.join("logs/agents/token_usage.log");
    let fake = FakeProvider::start(vec![answer("Sure.")]).await.unwrap();
    let sim = Simulator::builder(BIN)
        .transport(t)
        .env("MMAI_TOKEN_USAGE_LOG", log.to_str().unwrap())
        .env("MM_CLOUD_INSTALLATION_ID", "inst-7")
        .license(License {
            id: "lic".into(),
            sku_short_name: "enterprise".into(),
            ..Default::default()
        })
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({"enableTokenUsageLogging": true}),
        ))
        .start()
        .await
        .unwrap();
    let bot = sim.bot_user_id("ai").expect("the agent's bot exists");
    let (alice, token) = sim.add_user("alice", "system_user");
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let team = sim.add_team("t");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &alice.id);
    let dm = sim.direct_channel(&alice.id, &bot);

    // A DM answer (plus its title) and a channel answer: three model calls.
    sim.post_as(&alice.id, &dm.id, "Hello", "").await.unwrap();
    sim.post_as(&alice.id, &town.id, "@ai hi", "").await.unwrap();
    assert!(
        sim.wait_until(Duration::from_secs(10), |d| d
            .ws_events
            .iter()
            .filter(|e| e.payload.get("control") == Some(&json!("end")))
            .count()
            >= 2)
            .await
    );
    let http = reqwest::Client::new();
    let threads = http
        .get(sim.plugin_url("/ai_threads"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(threads.status(), 200);
    let missing = http
        .get(sim.plugin_url("/no/such/route"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Wait for the title call to be counted.
    let scrape = || {
        let (http, url, admin) = (http.clone(), sim.plugin_url("/metrics"), admin.clone());
        async move {
            http.get(url)
                .bearer_auth(admin)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let mut text = String::new();
    for _ in 0..100 {
        text = scrape().await;
        if sample(
            &text,
            "agents_llm_requests_total{llm_name=\"ai\",provider=\"openai\"}",
        ) == Some(3.0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        sample(
            &text,
            "agents_llm_requests_total{llm_name=\"ai\",provider=\"openai\"}"
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "agents_llm_input_tokens_total{bot_name=\"ai\",team_id=\"dm\"}"
        ),
        Some(60.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "agents_llm_output_tokens_total{bot_name=\"ai\",team_id=\"dm\"}"
        ),
        Some(10.0)
    );
    let team_series = format!(
        "agents_llm_input_tokens_total{{bot_name=\"ai\",team_id=\"{}\"}}",
        team.id
    );
    assert_eq!(sample(&text, &team_series), Some(30.0), "{text}");
    assert!(
        text.contains("agents_system_plugin_info{installationId=\"inst-7\","),
        "{text}"
    );
    assert!(text.contains("agents_system_plugin_start_timestamp_seconds"));
    assert!(text.contains("agents_process_resident_memory_bytes"), "{text}");
    assert_eq!(
        sample(
            &text,
            "agents_api_time_seconds_count{handler=\"/ai_threads\",method=\"GET\",status_code=\"200\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "agents_api_time_seconds_count{handler=\"not_found\",method=\"GET\",status_code=\"404\"}"
        ),
        Some(1.0)
    );
    let requests = sample(&text, "agents_http_requests_total").unwrap();
    let errors = sample(&text, "agents_http_errors_total").unwrap();
    assert!(requests >= 2.0 && errors == 1.0, "{requests} {errors}");

    // The token log: one line per call, and the guide's jq conversions work as written.
    let lines = std::fs::read_to_string(&log).unwrap();
    let rows: Vec<Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 3, "{lines}");
    assert!(
        rows.iter()
            .all(|r| r["user_id"] == alice.id.as_str() && r["bot_username"] == "ai")
    );
    assert!(rows.iter().any(|r| r["team_id"] == team.id.as_str()));
    assert_eq!(rows.iter().filter(|r| r["team_id"] == "dm").count(), 2);
    assert!(
        rows.iter()
            .all(|r| r["total_tokens"] == 35 && r["msg"] == "Token Usage")
    );
    let work = log.parent().unwrap().parent().unwrap().parent().unwrap();
    let jq = |script: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(work)
            .output()
            .expect("jq runs (apt install jq)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    jq("jq -s '.' logs/agents/token_usage.log > token_usage.json");
    let all: Value = serde_json::from_slice(&std::fs::read(work.join("token_usage.json")).unwrap()).unwrap();
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    jq(
        r#"echo "timestamp,user_id,team_id,bot_username,input_tokens,output_tokens,total_tokens" > token_usage.csv"#,
    );
    jq(
        "jq -r '[.timestamp, .user_id, .team_id, .bot_username, .input_tokens, .output_tokens, .total_tokens] | @csv' logs/agents/token_usage.log >> token_usage.csv",
    );
    let csv = std::fs::read_to_string(work.join("token_usage.csv")).unwrap();
    let csv: Vec<&str> = csv.lines().collect();
    assert_eq!(csv.len(), 4);
    assert_eq!(
        csv[0],
        "timestamp,user_id,team_id,bot_username,input_tokens,output_tokens,total_tokens"
    );
    let dm_row = format!("\"{}\",\"dm\",\"ai\",30,5,35", alice.id);
    assert_eq!(csv.iter().filter(|l| l.contains(&dm_row)).count(), 2, "{csv:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn the_llm_trace_logs_the_rendered_request(t: Transport) {
    let fake = FakeProvider::start(vec![answer("Sure.")]).await.unwrap();
    let sim = Simulator::builder(BIN)
        .transport(t)
        .plugin_config(one_agent_config(
            &fake.url,
            json!({"apiKey": "sk-very-secret"}),
            json!({}),
            json!({"enableLLMTrace": true}),
        ))
        .start()
        .await
        .unwrap();
    let bot = sim.bot_user_id("ai").expect("the agent's bot exists");
    let (alice, _) = sim.add_user("alice", "system_user");
    let dm = sim.direct_channel(&alice.id, &bot);
    sim.post_as(&alice.id, &dm.id, "Trace me", "").await.unwrap();
    let mut trace = None;
    for _ in 0..100 {
        trace = sim.stderr_lines().into_iter().find(|l| l.contains("LLM call"));
        if trace.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let trace = trace.expect("an LLM call trace line");
    let v: Value = serde_json::from_str(&trace).unwrap();
    assert_eq!(v["@level"], "info");
    assert!(
        v["request"].as_str().unwrap().contains("@alice: Trace me"),
        "{trace}"
    );
    assert!(sim.stderr_lines().iter().all(|l| !l.contains("sk-very-secret")));
}

fn record(i: usize) -> UsageRecord {
    UsageRecord {
        user_id: format!("user{i:05}"),
        team_id: "team".into(),
        bot_username: "ai".into(),
        input_tokens: i as u64,
        output_tokens: 1,
        ..Default::default()
    }
}

/// Every line of the live log and of its compressed rotations.
fn all_lines(dir: &Path) -> (Vec<String>, usize) {
    let mut lines = Vec::new();
    let mut gz = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        // Files come and go while the writer rotates; the caller retries until it settles.
        let text = if name.ends_with(".log.gz") {
            let Ok(f) = std::fs::File::open(&p) else { continue };
            gz += 1;
            let mut s = String::new();
            flate2::read::GzDecoder::new(f)
                .read_to_string(&mut s)
                .expect("a valid gzip");
            s
        } else if name.ends_with(".log") {
            let Ok(s) = std::fs::read_to_string(&p) else {
                continue;
            };
            s
        } else {
            continue;
        };
        lines.extend(text.lines().map(str::to_owned));
    }
    (lines, gz)
}

#[test]
fn rotation_compresses_and_concurrent_writers_lose_nothing() {
    let dir = scratch("rot");
    let log = std::sync::Arc::new(TokenLog::new(dir.join("token_usage.log"), 4096, usize::MAX));
    log.set_enabled(true);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let log = log.clone();
            std::thread::spawn(move || {
                for i in 0..250 {
                    log.observe(&record(w * 1000 + i));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let (lines, gz) = loop {
        let (lines, gz) = all_lines(&dir);
        let leftover = std::fs::read_dir(&dir).unwrap().flatten().any(|e| {
            e.file_name().to_string_lossy().ends_with(".tmp") || {
                let n = e.file_name().to_string_lossy().into_owned();
                n.ends_with(".log") && n != "token_usage.log"
            }
        });
        if (lines.len() == 2000 && !leftover) || std::time::Instant::now() > deadline {
            break (lines, gz);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(lines.len(), 2000, "no line lost across rotations");
    assert!(gz >= 10, "rotated files are compressed ({gz})");
    let mut users: Vec<String> = lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("no torn line");
            v["user_id"].as_str().unwrap().to_owned()
        })
        .collect();
    users.sort();
    users.dedup();
    assert_eq!(users.len(), 2000);
    let live = std::fs::metadata(dir.join("token_usage.log")).unwrap().len();
    assert!(live <= 4096);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn only_the_newest_rotations_are_kept() {
    let dir = scratch("prune");
    let log = TokenLog::new(dir.join("token_usage.log"), 1024, 3);
    log.set_enabled(true);
    for i in 0..400 {
        log.observe(&record(i));
        if i % 40 == 39 {
            // Rotations at different milliseconds, as they are in real life.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let gz = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log.gz"))
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let settled = loop {
        let busy = std::fs::read_dir(&dir).unwrap().flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.ends_with(".tmp") || (n.ends_with(".log") && n != "token_usage.log")
        });
        if (!busy && gz(&dir) == 3) || std::time::Instant::now() > deadline {
            break gz(&dir);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(settled, 3, "older rotations are deleted");
    // The newest lines are among what is kept.
    let (lines, _) = all_lines(&dir);
    assert!(
        lines.iter().any(|l| l.contains("user00399")),
        "{:?}",
        lines.last()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_does_not_crash_and_disabled_logging_writes_nothing() {
    // /dev/full accepts the open and refuses every write with ENOSPC.
    let full = TokenLog::new(PathBuf::from("/dev/full"), 1 << 20, 3);
    full.set_enabled(true);
    for i in 0..100 {
        full.observe(&record(i));
    }
    std::thread::sleep(Duration::from_millis(200));

    let dir = scratch("off");
    let off = TokenLog::new(dir.join("token_usage.log"), 1 << 20, 3);
    off.observe(&record(1));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!dir.join("token_usage.log").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

//! `make bench`: many users chatting with an agent at once, against a fake provider that
//! streams at a fixed rate. Prints the plugin's CPU time per streamed token, the worst gap
//! between two websocket updates of one answer, and the server API calls per answer.
//!
//! usage: conversation-bench <plugin> [--conversations N] [--tokens T] [--interval-ms MS] [--grpc]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use serde_json::json;

struct Args {
    plugin: String,
    conversations: usize,
    tokens: usize,
    interval_ms: u64,
    transport: Transport,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        plugin: String::new(),
        conversations: 100,
        tokens: 200,
        interval_ms: 20,
        transport: Transport::NetRpc,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut num = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match x.as_str() {
            "--conversations" => a.conversations = num("--conversations")? as usize,
            "--tokens" => a.tokens = num("--tokens")? as usize,
            "--interval-ms" => a.interval_ms = num("--interval-ms")?,
            "--grpc" => a.transport = Transport::Grpc,
            p if a.plugin.is_empty() => a.plugin = p.to_owned(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if a.plugin.is_empty() {
        return Err(
            "usage: conversation-bench <plugin> [--conversations N] [--tokens T] [--interval-ms MS] [--grpc]"
                .into(),
        );
    }
    Ok(a)
}

/// The process's user+system CPU time.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    let hz = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(100);
    Some(Duration::from_secs_f64(ticks as f64 / hz as f64))
}

fn script(tokens: usize, interval: u64) -> Script {
    let parts: Vec<String> = (0..tokens).map(|i| format!("tok{i} ")).collect();
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    Script::chat_completion(&refs, interval, None)
}

async fn run(a: Args) -> Result<(), String> {
    let fake = FakeProvider::start(vec![script(a.tokens, a.interval_ms)])
        .await
        .map_err(|e| e.to_string())?;
    let config = one_agent_config(&fake.url, json!({}), json!({}), json!({}));
    let sim = Simulator::builder(&a.plugin)
        .transport(a.transport)
        .plugin_config(config)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let bot = sim.bot_user_id("ai").ok_or("the agent's bot was not created")?;
    let mut users = Vec::new();
    for i in 0..a.conversations {
        let (u, _) = sim.add_user(&format!("user{i}"), "system_user");
        let dm = sim.direct_channel(&u.id, &bot);
        users.push((u.id, dm.id));
    }
    let pid = sim.conn.pid().ok_or("no plugin process")?;
    let cpu0 = cpu_time(pid).ok_or("cannot read the plugin's CPU time")?;
    let calls0 = sim.calls().len();
    let start = Instant::now();
    let sim = std::sync::Arc::new(sim);
    let mut tasks = Vec::new();
    for (user, dm) in users {
        let sim = sim.clone();
        tasks.push(tokio::spawn(async move {
            sim.post_as(&user, &dm, "Tell me a long story", "").await
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    }
    let event = "custom_mattermost-ai_postupdate";
    let done = sim
        .wait_until(Duration::from_secs(300), |d| {
            d.ws_events
                .iter()
                .filter(|e| {
                    e.event == event && e.payload.get("control").and_then(|c| c.as_str()) == Some("end")
                })
                .count()
                >= a.conversations
        })
        .await;
    let elapsed = start.elapsed();
    if !done {
        return Err("not every answer finished within 300 s".into());
    }
    // Titles follow each answer; let them land before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu = cpu_time(pid).ok_or("cannot read the plugin's CPU time")? - cpu0;
    let calls = sim.calls();
    let calls = &calls[calls0..];
    let mut by_method: HashMap<&str, usize> = HashMap::new();
    for c in calls {
        *by_method.entry(c.method.as_str()).or_default() += 1;
    }
    let mut by_method: Vec<_> = by_method.into_iter().collect();
    by_method.sort_by_key(|(_, n)| std::cmp::Reverse(*n));

    // Worst gap between consecutive updates of one answer, from its start to its end.
    let d = sim.data();
    let mut per_post: HashMap<String, Vec<Instant>> = HashMap::new();
    for e in d.ws_events.iter().filter(|e| e.event == event) {
        if let Some(id) = e.payload.get("post_id").and_then(|v| v.as_str()) {
            per_post.entry(id.to_owned()).or_default().push(e.at);
        }
    }
    let mut gaps: Vec<Duration> = per_post
        .values()
        .map(|ts| ts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or_default())
        .collect();
    gaps.sort();
    let updates: usize = per_post.values().map(Vec::len).sum();
    drop(d);
    let tokens = (a.conversations * a.tokens) as f64;
    let n = a.conversations as f64;
    println!(
        "conversation bench ({:?}): {} conversations x {} tokens every {} ms, {:.1} s wall",
        a.transport,
        a.conversations,
        a.tokens,
        a.interval_ms,
        elapsed.as_secs_f64()
    );
    println!(
        "  plugin CPU: {:.3} s total, {:.1} us per token",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() * 1e6 / tokens
    );
    println!(
        "  websocket updates per answer: {:.1}; worst gap between updates: median {:.0} ms, max {:.0} ms",
        updates as f64 / n,
        gaps.get(gaps.len() / 2)
            .map(|g| g.as_secs_f64() * 1e3)
            .unwrap_or(0.0),
        gaps.last().map(|g| g.as_secs_f64() * 1e3).unwrap_or(0.0)
    );
    println!("  server API calls per answer: {:.1}", calls.len() as f64 / n);
    for (m, c) in by_method.iter().take(8) {
        println!("    {m}: {:.1}", *c as f64 / n);
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(a).await {
        eprintln!("conversation-bench: {e}");
        std::process::exit(1);
    }
}

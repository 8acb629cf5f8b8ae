//! `make bench`: transport figures for our plugin next to a Go net/rpc plugin built from
//! Debian's go-plugin, both driven by the same simulated server over the same protocol.
//!
//! usage: transport-bench <rust-plugin> [<go-plugin>] [--rounds N]

use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::HttpBody;
use plugin_runtime::host::model::HookContext;

const SMALL_ROUNDS: usize = 2000;
const BIG: usize = 10 * 1024 * 1024;
const STARTS: usize = 5;

struct Figures {
    handshake_ms: f64,
    rss_kib: Option<u64>,
    /// Of that, private memory (heap, stacks): what the program allocates, apart from the
    /// pages of its executable and libraries the kernel maps in.
    anon_kib: Option<u64>,
    p50_us: f64,
    p99_us: f64,
    echo_mb_s: f64,
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// `BENCH_SMAPS=1`: where the resident memory is, by mapping (largest first).
fn print_smaps(binary: &str, pid: u32) {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return;
    };
    let mut by: std::collections::BTreeMap<String, u64> = Default::default();
    let mut name = String::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let Some(kib) = line.strip_prefix("Rss:") {
            let kib: u64 = kib.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
            *by.entry(name.clone()).or_default() += kib;
        } else if fields.len() >= 5 && fields[0].contains('-') && fields[1].len() == 4 {
            // A mapping's header: `start-end perms offset dev inode [path]`.
            name = format!("{} {}", fields[1], fields.get(5).unwrap_or(&"[anon]"));
        }
    }
    let mut list: Vec<_> = by.into_iter().collect();
    list.sort_by_key(|(_, kib)| std::cmp::Reverse(*kib));
    eprintln!("{binary}:");
    for (n, k) in list.iter().take(12) {
        eprintln!("  {k:>6} KiB  {n}");
    }
}

fn request(method: &str, path: &str, user_id: &str, body: Vec<u8>) -> plugin_runtime::host::HttpRequest {
    http::Request::builder()
        .method(method)
        .uri(path)
        .header("Mattermost-User-Id", user_id)
        .body(HttpBody::from(body))
        .unwrap_or_default()
}

async fn measure(binary: &str, transport: Transport, rounds: usize) -> Result<Figures, String> {
    let mut handshakes = Vec::new();
    for _ in 0..STARTS {
        let sim = Simulator::builder(binary)
            .transport(transport)
            .start()
            .await
            .map_err(|e| e.to_string())?;
        handshakes.push(sim.handshake_time.as_secs_f64() * 1000.0);
        sim.shutdown().await.map_err(|e| e.to_string())?;
    }
    handshakes.sort_by(f64::total_cmp);

    let sim = Simulator::builder(binary)
        .transport(transport)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss = sim.conn.pid().and_then(|p| status_kib(p, "VmRSS:"));
    let anon = sim.conn.pid().and_then(|p| status_kib(p, "RssAnon:"));
    if std::env::var_os("BENCH_SMAPS").is_some()
        && let Some(pid) = sim.conn.pid()
    {
        print_smaps(binary, pid);
    }
    // `/echo` answers system admins only.
    let (admin, _) = sim.add_user("bench", "system_user system_admin");

    let mut lat = Vec::with_capacity(rounds);
    for i in 0..rounds + 100 {
        let t = Instant::now();
        let r = sim
            .conn
            .serve_http(
                HookContext::default(),
                request("GET", "/version", &admin.id, Vec::new()),
            )
            .await
            .map_err(|e| e.to_string())?;
        let body = r
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if body.is_empty() {
            return Err("empty /version".into());
        }
        if i >= 100 {
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    lat.sort_by(f64::total_cmp);

    let payload: Vec<u8> = (0..BIG).map(|i| (i % 251) as u8).collect();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let r = sim
            .conn
            .serve_http(
                HookContext::default(),
                request("POST", "/echo", &admin.id, payload.clone()),
            )
            .await
            .map_err(|e| e.to_string())?;
        let body = r
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let secs = t.elapsed().as_secs_f64();
        if body.len() != BIG {
            return Err(format!("echo returned {} bytes", body.len()));
        }
        best = best.min(secs);
    }
    sim.shutdown().await.map_err(|e| e.to_string())?;
    Ok(Figures {
        handshake_ms: handshakes[handshakes.len() / 2],
        rss_kib: rss,
        anon_kib: anon,
        p50_us: lat[lat.len() / 2],
        p99_us: lat[(lat.len() * 99 / 100).min(lat.len() - 1)],
        echo_mb_s: BIG as f64 / 1e6 / best,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = SMALL_ROUNDS;
    let mut bins = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--rounds" {
            rounds = it.next().and_then(|v| v.parse().ok()).unwrap_or(SMALL_ROUNDS);
        } else {
            bins.push(a.clone());
        }
    }
    if bins.is_empty() {
        eprintln!("usage: transport-bench <rust-plugin> [<go-plugin>] [--rounds N]");
        return std::process::ExitCode::from(2);
    }
    let mut runs = vec![
        ("rust, net/rpc", bins[0].clone(), Transport::NetRpc),
        ("rust, gRPC", bins[0].clone(), Transport::Grpc),
    ];
    if let Some(go) = bins.get(1) {
        runs.push(("go (Debian go-plugin), net/rpc", go.clone(), Transport::NetRpc));
    }
    let mut results = Vec::new();
    for (name, bin, transport) in runs {
        match measure(&bin, transport, rounds).await {
            Ok(f) => results.push((name, f)),
            Err(e) => {
                eprintln!("{name} ({bin}): {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    println!(
        "transport benchmark: simulator host over each transport, {rounds} small requests, 10 MiB echo (best of 3)"
    );
    println!(
        "{:<32} {:>14} {:>12} {:>10} {:>14} {:>14} {:>16}",
        "plugin", "handshake ms", "RSS MiB", "anon MiB", "GET p50 µs", "GET p99 µs", "echo 10MiB MB/s"
    );
    for (name, f) in &results {
        println!(
            "{:<32} {:>14.1} {:>12} {:>10} {:>14.0} {:>14.0} {:>16.1}",
            name,
            f.handshake_ms,
            f.rss_kib
                .map(|k| format!("{:.1}", k as f64 / 1024.0))
                .unwrap_or_else(|| "n/a".into()),
            f.anon_kib
                .map(|k| format!("{:.1}", k as f64 / 1024.0))
                .unwrap_or_else(|| "n/a".into()),
            f.p50_us,
            f.p99_us,
            f.echo_mb_s
        );
    }
    if let [(_, r), _, (_, g)] = results.as_slice() {
        println!(
            "ratio rust net/rpc / go net/rpc: handshake {:.2}x, RSS {}, p50 {:.2}x, p99 {:.2}x, echo throughput {:.2}x",
            r.handshake_ms / g.handshake_ms,
            match (r.rss_kib, g.rss_kib) {
                (Some(a), Some(b)) => format!("{:.2}x", a as f64 / b as f64),
                _ => "n/a".into(),
            },
            r.p50_us / g.p50_us,
            r.p99_us / g.p99_us,
            r.echo_mb_s / g.echo_mb_s
        );
    }
    println!(
        "(echo: the plugin pulls the request body and writes the response concurrently, so the figure covers both directions)"
    );
    std::process::ExitCode::SUCCESS
}

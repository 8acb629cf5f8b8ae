//! The token-usage log (`enableTokenUsageLogging`): one JSON object per line in
//! `logs/agents/token_usage.log` under the server's working directory, rotated at 100 MB with
//! the rotated file gzip-compressed and only the newest rotations kept (20 by default,
//! `MMAI_TOKEN_USAGE_LOG_MAX_FILES`), so the log's disk use is bounded. A dedicated thread writes, so a slow or full disk never
//! holds up a conversation; lines are whole or absent, never torn, and none is dropped at
//! rotation. A write failure is reported once, and the lines wait for the disk to recover.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use serde_json::json;

use super::{UsageObserver, UsageRecord};

pub const DEFAULT_PATH: &str = "logs/agents/token_usage.log";
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;
/// Compressed rotations kept; older ones are deleted.
pub const DEFAULT_MAX_FILES: usize = 20;
/// Lines kept while the disk refuses writes; beyond this the oldest are dropped (and counted).
const MAX_PENDING: usize = 100_000;

pub struct TokenLog {
    /// The writer thread's queue; the thread starts when logging is first turned on.
    tx: std::sync::OnceLock<mpsc::Sender<String>>,
    enabled: AtomicBool,
    path: PathBuf,
    max_bytes: u64,
    keep_files: usize,
}

impl TokenLog {
    /// The log at `MMAI_TOKEN_USAGE_LOG` / `MMAI_TOKEN_USAGE_LOG_MAX_BYTES` /
    /// `MMAI_TOKEN_USAGE_LOG_MAX_FILES`, else the defaults.
    pub fn from_env() -> Self {
        let path = std::env::var_os("MMAI_TOKEN_USAGE_LOG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH));
        let max = std::env::var("MMAI_TOKEN_USAGE_LOG_MAX_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0)
            .unwrap_or(DEFAULT_MAX_BYTES);
        let keep = std::env::var("MMAI_TOKEN_USAGE_LOG_MAX_FILES")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|v| *v > 0)
            .unwrap_or(DEFAULT_MAX_FILES);
        Self::new(path, max, keep)
    }

    /// A log at `path` rotated at `max_bytes`, keeping the newest `keep_files` rotations.
    pub fn new(path: PathBuf, max_bytes: u64, keep_files: usize) -> Self {
        TokenLog {
            tx: std::sync::OnceLock::new(),
            enabled: AtomicBool::new(false),
            path,
            max_bytes,
            keep_files,
        }
    }

    /// The writer's queue, starting the writer thread the first time.
    fn writer(&self) -> &mpsc::Sender<String> {
        self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<String>();
            let (path, max_bytes, keep_files) = (self.path.clone(), self.max_bytes, self.keep_files);
            let spawned = std::thread::Builder::new()
                .name("token-usage-log".into())
                .spawn(move || Writer::new(path, max_bytes, keep_files).run(rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start the token usage log writer");
            }
            tx
        })
    }

    pub fn set_enabled(&self, on: bool) {
        if on {
            self.writer();
        }
        let was = self.enabled.swap(on, Ordering::SeqCst);
        if on && !was {
            tracing::info!(path = %self.path.display(), "token usage logging is on");
        }
    }

    pub fn line(r: &UsageRecord) -> String {
        let ts = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        json!({
            "timestamp": ts,
            "level": "info",
            "msg": "Token Usage",
            "user_id": r.user_id,
            "team_id": r.team_id,
            "bot_username": r.bot_username,
            "operation": r.operation,
            "operation_subtype": r.operation_subtype,
            "input_tokens": r.input_tokens,
            "output_tokens": r.output_tokens,
            "total_tokens": r.total_tokens(),
        })
        .to_string()
    }
}

impl UsageObserver for TokenLog {
    fn observe(&self, r: &UsageRecord) {
        if !self.enabled.load(Ordering::SeqCst) {
            return;
        }
        // The writer thread only stops with the process.
        let _ = self.writer().send(Self::line(r));
    }
}

struct Writer {
    path: PathBuf,
    max_bytes: u64,
    keep_files: usize,
    file: Option<File>,
    size: u64,
    pending: VecDeque<String>,
    failing: bool,
    dropped: u64,
}

impl Writer {
    fn new(path: PathBuf, max_bytes: u64, keep_files: usize) -> Self {
        Writer {
            path,
            max_bytes,
            keep_files,
            file: None,
            size: 0,
            pending: VecDeque::new(),
            failing: false,
            dropped: 0,
        }
    }

    fn run(mut self, rx: mpsc::Receiver<String>) {
        while let Ok(line) = rx.recv() {
            self.queue(line);
            // Take whatever else is waiting, then write it all.
            while let Ok(more) = rx.try_recv() {
                self.queue(more);
            }
            self.drain();
        }
    }

    fn queue(&mut self, line: String) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.dropped += 1;
        }
        self.pending.push_back(line);
    }

    fn open(&mut self) -> std::io::Result<()> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let f = OpenOptions::new().create(true).append(true).open(&self.path)?;
            self.size = f.metadata().map(|m| m.len()).unwrap_or(0);
            self.file = Some(f);
        }
        Ok(())
    }

    fn drain(&mut self) {
        while let Some(line) = self.pending.front() {
            // One write per line: a line is whole or absent.
            let mut buf = Vec::with_capacity(line.len() + 1);
            buf.extend_from_slice(line.as_bytes());
            buf.push(b'\n');
            match self.write(&buf) {
                Ok(()) => {
                    self.pending.pop_front();
                    if self.failing {
                        self.failing = false;
                        tracing::info!(dropped = self.dropped, "the token usage log is writable again");
                    }
                }
                Err(e) => {
                    if !self.failing {
                        self.failing = true;
                        tracing::error!(path = %self.path.display(), error = %e, "cannot write the token usage log; lines are kept until it works again");
                    }
                    // Reopen next time; the file may have been removed or the disk freed.
                    self.file = None;
                    return;
                }
            }
        }
    }

    fn write(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let bytes = buf.len() as u64;
        if self.size > 0 && self.size + bytes > self.max_bytes {
            self.rotate()?;
        }
        self.open()?;
        let f = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("log file not open"))?;
        f.write_all(buf)?;
        self.size += bytes;
        Ok(())
    }

    /// Moves the full log aside and compresses it on another thread.
    fn rotate(&mut self) -> std::io::Result<()> {
        self.file = None;
        let stamp = time::OffsetDateTime::now_utc()
            .format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]-[minute]-[second].[subsecond digits:3]"
            ))
            .unwrap_or_default();
        let rotated = rotated_name(&self.path, &stamp);
        std::fs::rename(&self.path, &rotated)?;
        self.size = 0;
        let (live, keep) = (self.path.clone(), self.keep_files);
        let spawned = std::thread::Builder::new()
            .name("token-usage-gzip".into())
            .spawn(move || {
                if let Err(e) = compress(&rotated) {
                    tracing::error!(path = %rotated.display(), error = %e, "could not compress a rotated token usage log; it stays uncompressed");
                }
                prune(&live, keep);
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start compressing a rotated token usage log");
        }
        Ok(())
    }
}

/// A free name for the log at `live` rotated at `stamp`: `<stem>-<stamp>.log`, or
/// `<stem>-<stamp>-<n>.log` when an earlier rotation in the same millisecond holds it. A name
/// is held while any stage of a rotation has it: the moved log, its compressed copy being
/// written, or the finished `.gz`. (Checking only the `.log` let a second rotation, after the
/// first was compressed, overwrite the first one's `.gz` and lose its lines.)
fn rotated_name(live: &Path, stamp: &str) -> PathBuf {
    let stem = live.file_stem().and_then(|s| s.to_str()).unwrap_or("token_usage");
    let taken = |p: &Path| {
        p.exists()
            || PathBuf::from(format!("{}.gz", p.display())).exists()
            || PathBuf::from(format!("{}.gz.tmp", p.display())).exists()
    };
    let mut rotated = live.with_file_name(format!("{stem}-{stamp}.log"));
    let mut n = 1;
    while taken(&rotated) {
        rotated = live.with_file_name(format!("{stem}-{stamp}-{n}.log"));
        n += 1;
    }
    rotated
}

/// Deletes all but the newest `keep` compressed rotations of the log at `live` (their names
/// carry the rotation time, so they sort oldest first).
fn prune(live: &Path, keep: usize) {
    let (Some(dir), Some(stem)) = (live.parent(), live.file_stem().and_then(|s| s.to_str())) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{stem}-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut rotated: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".log.gz"))
        })
        .collect();
    // `<stem>-<stamp>.log.gz`, or `<stem>-<stamp>-<n>.log.gz` for the n-th rotation in the same
    // millisecond: order by stamp, then n.
    let key = |p: &PathBuf| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let rest = name[prefix.len()..].trim_end_matches(".log.gz");
        let stamp_len = "YYYY-MM-DDTHH-MM-SS.mmm".len().min(rest.len());
        let (stamp, n) = rest.split_at(stamp_len);
        (
            stamp.to_owned(),
            n.trim_start_matches('-').parse::<u64>().unwrap_or(0),
        )
    };
    rotated.sort_by_key(key);
    let excess = rotated.len().saturating_sub(keep);
    for old in &rotated[..excess] {
        // Another pruning thread may have got there first.
        let _ = std::fs::remove_file(old);
    }
}

/// `x.log` → `x.log.gz`, written to a temporary name first so a reader never sees half a file.
fn compress(path: &Path) -> std::io::Result<()> {
    let gz = PathBuf::from(format!("{}.gz", path.display()));
    let tmp = PathBuf::from(format!("{}.gz.tmp", path.display()));
    {
        let mut input = File::open(path)?;
        let out = File::create(&tmp)?;
        let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        std::io::copy(&mut input, &mut enc)?;
        enc.finish()?.sync_all()?;
    }
    std::fs::rename(&tmp, &gz)?;
    std::fs::remove_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_never_reuses_the_name_of_a_compressed_one() {
        let dir = std::env::temp_dir().join(format!("mmai-rotname-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let live = dir.join("token_usage.log");
        let stamp = "2026-12-07T10-00-00.000";
        let first = rotated_name(&live, stamp);
        assert_eq!(first, dir.join(format!("token_usage-{stamp}.log")));
        // The first rotation was already compressed: its `.log` is gone, its `.gz` is not.
        std::fs::write(dir.join(format!("token_usage-{stamp}.log.gz")), b"x").unwrap();
        assert_eq!(
            rotated_name(&live, stamp),
            dir.join(format!("token_usage-{stamp}-1.log"))
        );
        // …or being compressed.
        std::fs::write(dir.join(format!("token_usage-{stamp}-1.log.gz.tmp")), b"x").unwrap();
        assert_eq!(
            rotated_name(&live, stamp),
            dir.join(format!("token_usage-{stamp}-2.log"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_refused_write_keeps_the_lines_and_reports_once() {
        let mut w = Writer::new(PathBuf::from("/dev/full"), 1 << 20, DEFAULT_MAX_FILES);
        for i in 0..3 {
            w.queue(format!("line {i}"));
        }
        w.drain();
        assert!(w.failing);
        assert_eq!(w.pending.len(), 3, "nothing is lost while the disk is full");
        w.drain();
        assert_eq!(w.pending.len(), 3);
    }
}

//! The reindex and catch-up jobs: the index rebuilt (or completed) from the server's Posts
//! table in the background, on one cluster node at a time, resumable from a cursor.
//!
//! The pipeline reads pages of posts in (CreateAt, Id) order, cuts them into embedding
//! requests within the provider's limits, runs a bounded number of requests at once, and
//! stores each request's chunks with one bulk insert. Results are taken in order, so the
//! saved cursor always marks a run of posts that are all stored: a cancel, a crash or a
//! restart resumes from there. Memory is bounded by one page and the requests in flight.
//!
//! A full reindex loads into a table without its HNSW index and builds the index once at the
//! end (many times faster than maintaining it row by row); live indexing keeps it up to date
//! afterwards.

use crate::answer::mark::now_ms;
use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::store::{Chunk, ServerPost};
use super::{Search, SearchError, SearchService, indexer};
use plugin_runtime::host::MattermostApi;

/// KV key of the job's status (upstream's key, so the admin console reads it).
pub const JOB_KEY: &str = "reindex_job_status";
/// KV key of the cluster lock: held (with an expiry, renewed after every batch) by the node
/// running a job. A "running" status without it was left by a crash or a restart.
pub const LOCK_KEY: &str = "reindex_job_lock";
/// KV key of the resume point (upstream's key and shape).
pub const CURSOR_KEY: &str = "indexer_cursor";
const LOCK_SECONDS: i64 = 120;
/// Posts read per page.
const PAGE: i64 = 500;
/// Inputs per embedding request, and characters: well within OpenAI's 2,048 inputs and
/// 300,000 tokens per request (and what OpenAI-compatible servers accept).
const MAX_INPUTS: usize = 256;
const MAX_CHARS: usize = 400_000;

pub mod status {
    pub const RUNNING: &str = "running";
    pub const COMPLETED: &str = "completed";
    pub const FAILED: &str = "failed";
    pub const CANCELED: &str = "canceled";
}

pub mod operation {
    pub const REINDEX: &str = "reindex";
    pub const CATCH_UP: &str = "catch_up";
}

/// Embedding requests in flight at once: `MMAI_INDEX_CONCURRENCY`, 4 by default (1–16).
fn concurrency() -> usize {
    std::env::var("MMAI_INDEX_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(4, |n| n.clamp(1, 16))
}

/// The job as the admin console shows it (upstream's field names).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct JobStatus {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    pub processed_rows: i64,
    pub total_rows: i64,
    /// `reindex` or `catch_up`.
    #[serde(default)]
    pub operation: String,
    /// A stopped job can go on from its cursor (`POST /admin/reindex {"clearIndex": false}`).
    #[serde(default)]
    pub resumable: bool,
    /// `building_index` while the vector index is being built after the load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Posts the job stored (a catch-up stores only the missing and edited ones).
    #[serde(default)]
    pub indexed_rows: i64,
    /// Milliseconds; the job's latest progress.
    #[serde(default)]
    pub last_updated_at: i64,
}

/// Where a job stopped: the last post it stored, in (CreateAt, Id) order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Cursor {
    pub last_create_at: i64,
    pub last_id: String,
}

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Everything again: from an empty table, or (`clear: false`) from the saved cursor.
    Reindex { clear: bool },
    /// Only posts missing from the index or edited since they were indexed.
    CatchUp,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("a reindex is already running")]
    Running(JobStatus),
    #[error(transparent)]
    Search(#[from] SearchError),
}

pub async fn job_status(api: &dyn MattermostApi) -> Option<JobStatus> {
    let raw = api.kv_get(JOB_KEY).await.ok()??;
    serde_json::from_slice(&raw).ok()
}

async fn save_status(api: &dyn MattermostApi, s: &JobStatus) {
    if let Ok(b) = serde_json::to_vec(s)
        && let Err(e) = api.kv_set(JOB_KEY, &b).await
    {
        tracing::warn!(error = %e, "could not save the reindex status");
    }
}

async fn saved_cursor(api: &dyn MattermostApi) -> Option<Cursor> {
    let raw = api.kv_get(CURSOR_KEY).await.ok()??;
    serde_json::from_slice(&raw).ok()
}

/// The cluster lock of one job run.
struct Lock {
    api: Arc<dyn MattermostApi>,
    token: Vec<u8>,
}

impl Lock {
    async fn take(api: Arc<dyn MattermostApi>) -> Option<Lock> {
        let token = uuid::Uuid::new_v4().to_string().into_bytes();
        match api.kv_insert_if_absent(LOCK_KEY, &token, LOCK_SECONDS).await {
            Ok(true) => Some(Lock { api, token }),
            _ => None,
        }
    }

    /// Extends the lock; false when another node holds it now (ours expired).
    async fn renew(&self) -> bool {
        let opts = plugin_runtime::host::model::KvSetOptions {
            atomic: true,
            old_value: Some(self.token.clone()),
            expire_in_seconds: LOCK_SECONDS,
        };
        self.api
            .kv_set_with_options(LOCK_KEY, Some(&self.token), &opts)
            .await
            .unwrap_or(false)
    }

    async fn release(self) {
        let _ = self.api.kv_compare_and_set(LOCK_KEY, &self.token, None).await;
    }
}

/// At activation: a job left "running" by a crash or a restart (its node's lock expired) is
/// marked failed and resumable, so the admin can go on from its cursor or start over. A job
/// another cluster node is still running keeps its lock and is left alone (checked again once
/// the lock would have expired).
pub async fn recover_interrupted_job(api: &dyn MattermostApi) {
    for attempt in 0..2 {
        let Some(mut s) = job_status(api).await else {
            return;
        };
        if s.status != status::RUNNING {
            return;
        }
        let alive = matches!(api.kv_get(LOCK_KEY).await, Ok(Some(_)));
        if !alive {
            s.status = status::FAILED.into();
            s.error = Some(
                "the reindex was interrupted (the plugin or the server restarted); resume it or start over"
                    .into(),
            );
            s.resumable = true;
            s.completed_at = Some(now_rfc3339());
            save_status(api, &s).await;
            tracing::warn!("a reindex interrupted by a restart was marked failed (resumable)");
            return;
        }
        if attempt == 0 {
            tokio::time::sleep(std::time::Duration::from_secs(LOCK_SECONDS as u64 + 30)).await;
        }
    }
}

/// Starts a job in the background; refused while one runs on any node.
pub async fn start(core: &Arc<SearchService>, mode: Mode) -> Result<JobStatus, JobError> {
    let api = core.api();
    let search = match mode {
        // A reindex is how a model or dimension change is fixed: it must run when search
        // itself refuses to.
        Mode::Reindex { .. } => core.engine.for_rebuild(core).await?,
        Mode::CatchUp => core.engine.get(core).await?,
    };
    let Some(lock) = Lock::take(api.clone()).await else {
        let running = job_status(api.as_ref()).await.unwrap_or_default();
        return Err(JobError::Running(running));
    };
    let previous = job_status(api.as_ref()).await;
    let mut from = Cursor::default();
    let mut status = JobStatus {
        status: status::RUNNING.into(),
        started_at: now_rfc3339(),
        operation: match mode {
            Mode::CatchUp => operation::CATCH_UP.into(),
            Mode::Reindex { .. } => operation::REINDEX.into(),
        },
        last_updated_at: now_ms(),
        ..Default::default()
    };
    let prepared = async {
        match mode {
            Mode::Reindex { clear: true } => {
                let _ = api.kv_delete(CURSOR_KEY).await;
                search.store.reset_for_load().await?;
                core.engine.adopt(core, &search).await;
            }
            Mode::Reindex { clear: false } => {
                if let Some(c) = saved_cursor(api.as_ref()).await {
                    from = c;
                    if let Some(p) = previous.as_ref().filter(|p| p.operation != operation::CATCH_UP) {
                        status.processed_rows = p.processed_rows;
                        status.indexed_rows = p.indexed_rows;
                    }
                }
                search.store.ensure_schema().await?;
                core.engine.adopt(core, &search).await;
            }
            Mode::CatchUp => {}
        }
        status.total_rows = search.store.server_post_estimate().await.unwrap_or(0);
        Ok::<_, SearchError>(())
    };
    if let Err(e) = prepared.await {
        lock.release().await;
        return Err(e.into());
    }
    save_status(api.as_ref(), &status).await;
    let core = core.clone();
    let first = status.clone();
    tokio::spawn(async move {
        let mut status = first;
        let result = run(&core, &search, &lock, mode, from, &mut status).await;
        // A cancel from the admin wins over our own ending.
        let canceled = job_status(core.api().as_ref())
            .await
            .is_some_and(|s| s.status == status::CANCELED);
        if !canceled {
            status.completed_at = Some(now_rfc3339());
            status.phase = None;
            status.last_updated_at = now_ms();
            match result {
                Ok(()) => {
                    status.status = status::COMPLETED.into();
                    status.resumable = false;
                    let _ = core.api().kv_delete(CURSOR_KEY).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, operation = %status.operation, "reindex failed");
                    status.status = status::FAILED.into();
                    status.error = Some(e.for_user());
                    status.resumable = status.operation == operation::REINDEX;
                }
            }
            save_status(core.api().as_ref(), &status).await;
        }
        lock.release().await;
    });
    Ok(status)
}

/// One embedding request's worth of chunks, and where the cursor stands once it is stored
/// (set on the last request of a page).
struct Batch {
    posts: Vec<String>,
    chunks: Vec<Chunk>,
    scanned: i64,
    page_end: Option<Cursor>,
}

async fn run(
    core: &Arc<SearchService>,
    search: &Arc<Search>,
    lock: &Lock,
    mode: Mode,
    from: Cursor,
    status: &mut JobStatus,
) -> Result<(), SearchError> {
    let api = core.api();
    let width = concurrency();
    let (tx, rx) = mpsc::channel::<Result<Batch, SearchError>>(width);
    let reader = tokio::spawn(read_pages(core.clone(), search.clone(), mode, from, tx));
    let mut results = tokio_stream::wrappers::ReceiverStream::new(rx)
        .map(|batch| {
            let search = search.clone();
            async move {
                let batch = batch?;
                store_batch(&search, &batch).await?;
                Ok::<_, SearchError>(batch)
            }
        })
        .buffered(width);
    while let Some(done) = results.next().await {
        let batch = match done {
            Ok(b) => b,
            Err(e) => {
                reader.abort();
                return Err(e);
            }
        };
        status.indexed_rows += batch.posts.len() as i64;
        status.processed_rows += batch.scanned;
        if let Some(cursor) = batch.page_end {
            if let Ok(b) = serde_json::to_vec(&cursor) {
                let _ = api.kv_set(CURSOR_KEY, &b).await;
            }
            status.last_updated_at = now_ms();
            if let Some(mut canceled) = job_status(api.as_ref())
                .await
                .filter(|s| s.status == status::CANCELED)
            {
                // The admin's cancel stands, with the progress up to the saved cursor.
                reader.abort();
                canceled.processed_rows = status.processed_rows;
                canceled.indexed_rows = status.indexed_rows;
                save_status(api.as_ref(), &canceled).await;
                return Ok(());
            }
            if !lock.renew().await {
                reader.abort();
                return Err(SearchError::Unavailable(
                    "another node took over the reindex (this node lost its lock)".into(),
                ));
            }
            save_status(api.as_ref(), status).await;
        }
    }
    if mode == Mode::CatchUp {
        // What the server removed without telling plugins goes too.
        indexer::sweep_removed(search).await?;
    }
    if matches!(mode, Mode::Reindex { .. }) && !search.store.has_vector_index().await? {
        status.phase = Some("building_index".into());
        save_status(api.as_ref(), status).await;
        // The build can take minutes on a large index; the lock must outlive it.
        let renewing = async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(LOCK_SECONDS as u64 / 3)).await;
                lock.renew().await;
            }
        };
        tokio::select! {
            built = search.store.build_vector_index() => built?,
            _ = renewing => {}
        }
    }
    Ok(())
}

/// Reads pages from `from` and sends them on as embedding-sized batches, in order.
async fn read_pages(
    core: Arc<SearchService>,
    search: Arc<Search>,
    mode: Mode,
    from: Cursor,
    tx: mpsc::Sender<Result<Batch, SearchError>>,
) {
    let mut cursor = from;
    loop {
        let rows = match search
            .store
            .server_posts_after((cursor.last_create_at, &cursor.last_id), PAGE)
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                let _ = tx.send(Err(e.into())).await;
                return;
            }
        };
        let Some(last) = rows.last() else { return };
        let end = Cursor {
            last_create_at: last.create_at,
            last_id: last.id.clone(),
        };
        let scanned = rows.len() as i64;
        let mut keep: Vec<ServerPost> = rows
            .into_iter()
            .filter(|p| !(p.channel_type == "D" && indexer::dm_with_bot(&core, &p.channel_name)))
            .collect();
        if mode == Mode::CatchUp && !keep.is_empty() {
            let ids: Vec<String> = keep.iter().map(|p| p.id.clone()).collect();
            match search.store.missing_or_stale(&ids).await {
                Ok(wanted) => keep.retain(|p| wanted.contains(&p.id)),
                Err(e) => {
                    let _ = tx.send(Err(e.into())).await;
                    return;
                }
            }
        }
        let mut batches = batches(&search, &keep);
        match batches.last_mut() {
            Some(b) => b.page_end = Some(end.clone()),
            None => batches.push(Batch {
                posts: Vec::new(),
                chunks: Vec::new(),
                scanned: 0,
                page_end: Some(end.clone()),
            }),
        }
        if let Some(b) = batches.first_mut() {
            b.scanned = scanned;
        }
        for b in batches {
            if tx.send(Ok(b)).await.is_err() {
                return;
            }
        }
        if scanned < PAGE {
            return;
        }
        cursor = end;
    }
}

/// Posts cut into chunks and grouped into embedding requests within the provider's limits; a
/// post's chunks stay in one request, so a stored request holds whole posts.
fn batches(search: &Search, posts: &[ServerPost]) -> Vec<Batch> {
    let mut out: Vec<Batch> = Vec::new();
    let mut current = Batch {
        posts: Vec::new(),
        chunks: Vec::new(),
        scanned: 0,
        page_end: None,
    };
    let mut chars = 0;
    for p in posts {
        let chunks = indexer::chunks_of(search, p);
        let size: usize = chunks.iter().map(|c| c.content.len()).sum();
        if !current.chunks.is_empty()
            && (current.chunks.len() + chunks.len() > MAX_INPUTS || chars + size > MAX_CHARS)
        {
            out.push(std::mem::replace(
                &mut current,
                Batch {
                    posts: Vec::new(),
                    chunks: Vec::new(),
                    scanned: 0,
                    page_end: None,
                },
            ));
            chars = 0;
        }
        chars += size;
        current.posts.push(p.id.clone());
        current.chunks.extend(chunks);
    }
    if !current.posts.is_empty() {
        out.push(current);
    }
    out
}

async fn store_batch(search: &Search, batch: &Batch) -> Result<(), SearchError> {
    if batch.posts.is_empty() {
        return Ok(());
    }
    indexer::embed_and_store(search, &batch.posts, batch.chunks.clone()).await
}

/// Cancels a running job; None when there is none.
pub async fn cancel(api: &dyn MattermostApi) -> Option<Result<JobStatus, JobStatus>> {
    let mut s = job_status(api).await?;
    if s.status != status::RUNNING {
        return Some(Err(s));
    }
    s.status = status::CANCELED.into();
    s.completed_at = Some(now_rfc3339());
    s.resumable = s.operation != operation::CATCH_UP;
    save_status(api, &s).await;
    Some(Ok(s))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

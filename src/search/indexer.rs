//! Keeps the index in step with the server: posts indexed as they are written, edited and
//! deleted, and a reindex job that rebuilds everything from the server's Posts table.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SearchService;
use super::store::{Chunk, ServerPost};
use super::{Search, SearchError};
use crate::answer::props;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

/// KV key of the reindex job's status (upstream's key, so the admin console reads it).
pub const JOB_KEY: &str = "reindex_job_status";
/// KV key renewed (with an expiry) by the node running a reindex, after every batch: a
/// "running" status without it was left by a crash or a restart.
pub const JOB_HEARTBEAT_KEY: &str = "reindex_job_heartbeat";
const JOB_HEARTBEAT_SECONDS: i64 = 120;
const BATCH: i64 = 100;

/// Whether a post belongs in the index: people's own words in channels, not bot answers,
/// system or plugin posts, or conversations with bots.
fn indexable(message: &str, post_type: &str, props: Option<&serde_json::Map<String, Value>>) -> bool {
    let flag = |k: &str| {
        props
            .and_then(|p| p.get(k))
            .is_some_and(|v| v == "true" || v == &Value::Bool(true))
    };
    !message.trim().is_empty()
        && post_type.is_empty()
        && !flag(props::FROM_BOT)
        && !flag(props::FROM_WEBHOOK)
        && !flag(props::FROM_PLUGIN)
}

/// Indexes (or re-indexes) posts, in one embedding request; a post that should not be indexed
/// is removed. Channel and author lookups are shared across the batch.
pub async fn index_posts(
    core: &SearchService,
    search: &Search,
    api: &dyn MattermostApi,
    posts: &[Post],
) -> Result<(), SearchError> {
    let mut channels: HashMap<String, Option<Channel>> = HashMap::new();
    let mut bots: HashMap<String, bool> = HashMap::new();
    let mut keep = Vec::new();
    for post in posts {
        // System, plugin and bot-answer posts are never indexed: nothing to add or remove (the
        // agents' streaming saves arrive here as edits, so this stays free of database work).
        if !post.post_type.is_empty() {
            continue;
        }
        if post.delete_at != 0 || !indexable(&post.message, &post.post_type, Some(&post.props)) {
            search.store.delete_post(&post.id).await?;
            continue;
        }
        if !channels.contains_key(&post.channel_id) {
            let c = api.get_channel(&post.channel_id).await.ok();
            channels.insert(post.channel_id.clone(), c);
        }
        let Some(Some(channel)) = channels.get(&post.channel_id) else {
            continue;
        };
        if channel.is_direct() && dm_with_bot(core, &channel.name) {
            continue;
        }
        if !bots.contains_key(&post.user_id) {
            let bot = api.get_user(&post.user_id).await.is_ok_and(|u| u.is_bot);
            bots.insert(post.user_id.clone(), bot);
        }
        if bots.get(&post.user_id).copied().unwrap_or(true) {
            continue;
        }
        keep.push(ServerPost {
            id: post.id.clone(),
            create_at: post.create_at,
            user_id: post.user_id.clone(),
            channel_id: post.channel_id.clone(),
            message: post.message.clone(),
            post_type: post.post_type.clone(),
            team_id: channel.team_id.clone(),
            channel_type: channel.channel_type.clone(),
            channel_name: channel.name.clone(),
        });
    }
    if keep.is_empty() {
        return Ok(());
    }
    store_chunks(search, &keep).await
}

/// A direct channel's name is the two user ids joined by `__`.
fn dm_with_bot(core: &SearchService, channel_name: &str) -> bool {
    let snap = core.snapshot();
    channel_name
        .split("__")
        .any(|id| snap.bot_ids.values().any(|b| b == id))
}

/// Chunks, embeds (one request for the batch) and stores posts.
async fn store_chunks(search: &Search, posts: &[ServerPost]) -> Result<(), SearchError> {
    let mut pieces: Vec<(usize, Chunk)> = Vec::new();
    for (i, p) in posts.iter().enumerate() {
        let parts = search.chunking.split(&p.message);
        let total = parts.len() as i32;
        for (n, content) in parts.into_iter().enumerate() {
            pieces.push((
                i,
                Chunk {
                    post_id: p.id.clone(),
                    team_id: p.team_id.clone(),
                    channel_id: p.channel_id.clone(),
                    user_id: p.user_id.clone(),
                    create_at: p.create_at,
                    index: n as i32,
                    total,
                    content,
                },
            ));
        }
    }
    let texts: Vec<String> = pieces.iter().map(|(_, c)| c.content.clone()).collect();
    let vectors = search
        .embedder
        .embed(&texts)
        .await
        .map_err(|e| SearchError::Embedding(e.user_message()))?;
    for (i, p) in posts.iter().enumerate() {
        let mine: Vec<(Chunk, Vec<f32>)> = pieces
            .iter()
            .zip(&vectors)
            .filter(|((owner, _), _)| *owner == i)
            .map(|((_, c), v)| (c.clone(), v.clone()))
            .collect();
        search.store.replace_post(&p.id, &mine).await?;
    }
    Ok(())
}

/// For a hook: the change is queued for the live indexer; indexing failures are logged, never
/// surfaced to posting.
pub fn on_post_changed(core: &Arc<SearchService>, post: Post) {
    // Typed posts (bot answers' streaming saves among them) never enter the index: do not
    // even queue them.
    if !post.post_type.is_empty() || !search_on(core) {
        return;
    }
    core.live
        .submit(core, super::live::Change::Upsert(Box::new(post)));
}

pub fn on_post_deleted(core: &Arc<SearchService>, post_id: String) {
    if search_on(core) {
        core.live.submit(core, super::live::Change::Delete(post_id));
    }
}

/// Search is configured and licensed: otherwise nothing is queued at all.
fn search_on(core: &SearchService) -> bool {
    let snap = core.snapshot();
    snap.effective.config.embedding_search_config.enabled() && snap.entitlements.embedding_search
}

/// Posts checked per sweep statement, and the pause between pages: a sweep of a large index
/// is many small statements, never one long one.
const SWEEP_PAGE: i64 = 500;
const SWEEP_PAUSE: std::time::Duration = std::time::Duration::from_millis(50);

/// Removes from the index every post the server no longer has. Mattermost's data retention
/// deletes old posts straight from its tables, with no hook for plugins; without this, their
/// text would stay searchable (and be sent to the model) forever. Returns how many posts left.
pub async fn sweep_removed(search: &Search) -> Result<usize, SearchError> {
    let mut after = String::new();
    let mut removed = 0;
    loop {
        let ids = search.store.indexed_post_ids_after(&after, SWEEP_PAGE).await?;
        let Some(last) = ids.last().cloned() else { break };
        let gone = search.store.gone_from_server(&ids).await?;
        if !gone.is_empty() {
            search.store.delete_posts(&gone).await?;
            removed += gone.len();
        }
        if (ids.len() as i64) < SWEEP_PAGE {
            break;
        }
        after = last;
        tokio::time::sleep(SWEEP_PAUSE).await;
    }
    Ok(removed)
}

/// Sweeps every `interval` while this search service is the one in force (a configuration
/// change replaces it and ends the loop).
pub fn schedule_sweeps(search: std::sync::Weak<Search>, interval: std::time::Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let Some(search) = search.upgrade() else { return };
            match sweep_removed(&search).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    removed = n,
                    "posts the server no longer has left the search index"
                ),
                Err(e) => tracing::warn!(error = %e, "could not sweep the search index for removed posts"),
            }
        }
    });
}

/// The reindex job as the admin console shows it (upstream's field names).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobStatus {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    pub processed_rows: i64,
    pub total_rows: i64,
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
    let beat = if s.status == "running" {
        api.kv_set_with_expiry(JOB_HEARTBEAT_KEY, b"1", JOB_HEARTBEAT_SECONDS)
            .await
    } else {
        api.kv_delete(JOB_HEARTBEAT_KEY).await
    };
    if let Err(e) = beat {
        tracing::warn!(error = %e, "could not update the reindex heartbeat");
    }
}

/// At activation: a reindex left "running" by a crash or a restart is marked failed, so the
/// admin can start another. A job another cluster node is still running keeps renewing its
/// heartbeat and is left alone (checked again once the heartbeat would have expired).
pub async fn recover_interrupted_job(api: &dyn MattermostApi) {
    for attempt in 0..2 {
        let Some(mut s) = job_status(api).await else {
            return;
        };
        if s.status != "running" {
            return;
        }
        let alive = matches!(api.kv_get(JOB_HEARTBEAT_KEY).await, Ok(Some(_)));
        if !alive {
            s.status = "failed".into();
            s.error = Some(
                "the reindex was interrupted (the plugin or the server restarted); start it again".into(),
            );
            s.completed_at = Some(now_rfc3339());
            save_status(api, &s).await;
            tracing::warn!("a reindex interrupted by a restart was marked failed");
            return;
        }
        if attempt == 0 {
            tokio::time::sleep(std::time::Duration::from_secs(JOB_HEARTBEAT_SECONDS as u64 + 30)).await;
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("a reindex is already running")]
    Running(JobStatus),
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Starts a reindex: the table is rebuilt and every post of the server is indexed again in
/// the background. Refused while one runs.
pub async fn start_reindex(core: &Arc<SearchService>) -> Result<JobStatus, JobError> {
    let search = core.engine.get(core).await?;
    let api = core.api();
    if let Some(s) = job_status(api.as_ref()).await
        && s.status == "running"
    {
        return Err(JobError::Running(s));
    }
    let total = search.store.server_post_estimate().await.unwrap_or(0);
    let status = JobStatus {
        status: "running".into(),
        error: None,
        started_at: now_rfc3339(),
        completed_at: None,
        processed_rows: 0,
        total_rows: total,
    };
    save_status(api.as_ref(), &status).await;
    let core = core.clone();
    let first = status.clone();
    tokio::spawn(async move {
        let mut status = first;
        let result = reindex(&core, &search, api.as_ref(), &mut status).await;
        // A cancel from the admin wins over our own ending.
        if job_status(api.as_ref())
            .await
            .is_some_and(|s| s.status == "canceled")
        {
            return;
        }
        status.completed_at = Some(now_rfc3339());
        match result {
            Ok(()) => status.status = "completed".into(),
            Err(e) => {
                tracing::error!(error = %e, "reindex failed");
                status.status = "failed".into();
                status.error = Some(e.to_string());
            }
        }
        save_status(api.as_ref(), &status).await;
    });
    Ok(status)
}

async fn reindex(
    core: &SearchService,
    search: &Search,
    api: &dyn MattermostApi,
    status: &mut JobStatus,
) -> Result<(), SearchError> {
    search.store.reset().await?;
    let mut cursor: (i64, String) = (0, String::new());
    loop {
        let rows = search
            .store
            .server_posts_after((cursor.0, &cursor.1), BATCH)
            .await?;
        let Some(last) = rows.last() else { break };
        cursor = (last.create_at, last.id.clone());
        let keep: Vec<ServerPost> = rows
            .into_iter()
            .filter(|p| indexable(&p.message, &p.post_type, None))
            .filter(|p| !(p.channel_type == "D" && dm_with_bot(core, &p.channel_name)))
            .collect();
        let mut people = Vec::with_capacity(keep.len());
        for p in keep {
            if !api.get_user(&p.user_id).await.is_ok_and(|u| u.is_bot) {
                people.push(p);
            }
        }
        if !people.is_empty() {
            store_chunks(search, &people).await?;
        }
        status.processed_rows += people.len() as i64;
        if job_status(api).await.is_some_and(|s| s.status == "canceled") {
            return Ok(());
        }
        save_status(api, status).await;
    }
    Ok(())
}

/// Cancels a running reindex; None when there is none.
pub async fn cancel_reindex(api: &dyn MattermostApi) -> Option<Result<JobStatus, JobStatus>> {
    let mut s = job_status(api).await?;
    if s.status != "running" {
        return Some(Err(s));
    }
    s.status = "canceled".into();
    s.completed_at = Some(now_rfc3339());
    save_status(api, &s).await;
    Some(Ok(s))
}

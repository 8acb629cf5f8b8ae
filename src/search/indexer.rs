//! Keeps the index in step with the server: posts indexed as they are written, edited and
//! deleted (the rebuild from the server's Posts table is `reindex`), and posts the server
//! removed swept out.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::SearchService;
use super::store::{Chunk, ServerPost};
use super::{Search, SearchError};
use crate::answer::props;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

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
pub(super) fn dm_with_bot(core: &SearchService, channel_name: &str) -> bool {
    let snap = core.snapshot();
    channel_name
        .split("__")
        .any(|id| snap.bot_ids.values().any(|b| b == id))
}

/// A post cut into the chunks the index stores.
pub(super) fn chunks_of(search: &Search, p: &ServerPost) -> Vec<Chunk> {
    let parts = search.chunking.split(&p.message);
    let total = parts.len() as i32;
    parts
        .into_iter()
        .enumerate()
        .map(|(n, content)| Chunk {
            post_id: p.id.clone(),
            team_id: p.team_id.clone(),
            channel_id: p.channel_id.clone(),
            user_id: p.user_id.clone(),
            create_at: p.create_at,
            index: n as i32,
            total,
            content,
        })
        .collect()
}

/// Chunks, embeds (one request for the batch) and stores posts (one bulk insert).
async fn store_chunks(search: &Search, posts: &[ServerPost]) -> Result<(), SearchError> {
    let chunks: Vec<Chunk> = posts.iter().flat_map(|p| chunks_of(search, p)).collect();
    let ids: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    embed_and_store(search, &ids, chunks).await
}

/// Embeds `chunks` in one request and replaces the chunks of `post_ids` with them.
pub(super) async fn embed_and_store(
    search: &Search,
    post_ids: &[String],
    chunks: Vec<Chunk>,
) -> Result<(), SearchError> {
    let texts: Vec<String> = chunks.iter().map(|c| c.content.clone()).collect();
    let vectors = search
        .embedder
        .embed(&texts)
        .await
        .map_err(|e| SearchError::Embedding(e.user_message()))?;
    if vectors.len() != texts.len() {
        return Err(SearchError::Embedding(format!(
            "the embedding service returned {} vectors for {} texts",
            vectors.len(),
            texts.len()
        )));
    }
    let rows: Vec<(Chunk, Vec<f32>)> = chunks.into_iter().zip(vectors).collect();
    search.store.replace_posts(post_ids, &rows).await?;
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

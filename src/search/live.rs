//! Live indexing: post changes from the hooks go through a bounded queue to a few workers that
//! index them in batches (one embedding call per batch), instead of a task and an embedding
//! call per post. A busy server's burst of posts costs a bounded amount of memory and a
//! bounded number of concurrent requests; when the queue is full, changes are dropped and
//! counted (a reindex catches up).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use super::SearchService;
use super::indexer;
use plugin_runtime::host::model::Post;

/// Changes waiting per worker.
pub const QUEUE_PER_WORKER: usize = 5_000;
/// Workers; a post always goes to the same one, so its changes apply in order.
pub const WORKERS: usize = 2;
/// Posts indexed together (one embedding request).
pub const BATCH_POSTS: usize = 64;
/// How long a worker waits for more changes before indexing a partial batch.
pub const LINGER: Duration = Duration::from_millis(100);

/// A change the index must follow.
#[derive(Debug, Clone)]
pub enum Change {
    Upsert(Box<Post>),
    Delete(String),
}

impl Change {
    fn post_id(&self) -> &str {
        match self {
            Change::Upsert(p) => &p.id,
            Change::Delete(id) => id,
        }
    }
}

#[derive(Default)]
pub struct LiveIndexer {
    workers: OnceLock<Vec<mpsc::Sender<Change>>>,
    dropped: AtomicU64,
}

impl LiveIndexer {
    /// Queues a change; never waits. The workers start on first use.
    pub fn submit(&self, core: &Arc<SearchService>, change: Change) {
        let workers = self.workers.get_or_init(|| {
            (0..WORKERS)
                .map(|_| {
                    let (tx, rx) = mpsc::channel(QUEUE_PER_WORKER);
                    tokio::spawn(work(Arc::downgrade(core), rx));
                    tx
                })
                .collect()
        });
        let shard = shard(change.post_id(), workers.len());
        if workers[shard].try_send(change).is_err() {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed);
            if n.is_multiple_of(1_000) {
                tracing::warn!(
                    dropped = n + 1,
                    "the search indexing queue is full; post changes are being skipped (a reindex catches up)"
                );
            }
        }
    }

    /// Changes skipped because the queue was full, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn shard(post_id: &str, n: usize) -> usize {
    // FNV-1a: stable and cheap; any spread will do.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in post_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
    }
    (h % n.max(1) as u64) as usize
}

async fn work(core: Weak<SearchService>, mut rx: mpsc::Receiver<Change>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + LINGER;
        while batch.len() < BATCH_POSTS {
            tokio::select! {
                next = rx.recv() => match next {
                    Some(c) => batch.push(c),
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        let Some(core) = core.upgrade() else { return };
        apply(&core, batch).await;
    }
}

/// Applies a batch: the last change of each post wins; deletions go first, then the upserts
/// are indexed together.
async fn apply(core: &Arc<SearchService>, batch: Vec<Change>) {
    let Ok(search) = core.engine.get(core).await else {
        return;
    };
    let api = core.api();
    let mut last: HashMap<String, Change> = HashMap::new();
    let mut order = Vec::new();
    for c in batch {
        let id = c.post_id().to_owned();
        if last.insert(id.clone(), c).is_none() {
            order.push(id);
        }
    }
    let mut upserts = Vec::new();
    for id in order {
        match last.remove(&id) {
            Some(Change::Delete(id)) => {
                if let Err(e) = search.store.delete_post(&id).await {
                    tracing::warn!(post_id = %id, error = %e, "could not remove a deleted post from the search index");
                }
            }
            Some(Change::Upsert(p)) => upserts.push(*p),
            None => {}
        }
    }
    if let Err(e) = indexer::index_posts(core, &search, api.as_ref(), &upserts).await {
        tracing::warn!(posts = upserts.len(), error = %e, "could not index posts for search");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_always_goes_to_the_same_worker() {
        let ids = ["a", "b", "post1", "zzzzzzzzzzzzzzzzzzzzzzzzzz"];
        for id in ids {
            assert_eq!(shard(id, WORKERS), shard(id, WORKERS));
            assert!(shard(id, WORKERS) < WORKERS);
        }
    }
}

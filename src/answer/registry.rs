//! The answers streaming right now, by post id, so Stop can cancel one and deactivation can
//! finish them all cleanly.
//!
//! Regenerate starts a new stream into the same post while the old one may still be saving.
//! The old one is then *superseded*: it stops without writing the post again, and when it ends
//! it removes only its own entry (and, in `conversations`, only its own KV mark).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

struct Entry {
    id: u64,
    signal: StopSignal,
}

#[derive(Default)]
pub struct Streams {
    active: Mutex<HashMap<String, Entry>>,
    next_id: AtomicU64,
}

/// What a stream watches: `token` fires on Stop, deactivation or a newer stream; `superseded`
/// says which of those means "do not write this post any more".
#[derive(Clone, Default)]
pub struct StopSignal {
    pub token: CancellationToken,
    superseded: Arc<AtomicBool>,
}

impl StopSignal {
    /// True once a newer stream owns the post (Regenerate).
    pub fn superseded(&self) -> bool {
        self.superseded.load(Ordering::SeqCst)
    }

    /// Stops the stream for good: another stream owns the post now.
    pub fn supersede(&self) {
        self.superseded.store(true, Ordering::SeqCst);
        self.token.cancel();
    }
}

/// Removes its own entry from the registry when the stream task ends, however it ends.
pub struct Registration<'a> {
    streams: &'a Streams,
    post_id: String,
    id: u64,
    pub signal: StopSignal,
}

impl Registration<'_> {
    /// Unique among this process's streams; with the host it tells marks apart in the KV store.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.streams.active.lock()
            && m.get(&self.post_id).is_some_and(|e| e.id == self.id)
        {
            m.remove(&self.post_id);
        }
    }
}

impl Streams {
    /// Registers a stream for `post_id`, superseding one already running there (regenerate).
    pub fn register(&self, post_id: &str) -> Registration<'_> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let signal = StopSignal::default();
        if let Ok(mut m) = self.active.lock()
            && let Some(old) = m.insert(
                post_id.to_owned(),
                Entry {
                    id,
                    signal: signal.clone(),
                },
            )
        {
            old.signal.supersede();
        }
        Registration {
            streams: self,
            post_id: post_id.to_owned(),
            id,
            signal,
        }
    }

    /// Cancels the stream of `post_id`, which saves what it has; false when none runs.
    pub fn cancel(&self, post_id: &str) -> bool {
        match self.signal(post_id) {
            Some(s) => {
                s.token.cancel();
                true
            }
            None => false,
        }
    }

    /// Stops the stream of `post_id` without letting it write the post again: the post is
    /// about to be rewritten by someone else (Regenerate).
    pub fn supersede(&self, post_id: &str) {
        if let Some(s) = self.signal(post_id) {
            s.supersede();
        }
    }

    fn signal(&self, post_id: &str) -> Option<StopSignal> {
        self.active
            .lock()
            .ok()
            .and_then(|m| m.get(post_id).map(|e| e.signal.clone()))
    }

    pub fn is_active(&self, post_id: &str) -> bool {
        self.active
            .lock()
            .map(|m| m.contains_key(post_id))
            .unwrap_or(false)
    }

    pub fn len(&self) -> usize {
        self.active.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops every stream and waits up to `grace` for them to save their posts.
    pub async fn stop_all(&self, grace: Duration) {
        if let Ok(m) = self.active.lock() {
            for e in m.values() {
                e.signal.token.cancel();
            }
        }
        let deadline = tokio::time::Instant::now() + grace;
        while !self.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_superseded_stream_leaves_the_new_entry_alone() {
        let streams = Streams::default();
        let old = streams.register("p");
        let new = streams.register("p");
        assert!(old.signal.superseded() && old.signal.token.is_cancelled());
        assert!(!new.signal.superseded());
        drop(old);
        assert!(
            streams.is_active("p"),
            "the old stream removed the new one's entry"
        );
        drop(new);
        assert!(!streams.is_active("p"));
    }

    #[test]
    fn stop_cancels_without_superseding() {
        let streams = Streams::default();
        let r = streams.register("p");
        assert!(streams.cancel("p"));
        assert!(r.signal.token.is_cancelled() && !r.signal.superseded());
        streams.supersede("p");
        assert!(r.signal.superseded());
    }
}

//! The answers streaming right now, by post id, so Stop can cancel one and deactivation can
//! finish them all cleanly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct Streams {
    active: Mutex<HashMap<String, CancellationToken>>,
}

/// Removes its post from the registry when the stream task ends, however it ends.
pub struct Registration<'a> {
    streams: &'a Streams,
    post_id: String,
    pub token: CancellationToken,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.streams.active.lock() {
            m.remove(&self.post_id);
        }
    }
}

impl Streams {
    /// Registers a stream for `post_id`, cancelling one already running there (regenerate).
    pub fn register(&self, post_id: &str) -> Registration<'_> {
        let token = CancellationToken::new();
        if let Ok(mut m) = self.active.lock()
            && let Some(old) = m.insert(post_id.to_owned(), token.clone())
        {
            old.cancel();
        }
        Registration {
            streams: self,
            post_id: post_id.to_owned(),
            token,
        }
    }

    /// Cancels the stream of `post_id`; false when none runs.
    pub fn cancel(&self, post_id: &str) -> bool {
        match self.active.lock().ok().and_then(|m| m.get(post_id).cloned()) {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
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
            for t in m.values() {
                t.cancel();
            }
        }
        let deadline = tokio::time::Instant::now() + grace;
        while !self.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

//! An answer's mark in the KV store (`streaming_post_<id>` = `<ms>:<stream>`): set when it
//! starts streaming, renewed while it streams, removed once it is saved. Restart recovery
//! finishes answers whose marks went stale. The mark also says which stream owns the post
//! across the cluster: when Regenerate starts a new stream on another node, the new stream's
//! mark replaces this one, and this stream stops writing (checked before every save and at
//! every renewal).

use std::sync::Arc;
use std::time::Duration;

use plugin_runtime::host::MattermostApi;

use super::registry::StopSignal;

/// KV prefix marking an answer that is streaming, so a restart can finish it.
pub const STREAMING_KEY_PREFIX: &str = "streaming_post_";

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How often a streaming answer renews its mark, so another cluster node restarting does not
/// take a live answer for an interrupted one, and learns when another stream took it over.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How often a streaming answer looks for a Stop that reached another cluster node.
const STOP_POLL: Duration = Duration::from_secs(1);

/// KV key a node writes when Stop reaches it for an answer another node is streaming
/// (`stop_request_<post id>`); the streaming node polls for it. Expires on its own.
pub const STOP_REQUEST_PREFIX: &str = "stop_request_";
const STOP_REQUEST_SECONDS: i64 = 60;

/// Whether some node is streaming into `post_id` (its mark is in the store).
pub async fn streaming_somewhere(api: &dyn MattermostApi, post_id: &str) -> bool {
    matches!(
        api.kv_get(&format!("{STREAMING_KEY_PREFIX}{post_id}")).await,
        Ok(Some(_))
    )
}

/// Asks whichever node streams `post_id` to stop it.
pub async fn request_stop(
    api: &dyn MattermostApi,
    post_id: &str,
) -> Result<(), plugin_runtime::host::ApiError> {
    api.kv_set_with_expiry(
        &format!("{STOP_REQUEST_PREFIX}{post_id}"),
        b"1",
        STOP_REQUEST_SECONDS,
    )
    .await
}

/// This stream's mark in the KV store (`streaming_post_<id>` = `<ms>:<stream>`): renewed
/// while it streams, removed at the end, and only ever changed by the stream that wrote it, so
/// a regenerated answer's new stream keeps its own.
#[derive(Clone)]
pub struct StreamMark {
    api: Arc<dyn MattermostApi>,
    key: String,
    stop_key: String,
    stream: String,
    current: Arc<std::sync::Mutex<Option<Vec<u8>>>>,
}

impl StreamMark {
    pub fn new(api: Arc<dyn MattermostApi>, post_id: &str) -> Self {
        StreamMark {
            api,
            key: format!("{STREAMING_KEY_PREFIX}{post_id}"),
            stop_key: format!("{STOP_REQUEST_PREFIX}{post_id}"),
            stream: uuid::Uuid::new_v4().simple().to_string(),
            current: Arc::default(),
        }
    }

    fn value(&self) -> Vec<u8> {
        format!("{}:{}", now_ms(), self.stream).into_bytes()
    }

    fn last(&self) -> Option<Vec<u8>> {
        self.current.lock().ok().and_then(|g| g.clone())
    }

    fn remember(&self, v: Option<Vec<u8>>) {
        if let Ok(mut g) = self.current.lock() {
            *g = v;
        }
    }

    /// Takes the mark over: a newer stream into the same post owns it from now on.
    pub async fn set(&self) {
        let v = self.value();
        match self.api.kv_set(&self.key, &v).await {
            Ok(()) => self.remember(Some(v)),
            Err(e) => tracing::warn!(error = %e, "could not mark the answer as streaming"),
        }
    }

    /// Renews the mark if it is still ours; false once another stream owns the post.
    async fn renew(&self) -> bool {
        let Some(old) = self.last() else { return false };
        let v = self.value();
        match self.api.kv_compare_and_set(&self.key, &old, Some(&v)).await {
            Ok(true) => {
                self.remember(Some(v));
                true
            }
            // Another stream took the post over: the mark is its own now.
            Ok(false) => {
                self.remember(None);
                false
            }
            Err(e) => {
                // Cannot tell: keep writing rather than lose an answer.
                tracing::warn!(error = %e, "could not renew the streaming mark");
                true
            }
        }
    }

    /// Keeps the mark alive while the stream runs (abort the handle when it ends): renewed
    /// every few seconds, the stream superseded when another stream took the post over, and,
    /// in a cluster, stopped when Stop reached another node (looked for every second; a single
    /// server needs no polling).
    pub fn keep_alive(&self, signal: StopSignal, clustered: bool) -> tokio::task::JoinHandle<()> {
        let mark = self.clone();
        tokio::spawn(async move {
            let tick = if clustered { STOP_POLL } else { HEARTBEAT };
            let mut since_renewal = Duration::ZERO;
            loop {
                tokio::time::sleep(tick).await;
                if clustered && mark.take_stop_request().await {
                    signal.token.cancel();
                }
                since_renewal += tick;
                if since_renewal < HEARTBEAT {
                    continue;
                }
                since_renewal = Duration::ZERO;
                if !mark.renew().await {
                    signal.supersede();
                    return;
                }
            }
        })
    }

    /// Whether another node asked for this answer to stop; the request is consumed.
    async fn take_stop_request(&self) -> bool {
        match self.api.kv_get(&self.stop_key).await {
            Ok(Some(_)) => {
                let _ = self.api.kv_delete(&self.stop_key).await;
                true
            }
            _ => false,
        }
    }

    /// Whether this stream still owns the post (its mark is the one in the store). An
    /// unreadable store counts as yes: an answer is not thrown away on a hiccup.
    pub async fn still_ours(&self) -> bool {
        let Some(mine) = self.last() else { return false };
        match self.api.kv_get(&self.key).await {
            Ok(current) => current.as_deref() == Some(mine.as_slice()),
            Err(_) => true,
        }
    }

    /// Removes the mark if it is still ours.
    pub async fn clear(&self) {
        let Some(old) = self.last() else { return };
        if let Err(e) = self.api.kv_compare_and_set(&self.key, &old, None).await {
            tracing::warn!(error = %e, "could not clear the streaming mark");
        }
    }
}

/// When a mark (`<ms>` or `<ms>:<stream>`) was last renewed.
pub fn mark_time(value: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(value);
    text.trim().split(':').next()?.parse().ok()
}

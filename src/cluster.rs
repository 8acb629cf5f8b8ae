//! A mutex shared by every node of a Mattermost cluster, built on the plugin KV store's atomic
//! set-with-expiry: only one node migrates the configuration or syncs bots at a time, and a
//! node that dies holding the lock releases it when the key expires.

use std::time::Duration;

use plugin_runtime::host::{ApiError, MattermostApi};

/// Held until `unlock` (or expiry).
pub struct ClusterLock<'a> {
    api: &'a dyn MattermostApi,
    key: String,
}

const EXPIRY_SECONDS: i64 = 15;

/// Waits up to `wait` for the lock named `name` (KV key `mutex_<name>`, the key Mattermost's
/// own plugin cluster mutex uses, so nodes running upstream's plugin respect it too).
pub async fn lock<'a>(
    api: &'a dyn MattermostApi,
    name: &str,
    wait: Duration,
) -> Result<ClusterLock<'a>, ApiError> {
    let key = format!("mutex_{name}");
    let deadline = tokio::time::Instant::now() + wait;
    let mut backoff = Duration::from_millis(20);
    loop {
        if api.kv_insert_if_absent(&key, &[1], EXPIRY_SECONDS).await? {
            return Ok(ClusterLock { api, key });
        }
        if tokio::time::Instant::now() + backoff > deadline {
            return Err(ApiError::Plain(format!(
                "another node holds the cluster lock {name:?}"
            )));
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(500));
    }
}

impl ClusterLock<'_> {
    pub async fn unlock(self) {
        if let Err(e) = self.api.kv_delete(&self.key).await {
            tracing::warn!(error = %e, key = %self.key, "could not release a cluster lock; it expires by itself");
        }
    }
}

/// Events between this plugin's instances on the nodes of a cluster (`OnPluginClusterEvent`):
/// the ids are ours, one home each; the data is UTF-8 text.
pub mod events {
    /// Stop the answer streaming into the post whose id is the data (Stop reached a node that
    /// is not streaming it).
    pub const STOP_ANSWER: &str = "mmai_stop_answer";
    /// The admin cleared the MCP tool lists: forget what this node keeps in memory.
    pub const MCP_TOOLS_CLEARED: &str = "mmai_mcp_tools_cleared";
}

/// Sends `id` with `data` to the plugin on every other node (reliably, in order). A server
/// without cluster events (or a single node) simply has nobody to tell.
pub async fn publish(api: &dyn MattermostApi, id: &str, data: &str) {
    use plugin_runtime::host::model::{PluginClusterEvent, PluginClusterEventSendOptions};
    let event = PluginClusterEvent {
        id: id.to_owned(),
        data: data.as_bytes().to_vec(),
    };
    let options = PluginClusterEventSendOptions {
        send_type: PluginClusterEventSendOptions::RELIABLE.to_owned(),
        target_id: String::new(),
    };
    if let Err(e) = api.publish_plugin_cluster_event(&event, &options).await {
        tracing::warn!(event = id, error = %e, "could not tell the other cluster nodes");
    }
}

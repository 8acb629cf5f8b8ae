//! Tool lists in the KV store (`mcp_tools_cache_v1_<server name>`, upstream's key), so a cold
//! conversation does not connect to every server just to learn what it offers; connections
//! open when a tool runs. An entry names the settings it was listed with: changed settings
//! (address, headers) make it stale. The admin's "refresh" deletes them all.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::McpServer;
use plugin_runtime::host::MattermostApi;

pub const KEY_PREFIX: &str = "mcp_tools_cache_v1_";
/// How long a list is trusted without asking the server again.
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// A list larger than this is not cached (it is still used).
const MAX_BYTES: usize = 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Entry {
    settings: String,
    tools: Vec<rmcp::model::Tool>,
}

/// The KV key of a server's list. Names longer than the KV store's key limit are hashed.
pub fn key(server: &McpServer) -> String {
    let key = format!("{KEY_PREFIX}{}", server.name);
    if key.len() <= 150 {
        return key;
    }
    use sha2::{Digest, Sha256};
    format!("{KEY_PREFIX}{:x}", Sha256::digest(server.name.as_bytes()))
}

pub async fn read(
    api: &dyn MattermostApi,
    server: &McpServer,
    settings: &str,
) -> Option<Vec<rmcp::model::Tool>> {
    let bytes = api.kv_get(&key(server)).await.ok()??;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    (entry.settings == settings).then_some(entry.tools)
}

pub async fn write(api: &dyn MattermostApi, server: &McpServer, settings: &str, tools: &[rmcp::model::Tool]) {
    let entry = Entry {
        settings: settings.to_owned(),
        tools: tools.to_vec(),
    };
    let Ok(bytes) = serde_json::to_vec(&entry) else {
        return;
    };
    if bytes.len() > MAX_BYTES {
        return;
    }
    let ttl = i64::try_from(TTL.as_secs()).unwrap_or(i64::MAX);
    if let Err(e) = api.kv_set_with_expiry(&key(server), &bytes, ttl).await {
        tracing::warn!(error = %e, "could not cache an MCP server's tools");
    }
}

/// Deletes every cached list; how many there were.
pub async fn clear(api: &dyn MattermostApi) -> usize {
    let mut keys = Vec::new();
    for page in 0..100 {
        let Ok(batch) = api.kv_list(page, 1000).await else {
            break;
        };
        let last = batch.len() < 1000;
        keys.extend(batch.into_iter().filter(|k| k.starts_with(KEY_PREFIX)));
        if last {
            break;
        }
    }
    let mut cleared = 0;
    for k in keys {
        if api.kv_delete(&k).await.is_ok() {
            cleared += 1;
        }
    }
    cleared
}

//! MCP HTTP sessions in the KV store, so they work across a cluster: who opened each session
//! (a session answers only that user, on any node) and what its `initialize` said (rmcp
//! replays it when a request for the session reaches a node that has not seen it). Keys hold
//! a hash of the session id, never the id itself.

use std::sync::Arc;

use rmcp::transport::streamable_http_server::session::{SessionState, SessionStore, SessionStoreError};
use sha2::{Digest, Sha256};

use plugin_runtime::host::MattermostApi;

const OWNER_PREFIX: &str = "mcp_server_owner_";
const STATE_PREFIX: &str = "mcp_server_session_";
/// How long a session outlives its last initialize on other nodes.
const TTL_SECONDS: i64 = 24 * 3600;

fn key(prefix: &str, session_id: &str) -> String {
    format!("{prefix}{:x}", Sha256::digest(session_id.as_bytes()))
}

pub async fn set_owner(api: &dyn MattermostApi, session_id: &str, user_id: &str) {
    if let Err(e) = api
        .kv_set_with_expiry(&key(OWNER_PREFIX, session_id), user_id.as_bytes(), TTL_SECONDS)
        .await
    {
        tracing::warn!(error = %e, "could not record an MCP session's owner");
    }
}

pub async fn owner(api: &dyn MattermostApi, session_id: &str) -> Option<String> {
    let bytes = api.kv_get(&key(OWNER_PREFIX, session_id)).await.ok()??;
    String::from_utf8(bytes).ok()
}

pub async fn forget(api: &dyn MattermostApi, session_id: &str) {
    let _ = api.kv_delete(&key(OWNER_PREFIX, session_id)).await;
    let _ = api.kv_delete(&key(STATE_PREFIX, session_id)).await;
}

/// rmcp's session store on the KV store.
pub struct KvSessionStore(pub Arc<dyn MattermostApi>);

#[async_trait::async_trait]
impl SessionStore for KvSessionStore {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let Some(bytes) = self.0.kv_get(&key(STATE_PREFIX, session_id)).await? else {
            return Ok(None);
        };
        Ok(serde_json::from_slice(&bytes).ok())
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let bytes = serde_json::to_vec(state)?;
        self.0
            .kv_set_with_expiry(&key(STATE_PREFIX, session_id), &bytes, TTL_SECONDS)
            .await?;
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        self.0.kv_delete(&key(STATE_PREFIX, session_id)).await?;
        Ok(())
    }
}

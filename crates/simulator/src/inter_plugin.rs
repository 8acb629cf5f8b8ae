//! Requests that reach the plugin from inside the server rather than over HTTP: another
//! plugin's `PluginHTTP` (`ServeInterPluginRequest`) and the core server's own calls
//! (`ServeInternalPluginRequest`, e.g. the LLM Bridge client with `mattermost-server`). The
//! server sets `Mattermost-Plugin-ID` to the caller here, and only here: the HTTP front deletes
//! it from outside requests.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use http_body_util::BodyExt as _;
use plugin_runtime::host::model::HookContext;

use crate::{SimError, Simulator};

/// The header the server sets to the calling plugin's id.
pub const PLUGIN_ID_HEADER: &str = "Mattermost-Plugin-ID";

/// What the caller read back, whole (the core reads through an `httptest.ResponseRecorder`).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }
}

impl Simulator {
    /// Serves `request` (its path as the plugin sees it, e.g. `/bridge/v1/agents`) as a call
    /// from `caller` (a plugin id, or `mattermost-server` for the core) on behalf of `user_id`:
    /// `Some("")` is the newest server's empty user header, `None` the older servers' absent one.
    /// Any identity headers in `request` are replaced by the server's.
    pub async fn inter_plugin_request(
        &self,
        caller: &str,
        user_id: Option<&str>,
        request: http::Request<Vec<u8>>,
    ) -> Result<Recorded, SimError> {
        let (mut parts, body) = request.into_parts();
        parts.headers.remove(PLUGIN_ID_HEADER);
        parts.headers.remove(crate::http_front::USER_ID_HEADER);
        let bad = |e: http::header::InvalidHeaderValue| SimError::Transport(e.to_string());
        parts
            .headers
            .insert(PLUGIN_ID_HEADER, HeaderValue::from_str(caller).map_err(bad)?);
        if let Some(u) = user_id {
            parts.headers.insert(
                crate::http_front::USER_ID_HEADER,
                HeaderValue::from_str(u).map_err(bad)?,
            );
        }
        parts
            .extensions
            .insert(crate::netrpc_host::RequestUri(parts.uri.to_string()));
        let ctx = HookContext {
            request_id: crate::store::new_id(),
            ..Default::default()
        };
        let request = http::Request::from_parts(parts, axum::body::Body::from(body));
        let response = self.conn.serve_http(ctx, request).await?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| SimError::Transport(e.to_string()))?
            .to_bytes();
        Ok(Recorded {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }
}

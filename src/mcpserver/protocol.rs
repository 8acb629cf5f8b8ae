//! The server as MCP clients see it over streamable HTTP: `initialize`, `tools/list` and
//! `tools/call`, with the caller taken from the `Mattermost-User-Id` header that Mattermost
//! sets after checking the client's token (the HTTP layer refuses requests without it).

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::common::http_header::HEADER_SESSION_ID;
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;
use std::collections::HashMap;
use std::convert::Infallible;
use tokio::sync::Mutex;
use tower::ServiceExt;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited, combinators::BoxBody};

use super::MattermostMcp;
use crate::answer::tools::MAX_RESULT_CHARS;

/// The header Mattermost sets on plugin requests it authenticated.
pub const USER_ID_HEADER: &str = "Mattermost-User-Id";
pub const SERVER_NAME: &str = "mattermost";

/// One client session's handler; they all share the server.
#[derive(Clone)]
pub struct Session(pub Arc<MattermostMcp>);

fn caller_id(context: &RequestContext<RoleServer>) -> Option<String> {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.headers.get(USER_ID_HEADER))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ServerHandler for Session {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(SERVER_NAME, crate::PLUGIN_VERSION))
            .with_instructions(
                "Mattermost: read, search and write posts, channels, teams and users as the signed-in user, with that user's permissions.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self
            .0
            .tools()
            .iter()
            .map(|t| {
                let Value::Object(schema) = t.schema() else {
                    return Tool::new(t.name(), t.description(), serde_json::Map::new());
                };
                Tool::new(t.name(), t.description(), schema)
                    .annotate(ToolAnnotations::new().read_only(t.read_only()))
            })
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(user_id) = caller_id(&context) else {
            return Err(ErrorData::invalid_request("not signed in", None));
        };
        // Read per call: switching the server off stops sessions already open.
        if !self.0.http_enabled() {
            return Err(ErrorData::invalid_request(
                "the Mattermost MCP server is turned off",
                None,
            ));
        }
        let Some(tool) = self.0.tool(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!("there is no tool named {}", request.name),
                None,
            ));
        };
        let args = request.arguments.map(Value::Object).unwrap_or(Value::Null);
        let caller = self.0.caller(&user_id, None);
        let result = match tool.call(&caller, args).await {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(cap(text))]),
            Err(e) => CallToolResult::error(vec![ContentBlock::text(cap(e.to_string()))]),
        };
        Ok(result.into())
    }
}

fn cap(mut s: String) -> String {
    if s.chars().count() > MAX_RESULT_CHARS {
        s = s.chars().take(MAX_RESULT_CHARS).collect::<String>() + "\n[…truncated]";
    }
    s
}

/// The streamable HTTP endpoint: sessions as the transport defines them (POST, GET stream,
/// DELETE), each bound to the user who opened it.
pub struct Endpoint {
    api: Arc<dyn plugin_runtime::host::MattermostApi>,
    sessions: Arc<LocalSessionManager>,
    service: StreamableHttpService<Session, LocalSessionManager>,
    /// Session id → the user who opened it, for the sessions opened on this node (the KV
    /// store has them all). Another user presenting the id is told it does not exist: a
    /// leaked session id is not a way into someone's account.
    owners: Mutex<HashMap<String, String>>,
}

/// The largest request body read (a JSON-RPC message).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Sessions one user may hold open; opening one more closes their oldest.
const MAX_SESSIONS_PER_USER: usize = 16;

impl Endpoint {
    pub fn new(server: Arc<MattermostMcp>) -> Self {
        let sessions = Arc::new(LocalSessionManager::default());
        let api = server.infra.api();
        // Mattermost sits in front: every request arrives authenticated with the site's own
        // host name, so the loopback-only Host check meant for local servers does not apply.
        // Sessions are kept in the KV store too, so any node of a cluster can serve them.
        let mut config = StreamableHttpServerConfig::default().disable_allowed_hosts();
        config.session_store = Some(Arc::new(super::sessions::KvSessionStore(api.clone())));
        let handler = Session(server);
        let service = StreamableHttpService::new(move || Ok(handler.clone()), sessions.clone(), config);
        Endpoint {
            api,
            sessions,
            service,
            owners: Mutex::new(HashMap::new()),
        }
    }

    /// Serves one request of `user_id` (already authenticated by Mattermost).
    pub async fn serve<B>(&self, user_id: &str, request: Request<B>) -> Response<BoxBody<Bytes, Infallible>>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let session = request
            .headers()
            .get(HEADER_SESSION_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(id) = &session {
            let mut owner = self.owners.lock().await.get(id).cloned();
            if owner.is_none() {
                owner = super::sessions::owner(self.api.as_ref(), id).await;
            }
            // A session of nobody known, or of someone else, does not exist for this caller.
            if owner.as_deref() != Some(user_id) {
                return plain(StatusCode::NOT_FOUND, "session not found");
            }
        }
        let deleting = request.method() == Method::DELETE;
        let request = request.map(|b| Limited::new(b, MAX_BODY_BYTES));
        let Ok(response) = self.service.clone().oneshot(request).await;
        if let Some(id) = response
            .headers()
            .get(HEADER_SESSION_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|id| session.as_deref() != Some(*id))
        {
            self.adopt(id.to_owned(), user_id).await;
        }
        if deleting && let Some(id) = session {
            self.owners.lock().await.remove(&id);
            super::sessions::forget(self.api.as_ref(), &id).await;
        }
        response
    }

    /// Records a new session's owner, forgetting sessions that ended and closing the user's
    /// oldest beyond the limit.
    async fn adopt(&self, id: String, user_id: &str) {
        let live: std::collections::HashSet<String> = self
            .sessions
            .sessions
            .read()
            .await
            .keys()
            .map(|k| k.to_string())
            .collect();
        super::sessions::set_owner(self.api.as_ref(), &id, user_id).await;
        let mut owners = self.owners.lock().await;
        owners.retain(|k, _| live.contains(k));
        owners.insert(id.clone(), user_id.to_owned());
        let mut mine: Vec<String> = owners
            .iter()
            .filter(|(k, o)| o.as_str() == user_id && **k != id)
            .map(|(k, _)| k.clone())
            .collect();
        if mine.len() >= MAX_SESSIONS_PER_USER {
            // Session ids carry no age; any beyond the limit goes, never the new one.
            mine.sort_unstable();
            let excess = mine.len() + 1 - MAX_SESSIONS_PER_USER;
            for old in mine.into_iter().take(excess) {
                owners.remove(&old);
                super::sessions::forget(self.api.as_ref(), &old).await;
                let sid: rmcp::transport::streamable_http_server::session::SessionId = old.into();
                let _ = self.sessions.close_session(&sid).await;
            }
        }
    }
}

fn plain(status: StatusCode, message: &'static str) -> Response<BoxBody<Bytes, Infallible>> {
    let mut response = Response::new(Full::new(Bytes::from_static(message.as_bytes())).boxed());
    *response.status_mut() = status;
    response
}

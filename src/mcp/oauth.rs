//! OAuth 2.1 to remote MCP servers, per user: a server that answers 401 is authorized with the
//! discovery, registration, PKCE and token handling of the MCP SDK (rmcp's
//! `AuthorizationManager`), with everything it keeps stored in the KV store so any node of a
//! cluster can finish a flow another began:
//! - `oauth_session_<user>_<state>`: the pending authorization (PKCE verifier, which server),
//!   ten minutes, usable only by the user who started it;
//! - `mcp_oauth_client_v2_<sha256(server URL)>`: the client registered dynamically, shared by
//!   all users (a configured client id/secret takes precedence);
//! - `mcp_oauth_token_v1_<user>_<server>`: the user's tokens, refreshed when they expire.
//!
//! Tokens never appear in logs, errors or responses; authorization-server endpoints named by a
//! server's metadata must pass the admin's allowlist, and rmcp refuses link-local and other
//! reserved addresses and private ones unless the server itself is private.

use std::sync::Arc;

use rmcp::transport::auth::{
    AuthError, AuthorizationManager, CredentialStore, OAuthClientConfig, StateStore,
    StoredAuthorizationState, StoredCredentials,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::config::McpServer;
use crate::i18n::{Text, arg};
use crate::outbound::{OutboundClient, Trust};
use plugin_runtime::host::MattermostApi;
use reqwest::Url;

pub const TOKEN_PREFIX: &str = "mcp_oauth_token_v1_";
pub const SESSION_PREFIX: &str = "oauth_session_";
pub const CLIENT_PREFIX: &str = "mcp_oauth_client_v2_";
/// Where authorization servers send the user back (under the plugin's URL).
pub const CALLBACK_PATH: &str = "/oauth/callback";
const SESSION_SECONDS: i64 = 600;
const CLIENT_NAME: &str = "Mattermost Agents";
/// A server-side client with a web redirect (OIDC registration's `application_type`).
const APPLICATION_TYPE: &str = "web";

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0} is not a configured MCP server")]
    UnknownServer(String),
    #[error("the authorization expired or was started by someone else; connect again")]
    UnknownState,
    #[error("{server} does not offer OAuth: {detail}")]
    Discovery { server: String, detail: String },
    #[error("{server}'s authorization server is not allowed: {detail}")]
    NotAllowed { server: String, detail: String },
    #[error("{server} refused to register this plugin; ask the admin to set a client ID")]
    Registration { server: String },
    #[error("{server} did not accept the authorization: {detail}")]
    Exchange { server: String, detail: String },
    #[error("storing the authorization failed")]
    Store,
}

impl OAuthError {
    /// What the user connecting their account reads, in their language; the details a server
    /// sent stay as they came (`Display` is the log's English).
    pub fn text(&self) -> Text {
        match self {
            OAuthError::UnknownServer(server) => {
                Text::tr("mcp.oauth.unknown_server", &[arg("Server", server)])
            }
            OAuthError::UnknownState => Text::tr("mcp.oauth.unknown_state", &[]),
            OAuthError::Discovery { server, detail } => Text::tr(
                "mcp.oauth.discovery",
                &[arg("Server", server), arg("Detail", detail)],
            ),
            OAuthError::NotAllowed { server, detail } => Text::tr(
                "mcp.oauth.not_allowed",
                &[arg("Server", server), arg("Detail", detail)],
            ),
            OAuthError::Registration { server } => {
                Text::tr("mcp.oauth.registration", &[arg("Server", server)])
            }
            OAuthError::Exchange { server, detail } => Text::tr(
                "mcp.oauth.exchange",
                &[arg("Server", server), arg("Detail", detail)],
            ),
            OAuthError::Store => Text::tr("mcp.oauth.store", &[]),
        }
    }
}

fn token_key(user_id: &str, server: &str) -> String {
    let key = format!("{TOKEN_PREFIX}{user_id}_{server}");
    if key.len() <= 150 {
        return key;
    }
    format!("{TOKEN_PREFIX}{user_id}_{:x}", Sha256::digest(server.as_bytes()))
}

fn client_key(server: &McpServer) -> String {
    format!(
        "{CLIENT_PREFIX}{:x}",
        Sha256::digest(server.base_url.trim().as_bytes())
    )
}

fn session_key(user_id: &str, state: &str) -> String {
    // The state comes back from a browser: only its hash names a key.
    format!("{SESSION_PREFIX}{user_id}_{:x}", Sha256::digest(state.as_bytes()))
}

fn store_error(e: impl std::fmt::Display) -> AuthError {
    AuthError::InternalError(format!("KV store: {e}"))
}

/// The user's tokens for one server, in the KV store.
struct KvCredentials {
    api: Arc<dyn MattermostApi>,
    key: String,
}

#[async_trait::async_trait]
impl CredentialStore for KvCredentials {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        let Some(bytes) = self.api.kv_get(&self.key).await.map_err(store_error)? else {
            return Ok(None);
        };
        Ok(serde_json::from_slice(&bytes).ok())
    }

    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        let bytes = serde_json::to_vec(&credentials).map_err(store_error)?;
        self.api.kv_set(&self.key, &bytes).await.map_err(store_error)
    }

    async fn clear(&self) -> Result<(), AuthError> {
        self.api.kv_delete(&self.key).await.map_err(store_error)
    }
}

/// A pending authorization: which server it is for, and what rmcp keeps (the PKCE verifier).
#[derive(Serialize, Deserialize)]
struct Pending {
    server: String,
    state: StoredAuthorizationState,
}

/// Pending authorizations of one user for one server.
struct KvStates {
    api: Arc<dyn MattermostApi>,
    user_id: String,
    server: String,
}

#[async_trait::async_trait]
impl StateStore for KvStates {
    async fn save(&self, csrf_token: &str, state: StoredAuthorizationState) -> Result<(), AuthError> {
        let pending = Pending {
            server: self.server.clone(),
            state,
        };
        let bytes = serde_json::to_vec(&pending).map_err(store_error)?;
        self.api
            .kv_set_with_expiry(&session_key(&self.user_id, csrf_token), &bytes, SESSION_SECONDS)
            .await
            .map_err(store_error)
    }

    async fn load(&self, csrf_token: &str) -> Result<Option<StoredAuthorizationState>, AuthError> {
        Ok(load_pending(self.api.as_ref(), &self.user_id, csrf_token)
            .await
            .filter(|p| p.server == self.server)
            .map(|p| p.state))
    }

    async fn delete(&self, csrf_token: &str) -> Result<(), AuthError> {
        self.api
            .kv_delete(&session_key(&self.user_id, csrf_token))
            .await
            .map_err(store_error)
    }
}

async fn load_pending(api: &dyn MattermostApi, user_id: &str, state: &str) -> Option<Pending> {
    let bytes = api.kv_get(&session_key(user_id, state)).await.ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// A client registered dynamically, kept for every user of the server.
#[derive(Serialize, Deserialize)]
struct Registered {
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: String,
}

/// Where a user starts connecting their account to `server` (the Agents panel's and the
/// agent's link).
pub fn connect_url(site_url: &str, server: &str) -> String {
    format!(
        "{}/plugins/{}/mcp/oauth/{}/start",
        site_url.trim_end_matches('/'),
        crate::PLUGIN_ID,
        percent_encode(server)
    )
}

/// The plugin's callback address on this site.
pub fn redirect_uri(site_url: &str) -> String {
    format!(
        "{}/plugins/{}{CALLBACK_PATH}",
        site_url.trim_end_matches('/'),
        crate::PLUGIN_ID
    )
}

/// A manager for `user_id` at `server`, its stores in the KV store and its metadata
/// discovered (RFC 9728, then RFC 8414), with the endpoints checked against the allowlist.
async fn manager(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
) -> Result<AuthorizationManager, OAuthError> {
    manager_and_revocation(api, outbound, server, user_id)
        .await
        .map(|(m, _)| m)
}

/// Where and how to revoke tokens (RFC 7009): the endpoint and the client authentication
/// methods the authorization server accepts there.
struct Revocation {
    endpoint: String,
    methods: Vec<String>,
}

/// `manager`, and the authorization server's revocation endpoint if it has one.
async fn manager_and_revocation(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
) -> Result<(AuthorizationManager, Option<Revocation>), OAuthError> {
    let discovery = |detail: String| OAuthError::Discovery {
        server: server.name.clone(),
        detail,
    };
    let mut m = AuthorizationManager::new(server.base_url.trim())
        .await
        .map_err(|e| discovery(e.to_string()))?;
    m.set_credential_store(KvCredentials {
        api: api.clone(),
        key: token_key(user_id, &server.name),
    });
    m.set_state_store(KvStates {
        api: api.clone(),
        user_id: user_id.to_owned(),
        server: server.name.clone(),
    });
    let resolution = m
        .resolve_metadata_from_challenge(None)
        .await
        .map_err(|e| discovery(e.to_string()))?;
    let meta = &resolution.metadata;
    let field = |k: &str| meta.additional_fields.get(k);
    let methods = field("revocation_endpoint_auth_methods_supported")
        .or_else(|| field("token_endpoint_auth_methods_supported"))
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let revocation = field("revocation_endpoint")
        .and_then(|v| v.as_str())
        .map(|e| Revocation {
            endpoint: e.to_owned(),
            methods,
        });
    for endpoint in [
        Some(&meta.authorization_endpoint),
        Some(&meta.token_endpoint),
        meta.registration_endpoint.as_ref(),
        revocation.as_ref().map(|r| &r.endpoint),
    ]
    .into_iter()
    .flatten()
    {
        let url = Url::parse(endpoint).map_err(|e| discovery(e.to_string()))?;
        outbound
            .check_url(Trust::Configured, &url)
            .map_err(|e| OAuthError::NotAllowed {
                server: server.name.clone(),
                detail: e.user_message(),
            })?;
    }
    let mut metadata = resolution.metadata;
    // A confidential client authenticates in the request body wherever the server takes that:
    // it carries `client_id` too, which some servers insist on even with HTTP Basic (rmcp
    // picks Basic whenever a server lists both).
    if !server.client_secret.is_empty()
        && let Some(Value::Array(methods)) = metadata
            .additional_fields
            .get_mut("token_endpoint_auth_methods_supported")
        && methods.iter().any(|m| m.as_str() == Some("client_secret_post"))
    {
        methods.retain(|m| m.as_str() != Some("client_secret_basic"));
    }
    m.set_metadata(metadata);
    Ok((m, revocation))
}

/// The client to use: the admin's, else one registered earlier, else a new registration.
async fn client(
    api: &dyn MattermostApi,
    m: &mut AuthorizationManager,
    server: &McpServer,
    redirect: &str,
    scopes: &[String],
    register: bool,
) -> Result<OAuthClientConfig, OAuthError> {
    if !server.client_id.trim().is_empty() {
        let mut config = OAuthClientConfig::new(server.client_id.trim(), redirect)
            .with_scopes(scopes.to_vec())
            .with_application_type(APPLICATION_TYPE);
        if !server.client_secret.is_empty() {
            config = config.with_client_secret(server.client_secret.clone());
        }
        return Ok(config);
    }
    let key = client_key(server);
    if let Ok(Some(bytes)) = api.kv_get(&key).await
        && let Ok(r) = serde_json::from_slice::<Registered>(&bytes)
        && r.redirect_uri == redirect
    {
        let mut config = OAuthClientConfig::new(r.client_id, redirect)
            .with_scopes(scopes.to_vec())
            .with_application_type(APPLICATION_TYPE);
        if let Some(secret) = r.client_secret {
            config = config.with_client_secret(secret);
        }
        return Ok(config);
    }
    if !register {
        return Err(OAuthError::Registration {
            server: server.name.clone(),
        });
    }
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let config = m
        .register_client(CLIENT_NAME, redirect, &refs)
        .await
        .map_err(|e| {
            tracing::warn!(server = %server.name, error = %e, "dynamic client registration failed");
            OAuthError::Registration {
                server: server.name.clone(),
            }
        })?;
    let registered = Registered {
        client_id: config.client_id.clone(),
        client_secret: config.client_secret.clone(),
        redirect_uri: redirect.to_owned(),
    };
    if let Ok(bytes) = serde_json::to_vec(&registered) {
        let _ = api.kv_set(&key, &bytes).await;
    }
    Ok(config)
}

/// Starts an authorization for `user_id`: the URL to send their browser to.
pub async fn start(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
    site_url: &str,
) -> Result<String, OAuthError> {
    let mut m = manager(api, outbound, server, user_id).await?;
    let redirect = redirect_uri(site_url);
    let scopes = m.select_scopes(None, &[]);
    let config = client(api.as_ref(), &mut m, server, &redirect, &scopes, true).await?;
    m.configure_client(config).map_err(|e| OAuthError::Discovery {
        server: server.name.clone(),
        detail: e.to_string(),
    })?;
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    m.get_authorization_url(&refs)
        .await
        .map_err(|e| OAuthError::Discovery {
            server: server.name.clone(),
            detail: e.to_string(),
        })
}

/// The server a pending authorization of `user_id` is for.
pub async fn pending_server(
    api: &dyn MattermostApi,
    user_id: &str,
    state: &str,
) -> Result<String, OAuthError> {
    load_pending(api, user_id, state)
        .await
        .map(|p| p.server)
        .ok_or(OAuthError::UnknownState)
}

/// Finishes an authorization: the code is exchanged (with the PKCE verifier) and the tokens
/// stored for the user.
pub async fn finish(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
    site_url: &str,
    code: &str,
    state: &str,
) -> Result<(), OAuthError> {
    let mut m = manager(api, outbound, server, user_id).await?;
    let redirect = redirect_uri(site_url);
    let scopes = m.select_scopes(None, &[]);
    let config = client(api.as_ref(), &mut m, server, &redirect, &scopes, false).await?;
    m.configure_client(config).map_err(|e| OAuthError::Exchange {
        server: server.name.clone(),
        detail: e.to_string(),
    })?;
    m.exchange_code_for_token(code, state).await.map_err(|e| {
        tracing::warn!(server = %server.name, error = %e, "an OAuth code exchange failed");
        OAuthError::Exchange {
            server: server.name.clone(),
            detail: "the code was refused".into(),
        }
    })?;
    Ok(())
}

/// Whether `user_id` holds tokens for `server`.
pub async fn connected(api: &dyn MattermostApi, server: &str, user_id: &str) -> bool {
    matches!(api.kv_get(&token_key(user_id, server)).await, Ok(Some(_)))
}

/// Forgets `user_id`'s tokens for `server`, revoking them first at the authorization server
/// when it offers revocation (best effort: they are forgotten here whatever it answers).
pub async fn disconnect(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
    site_url: &str,
) -> Result<(), OAuthError> {
    let key = token_key(user_id, &server.name);
    let stored: Option<StoredCredentials> = match api.kv_get(&key).await {
        Ok(Some(bytes)) => serde_json::from_slice(&bytes).ok(),
        _ => None,
    };
    if let Some(stored) = stored
        && let Some(tokens) = stored.token_response
        && let Err(e) = revoke(api, outbound, server, user_id, site_url, &tokens).await
    {
        tracing::warn!(server = %server.name, error = %e, "could not revoke an OAuth token");
    }
    api.kv_delete(&key).await.map_err(|_| OAuthError::Store)
}

async fn revoke(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
    site_url: &str,
    tokens: &rmcp::transport::auth::OAuthTokenResponse,
) -> Result<(), OAuthError> {
    let (mut m, revocation) = manager_and_revocation(api, outbound, server, user_id).await?;
    let Some(revocation) = revocation else {
        return Ok(());
    };
    let scopes = m.select_scopes(None, &[]);
    let config = client(
        api.as_ref(),
        &mut m,
        server,
        &redirect_uri(site_url),
        &scopes,
        false,
    )
    .await?;
    // The refresh token revokes the whole grant where both exist (RFC 7009 section 2.1).
    // Read through the token response's JSON form (RFC 6749 names).
    let json = serde_json::to_value(tokens).unwrap_or_default();
    let field = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let (token, hint) = match (field("refresh_token"), field("access_token")) {
        (Some(r), _) => (r, "refresh_token"),
        (None, Some(a)) => (a, "access_token"),
        (None, None) => return Ok(()),
    };
    // One client authentication (RFC 6749 2.3.1), as for tokens: the secret in the body where
    // the server takes that, else HTTP Basic; a public client sends an empty secret, which
    // counts as none (some servers require the parameter to be present).
    let post = revocation.methods.iter().any(|m| m == "client_secret_post");
    let basic = config.client_secret.clone().filter(|_| !post);
    let mut form = vec![
        ("token", token),
        ("token_type_hint", hint.to_owned()),
        ("client_id", config.client_id.clone()),
    ];
    if basic.is_none() {
        form.push(("client_secret", config.client_secret.clone().unwrap_or_default()));
    }
    let failed = |detail: String| OAuthError::Exchange {
        server: server.name.clone(),
        detail,
    };
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = outbound
        .post(Trust::Configured, &revocation.endpoint)
        .map_err(|e| failed(e.user_message()))?
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(secret) = basic {
        use base64::Engine;
        let pair = format!(
            "{}:{}",
            percent_encode(&config.client_id),
            percent_encode(&secret)
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        request = request.header("authorization", format!("Basic {encoded}"));
    }
    let response = request
        .body(body)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| failed(e.user_message()))?;
    if !response.status().is_success() {
        return Err(failed(format!("revocation answered {}", response.status())));
    }
    Ok(())
}

/// Percent-encoding of everything but RFC 3986's unreserved characters: right for a path
/// segment and for an `application/x-www-form-urlencoded` value alike.
fn percent_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A manager ready to authorize requests with the user's stored tokens (refreshing them
/// when they expire), or `None` when the user has none.
pub async fn authorized(
    api: &Arc<dyn MattermostApi>,
    outbound: &OutboundClient,
    server: &McpServer,
    user_id: &str,
    site_url: &str,
) -> Option<AuthorizationManager> {
    if !connected(api.as_ref(), &server.name, user_id).await {
        return None;
    }
    let mut m = manager(api, outbound, server, user_id).await.ok()?;
    match m.initialize_from_store().await {
        Ok(true) => {}
        _ => return None,
    }
    let redirect = redirect_uri(site_url);
    let scopes = m.select_scopes(None, &[]);
    if let Ok(config) = client(api.as_ref(), &mut m, server, &redirect, &scopes, false).await {
        let _ = m.configure_client(config);
    }
    Some(m)
}

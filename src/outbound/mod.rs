//! The one HTTP client for everything that leaves the server: LLM providers, embeddings, Jira,
//! MCP servers.
//!
//! Every request names its [`Trust`]:
//! - [`Trust::Configured`] for URLs an admin typed into the configuration (provider base URLs).
//!   Only `allowedUpstreamHostnames` applies, so a self-hosted model on `localhost` or the LAN
//!   works when the admin allows it.
//! - [`Trust::Untrusted`] for URLs a user or a tool supplied (Jira, MCP servers). The allowlist
//!   applies and so does the address guard: no loopback, private, link-local, metadata or other
//!   special-purpose address, checked on literal IPs, on every address a name resolves to, and
//!   on every redirect hop. This client also ignores `HTTP(S)_PROXY`: through a proxy the name
//!   is resolved by the proxy, where the guard cannot see it.
//!
//! Both clients have a connect timeout and an overall request timeout (per-request override
//! with [`OutboundRequest::timeout`]), follow at most [`MAX_REDIRECTS`] redirects, and accept
//! http and https only.
//!
//! Credentials never follow a redirect to another origin (scheme, host and port). reqwest only
//! drops `Authorization` and cookies there, while providers take keys in headers of their own
//! (`x-api-key`, `api-key`, `x-access-tokens`) and admins add headers for MCP servers. So a
//! configured endpoint follows same-origin redirects only, and an untrusted request that
//! carries any header beyond the plain ones in [`PUBLIC_HEADERS`] does too; only a request
//! with nothing to leak may be redirected elsewhere. Headers an admin set for a service
//! ([`OutboundClient::with_headers`]) are credentials too and share that rule. Bodies are read
//! with a size cap ([`read_capped`] and friends).

mod allowlist;
mod error;
mod guard;

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

pub use allowlist::{AllowlistError, HostAllowlist};
pub use error::OutboundError;
pub use guard::{AddressKind, classify_ip, is_forbidden_name};

use guard::{Guard, GuardedResolver};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// Request headers that carry no credential: a request with only these may follow a redirect
/// to another origin (untrusted URLs only). Anything else is treated as a secret.
pub const PUBLIC_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "content-type",
    "content-length",
    "user-agent",
    "anthropic-version",
    "anthropic-beta",
];
/// Header names an admin may not set on a service: the plugin sets them itself (keys, request
/// signing, framing), and an override would break requests or let a key go where it should not.
pub const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "x-access-tokens",
    "anthropic-version",
    "content-type",
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "keep-alive",
    "proxy-connection",
    "upgrade",
    "te",
    "trailer",
    "expect",
    "cookie",
];
/// Cap for an error body read to explain a failure (the message is all we need).
pub const ERROR_BODY_CAP: usize = 64 * 1024;
/// Cap for an ordinary JSON answer (model lists, issues, credentials).
pub const JSON_BODY_CAP: usize = 8 * 1024 * 1024;
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Long enough for a slow model streaming a long answer; the whole exchange, body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Where a URL came from, which decides the checks it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Typed by an admin into the plugin configuration: allowlist only.
    Configured,
    /// Supplied by a user, a tool call or an external server: allowlist and address guard.
    Untrusted,
}

#[derive(Debug, Clone)]
pub struct OutboundSettings {
    pub allowlist: HostAllowlist,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    #[doc(hidden)]
    pub testing: TestingOverrides,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        OutboundSettings {
            allowlist: HostAllowlist::allow_all(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            testing: TestingOverrides::default(),
        }
    }
}

/// Test hooks, never set in production: the address guard refuses every local address, and
/// tests only have local servers.
#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct TestingOverrides {
    /// Addresses the guard lets through, so a local server can play a public origin.
    pub guard_exempt: Vec<IpAddr>,
    /// Name → addresses answered by the untrusted resolver instead of DNS; the answers are still
    /// guarded, which is how tests make a name "resolve" to loopback.
    pub hosts: Vec<(String, Vec<IpAddr>)>,
}

/// Cheap to clone; clones share the clients, their connection pools and the allowlist.
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
    /// Sent with every request this handle makes (a service's custom headers), before the
    /// caller's own; values are marked sensitive so no debug output prints them.
    extra: Option<Arc<HeaderMap>>,
}

/// The clients are built on first use, not with the plugin: building one loads the system's
/// root certificates, which would otherwise delay the go-plugin handshake by milliseconds.
struct Inner {
    connect_timeout: Duration,
    request_timeout: Duration,
    /// Admin-configured endpoints: same-origin redirects only.
    configured: OnceLock<reqwest::Client>,
    /// Untrusted URLs without credentials: redirects anywhere the checks allow.
    untrusted: OnceLock<reqwest::Client>,
    /// Untrusted URLs with credentials: same-origin redirects only.
    untrusted_credentialed: OnceLock<reqwest::Client>,
    checks: Arc<Checks>,
}

/// Which of the three clients.
#[derive(Clone, Copy)]
enum ClientKind {
    Configured,
    Untrusted,
    UntrustedCredentialed,
}

impl Inner {
    fn client(&self, kind: ClientKind) -> Result<&reqwest::Client, OutboundError> {
        let slot = match kind {
            ClientKind::Configured => &self.configured,
            ClientKind::Untrusted => &self.untrusted,
            ClientKind::UntrustedCredentialed => &self.untrusted_credentialed,
        };
        if let Some(c) = slot.get() {
            return Ok(c);
        }
        // Two first requests at once may both build one; the second is dropped.
        let built = self.build(kind)?;
        Ok(slot.get_or_init(|| built))
    }

    fn build(&self, kind: ClientKind) -> Result<reqwest::Client, OutboundError> {
        let base = reqwest::Client::builder()
            .user_agent(concat!("mattermost-ai/", env!("PLUGIN_VERSION")))
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout);
        let built = match kind {
            ClientKind::Configured => base
                .redirect(redirect_policy(
                    Trust::Configured,
                    Origins::Same,
                    self.checks.clone(),
                ))
                .build(),
            ClientKind::Untrusted | ClientKind::UntrustedCredentialed => {
                let origins = if matches!(kind, ClientKind::Untrusted) {
                    Origins::Any
                } else {
                    Origins::Same
                };
                base.redirect(redirect_policy(Trust::Untrusted, origins, self.checks.clone()))
                    .dns_resolver(GuardedResolver {
                        guard: self.checks.guard.clone(),
                    })
                    .no_proxy()
                    .build()
            }
        };
        built.map_err(|e| OutboundError::Client(e.to_string()))
    }
}

/// What both the pre-flight check and the redirect policies consult.
struct Checks {
    allowlist: RwLock<Arc<HostAllowlist>>,
    guard: Guard,
}

impl fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundClient")
            .field("allowlist", &self.allowlist().entries())
            .finish()
    }
}

impl OutboundClient {
    pub fn new(settings: OutboundSettings) -> Result<Self, OutboundError> {
        let checks = Arc::new(Checks {
            allowlist: RwLock::new(Arc::new(settings.allowlist)),
            guard: Guard::new(settings.testing.guard_exempt, settings.testing.hosts),
        });
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                connect_timeout: settings.connect_timeout,
                request_timeout: settings.request_timeout,
                configured: OnceLock::new(),
                untrusted: OnceLock::new(),
                untrusted_credentialed: OnceLock::new(),
                checks,
            }),
            extra: None,
        })
    }

    /// The same client (pools, allowlist) sending `headers` with every request it starts,
    /// e.g. a service's custom headers. They count as credentials for redirects, like keys.
    pub fn with_headers(&self, headers: HeaderMap) -> OutboundClient {
        OutboundClient {
            inner: self.inner.clone(),
            extra: (!headers.is_empty()).then(|| Arc::new(headers)),
        }
    }

    /// Installs a new allowlist (after a configuration change); requests already sent keep
    /// the one they started with, their later redirects see the new one.
    pub fn set_allowlist(&self, allowlist: HostAllowlist) {
        let mut slot = self
            .inner
            .checks
            .allowlist
            .write()
            .unwrap_or_else(|p| p.into_inner());
        *slot = Arc::new(allowlist);
    }

    pub fn allowlist(&self) -> Arc<HostAllowlist> {
        self.inner.checks.current_allowlist()
    }

    /// Checks `url` as a request (or a redirect hop) with `trust` would be checked before any
    /// connection: scheme, allowlist, and for untrusted URLs internal names and literal IPs.
    /// Resolved addresses are checked later, at connect time.
    pub fn check_url(&self, trust: Trust, url: &Url) -> Result<(), OutboundError> {
        self.inner.checks.check_url(trust, url).map(|_| ())
    }

    /// Starts a request; nothing is sent until [`OutboundRequest::send`].
    pub fn request(&self, trust: Trust, method: Method, url: &str) -> Result<OutboundRequest, OutboundError> {
        let url = Url::parse(url).map_err(|e| OutboundError::BadUrl {
            reason: e.to_string(),
        })?;
        let host = self.inner.checks.check_url(trust, &url)?;
        // The client is picked again at send time, when the headers are known.
        let client = self.inner.client(match trust {
            Trust::Configured => ClientKind::Configured,
            Trust::Untrusted => ClientKind::Untrusted,
        })?;
        let mut builder = client.request(method, url);
        if let Some(extra) = &self.extra {
            builder = builder.headers(HeaderMap::clone(extra));
        }
        Ok(OutboundRequest {
            builder,
            host,
            trust,
            inner: self.inner.clone(),
        })
    }

    /// The client for admin-configured endpoints, for libraries that drive their own requests
    /// (MCP): `url` is checked now, and every redirect by the client's policy.
    pub fn configured_client(&self, url: &str) -> Result<reqwest::Client, OutboundError> {
        let url = Url::parse(url).map_err(|e| OutboundError::BadUrl {
            reason: e.to_string(),
        })?;
        self.inner.checks.check_url(Trust::Configured, &url)?;
        Ok(self.inner.client(ClientKind::Configured)?.clone())
    }

    pub fn get(&self, trust: Trust, url: &str) -> Result<OutboundRequest, OutboundError> {
        self.request(trust, Method::GET, url)
    }

    pub fn post(&self, trust: Trust, url: &str) -> Result<OutboundRequest, OutboundError> {
        self.request(trust, Method::POST, url)
    }
}

impl Checks {
    fn current_allowlist(&self) -> Arc<HostAllowlist> {
        self.allowlist.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Returns the host for error messages.
    fn check_url(&self, trust: Trust, url: &Url) -> Result<String, OutboundError> {
        match url.scheme() {
            "http" | "https" => {}
            other => {
                return Err(OutboundError::UnsupportedScheme {
                    scheme: other.to_owned(),
                });
            }
        }
        // url has already canonicalised the host: IDNA, lower case, IPv4 in dotted form
        // (`http://2130706433/` arrives as 127.0.0.1), IPv6 in brackets.
        let Some(raw) = url.host_str() else {
            return Err(OutboundError::BadUrl {
                reason: "the URL has no host".into(),
            });
        };
        let literal: Option<IpAddr> = match raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            Some(v6) => v6.parse().ok(),
            None => raw.parse().ok(),
        };
        let host = match literal {
            Some(ip) => ip.to_string(),
            None => raw.trim_end_matches('.').to_ascii_lowercase(),
        };
        if !self.current_allowlist().allows(&host) {
            return Err(OutboundError::NotAllowed { host });
        }
        if trust == Trust::Untrusted {
            match literal {
                Some(ip) => self.guard.check_ip(&host, ip)?,
                None => self.guard.check_name(&host)?,
            }
        }
        Ok(host)
    }
}

/// Which redirect targets a client may follow, besides the checks every URL gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origins {
    /// Only the origin (scheme, host, port) of the original request: it carries credentials.
    Same,
    Any,
}

fn redirect_policy(trust: Trust, origins: Origins, checks: Arc<Checks>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        // `previous` starts with the original URL, so it holds one more than the hops taken.
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(OutboundError::TooManyRedirects { max: MAX_REDIRECTS });
        }
        if let Err(refused) = checks.check_url(trust, attempt.url()) {
            return attempt.error(refused);
        }
        if origins == Origins::Same
            && let Some(first) = attempt.previous().first()
            && first.origin() != attempt.url().origin()
        {
            let host = |u: &Url| u.host_str().unwrap_or("").to_owned();
            let refused = OutboundError::CrossOriginRedirect {
                from: host(first),
                to: host(attempt.url()),
            };
            return attempt.error(refused);
        }
        attempt.follow()
    })
}

/// A request on its way out: reqwest's builder plus the host for error messages. The common
/// builder methods are repeated here; [`OutboundRequest::with`] reaches the rest.
#[must_use = "nothing is sent until `send`"]
pub struct OutboundRequest {
    builder: reqwest::RequestBuilder,
    host: String,
    trust: Trust,
    inner: Arc<Inner>,
}

impl fmt::Debug for OutboundRequest {
    // Only the host: the builder holds headers such as Authorization.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundRequest")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl OutboundRequest {
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn header<K, V>(self, key: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.with(|b| b.header(key, value))
    }

    pub fn headers(self, headers: HeaderMap) -> Self {
        self.with(|b| b.headers(headers))
    }

    /// `Authorization: Bearer …`, marked sensitive so it is never printed.
    pub fn bearer_auth<T: fmt::Display>(self, token: T) -> Self {
        self.with(|b| b.bearer_auth(token))
    }

    pub fn json<T: serde::Serialize + ?Sized>(self, body: &T) -> Self {
        self.with(|b| b.json(body))
    }

    pub fn body<T: Into<reqwest::Body>>(self, body: T) -> Self {
        self.with(|b| b.body(body))
    }

    /// Replaces the client's overall timeout for this request (connect, headers and body).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.with(|b| b.timeout(timeout))
    }

    /// Anything else reqwest's builder offers. The URL cannot be changed this way, so the
    /// checks made in [`OutboundClient::request`] still hold.
    pub fn with(self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        OutboundRequest {
            builder: f(self.builder),
            ..self
        }
    }

    /// Sends the request and returns the response once its headers arrive, whatever the status.
    /// Stream the body with [`bytes_stream`]; for `json()`, `text()`, … map errors with
    /// [`OutboundError::with_host`] (or `From`, which cannot name the host).
    pub async fn send(self) -> Result<reqwest::Response, OutboundError> {
        let host = self.host;
        let (_, request) = self.builder.build_split();
        let request = request.map_err(|e| OutboundError::with_host(e, host.clone()))?;
        let kind = match self.trust {
            Trust::Configured => ClientKind::Configured,
            Trust::Untrusted if has_credentials(request.headers()) => ClientKind::UntrustedCredentialed,
            Trust::Untrusted => ClientKind::Untrusted,
        };
        self.inner
            .client(kind)?
            .execute(request)
            .await
            .map_err(|e| OutboundError::with_host(e, host))
    }
}

/// Why an admin-set header cannot be sent, in words for a configuration problem (never quoting
/// the value, which may be a key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderRefusal {
    Name(String),
    Value(String),
}

/// Checks an admin-set header; the name and value ready to send (the value marked sensitive).
pub fn custom_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), HeaderRefusal> {
    let name = name.trim();
    if name.is_empty() {
        return Err(HeaderRefusal::Name("a header needs a name".into()));
    }
    let parsed = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        HeaderRefusal::Name(format!(
            "{name:?} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
        ))
    })?;
    let lower = parsed.as_str();
    // Bedrock's requests are signed with x-amz-* headers; another one would break the signature.
    if RESERVED_HEADERS.contains(&lower) || lower.starts_with("x-amz-") {
        return Err(HeaderRefusal::Name(format!(
            "{name:?} is set by the plugin itself and cannot be overridden"
        )));
    }
    let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
        HeaderRefusal::Value("the value must be visible ASCII text, without line breaks".into())
    })?;
    value.set_sensitive(true);
    Ok((parsed, value))
}

/// The usable headers of a list, for sending; ones [`custom_header`] refuses are left out
/// (configuration validation reports them, and a service with them is not used).
pub fn custom_headers<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let Ok((n, v)) = custom_header(name, value) {
            map.append(n, v);
        }
    }
    map
}

/// True when a header beyond [`PUBLIC_HEADERS`] is set: it may be a key.
fn has_credentials(headers: &HeaderMap) -> bool {
    headers
        .keys()
        .any(|name| !PUBLIC_HEADERS.contains(&name.as_str()))
}

/// Reads a response body up to `cap` bytes; a longer body is an error, and nothing beyond the
/// cap is read (or held in memory).
pub async fn read_capped(response: reqwest::Response, cap: usize) -> Result<bytes::Bytes, OutboundError> {
    use tokio_stream::StreamExt as _;
    let host = response
        .url()
        .host_str()
        .unwrap_or("the upstream server")
        .to_owned();
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(OutboundError::TooLarge { host, cap });
    }
    let mut body = bytes::BytesMut::new();
    let mut stream = bytes_stream(response);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > cap {
            return Err(OutboundError::TooLarge { host, cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A body as text (invalid UTF-8 replaced), at most `cap` bytes.
pub async fn text_capped(response: reqwest::Response, cap: usize) -> Result<String, OutboundError> {
    let body = read_capped(response, cap).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// What an error response says, for the error message: the first [`ERROR_BODY_CAP`] bytes, or
/// nothing when the body cannot be read.
pub async fn error_text(response: reqwest::Response) -> String {
    use tokio_stream::StreamExt as _;
    let mut body = Vec::new();
    let mut stream = bytes_stream(response);
    while let Some(Ok(chunk)) = stream.next().await {
        let room = ERROR_BODY_CAP.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= ERROR_BODY_CAP {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// A JSON body of at most `cap` bytes.
pub async fn json_capped<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    cap: usize,
) -> Result<T, OutboundError> {
    let host = response
        .url()
        .host_str()
        .unwrap_or("the upstream server")
        .to_owned();
    let body = read_capped(response, cap).await?;
    serde_json::from_slice(&body).map_err(|e| OutboundError::BadBody {
        host,
        detail: e.to_string(),
    })
}

/// The response body as a stream of chunks (what SSE parsing reads), with errors — a stalled
/// stream hitting the request timeout, a dropped connection — classified and naming the host.
pub fn bytes_stream(
    response: reqwest::Response,
) -> impl tokio_stream::Stream<Item = Result<bytes::Bytes, OutboundError>> + Send + 'static {
    use tokio_stream::StreamExt as _;
    let host = response
        .url()
        .host_str()
        .unwrap_or("the upstream server")
        .to_owned();
    response
        .bytes_stream()
        .map(move |chunk| chunk.map_err(|e| OutboundError::with_host(e, host.clone())))
}

/// Percent-encodes a URL path segment or query value (everything but RFC 3986's unreserved
/// characters).
pub fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

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
//! http and https only. reqwest drops `Authorization` and cookies when a redirect leaves the
//! original host, so a hostile redirect cannot collect a provider key.

mod allowlist;
mod error;
mod guard;

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

pub use allowlist::{AllowlistError, HostAllowlist};
pub use error::OutboundError;
pub use guard::{AddressKind, classify_ip, is_forbidden_name};

use guard::{Guard, GuardedResolver};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
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
}

struct Inner {
    configured: reqwest::Client,
    untrusted: reqwest::Client,
    checks: Arc<Checks>,
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
        let base = || {
            reqwest::Client::builder()
                .user_agent(concat!("mattermost-ai/", env!("PLUGIN_VERSION")))
                .connect_timeout(settings.connect_timeout)
                .timeout(settings.request_timeout)
        };
        let configured = base()
            .redirect(redirect_policy(Trust::Configured, checks.clone()))
            .build()
            .map_err(|e| OutboundError::Client(e.to_string()))?;
        let untrusted = base()
            .redirect(redirect_policy(Trust::Untrusted, checks.clone()))
            .dns_resolver(GuardedResolver {
                guard: checks.guard.clone(),
            })
            .no_proxy()
            .build()
            .map_err(|e| OutboundError::Client(e.to_string()))?;
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                configured,
                untrusted,
                checks,
            }),
        })
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
        let client = match trust {
            Trust::Configured => &self.inner.configured,
            Trust::Untrusted => &self.inner.untrusted,
        };
        Ok(OutboundRequest {
            builder: client.request(method, url),
            host,
        })
    }

    /// The client for admin-configured endpoints, for libraries that drive their own requests
    /// (MCP): `url` is checked now, and every redirect by the client's policy.
    pub fn configured_client(&self, url: &str) -> Result<reqwest::Client, OutboundError> {
        let url = Url::parse(url).map_err(|e| OutboundError::BadUrl {
            reason: e.to_string(),
        })?;
        self.inner.checks.check_url(Trust::Configured, &url)?;
        Ok(self.inner.configured.clone())
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

fn redirect_policy(trust: Trust, checks: Arc<Checks>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        // `previous` starts with the original URL, so it holds one more than the hops taken.
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(OutboundError::TooManyRedirects { max: MAX_REDIRECTS });
        }
        match checks.check_url(trust, attempt.url()) {
            Ok(_) => attempt.follow(),
            Err(refused) => attempt.error(refused),
        }
    })
}

/// A request on its way out: reqwest's builder plus the host for error messages. The common
/// builder methods are repeated here; [`OutboundRequest::with`] reaches the rest.
#[must_use = "nothing is sent until `send`"]
pub struct OutboundRequest {
    builder: reqwest::RequestBuilder,
    host: String,
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
            host: self.host,
        }
    }

    /// Sends the request and returns the response once its headers arrive, whatever the status.
    /// Stream the body with [`bytes_stream`]; for `json()`, `text()`, … map errors with
    /// [`OutboundError::with_host`] (or `From`, which cannot name the host).
    pub async fn send(self) -> Result<reqwest::Response, OutboundError> {
        let host = self.host;
        self.builder
            .send()
            .await
            .map_err(|e| OutboundError::with_host(e, host))
    }
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

//! Errors from outbound requests, worded for the admin who has to fix the configuration.
//!
//! No variant carries a URL: URLs can hold API keys (`?key=`) or credentials (`user:pass@`),
//! and these messages end up in logs and in replies to users. Only the host is named.

use std::net::IpAddr;
use std::sync::Arc;

use super::guard::AddressKind;

#[derive(Debug, Clone, thiserror::Error)]
pub enum OutboundError {
    #[error("invalid URL: {reason}")]
    BadUrl { reason: String },

    #[error("only http and https URLs are allowed, not {scheme}")]
    UnsupportedScheme { scheme: String },

    #[error("{host} is not in Allowed Upstream Hostnames (System Console > Plugins > Agents)")]
    NotAllowed { host: String },

    #[error("{}", forbidden_address(.host, .addr, .kind))]
    ForbiddenAddress {
        host: String,
        addr: IpAddr,
        kind: AddressKind,
    },

    #[error("{host} is an internal host name; URLs supplied by users or tools may not reach it")]
    ForbiddenHost { host: String },

    #[error("stopped after {max} redirects")]
    TooManyRedirects { max: usize },

    #[error(
        "{from} redirected to {to}, another origin; requests with credentials follow redirects on the same origin only"
    )]
    CrossOriginRedirect { from: String, to: String },

    #[error("the answer from {host} is larger than {cap} bytes")]
    TooLarge { host: String, cap: usize },

    #[error("the answer from {host} could not be read: {detail}")]
    BadBody { host: String, detail: String },

    #[error("request to {host} timed out")]
    Timeout { host: String },

    #[error("request to {host} failed: {detail}")]
    Transport {
        host: String,
        detail: String,
        #[source]
        source: Arc<reqwest::Error>,
    },

    #[error("could not set up the HTTP client: {0}")]
    Client(String),
}

fn forbidden_address(host: &str, addr: &IpAddr, kind: &AddressKind) -> String {
    let what = format!("a {kind} address; URLs supplied by users or tools may not reach internal networks");
    if host.trim_start_matches('[').trim_end_matches(']') == addr.to_string() {
        format!("{host} is {what}")
    } else {
        format!("{host} resolves to {addr}, {what}")
    }
}

impl OutboundError {
    /// Classifies a reqwest error, from `send` or from reading a response body. Refusals
    /// raised inside reqwest (by our resolver or redirect policy) come back as themselves.
    /// Errors reading a body carry no URL and are attributed to "the upstream server"; use
    /// [`OutboundError::with_host`] or [`super::bytes_stream`] to name the host.
    pub fn from_reqwest(err: reqwest::Error) -> Self {
        let host = err
            .url()
            .and_then(|url| url.host_str())
            .unwrap_or("the upstream server")
            .to_owned();
        Self::with_host(err, host)
    }

    /// Classifies `err` as [`OutboundError::from_reqwest`] does, naming `host` in the message.
    pub fn with_host(err: reqwest::Error, host: impl Into<String>) -> Self {
        let host = host.into();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(e) = source {
            if let Some(ours) = e.downcast_ref::<OutboundError>() {
                return ours.clone();
            }
            source = e.source();
        }
        if err.is_timeout() {
            return OutboundError::Timeout { host };
        }
        // reqwest's own Display names the URL; dropping it keeps query-string keys out.
        let err = err.without_url();
        OutboundError::Transport {
            host,
            detail: error_chain(&err),
            source: Arc::new(err),
        }
    }

    /// What a user (or a model reading a tool result) may be told: the host they asked for,
    /// never the addresses it resolves to or the network's own error text.
    pub fn user_message(&self) -> String {
        match self {
            OutboundError::ForbiddenAddress { host, .. } | OutboundError::ForbiddenHost { host } => {
                format!("{host} is on an internal network; URLs supplied by users or tools may not reach it")
            }
            OutboundError::Transport { host, .. } => format!("could not reach {host}"),
            OutboundError::Timeout { host } => format!("{host} did not answer in time"),
            OutboundError::TooLarge { host, .. } => format!("the answer from {host} is too large"),
            OutboundError::BadBody { host, .. } => format!("the answer from {host} could not be read"),
            OutboundError::Client(_) => "the plugin's HTTP client is not available".into(),
            other => other.to_string(),
        }
    }

    /// True for the refusals of the allowlist and the address guard, as opposed to the network
    /// failing: retrying will not help, the configuration or the URL has to change.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            OutboundError::NotAllowed { .. }
                | OutboundError::ForbiddenAddress { .. }
                | OutboundError::ForbiddenHost { .. }
                | OutboundError::UnsupportedScheme { .. }
                | OutboundError::TooManyRedirects { .. }
                | OutboundError::CrossOriginRedirect { .. }
                | OutboundError::BadUrl { .. }
        )
    }
}

impl From<reqwest::Error> for OutboundError {
    fn from(err: reqwest::Error) -> Self {
        Self::from_reqwest(err)
    }
}

/// "error sending request: client error (Connect): tcp connect error: Connection refused":
/// reqwest's top-level message alone ("error sending request") tells the admin nothing.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

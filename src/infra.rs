//! The infrastructure every feature runs on, built by the composition root once the server's
//! API is attached: the API handle (never optional from here up), the configuration in force,
//! the one outbound HTTP client, the usage sink and the metrics. Cheap to clone.

use std::sync::Arc;

use crate::config::snapshot::{LiveConfig, ServerFacts, Snapshot};
use crate::metrics::Metrics;
use crate::outbound::OutboundClient;
use crate::usage::UsageSink;
use crate::usage::book::UsageBook;
use plugin_runtime::host::{MattermostApi, TransportKind};

#[derive(Clone)]
pub struct Infra {
    api: Arc<dyn MattermostApi>,
    pub transport: TransportKind,
    pub config: Arc<LiveConfig>,
    /// Every request that leaves the server goes through this client (allowlist, SSRF guard,
    /// timeouts).
    pub outbound: OutboundClient,
    /// Every model call's token counts go here; metrics and the usage log subscribe.
    pub usage: Arc<UsageSink>,
    /// Per-day usage in the server's database: the usage page and the quotas read it.
    pub book: Arc<UsageBook>,
    pub metrics: Arc<Metrics>,
}

impl Infra {
    pub fn new(
        api: Arc<dyn MattermostApi>,
        transport: TransportKind,
        config: Arc<LiveConfig>,
        outbound: OutboundClient,
        usage: Arc<UsageSink>,
        book: Arc<UsageBook>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Infra {
            api,
            transport,
            config,
            outbound,
            usage,
            book,
            metrics,
        }
    }

    pub fn api(&self) -> Arc<dyn MattermostApi> {
        self.api.clone()
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.config.snapshot()
    }

    pub fn server(&self) -> ServerFacts {
        self.config.server()
    }

    pub fn is_clustered(&self) -> bool {
        self.config.is_clustered()
    }

    /// The site's public address (`ServiceSettings.SiteURL`) without a trailing slash; empty
    /// when the server has none.
    pub fn site_url(&self) -> String {
        site_url_of(&self.server().config)
    }
}

/// `ServiceSettings.SiteURL` of `config`, without a trailing slash.
pub fn site_url_of(config: &plugin_runtime::host::model::ServerConfig) -> String {
    config.site_url().unwrap_or("").trim_end_matches('/').to_owned()
}

//! Prometheus metrics, served through the ServeMetrics hook (and `GET /metrics` for admins).
//! Names and labels are upstream's, so existing dashboards keep working.

use prometheus::{
    Encoder as _, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
    TextEncoder,
};

use crate::usage::{UsageObserver, UsageRecord};

/// The plugin's metrics. The registry is built on first use (the first request, model call or
/// scrape), not at start-up: nothing reads it before, and building it brings the Prometheus
/// and /proc parsing code into memory. The start time is taken at start-up all the same.
pub struct Metrics {
    version: String,
    started: f64,
    registered: std::sync::OnceLock<Result<Registered, String>>,
}

struct Registered {
    registry: Registry,
    api_time: HistogramVec,
    http_requests: IntCounter,
    http_errors: IntCounter,
    llm_requests: IntCounterVec,
    input_tokens: IntCounterVec,
    output_tokens: IntCounterVec,
    quota_refusals: IntCounterVec,
}

#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl Metrics {
    pub fn new(version: &str) -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Metrics {
            version: version.to_owned(),
            started,
            registered: std::sync::OnceLock::new(),
        }
    }

    fn registered(&self) -> Result<&Registered, MetricsError> {
        self.registered
            .get_or_init(|| {
                Registered::new(&self.version, self.started).map_err(|e| {
                    tracing::error!(error = %e, "metrics could not be registered");
                    e.to_string()
                })
            })
            .as_ref()
            .map_err(|e| MetricsError(prometheus::Error::Msg(e.clone())))
    }

    /// One answered HTTP request; `handler` is the route's pattern.
    pub fn observe_http(&self, handler: &str, method: &str, status: u16, seconds: f64) {
        if let Ok(r) = self.registered() {
            r.observe_http(handler, method, status, seconds);
        }
    }

    /// A model call refused by a token quota of `scope` (`user`, `team`, `agent`).
    pub fn quota_refused(&self, scope: &str) {
        if let Ok(r) = self.registered() {
            r.quota_refusals.with_label_values(&[scope]).inc();
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<Vec<u8>, MetricsError> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registered()?.registry.gather(), &mut out)?;
        Ok(out)
    }
}

impl Registered {
    fn new(version: &str, started: f64) -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let start_time = Gauge::with_opts(Opts::new(
            "agents_system_plugin_start_timestamp_seconds",
            "Time the plugin started, in seconds since the Unix epoch.",
        ))?;
        // Cloud installations identify themselves through the environment, as upstream reads it.
        let installation = std::env::var("MM_CLOUD_INSTALLATION_ID").unwrap_or_default();
        let info = GaugeVec::new(
            Opts::new(
                "agents_system_plugin_info",
                "The plugin's version and installation.",
            ),
            &["version", "installationId"],
        )?;
        let api_time = HistogramVec::new(
            HistogramOpts::new(
                "agents_api_time_seconds",
                "Time to execute the plugin's HTTP API, in seconds.",
            ),
            &["handler", "method", "status_code"],
        )?;
        let http_requests = IntCounter::with_opts(Opts::new(
            "agents_http_requests_total",
            "Requests to the plugin's HTTP API.",
        ))?;
        let http_errors = IntCounter::with_opts(Opts::new(
            "agents_http_errors_total",
            "Requests to the plugin's HTTP API answered with a non-2xx status.",
        ))?;
        let llm_requests = IntCounterVec::new(
            Opts::new("agents_llm_requests_total", "Requests to language models."),
            &["llm_name", "provider"],
        )?;
        let input_tokens = IntCounterVec::new(
            Opts::new("agents_llm_input_tokens_total", "Tokens sent to language models."),
            &["bot_name", "team_id"],
        )?;
        let output_tokens = IntCounterVec::new(
            Opts::new(
                "agents_llm_output_tokens_total",
                "Tokens language models answered with.",
            ),
            &["bot_name", "team_id"],
        )?;
        let quota_refusals = IntCounterVec::new(
            Opts::new(
                "agents_quota_refusals_total",
                "Model calls refused because a token quota was used up.",
            ),
            &["scope"],
        )?;
        registry.register(Box::new(quota_refusals.clone()))?;
        registry.register(Box::new(start_time.clone()))?;
        registry.register(Box::new(info.clone()))?;
        registry.register(Box::new(api_time.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_errors.clone()))?;
        registry.register(Box::new(llm_requests.clone()))?;
        registry.register(Box::new(input_tokens.clone()))?;
        registry.register(Box::new(output_tokens.clone()))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(prometheus::process_collector::ProcessCollector::new(
            std::process::id() as i32,
            "agents",
        )))?;
        start_time.set(started);
        info.with_label_values(&[version, installation.as_str()]).set(1.0);
        Ok(Self {
            registry,
            api_time,
            http_requests,
            http_errors,
            llm_requests,
            quota_refusals,
            input_tokens,
            output_tokens,
        })
    }

    fn observe_http(&self, handler: &str, method: &str, status: u16, seconds: f64) {
        self.http_requests.inc();
        if !(200..300).contains(&status) {
            self.http_errors.inc();
        }
        self.api_time
            .with_label_values(&[handler, method, status.to_string().as_str()])
            .observe(seconds);
    }
}

impl UsageObserver for Metrics {
    fn observe(&self, r: &UsageRecord) {
        let Ok(m) = self.registered() else { return };
        m.llm_requests
            .with_label_values(&[r.bot_username.as_str(), r.provider.as_str()])
            .inc();
        let labels = [r.bot_username.as_str(), r.team_id.as_str()];
        m.input_tokens.with_label_values(&labels).inc_by(r.input_tokens);
        m.output_tokens.with_label_values(&labels).inc_by(r.output_tokens);
    }
}

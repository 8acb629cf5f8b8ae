//! Prometheus metrics served through the ServeMetrics hook. More series arrive with the
//! observability work; the registry and exposition live here from the start.

use prometheus::{Encoder as _, Gauge, GaugeVec, Opts, Registry, TextEncoder};

pub struct Metrics {
    registry: Registry,
    start_time: Gauge,
    info: GaugeVec,
}

#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl Metrics {
    pub fn new(version: &str) -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let start_time = Gauge::with_opts(Opts::new(
            "agents_system_plugin_start_timestamp_seconds",
            "Time the plugin started, in seconds since the Unix epoch.",
        ))?;
        let info = GaugeVec::new(
            Opts::new(
                "agents_system_plugin_info",
                "The plugin's version and installation.",
            ),
            &["version", "installation_id"],
        )?;
        registry.register(Box::new(start_time.clone()))?;
        registry.register(Box::new(info.clone()))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        start_time.set(now);
        info.with_label_values(&[version, ""]).set(1.0);
        Ok(Self {
            registry,
            start_time,
            info,
        })
    }

    pub fn set_installation_id(&self, version: &str, installation_id: &str) {
        self.info.reset();
        self.info.with_label_values(&[version, installation_id]).set(1.0);
    }

    pub fn start_time(&self) -> f64 {
        self.start_time.get()
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<Vec<u8>, MetricsError> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(out)
    }
}

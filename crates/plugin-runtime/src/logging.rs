//! Logs as hclog JSON lines on stderr, the form go-plugin parses and forwards into the server's
//! log with its level (`@level`, `@message`, `@timestamp`, then our fields).

use std::io::Write as _;

use goplugin::hclog::{Level as HcLevel, format_line};
use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

/// The module name the server shows next to each line.
const MODULE: &str = "mattermost-ai";

/// Installs the subscriber. `MMAI_LOG` (`trace`, `debug`, `info`, `warn`, `error`) sets our
/// level; dependencies stay at `warn` so protocol chatter never floods the server log.
pub fn init() {
    let ours = std::env::var("MMAI_LOG")
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::DEBUG);
    let filter = Targets::new()
        .with_default(LevelFilter::WARN)
        .with_target("mattermost_ai", ours)
        .with_target("mattermost_simulator", ours);
    let _ = tracing_subscriber::registry()
        .with(HclogLayer.with_filter(filter))
        .try_init();
}

struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut v = Fields::default();
        event.record(&mut v);
        let level = match *event.metadata().level() {
            Level::TRACE => HcLevel::Trace,
            Level::DEBUG => HcLevel::Debug,
            Level::INFO => HcLevel::Info,
            Level::WARN => HcLevel::Warn,
            Level::ERROR => HcLevel::Error,
        };
        let fields: Vec<(&str, Value)> = v.fields.iter().map(|(k, v)| (*k, v.clone())).collect();
        let mut line = format_line(level, MODULE, &v.message, &fields);
        line.push('\n');
        // One write per line so concurrent tasks never interleave inside a line.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    fields: Vec<(&'static str, Value)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
        } else {
            self.fields.push((field.name(), value));
        }
    }
}

//! Every model call ends in one usage record, handed to one sink; metrics and the token-usage
//! log observe it, so no caller needs to know who counts.

pub mod book;
pub mod log;
pub mod quota;
pub mod report;

use std::sync::{Arc, RwLock};

use serde::Serialize;

use plugin_runtime::host::model::Channel;

/// Who spent how many tokens, with which agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UsageRecord {
    pub user_id: String,
    /// The channel's team, or `dm` / `group` for direct and group messages (upstream's values).
    pub team_id: String,
    pub bot_id: String,
    pub bot_username: String,
    /// The service type (`openai`, `anthropic`…), for per-provider counts.
    pub provider: String,
    /// The model that answered.
    pub model: String,
    /// What the call was for: `conversation`, `title`, `summary`…
    pub operation: String,
    /// A finer label some callers give (the bridge's `operation_subtype`); often empty.
    pub operation_subtype: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl UsageRecord {
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// The team label of a channel: its team, or `dm` / `group`.
pub fn team_label(channel: &Channel) -> String {
    if channel.is_direct() {
        "dm".into()
    } else if channel.is_group() {
        "group".into()
    } else if channel.team_id.is_empty() {
        "unknown".into()
    } else {
        channel.team_id.clone()
    }
}

/// Something that counts usage. Called on the conversation's task: must not block.
pub trait UsageObserver: Send + Sync {
    fn observe(&self, record: &UsageRecord);
}

#[derive(Default)]
pub struct UsageSink {
    observers: RwLock<Vec<Arc<dyn UsageObserver>>>,
}

impl UsageSink {
    pub fn add(&self, observer: Arc<dyn UsageObserver>) {
        if let Ok(mut o) = self.observers.write() {
            o.push(observer);
        }
    }

    pub fn record(&self, record: UsageRecord) {
        tracing::debug!(
            user_id = %record.user_id,
            bot = %record.bot_username,
            input = record.input_tokens,
            output = record.output_tokens,
            operation = %record.operation,
            "token usage"
        );
        let observers = self.observers.read().map(|o| o.clone()).unwrap_or_default();
        for o in observers {
            o.observe(&record);
        }
    }
}

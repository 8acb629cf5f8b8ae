//! Every model call ends in one usage record, handed to one sink; metrics and the token-usage
//! log subscribe to it, so no caller needs to know who counts.

use serde::Serialize;
use tokio::sync::broadcast;

/// Who spent how many tokens, with which agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UsageRecord {
    pub user_id: String,
    /// The channel's team; empty for direct and group messages.
    pub team_id: String,
    pub bot_id: String,
    pub bot_username: String,
    /// The service type (`openai`, `anthropic`…), for per-provider counts.
    pub provider: String,
    /// What the call was for: `conversation`, `title`, `summary`…
    pub operation: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl UsageRecord {
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// Fan-out of usage records. Sending never blocks a conversation: a subscriber that falls more
/// than the buffer behind loses the oldest records and is told how many.
#[derive(Clone)]
pub struct UsageSink {
    tx: broadcast::Sender<UsageRecord>,
}

impl Default for UsageSink {
    fn default() -> Self {
        UsageSink {
            tx: broadcast::Sender::new(4096),
        }
    }
}

impl UsageSink {
    pub fn record(&self, record: UsageRecord) {
        tracing::debug!(
            user_id = %record.user_id,
            bot = %record.bot_username,
            input = record.input_tokens,
            output = record.output_tokens,
            operation = %record.operation,
            "token usage"
        );
        // No subscriber is not an error: counting is optional.
        let _ = self.tx.send(record);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<UsageRecord> {
        self.tx.subscribe()
    }
}

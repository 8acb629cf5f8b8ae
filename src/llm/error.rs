//! Provider failures, classified so users get a short safe message and admins the detail.

use std::time::Duration;

use crate::outbound::{OutboundError, OutboundRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    Authentication,
    Permission,
    RateLimited,
    ModelNotFound,
    ContextTooLong,
    Timeout,
    Unavailable,
    Malformed,
    BadRequest,
    /// Refused before reaching the service: the user has too many answers in progress.
    Busy,
    /// Refused before reaching the service: a token quota is used up.
    QuotaExceeded,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{class:?}: {detail}")]
pub struct LlmError {
    pub class: ErrorClass,
    /// For the admin's log: what the provider said (never the API key).
    pub detail: String,
    pub retry_after: Option<Duration>,
}

impl LlmError {
    pub fn new(class: ErrorClass, detail: impl Into<String>) -> Self {
        LlmError {
            class,
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// What a chat user is told.
    pub fn user_message(&self) -> String {
        match self.class {
            ErrorClass::Authentication => "The AI service rejected the plugin's credentials. Ask your system admin to check the service's API key.".into(),
            ErrorClass::Permission => "The AI service refused this request (permission denied). Ask your system admin to check the service's access.".into(),
            ErrorClass::RateLimited => match self.retry_after {
                Some(d) => format!("The AI service is rate limiting requests. Try again in {} seconds.", d.as_secs().max(1)),
                None => "The AI service is rate limiting requests or is out of quota. Try again later.".into(),
            },
            ErrorClass::ModelNotFound => "The AI service does not know the configured model. Ask your system admin to check the agent's model.".into(),
            ErrorClass::ContextTooLong => "The conversation is too long for the model. Start a new thread or shorten the request.".into(),
            ErrorClass::Timeout => "The AI service took too long to answer.".into(),
            ErrorClass::Unavailable => "The AI service is unavailable right now. Try again later.".into(),
            ErrorClass::Malformed => "The AI service sent a response the plugin could not read.".into(),
            ErrorClass::BadRequest => "The AI service rejected the request.".into(),
            // Raised by the plugin itself (the per-user limit, a quota), never by a provider: its
            // detail is the message for the user.
            ErrorClass::Busy | ErrorClass::QuotaExceeded => self.detail.clone(),
        }
    }

    /// Classifies an HTTP failure from its status and body.
    pub fn from_status(status: u16, body: &str, retry_after: Option<Duration>) -> Self {
        let lower = body.to_ascii_lowercase();
        let class = match status {
            401 => ErrorClass::Authentication,
            403 => ErrorClass::Permission,
            404 if lower.contains("model") || lower.contains("deployment") => ErrorClass::ModelNotFound,
            404 => ErrorClass::Unavailable,
            408 => ErrorClass::Timeout,
            413 => ErrorClass::ContextTooLong,
            429 => ErrorClass::RateLimited,
            400 | 422
                if lower.contains("context_length")
                    || lower.contains("context length")
                    || lower.contains("too many tokens")
                    || lower.contains("maximum context")
                    || lower.contains("prompt is too long") =>
            {
                ErrorClass::ContextTooLong
            }
            400 | 422
                if lower.contains("model")
                    && (lower.contains("not found") || lower.contains("does not exist")) =>
            {
                ErrorClass::ModelNotFound
            }
            400 | 422 => ErrorClass::BadRequest,
            500..=599 => ErrorClass::Unavailable,
            _ => ErrorClass::Malformed,
        };
        let mut detail: String = body.chars().take(2000).collect();
        if detail.is_empty() {
            detail = format!("HTTP {status}");
        } else {
            detail = format!("HTTP {status}: {detail}");
        }
        LlmError {
            class,
            detail,
            retry_after,
        }
    }
}

/// Outbound failures never carry the URL (it may hold keys), only the host.
impl From<&OutboundError> for LlmError {
    fn from(e: &OutboundError) -> Self {
        let class = match e {
            OutboundError::Timeout { .. } => ErrorClass::Timeout,
            e if e.is_refusal() => ErrorClass::Permission,
            OutboundError::BadUrl { .. } | OutboundError::UnsupportedScheme { .. } => ErrorClass::BadRequest,
            _ => ErrorClass::Unavailable,
        };
        LlmError::new(class, e.to_string())
    }
}

/// A `Retry-After` given in seconds.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Sends, giving up when no response head arrives within `first_byte`.
pub async fn send_within(req: OutboundRequest, first_byte: Duration) -> Result<reqwest::Response, LlmError> {
    match tokio::time::timeout(first_byte, req.send()).await {
        Err(_) => Err(LlmError::new(
            ErrorClass::Timeout,
            "no response before the first-byte timeout",
        )),
        Ok(Err(e)) => Err(LlmError::from(&e)),
        Ok(Ok(r)) => Ok(r),
    }
}

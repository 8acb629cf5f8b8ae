//! Provider failures, classified so users get a short safe message and admins the detail.

use std::time::Duration;

use crate::i18n::{Locale, arg};
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

    /// What a chat user is told, in English: for logs, admins and callers that are not a chat
    /// user (the LLM Bridge, tools, the System Console).
    pub fn user_message(&self) -> String {
        self.user_message_in(&Locale::default())
    }

    /// What a chat user is told, in their language.
    pub fn user_message_in(&self, locale: &Locale) -> String {
        let id = match self.class {
            ErrorClass::Authentication => "llm.error.authentication",
            ErrorClass::Permission => "llm.error.permission",
            ErrorClass::RateLimited => match self.retry_after {
                Some(d) => {
                    return locale.tr(
                        "llm.error.rate_limited.seconds",
                        &[arg("Seconds", d.as_secs().max(1))],
                    );
                }
                None => "llm.error.rate_limited",
            },
            ErrorClass::ModelNotFound => "llm.error.model_not_found",
            ErrorClass::ContextTooLong => "llm.error.context_too_long",
            ErrorClass::Timeout => "llm.error.timeout",
            ErrorClass::Unavailable => "llm.error.unavailable",
            ErrorClass::Malformed => "llm.error.malformed",
            ErrorClass::BadRequest => "llm.error.bad_request",
            // Raised by the plugin itself (the per-user limit, a quota), never by a provider: its
            // detail is the message for the user, already in their language.
            ErrorClass::Busy | ErrorClass::QuotaExceeded => return self.detail.clone(),
        };
        locale.tr(id, &[])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_told_in_their_language_and_logs_in_english() {
        let e = LlmError::from_status(401, "bad key sk-123", None);
        assert!(e.user_message().contains("credentials"), "{}", e.user_message());
        let de = e.user_message_in(&Locale::new("de"));
        assert!(de.contains("Anmeldedaten"), "{de}");
        assert!(!de.contains("sk-123"));
        let limited = LlmError::from_status(429, "", Some(Duration::from_secs(7)));
        assert!(limited.user_message().contains("7 seconds"));
        let ja = limited.user_message_in(&Locale::new("ja"));
        assert!(ja.contains('7') && !ja.contains("seconds"), "{ja}");
        // The plugin's own refusals are already in the user's language.
        let busy = LlmError::new(ErrorClass::Busy, "Sie haben schon …");
        assert_eq!(busy.user_message_in(&Locale::new("fr")), "Sie haben schon …");
    }

    #[test]
    fn every_class_has_a_message_in_every_language() {
        let classes = [
            ErrorClass::Authentication,
            ErrorClass::Permission,
            ErrorClass::RateLimited,
            ErrorClass::ModelNotFound,
            ErrorClass::ContextTooLong,
            ErrorClass::Timeout,
            ErrorClass::Unavailable,
            ErrorClass::Malformed,
            ErrorClass::BadRequest,
        ];
        for (lang, _) in crate::i18n::LANGUAGES {
            let l = Locale::new(lang);
            for class in classes {
                let text = LlmError::new(class, "detail").user_message_in(&l);
                assert!(!text.starts_with("llm.error."), "{lang} {class:?}: {text}");
                assert!(!text.contains("detail"), "{lang} {class:?}");
            }
        }
    }
}

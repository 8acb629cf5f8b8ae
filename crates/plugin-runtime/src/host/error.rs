//! The one error type every transport maps the server's failures into.

use serde::{Deserialize, Serialize};

/// Mattermost's `model.AppError` as it crosses the wire (its `params` never do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppError {
    pub id: String,
    pub message: String,
    pub detailed_error: String,
    pub request_id: String,
    pub status_code: i64,
    #[serde(rename = "where")]
    pub where_: String,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Mattermost's own rendering: "where: message, detailed".
        if !self.where_.is_empty() {
            write!(f, "{}: ", self.where_)?;
        }
        f.write_str(if self.message.is_empty() {
            &self.id
        } else {
            &self.message
        })?;
        if !self.detailed_error.is_empty() {
            write!(f, ", {}", self.detailed_error)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an application error.
    #[error("{0}")]
    App(Box<AppError>),
    /// The server answered with a plain Go error (no id, no status).
    #[error("{0}")]
    Plain(String),
    /// The call never got an answer: the connection failed or the reply did not decode.
    #[error("plugin API transport: {0}")]
    Transport(String),
    /// This server does not offer the call (an older Mattermost, or the gRPC host lacks it).
    #[error("the Mattermost server does not support {0}")]
    Unsupported(String),
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(Box::new(e))
    }
}

impl ApiError {
    /// What a user may be told: the server's message meant for them, never its internal detail
    /// (`detailed_error`, `where`), which can carry SQL, file paths or addresses.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::App(e) if !e.message.is_empty() => e.message.clone(),
            ApiError::App(e) if !e.id.is_empty() => e.id.clone(),
            ApiError::App(_) | ApiError::Plain(_) | ApiError::Transport(_) => {
                "the Mattermost server could not complete the request".into()
            }
            ApiError::Unsupported(_) => self.to_string(),
        }
    }

    /// Logs the whole error for the admin and returns "`doing`: <user message>" for the user.
    pub fn for_user(&self, doing: &str) -> String {
        tracing::warn!(error = %self, "{doing} failed");
        format!("{doing}: {}", self.user_message())
    }

    /// HTTP-like status of the failure, when the server gave one.
    pub fn status(&self) -> Option<i64> {
        match self {
            ApiError::App(e) if e.status_code != 0 => Some(e.status_code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What a hook returns to the server when it fails.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HookError {
    #[error("{0}")]
    App(Box<AppError>),
    #[error("{0}")]
    Plain(String),
}

impl From<ApiError> for HookError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::App(a) => HookError::App(a),
            other => HookError::Plain(other.to_string()),
        }
    }
}

//! The transport-agnostic boundary: the API we call, the hooks we serve, and the data model
//! they share. Everything above this module is written against these traits only.

pub mod api;
pub mod error;
pub mod hooks;
pub mod model;

pub use api::{LogLevel, MattermostApi, PluginHttpRequest, PluginHttpResponse};
pub use error::{ApiError, ApiResult, AppError, HookError};
pub use hooks::{
    Hooks, HttpBody, HttpRequest, HttpResponse, IMPLEMENTED_HOOKS, OPTIONAL_HOOKS, TransportKind, hook_id,
    implemented_hooks,
};

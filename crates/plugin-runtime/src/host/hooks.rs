//! The hooks the plugin serves. Transports decode the server's calls and dispatch here.

use std::sync::Arc;

use async_trait::async_trait;

use super::api::MattermostApi;
use super::error::{AppError, HookError};
use super::model::{CommandArgs, CommandResponse, EmailNotification, HookContext, Post, PushNotification};

pub type HttpBody = axum::body::Body;
pub type HttpRequest = http::Request<HttpBody>;
pub type HttpResponse = http::Response<HttpBody>;

/// Which transport carries the plugin, for `/version` and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    NetRpc,
    Grpc,
    /// Called in the same process, without a wire (tests of the plugin's domain).
    InProcess,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::NetRpc => "netrpc",
            TransportKind::Grpc => "grpc",
            TransportKind::InProcess => "in-process",
        }
    }
}

/// Hook names as Mattermost spells them in `Implemented`.
pub const IMPLEMENTED_HOOKS: &[&str] = &[
    "OnActivate",
    "OnDeactivate",
    "OnConfigurationChange",
    "MessageHasBeenPosted",
    "MessageHasBeenUpdated",
    "MessageHasBeenDeleted",
    "ServeHTTP",
    "ServeMetrics",
    "ExecuteCommand",
    "NotificationWillBePushed",
    "EmailNotificationWillBeSent",
];

#[async_trait]
pub trait Hooks: Send + Sync + 'static {
    /// Hands the plugin its API client. Called by the transport before any hook that may use it:
    /// for net/rpc inside `OnActivate` once the API stream is dialled, for gRPC at start-up.
    fn attach_api(&self, api: Arc<dyn MattermostApi>, transport: TransportKind);

    async fn on_activate(&self) -> Result<(), HookError>;
    async fn on_deactivate(&self) -> Result<(), HookError>;
    async fn on_configuration_change(&self) -> Result<(), HookError>;

    async fn message_has_been_posted(&self, ctx: HookContext, post: Post);
    async fn message_has_been_updated(&self, ctx: HookContext, new_post: Post, old_post: Post);
    async fn message_has_been_deleted(&self, ctx: HookContext, post: Post);

    /// A push notification to `user_id` is about to go out: `Some(reason)` stops it.
    async fn notification_will_be_pushed(
        &self,
        _notification: PushNotification,
        _user_id: String,
    ) -> Option<String> {
        None
    }

    /// An e-mail notification is about to go out: `Some(reason)` stops it.
    async fn email_notification_will_be_sent(&self, _notification: EmailNotification) -> Option<String> {
        None
    }

    /// A request under `/plugins/<id>/`, path already stripped of that prefix. The response
    /// body is streamed back as it is produced.
    async fn serve_http(&self, ctx: HookContext, request: HttpRequest) -> HttpResponse;
    /// A request to the server's metrics listener under `/plugins/<id>/metrics`.
    async fn serve_metrics(&self, ctx: HookContext, request: HttpRequest) -> HttpResponse;

    async fn execute_command(&self, ctx: HookContext, args: CommandArgs)
    -> Result<CommandResponse, AppError>;
}

//! The hooks the plugin serves. Transports decode the server's calls and dispatch here.

use std::sync::Arc;

use async_trait::async_trait;

use super::api::MattermostApi;
use super::error::{AppError, HookError};
use super::model::{
    CommandArgs, CommandResponse, EmailNotification, FileData, HookContext, PluginClusterEvent, Post,
    PushNotification,
};

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

/// Hooks a plugin may opt into with [`Hooks::optional_hooks`]: the server calls a hook only when
/// `Implemented` names it, so these are listed only for a plugin that says it implements them.
pub const OPTIONAL_HOOKS: &[&str] = &["OnPluginClusterEvent", "RunDataRetention", "GenerateSupportData"];

/// Mattermost's hook ids (`server/public/plugin/hooks.go`) of the optional hooks: the server
/// keeps `implemented[id]` from the names in `Implemented` and calls only those.
pub mod hook_id {
    pub const ON_PLUGIN_CLUSTER_EVENT: u32 = 20;
    pub const RUN_DATA_RETENTION: u32 = 24;
    pub const GENERATE_SUPPORT_DATA: u32 = 45;
}

/// What `Implemented` answers for `hooks`: [`IMPLEMENTED_HOOKS`], then the optional hooks the
/// plugin opted into (names outside [`OPTIONAL_HOOKS`] are ignored).
pub fn implemented_hooks(hooks: &dyn Hooks) -> Vec<String> {
    let optional = hooks.optional_hooks();
    IMPLEMENTED_HOOKS
        .iter()
        .chain(OPTIONAL_HOOKS.iter().filter(|h| optional.contains(h)))
        .map(|h| (*h).to_owned())
        .collect()
}

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

    /// The optional hooks ([`OPTIONAL_HOOKS`]) this plugin implements, for `Implemented`. A plugin
    /// that overrides one of the hooks below names it here, or the server never calls it.
    fn optional_hooks(&self) -> &'static [&'static str] {
        &[]
    }

    /// Another node's instance of this plugin published `event` (`PublishPluginClusterEvent`).
    async fn on_plugin_cluster_event(&self, _ctx: HookContext, _event: PluginClusterEvent) {}

    /// Files for the Support Packet an admin is generating.
    async fn generate_support_data(&self, _ctx: HookContext) -> Result<Vec<FileData>, HookError> {
        Ok(Vec::new())
    }

    /// A data retention job runs: delete up to `batch_size` items older than the plugin's
    /// policy as of `now_millis`; returns how many were deleted.
    async fn run_data_retention(&self, _now_millis: i64, _batch_size: i64) -> Result<i64, HookError> {
        Ok(0)
    }
}

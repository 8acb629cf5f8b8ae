//! What the simulator needs from a running plugin, whatever the transport: the hooks, called
//! the way the server calls them: over net/rpc, over gRPC, or in this process.

use async_trait::async_trait;
use plugin_runtime::host::model::{
    CommandArgs, CommandResponse, EmailNotification, FileData, HookContext, PluginClusterEvent, Post,
    PushNotification,
};
use plugin_runtime::host::{AppError, HttpRequest, HttpResponse};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("starting the plugin: {0}")]
    Start(String),
    #[error("hook {hook} failed: {message}")]
    Hook { hook: &'static str, message: String },
    #[error("transport: {0}")]
    Transport(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

#[async_trait]
pub trait PluginConnection: Send + Sync {
    async fn implemented(&self) -> Result<Vec<String>, SimError>;
    /// Offers the API (and, for net/rpc, the database driver) and calls OnActivate.
    async fn on_activate(&self) -> Result<(), SimError>;
    async fn on_deactivate(&self) -> Result<(), SimError>;
    async fn on_configuration_change(&self) -> Result<(), SimError>;
    async fn message_has_been_posted(&self, ctx: HookContext, post: Post) -> Result<(), SimError>;
    async fn message_has_been_updated(&self, ctx: HookContext, new: Post, old: Post) -> Result<(), SimError>;
    async fn message_has_been_deleted(&self, ctx: HookContext, post: Post) -> Result<(), SimError>;
    /// Returns the rejection reason ("" lets the notification go).
    async fn notification_will_be_pushed(
        &self,
        n: PushNotification,
        user_id: &str,
    ) -> Result<String, SimError>;
    /// Returns the rejection reason ("" lets the e-mail go).
    async fn email_notification_will_be_sent(&self, n: EmailNotification) -> Result<String, SimError>;
    async fn execute_command(
        &self,
        ctx: HookContext,
        args: CommandArgs,
    ) -> Result<Result<CommandResponse, AppError>, SimError>;
    /// `request` is already rewritten the way the server rewrites plugin requests.
    async fn serve_http(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError>;
    async fn serve_metrics(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError>;
    /// OnPluginClusterEvent, called whether or not `Implemented` lists it (the simulator's
    /// cluster only delivers to plugins that list it, as the server does).
    async fn on_plugin_cluster_event(
        &self,
        ctx: HookContext,
        event: PluginClusterEvent,
    ) -> Result<(), SimError>;
    /// GenerateSupportData; a returned error is `SimError::Hook`.
    async fn generate_support_data(&self, ctx: HookContext) -> Result<Vec<FileData>, SimError>;
    /// RunDataRetention; a returned error is `SimError::Hook`.
    async fn run_data_retention(&self, now_millis: i64, batch_size: i64) -> Result<i64, SimError>;
    async fn ping(&self) -> Result<(), SimError>;
    /// The plugin's process id, where the transport launched a process.
    fn pid(&self) -> Option<u32>;
    /// Asks the plugin to quit, waits up to 2 s, then kills it. Returns whether it exited by
    /// itself.
    async fn shutdown(&self) -> bool;
}

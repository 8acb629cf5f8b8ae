//! The plugin itself: state shared by every hook and route, and the hook implementations.
//! It sees the server only through `host::MattermostApi`.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::host::model::{CommandArgs, CommandResponse, HookContext, License, Post};
use crate::host::{
    AppError, HookError, Hooks, HttpRequest, HttpResponse, LogLevel, MattermostApi, TransportKind,
};
use crate::metrics::Metrics;

/// What the server told us at activation.
#[derive(Debug, Clone, Default)]
pub struct ServerFacts {
    pub version: String,
    pub site_url: String,
    pub license: Option<License>,
}

/// State shared by hooks and HTTP handlers.
pub struct Core {
    api: RwLock<Option<Arc<dyn MattermostApi>>>,
    transport: RwLock<Option<TransportKind>>,
    /// The last configuration the server gave us (`{"config": …}`), kept as JSON until the
    /// configuration model lands; a failed reload keeps the previous one.
    raw_config: RwLock<Arc<Value>>,
    server: RwLock<ServerFacts>,
    pub metrics: Metrics,
}

impl Core {
    pub fn api(&self) -> Option<Arc<dyn MattermostApi>> {
        self.api.read().ok().and_then(|g| g.clone())
    }

    pub fn transport(&self) -> Option<TransportKind> {
        self.transport.read().ok().and_then(|g| *g)
    }

    pub fn raw_config(&self) -> Arc<Value> {
        self.raw_config.read().map(|g| g.clone()).unwrap_or_default()
    }

    pub fn server(&self) -> ServerFacts {
        self.server.read().map(|g| g.clone()).unwrap_or_default()
    }
}

pub struct Plugin {
    core: Arc<Core>,
    router: axum::Router,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsError),
}

impl Plugin {
    pub fn new() -> Result<Self, StartError> {
        let core = Arc::new(Core {
            api: RwLock::new(None),
            transport: RwLock::new(None),
            raw_config: RwLock::new(Arc::new(Value::Null)),
            server: RwLock::new(ServerFacts::default()),
            metrics: Metrics::new(crate::PLUGIN_VERSION)?,
        });
        let router = crate::http::router(core.clone());
        Ok(Self { core, router })
    }

    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    fn api(&self) -> Result<Arc<dyn MattermostApi>, HookError> {
        self.core
            .api()
            .ok_or_else(|| HookError::Plain("the plugin API is not connected yet".into()))
    }
}

#[async_trait]
impl Hooks for Plugin {
    fn attach_api(&self, api: Arc<dyn MattermostApi>, transport: TransportKind) {
        if let Ok(mut g) = self.core.api.write() {
            *g = Some(api);
        }
        if let Ok(mut g) = self.core.transport.write() {
            *g = Some(transport);
        }
    }

    async fn on_activate(&self) -> Result<(), HookError> {
        let api = self.api()?;
        // Nothing here may fail activation: a server that answers oddly still gets a running
        // plugin that explains itself in the log.
        let mut facts = ServerFacts::default();
        match api.get_server_version().await {
            Ok(v) => facts.version = v,
            Err(e) => tracing::warn!(error = %e, "could not read the server version"),
        }
        match api.get_config().await {
            Ok(c) => facts.site_url = c.site_url().unwrap_or_default().to_owned(),
            Err(e) => tracing::warn!(error = %e, "could not read the server configuration"),
        }
        match api.get_license().await {
            Ok(l) => facts.license = l,
            Err(e) => tracing::warn!(error = %e, "could not read the license"),
        }
        let transport = self.core.transport().map(|t| t.as_str()).unwrap_or("none");
        tracing::info!(
            server_version = %facts.version,
            licensed = facts.license.is_some(),
            transport,
            "Agents plugin activated"
        );
        let fields = [
            ("version", json!(crate::PLUGIN_VERSION)),
            ("transport", json!(transport)),
        ];
        if let Err(e) = api.log(LogLevel::Info, "Agents plugin activated", &fields).await {
            tracing::warn!(error = %e, "could not write to the server log");
        }
        if let Ok(mut g) = self.core.server.write() {
            *g = facts;
        }
        Ok(())
    }

    async fn on_deactivate(&self) -> Result<(), HookError> {
        tracing::info!("Agents plugin deactivated");
        Ok(())
    }

    async fn on_configuration_change(&self) -> Result<(), HookError> {
        let api = self.api()?;
        match api.load_plugin_configuration().await {
            Ok(config) => {
                if let Ok(mut g) = self.core.raw_config.write() {
                    *g = Arc::new(config);
                }
                tracing::debug!("configuration loaded");
                Ok(())
            }
            Err(e) => {
                // Keep running on the previous configuration; the admin sees why in the log.
                tracing::error!(error = %e, "could not load the plugin configuration; keeping the previous one");
                Ok(())
            }
        }
    }

    async fn message_has_been_posted(&self, _ctx: HookContext, post: Post) {
        tracing::trace!(post_id = %post.id, "message posted");
    }

    async fn message_has_been_updated(&self, _ctx: HookContext, new_post: Post, _old: Post) {
        tracing::trace!(post_id = %new_post.id, "message updated");
    }

    async fn message_has_been_deleted(&self, _ctx: HookContext, post: Post) {
        tracing::trace!(post_id = %post.id, "message deleted");
    }

    async fn serve_http(&self, _ctx: HookContext, request: HttpRequest) -> HttpResponse {
        match self.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    async fn serve_metrics(&self, _ctx: HookContext, _request: HttpRequest) -> HttpResponse {
        match self.core.metrics.render() {
            Ok(body) => http::Response::builder()
                .header(
                    http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )
                .body(body.into())
                .unwrap_or_default(),
            Err(e) => {
                tracing::error!(error = %e, "rendering metrics");
                let mut r = HttpResponse::new("metrics unavailable\n".into());
                *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                r
            }
        }
    }

    async fn execute_command(
        &self,
        _ctx: HookContext,
        args: CommandArgs,
    ) -> Result<CommandResponse, AppError> {
        Ok(CommandResponse {
            response_type: "ephemeral".into(),
            text: format!(
                "Unknown command: {}",
                args.command.split_whitespace().next().unwrap_or("")
            ),
            ..Default::default()
        })
    }
}

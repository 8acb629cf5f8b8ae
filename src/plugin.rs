//! The plugin itself: state shared by every hook and route, and the hook implementations.
//! It sees the server only through `host::MattermostApi`.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde_json::json;
use tower::ServiceExt as _;

use std::collections::HashMap;

use crate::config::{self, Effective};
use crate::host::model::{CommandArgs, CommandResponse, HookContext, License, Post, ServerConfig};
use crate::host::{
    AppError, HookError, Hooks, HttpRequest, HttpResponse, LogLevel, MattermostApi, TransportKind,
};
use crate::license::Entitlements;
use crate::metrics::Metrics;

/// What the server told us at activation.
#[derive(Debug, Clone, Default)]
pub struct ServerFacts {
    pub version: String,
    pub site_url: String,
    pub license: Option<License>,
    pub config: ServerConfig,
}

/// The configuration the plugin runs on, swapped whole on every change.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub effective: Arc<Effective>,
    pub entitlements: Entitlements,
    /// Why the last configuration could not be used, if it could not (the previous one stays).
    pub load_error: Option<String>,
    /// username → bot user id of the agents' bot accounts.
    pub bot_ids: HashMap<String, String>,
}

impl Snapshot {
    fn empty() -> Self {
        Snapshot {
            effective: Arc::new(Effective::default()),
            entitlements: crate::license::entitlements(None, &ServerConfig::default()),
            load_error: None,
            bot_ids: HashMap::new(),
        }
    }

    /// The agents users can reach: valid ones, only the first without a multi-agent license.
    pub fn agents(&self) -> impl Iterator<Item = &crate::config::BotConfig> {
        let limit = if self.entitlements.multiple_agents {
            usize::MAX
        } else {
            1
        };
        self.effective.bots().take(limit)
    }

    /// The active agent whose bot account is `bot_user_id`.
    pub fn agent_by_bot_id(&self, bot_user_id: &str) -> Option<&crate::config::BotConfig> {
        self.agents()
            .find(|b| self.bot_ids.get(&b.name).map(String::as_str) == Some(bot_user_id))
    }
}

/// State shared by hooks and HTTP handlers.
pub struct Core {
    api: RwLock<Option<Arc<dyn MattermostApi>>>,
    pub token_log: Arc<crate::usage::log::TokenLog>,
    transport: RwLock<Option<TransportKind>>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Listeners (MCP, search, metrics…) subscribe here and see every new snapshot.
    changes: tokio::sync::watch::Sender<Arc<Snapshot>>,
    server: RwLock<ServerFacts>,
    pub metrics: Arc<Metrics>,
    /// Every request that leaves the server goes through this client (allowlist, SSRF guard,
    /// timeouts).
    pub outbound: crate::outbound::OutboundClient,
    pub prompts: crate::conversations::prompts::Prompts,
    /// Every model call's token counts go here; metrics and the usage log subscribe.
    pub usage: crate::usage::UsageSink,
    pub streams: crate::conversations::registry::Streams,
    /// Answers in progress per user, bounded.
    pub user_slots: Arc<crate::conversations::limits::UserSlots>,
    pub direct_channels: crate::conversations::channel_kinds::DirectChannels,
    /// Semantic search for the configuration in force, built on first use.
    pub search: crate::search::Engine,
    /// The bounded queue and workers that keep the search index in step with the hooks.
    pub live_index: crate::search::live::LiveIndexer,
    /// Users' connections to the configured MCP servers.
    pub mcp: Arc<crate::mcp::Clients>,
}

impl Core {
    pub fn api(&self) -> Option<Arc<dyn MattermostApi>> {
        self.api.read().ok().and_then(|g| g.clone())
    }

    pub fn transport(&self) -> Option<TransportKind> {
        self.transport.read().ok().and_then(|g| *g)
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|_| Arc::new(Snapshot::empty()))
    }

    fn set_snapshot(&self, s: Snapshot) {
        let s = Arc::new(s);
        if let Ok(mut g) = self.snapshot.write() {
            *g = s.clone();
        }
        self.changes.send_replace(s);
    }

    /// A receiver that wakes on every configuration change, holding the new snapshot.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Arc<Snapshot>> {
        self.changes.subscribe()
    }

    /// Whether the server runs as a cluster (`ClusterSettings.Enable`); read without copying
    /// the server's whole configuration, since every answer asks.
    pub fn is_clustered(&self) -> bool {
        self.server
            .read()
            .ok()
            .and_then(|g| g.config.get("ClusterSettings.Enable").and_then(|v| v.as_bool()))
            .unwrap_or(false)
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
    #[error("outbound HTTP client: {0}")]
    Outbound(#[from] crate::outbound::OutboundError),
}

impl Plugin {
    pub fn new() -> Result<Self, StartError> {
        let metrics = Arc::new(Metrics::new(crate::PLUGIN_VERSION)?);
        let token_log = Arc::new(crate::usage::log::TokenLog::from_env());
        let usage = crate::usage::UsageSink::default();
        usage.add(metrics.clone());
        usage.add(token_log.clone());
        let core = Arc::new(Core {
            api: RwLock::new(None),
            token_log,
            transport: RwLock::new(None),
            snapshot: RwLock::new(Arc::new(Snapshot::empty())),
            changes: tokio::sync::watch::Sender::new(Arc::new(Snapshot::empty())),
            server: RwLock::new(ServerFacts::default()),
            metrics,
            outbound: crate::outbound::OutboundClient::new(crate::outbound::OutboundSettings::default())?,
            prompts: crate::conversations::prompts::Prompts::load(),
            usage,
            streams: Default::default(),
            user_slots: Default::default(),
            direct_channels: Default::default(),
            search: Default::default(),
            live_index: Default::default(),
            mcp: Default::default(),
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

impl Plugin {
    /// Loads, migrates and validates the configuration, swaps it in and syncs the bots. Never
    /// fails: a configuration that cannot be used leaves the previous one in force.
    async fn reload_configuration(&self, api: &dyn MattermostApi) {
        let settings = match api.load_plugin_configuration().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "could not load the plugin configuration; keeping the previous one");
                return;
            }
        };
        let previous = self.core.snapshot();
        let loaded = match config::load(&settings) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "the plugin configuration cannot be used; keeping the previous one");
                let mut s = (*previous).clone();
                s.load_error = Some(e.to_string());
                self.core.set_snapshot(s);
                return;
            }
        };
        let cfg = if loaded.migrated.is_empty() {
            loaded.config
        } else {
            self.save_migrated(api, loaded).await
        };

        // The license can change without a restart; read it with every configuration.
        let mut facts = self.core.server();
        match api.get_license().await {
            Ok(l) => facts.license = l,
            Err(e) => tracing::warn!(error = %e, "could not read the license"),
        }
        let entitlements = crate::license::entitlements(facts.license.as_ref(), &facts.config);
        if let Ok(mut g) = self.core.server.write() {
            *g = facts;
        }

        // A bad allowlist is reported with the other problems and the previous one stays.
        if let Ok(list) = crate::outbound::HostAllowlist::parse(&cfg.allowed_upstream_hostnames) {
            self.core.outbound.set_allowlist(list);
        }
        let log_tokens = cfg.enable_token_usage_logging && entitlements.usage_tracking;
        if cfg.enable_token_usage_logging && !entitlements.usage_tracking {
            tracing::warn!(
                "token usage logging is on in the configuration but the license does not include usage tracking"
            );
        }
        self.core.token_log.set_enabled(log_tokens);
        let effective = Arc::new(Effective::new(cfg));
        // Report problems when they change, not on every save.
        if effective.problems != previous.effective.problems {
            for p in &effective.problems {
                tracing::warn!(path = %p.path, "configuration problem: {}", p.message);
            }
        }
        let usable = effective.bots.len();
        let was_trimmed = previous.effective.bots.len() > 1 && !previous.entitlements.multiple_agents;
        if usable > 1
            && !entitlements.multiple_agents
            && (!was_trimmed || previous.effective.bots.len() != usable)
        {
            tracing::warn!(
                agents = usable,
                "{usable} agents are configured but only the first is active: multiple agents need an Entry, Enterprise or Enterprise Advanced license"
            );
        }
        let mut snapshot = Snapshot {
            effective: effective.clone(),
            entitlements,
            load_error: None,
            bot_ids: previous.bot_ids.clone(),
        };
        match crate::agents::sync::sync_bots(api, &effective, !entitlements.multiple_agents).await {
            Ok(report) => {
                for (name, why) in &report.failed {
                    tracing::error!(agent = %name, "agent bot not ready: {why}");
                }
                if !(report.created.is_empty()
                    && report.updated.is_empty()
                    && report.deactivated.is_empty()
                    && report.reactivated.is_empty())
                {
                    tracing::info!(
                        created = ?report.created,
                        updated = ?report.updated,
                        reactivated = ?report.reactivated,
                        deactivated = ?report.deactivated,
                        "agent bots synced"
                    );
                }
                snapshot.bot_ids = report.ids;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not sync the agents' bots; will retry on the next configuration change")
            }
        }
        self.core.set_snapshot(snapshot);
    }

    /// Saves a migrated configuration back, once per cluster: under the lock, re-read and
    /// re-migrate, so two nodes starting together do not both write.
    async fn save_migrated(&self, api: &dyn MattermostApi, loaded: config::Loaded) -> config::Config {
        let lock = match crate::cluster::lock(api, "ai_all_migrations", std::time::Duration::from_secs(10))
            .await
        {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "could not take the migration lock; running on the migrated configuration without saving it");
                return loaded.config;
            }
        };
        let fresh = match api
            .load_plugin_configuration()
            .await
            .ok()
            .and_then(|s| config::load(&s).ok())
        {
            Some(f) => f,
            None => loaded,
        };
        if !fresh.migrated.is_empty() {
            for note in &fresh.migrated {
                tracing::info!("configuration migrated: {note}");
            }
            if let Err(e) = api.save_plugin_config(config::to_settings(&fresh.config)).await {
                tracing::error!(error = %e, "could not save the migrated configuration; it is used in memory");
            }
        }
        lock.unlock().await;
        fresh.config
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
            Ok(c) => {
                facts.site_url = c.site_url().unwrap_or_default().to_owned();
                facts.config = c;
            }
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
        let core = self.core.clone();
        tokio::spawn(async move { crate::conversations::recover_interrupted(&core).await });
        let api_for_jobs = api.clone();
        tokio::spawn(
            async move { crate::search::indexer::recover_interrupted_job(api_for_jobs.as_ref()).await },
        );
        Ok(())
    }

    async fn on_deactivate(&self) -> Result<(), HookError> {
        // Answers in flight are saved with what they have, not cut off mid-write.
        self.core
            .streams
            .stop_all(std::time::Duration::from_secs(3))
            .await;
        tracing::info!("Agents plugin deactivated");
        Ok(())
    }

    async fn on_configuration_change(&self) -> Result<(), HookError> {
        let api = self.api()?;
        self.reload_configuration(api.as_ref()).await;
        Ok(())
    }

    async fn message_has_been_posted(&self, _ctx: HookContext, post: Post) {
        crate::search::indexer::on_post_changed(&self.core, post.clone());
        crate::conversations::on_post(&self.core, post).await;
    }

    async fn notification_will_be_pushed(
        &self,
        notification: crate::host::model::PushNotification,
        user_id: String,
    ) -> Option<String> {
        crate::conversations::notifications::push_reject_reason(&self.core, &notification, &user_id).await
    }

    async fn email_notification_will_be_sent(
        &self,
        notification: crate::host::model::EmailNotification,
    ) -> Option<String> {
        crate::conversations::notifications::email_reject_reason(&self.core, &notification).await
    }

    async fn message_has_been_updated(&self, _ctx: HookContext, new_post: Post, _old: Post) {
        crate::search::indexer::on_post_changed(&self.core, new_post);
    }

    async fn message_has_been_deleted(&self, _ctx: HookContext, post: Post) {
        crate::search::indexer::on_post_deleted(&self.core, post.id);
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

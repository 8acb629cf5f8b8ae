//! The composition root: builds the infrastructure and the features, wires each feature's
//! capabilities into the ones that need them, and implements the server's hooks by calling
//! them. Nothing imports this module; it imports everything.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use serde_json::json;
use tower::ServiceExt as _;

use crate::actions::analyze::Analysis;
use crate::answer::AnswerCore;
use crate::config::snapshot::{LiveConfig, ServerFacts, Snapshot};
use crate::config::{self, Effective};
use crate::conversations::Conversations;
use crate::infra::Infra;
use crate::mcp::McpTools;
use crate::mcpserver::MattermostMcp;
use crate::mcpserver::embedded::EmbeddedTools;
use crate::mcpserver::protocol::Endpoint;
use crate::metrics::Metrics;
use crate::outbound::OutboundClient;
use crate::search::SearchService;
use crate::tools::Toolbox;
use crate::usage::UsageSink;
use crate::usage::book::UsageBook;
use crate::usage::log::TokenLog;
use plugin_runtime::host::model::{
    CommandArgs, CommandResponse, FileData, HookContext, PluginClusterEvent, Post,
};
use plugin_runtime::host::{
    AppError, HookError, Hooks, HttpRequest, HttpResponse, LogLevel, MattermostApi, TransportKind,
};

/// The plugin as the runtime sees it. What start-up needs is built in `new`; the features are
/// built once the server's API is attached (`attach_api`), so none of them holds an optional
/// API handle.
pub struct Plugin {
    config: Arc<LiveConfig>,
    metrics: Arc<Metrics>,
    token_log: Arc<TokenLog>,
    usage: Arc<UsageSink>,
    book: Arc<UsageBook>,
    outbound: OutboundClient,
    app: OnceLock<App>,
}

/// The features, wired.
struct App {
    conversations: Arc<Conversations>,
    search: Arc<SearchService>,
    mcp: Arc<McpTools>,
    router: axum::Router,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("outbound HTTP client: {0}")]
    Outbound(#[from] crate::outbound::OutboundError),
}

impl Plugin {
    pub fn new() -> Result<Self, StartError> {
        let metrics = Arc::new(Metrics::new(crate::PLUGIN_VERSION));
        let token_log = Arc::new(TokenLog::from_env());
        let usage = Arc::new(UsageSink::default());
        usage.add(metrics.clone());
        usage.add(token_log.clone());
        let book = Arc::new(UsageBook::default());
        usage.add(book.clone());
        Ok(Plugin {
            config: Arc::new(LiveConfig::default()),
            metrics,
            token_log,
            usage,
            book,
            outbound: OutboundClient::new(crate::outbound::OutboundSettings::default())?,
            app: OnceLock::new(),
        })
    }

    /// The configuration in force (and a way to follow its changes).
    pub fn config(&self) -> &Arc<LiveConfig> {
        &self.config
    }

    fn build(&self, api: Arc<dyn MattermostApi>, transport: TransportKind) -> App {
        let infra = Infra::new(
            api,
            transport,
            self.config.clone(),
            self.outbound.clone(),
            self.usage.clone(),
            self.book.clone(),
            self.metrics.clone(),
        );
        let answers = Arc::new(AnswerCore::new(infra.clone()));
        let search = Arc::new(SearchService::new(answers.clone()));
        let mcp = Arc::new(McpTools {
            infra: infra.clone(),
            clients: Default::default(),
        });
        let mattermost_tools = Arc::new(MattermostMcp::new(
            infra.clone(),
            Some(search.clone() as Arc<dyn crate::answer::MessageSearch>),
        ));
        let embedded = Arc::new(EmbeddedTools(mattermost_tools.clone()));
        let tools = Arc::new(
            Toolbox::new(vec![search.clone(), embedded, mcp.clone()]).with_web_search(infra.config.clone()),
        );
        let bridge = Arc::new(crate::bridge::Bridge::new(answers.clone(), tools.clone()));
        let analysis = Arc::new(Analysis(answers.clone()));
        let conversations = Arc::new(Conversations::new(answers.clone(), tools, analysis));
        let router = crate::http::router(Arc::new(crate::http::Services {
            answers,
            conversations: conversations.clone(),
            search: search.clone(),
            mcp_server: Arc::new(Endpoint::new(mattermost_tools.clone())),
            mattermost_tools,
            mcp_clients: mcp.clone(),
            bridge,
        }));
        App {
            conversations,
            search,
            mcp,
            router,
        }
    }

    fn app(&self) -> Result<&App, HookError> {
        self.app
            .get()
            .ok_or_else(|| HookError::Plain("the plugin API is not connected yet".into()))
    }

    fn api(&self) -> Result<Arc<dyn MattermostApi>, HookError> {
        Ok(self.app()?.conversations.api())
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
        let previous = self.config.snapshot();
        let loaded = match config::load(&settings) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "the plugin configuration cannot be used; keeping the previous one");
                let mut s = (*previous).clone();
                s.load_error = Some(e.to_string());
                self.config.set_snapshot(s);
                return;
            }
        };
        let cfg = if loaded.migrated.is_empty() {
            loaded.config
        } else {
            self.save_migrated(api, loaded).await
        };

        // The license can change without a restart; read it with every configuration.
        let mut facts = self.config.server();
        match api.get_license().await {
            Ok(l) => facts.license = l,
            Err(e) => tracing::warn!(error = %e, "could not read the license"),
        }
        let entitlements = crate::license::entitlements(facts.license.as_ref(), &facts.config);
        self.config.set_server(facts);

        // A bad allowlist is reported with the other problems and the previous one stays.
        if let Ok(list) = crate::outbound::HostAllowlist::parse(&cfg.allowed_upstream_hostnames) {
            self.outbound.set_allowlist(list);
        }
        let log_tokens = cfg.enable_token_usage_logging && entitlements.usage_tracking;
        if cfg.enable_token_usage_logging && !entitlements.usage_tracking {
            tracing::warn!(
                "token usage logging is on in the configuration but the license does not include usage tracking"
            );
        }
        self.token_log.set_enabled(log_tokens);
        self.configure_usage_book(api, entitlements.usage_tracking, cfg.usage_retention_days)
            .await;
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
        self.config.set_snapshot(snapshot);
    }

    /// Points the usage book at the server's database when the license includes usage
    /// tracking; without it nothing is recorded and the quotas are not enforced.
    async fn configure_usage_book(&self, api: &dyn MattermostApi, licensed: bool, retention_days: i64) {
        let source = if licensed {
            match api
                .get_unsanitized_config()
                .await
                .map(|c| crate::serverdb::data_source(&c))
            {
                Ok(Ok(s)) => Some(s),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "token usage is not kept: no usable database");
                    None
                }
                Err(e) => {
                    tracing::warn!(error = %e, "token usage is not kept: the database settings could not be read");
                    None
                }
            }
        } else {
            None
        };
        if let Err(e) = self.book.configure(source.as_deref(), licensed, retention_days) {
            tracing::warn!(error = %e, "token usage is not kept");
        }
        self.book.start();
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
        // The server attaches its API once per process; a second attach has nothing to add.
        if self.app.get().is_none() {
            let _ = self.app.set(self.build(api, transport));
        }
    }

    async fn on_activate(&self) -> Result<(), HookError> {
        let app = self.app()?;
        let api = app.conversations.api();
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
        let transport = app.conversations.transport.as_str();
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
        self.config.set_server(facts);
        let core = app.conversations.core.clone();
        tokio::spawn(async move { crate::answer::recovery::recover_interrupted(&core).await });
        // Upstream 2.x kept its configuration and agents in its own tables: brought over once,
        // only into an unconfigured plugin, read-only (`config::upstream`).
        let api_for_import = api.clone();
        tokio::spawn(async move {
            crate::config::upstream::import(api_for_import.as_ref()).await;
        });
        let api_for_jobs = api.clone();
        tokio::spawn(
            async move { crate::search::reindex::recover_interrupted_job(api_for_jobs.as_ref()).await },
        );
        Ok(())
    }

    async fn on_deactivate(&self) -> Result<(), HookError> {
        // Answers in flight are saved with what they have, not cut off mid-write.
        if let Some(app) = self.app.get() {
            app.conversations
                .streams
                .stop_all(std::time::Duration::from_secs(3))
                .await;
        }
        // The last usage rows are written before the process goes.
        if tokio::time::timeout(std::time::Duration::from_secs(3), self.book.flush())
            .await
            .is_err()
        {
            tracing::warn!("the last token usage could not be written in time");
        }
        tracing::info!("Agents plugin deactivated");
        Ok(())
    }

    fn optional_hooks(&self) -> &'static [&'static str] {
        &["OnPluginClusterEvent", "GenerateSupportData", "RunDataRetention"]
    }

    /// What another node of the cluster tells this one (`crate::cluster::events`).
    async fn on_plugin_cluster_event(&self, _ctx: HookContext, event: PluginClusterEvent) {
        let Ok(app) = self.app() else { return };
        let data = String::from_utf8_lossy(&event.data);
        match event.id.as_str() {
            crate::cluster::events::STOP_ANSWER => {
                app.conversations.streams.cancel(&data);
            }
            crate::cluster::events::MCP_TOOLS_CLEARED => app.mcp.clients.forget().await,
            other => tracing::debug!(event = other, "a cluster event this version does not know"),
        }
    }

    /// The plugin's file in the support packet: versions, configuration shape and problems,
    /// search and MCP state, never a secret (`crate::support`).
    async fn generate_support_data(&self, _ctx: HookContext) -> Result<Vec<FileData>, HookError> {
        let app = self.app()?;
        let doc = crate::support::packet(
            &self.config.snapshot(),
            &self.config.server(),
            app.conversations.transport.as_str(),
            app.search.status().await,
        );
        let body = serde_json::to_vec_pretty(&doc).map_err(|e| HookError::Plain(e.to_string()))?;
        Ok(vec![FileData {
            filename: crate::support::FILE_NAME.to_owned(),
            body,
        }])
    }

    /// Mattermost's data retention job: posts it deleted leave the search index.
    async fn run_data_retention(&self, _now_millis: i64, _batch_size: i64) -> Result<i64, HookError> {
        let app = self.app()?;
        let Ok(search) = app.search.engine.get(&app.search.core).await else {
            return Ok(0);
        };
        match crate::search::indexer::sweep_removed(&search).await {
            Ok(n) => Ok(i64::try_from(n).unwrap_or(i64::MAX)),
            Err(e) => Err(HookError::Plain(e.for_user())),
        }
    }

    async fn on_configuration_change(&self) -> Result<(), HookError> {
        let api = self.api()?;
        self.reload_configuration(api.as_ref()).await;
        Ok(())
    }

    async fn message_has_been_posted(&self, _ctx: HookContext, post: Post) {
        let Ok(app) = self.app() else { return };
        crate::search::indexer::on_post_changed(&app.search, post.clone());
        crate::conversations::on_post(&app.conversations, post).await;
    }

    async fn notification_will_be_pushed(
        &self,
        notification: plugin_runtime::host::model::PushNotification,
        user_id: String,
    ) -> Option<String> {
        let app = self.app().ok()?;
        crate::conversations::notifications::push_reject_reason(&app.conversations, &notification, &user_id)
            .await
    }

    async fn email_notification_will_be_sent(
        &self,
        notification: plugin_runtime::host::model::EmailNotification,
    ) -> Option<String> {
        let app = self.app().ok()?;
        crate::conversations::notifications::email_reject_reason(&app.conversations, &notification).await
    }

    async fn message_has_been_updated(&self, _ctx: HookContext, new_post: Post, _old: Post) {
        if let Ok(app) = self.app() {
            crate::search::indexer::on_post_changed(&app.search, new_post);
        }
    }

    async fn message_has_been_deleted(&self, _ctx: HookContext, post: Post) {
        if let Ok(app) = self.app() {
            crate::search::indexer::on_post_deleted(&app.search, post.id);
        }
    }

    async fn serve_http(&self, _ctx: HookContext, request: HttpRequest) -> HttpResponse {
        let Ok(app) = self.app() else {
            let mut r = HttpResponse::new("the plugin is not connected to the server yet\n".into());
            *r.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
            return r;
        };
        match app.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        }
    }

    async fn serve_metrics(&self, _ctx: HookContext, _request: HttpRequest) -> HttpResponse {
        match self.metrics.render() {
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
        // Only the user reads the answer: in their language, English if they cannot be read.
        let locale = match self.api() {
            Ok(api) => api
                .get_user(&args.user_id)
                .await
                .map(|u| crate::i18n::Locale::new(&u.locale))
                .unwrap_or_default(),
            Err(_) => crate::i18n::Locale::default(),
        };
        let command = args.command.split_whitespace().next().unwrap_or("");
        Ok(CommandResponse {
            response_type: "ephemeral".into(),
            text: locale.tr("command.unknown", &[crate::i18n::arg("Command", command)]),
            ..Default::default()
        })
    }
}

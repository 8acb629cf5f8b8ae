//! A Mattermost server in miniature for testing the plugin binary end to end.
//!
//! It launches the executable exactly as the server does (environment, SHA-256 pin, handshake
//! within 3 s, `hooks` dispensed, API offered over the broker at OnActivate), keeps users,
//! teams, channels, posts, KV, configs, license, bots and files in memory, records every API
//! call, and serves `/plugins/mattermost-ai/*` over real HTTP with the server's rewriting.
//! The transport sits behind [`connection::PluginConnection`] so gRPC can join net/rpc.

// Store methods answer with the server's AppError by value, as the API does; the size is fine
// for a test server.
#![allow(clippy::result_large_err)]

pub mod api_server;
pub mod cluster;
pub mod connection;
pub mod demo_model;
pub mod fake_embedder;
pub mod fake_provider;
pub mod fake_search;
pub mod grpc_api;
pub mod grpc_host;
pub mod http_front;
pub mod in_process;
pub mod inter_plugin;
pub mod manifest;
pub mod netrpc_host;
pub mod scratch_db;
pub mod server_api;
pub mod server_db;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use plugin_runtime::host::AppError;
use plugin_runtime::host::model::*;
use serde_json::Value;
use tokio::sync::Notify;

pub use cluster::{Cluster, ClusterBuilder};
pub use connection::{PluginConnection, SimError};
pub use store::{ClusterEventRecord, Data, LogLine, WsEvent, new_id, now_millis};

/// One API call the plugin made.
#[derive(Debug, Clone)]
pub struct ApiCall {
    pub method: String,
    /// The decoded arguments, debug-printed.
    pub args: String,
}

pub struct SimState {
    /// The store; the nodes of a [`Cluster`] share one.
    data: Arc<Mutex<Data>>,
    calls: Mutex<Vec<ApiCall>>,
    /// The plugin process's stderr, line by line.
    pub stderr: Mutex<Vec<String>>,
    conn: OnceLock<Arc<dyn PluginConnection>>,
    /// Lets `&self` methods spawn hook tasks that outlive the call.
    me: std::sync::Weak<SimState>,
    /// How long pinning the executable's SHA-256 took (the server does it before exec).
    pub checksum_time: Mutex<Duration>,
    inflight: AtomicUsize,
    idle: Notify,
    /// This server's place in a [`Cluster`], if it is a node of one.
    node: OnceLock<cluster::ClusterNode>,
    /// What the plugin answered to `Implemented`: the server calls only those hooks.
    implemented: OnceLock<Vec<String>>,
    /// Cluster events on their way to this node's plugin, delivered one at a time in order.
    inbox: OnceLock<tokio::sync::mpsc::UnboundedSender<PluginClusterEvent>>,
    /// Cluster events routed to this node, in arrival order.
    received: Mutex<Vec<PluginClusterEvent>>,
}

impl SimState {
    /// An empty server, for tests that drive the API adapters without a plugin.
    pub fn new() -> Arc<Self> {
        Self::with_data(Arc::new(Mutex::new(Data::new())))
    }

    /// A server over an existing store (a node of a cluster).
    pub fn with_data(data: Arc<Mutex<Data>>) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            data,
            calls: Mutex::new(Vec::new()),
            stderr: Mutex::new(Vec::new()),
            conn: OnceLock::new(),
            checksum_time: Mutex::new(Duration::ZERO),
            inflight: AtomicUsize::new(0),
            idle: Notify::new(),
            node: OnceLock::new(),
            implemented: OnceLock::new(),
            inbox: OnceLock::new(),
            received: Mutex::new(Vec::new()),
        })
    }

    /// Whether the plugin listed `hook` in `Implemented` (the server calls nothing else).
    pub fn implements(&self, hook: &str) -> bool {
        self.implemented
            .get()
            .is_some_and(|hooks| hooks.iter().any(|h| h == hook))
    }

    /// One more hook the server has started in the background.
    fn hook_started(&self) {
        self.inflight.fetch_add(1, Ordering::SeqCst);
    }

    fn hook_finished(&self) {
        if self.inflight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    pub fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record(&self, method: &str, args: String) {
        if let Ok(mut c) = self.calls.lock() {
            c.push(ApiCall {
                method: method.to_owned(),
                args,
            });
        }
    }

    pub fn session_for_token(&self, token: &str) -> Option<Session> {
        let d = self.data();
        let now = now_millis();
        d.sessions
            .values()
            .find(|s| s.token == token && (s.expires_at == 0 || s.expires_at > now))
            .cloned()
    }

    /// Runs a hook in the background the way the server does, tracked for [`Simulator::settle`].
    fn spawn_hook<F>(&self, f: impl FnOnce(Arc<dyn PluginConnection>) -> F + Send + 'static)
    where
        F: std::future::Future<Output = Result<(), SimError>> + Send + 'static,
    {
        let Some(conn) = self.conn.get().cloned() else {
            return;
        };
        let Some(me) = self.me.upgrade() else {
            return;
        };
        self.hook_started();
        tokio::spawn(async move {
            if let Err(e) = f(conn).await {
                tracing::warn!(error = %e, "hook failed");
            }
            me.hook_finished();
        });
    }

    /// MessageHasBeenPosted fires for every new post, the plugin's own included.
    pub fn fire_posted(&self, post: Post) {
        self.spawn_hook(
            move |c| async move { c.message_has_been_posted(HookContext::default(), post).await },
        );
    }

    /// Delivers OnConfigurationChange and waits for the plugin's answer.
    pub async fn deliver_config_change(&self) -> Result<(), SimError> {
        match self.conn.get().cloned() {
            Some(c) => c.on_configuration_change().await,
            None => Err(SimError::Transport("the plugin is not connected".into())),
        }
    }

    pub fn fire_config_change(&self) {
        self.spawn_hook(|c| async move { c.on_configuration_change().await });
    }

    /// Creates the bot and its user; with `ensure`, returns the existing one of that username.
    pub fn insert_bot(&self, mut bot: Bot, ensure: bool) -> Result<Bot, AppError> {
        let mut d = self.data();
        if let Some(existing) = d.bots.values().find(|b| b.username == bot.username) {
            if ensure {
                return Ok(existing.clone());
            }
            return Err(store::bad_request(format!(
                "a bot with username {:?} already exists",
                bot.username
            )));
        }
        if d.users.values().any(|u| u.username == bot.username) {
            return Err(store::bad_request(format!(
                "username {:?} is taken",
                bot.username
            )));
        }
        bot.user_id = new_id();
        bot.create_at = now_millis();
        bot.update_at = bot.create_at;
        d.users.insert(
            bot.user_id.clone(),
            User {
                id: bot.user_id.clone(),
                username: bot.username.clone(),
                first_name: bot.display_name.clone(),
                is_bot: true,
                bot_description: bot.description.clone(),
                roles: "system_user".into(),
                create_at: bot.create_at,
                ..Default::default()
            },
        );
        d.bots.insert(bot.user_id.clone(), bot.clone());
        Ok(bot)
    }

    pub fn add_file(&self, channel_id: &str, name: &str, data: Vec<u8>) -> Result<FileInfo, AppError> {
        let mut d = self.data();
        if !d.channels.contains_key(channel_id) {
            return Err(store::not_found("channel", channel_id));
        }
        let extension = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_default();
        let info = FileInfo {
            id: new_id(),
            channel_id: channel_id.to_owned(),
            create_at: now_millis(),
            update_at: now_millis(),
            name: name.to_owned(),
            mime_type: match extension.as_str() {
                "png" => "image/png",
                "jpg" | "jpeg" => "image/jpeg",
                "txt" | "vtt" => "text/plain",
                _ => "application/octet-stream",
            }
            .into(),
            extension,
            size: data.len() as i64,
            ..Default::default()
        };
        d.files.insert(info.id.clone(), (info.clone(), data));
        Ok(info)
    }
}

/// Which protocol the simulated server speaks to the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// go-plugin net/rpc, as released Mattermost servers.
    NetRpc,
    /// gRPC, as Mattermost's multi-language plugin host.
    Grpc,
    /// No process and no wire: the hooks given to [`SimulatorBuilder::in_process`] are called
    /// directly, for tests where the transport is not what is tested.
    InProcess,
}

/// How to start a [`Simulator`].
pub struct SimulatorBuilder {
    transport: Transport,
    hooks: Option<Arc<dyn plugin_runtime::host::Hooks>>,
    binary: PathBuf,
    env: Vec<(String, String)>,
    plugin_config: Option<Value>,
    license: Option<License>,
    server_config: Option<Value>,
    activate: bool,
    /// `hooks` run in this process behind the real wire of `transport`.
    wired: bool,
}

impl SimulatorBuilder {
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = transport;
        self
    }

    /// Runs `hooks` in this process instead of launching the binary (`Transport::InProcess`).
    pub fn in_process(mut self, hooks: Arc<dyn plugin_runtime::host::Hooks>) -> Self {
        self.transport = Transport::InProcess;
        self.hooks = Some(hooks);
        self.wired = false;
        self
    }

    /// Runs `hooks` in this process, but every hook and API call crosses the real wire of
    /// `transport` (the runtime's own net/rpc or gRPC server and client): the transport is
    /// tested without a plugin binary. `Transport::InProcess` is the same as [`Self::in_process`].
    pub fn wired(mut self, transport: Transport, hooks: Arc<dyn plugin_runtime::host::Hooks>) -> Self {
        self.transport = transport;
        self.hooks = Some(hooks);
        self.wired = transport != Transport::InProcess;
        self
    }

    /// A cluster of `n` plugin instances under one server store (see [`Cluster`]).
    pub fn nodes(self, n: usize) -> ClusterBuilder {
        ClusterBuilder::new(self, n)
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The saved plugin settings (`PluginSettings.Plugins["mattermost-ai"]`), e.g.
    /// `{"config": {...}}`.
    pub fn plugin_config(mut self, config: Value) -> Self {
        self.plugin_config = Some(config);
        self
    }

    /// The server's configuration (`GetConfig`/`GetUnsanitizedConfig`) from before activation,
    /// e.g. `SqlSettings` naming a real database.
    pub fn server_config(mut self, config: Value) -> Self {
        self.server_config = Some(config);
        self
    }

    pub fn license(mut self, license: License) -> Self {
        self.license = Some(license);
        self
    }

    /// Launch and dispense but do not call OnActivate.
    pub fn without_activation(mut self) -> Self {
        self.activate = false;
        self
    }

    pub async fn start(self) -> Result<Simulator, SimError> {
        let state = SimState::new();
        self.seed(&mut state.data());
        let hooks = self.hooks.clone();
        self.start_node(state, hooks).await
    }

    /// The saved plugin settings and license, into a fresh store.
    fn seed(&self, d: &mut Data) {
        if let Some(Value::Object(c)) = &self.plugin_config {
            d.plugin_config = c.iter().map(|(k, v)| (k.to_lowercase(), v.clone())).collect();
        }
        d.license = self.license.clone();
        if let Some(c) = &self.server_config {
            d.server_config = c.clone();
        }
    }

    /// Connects a plugin to `state` (launched, wired or in process) and serves its HTTP fronts.
    async fn start_node(
        &self,
        state: Arc<SimState>,
        hooks: Option<Arc<dyn plugin_runtime::host::Hooks>>,
    ) -> Result<Simulator, SimError> {
        let started = Instant::now();
        let wired = if self.wired { hooks.clone() } else { None };
        let conn: Arc<dyn PluginConnection> = match (self.transport, wired) {
            (Transport::NetRpc, Some(hooks)) => {
                Arc::new(netrpc_host::NetRpcPlugin::wire(hooks, state.clone()).await?)
            }
            (Transport::Grpc, Some(hooks)) => {
                Arc::new(grpc_host::GrpcPlugin::wire(hooks, state.clone()).await?)
            }
            (Transport::NetRpc, None) => {
                Arc::new(netrpc_host::NetRpcPlugin::launch(&self.binary, &self.env, state.clone()).await?)
            }
            (Transport::Grpc, None) => {
                Arc::new(grpc_host::GrpcPlugin::launch(&self.binary, &self.env, state.clone()).await?)
            }
            (Transport::InProcess, _) => {
                let Some(hooks) = hooks else {
                    return Err(SimError::Start("in-process needs the plugin's hooks".into()));
                };
                if !self.env.is_empty() {
                    return Err(SimError::Start(
                        "in-process plugins share the test's environment; launch the binary to set variables"
                            .into(),
                    ));
                }
                Arc::new(in_process::InProcessPlugin::attach(hooks, state.clone()))
            }
        };
        // The server hashes before exec; the handshake clock starts at exec.
        let hashed = state.checksum_time.lock().map(|t| *t).unwrap_or_default();
        // goplugin's client hashes once more before exec; the gRPC launcher hashes once.
        let hashes = if self.transport == Transport::NetRpc { 2 } else { 1 };
        let handshake_time = started.elapsed().saturating_sub(hashed * hashes);
        let _ = state.conn.set(conn.clone());
        let implemented = conn.implemented().await?;
        let _ = state.implemented.set(implemented.clone());
        let (http_addr, http_task) = http_front::listen(state.clone(), conn.clone(), false).await?;
        let (metrics_addr, metrics_task) = http_front::listen(state.clone(), conn.clone(), true).await?;
        let inbox_task = cluster::serve_inbox(&state, conn.clone());
        let sim = Simulator {
            state,
            conn,
            implemented,
            handshake_time,
            http_addr,
            metrics_addr,
            tasks: vec![http_task, metrics_task, inbox_task],
        };
        if self.activate {
            sim.conn.on_activate().await?;
        }
        Ok(sim)
    }
}

pub struct Simulator {
    pub state: Arc<SimState>,
    pub conn: Arc<dyn PluginConnection>,
    /// What the plugin answered to `Implemented`.
    pub implemented: Vec<String>,
    /// From exec to a connected, handshaken plugin.
    pub handshake_time: Duration,
    http_addr: SocketAddr,
    metrics_addr: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Simulator {
    pub fn builder(binary: impl AsRef<Path>) -> SimulatorBuilder {
        SimulatorBuilder {
            transport: Transport::NetRpc,
            hooks: None,
            binary: binary.as_ref().to_owned(),
            env: Vec::new(),
            plugin_config: None,
            license: None,
            server_config: None,
            activate: true,
            wired: false,
        }
    }

    pub fn data(&self) -> MutexGuard<'_, Data> {
        self.state.data()
    }

    pub fn calls(&self) -> Vec<ApiCall> {
        self.state.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    pub fn called(&self, method: &str) -> bool {
        self.calls().iter().any(|c| c.method == method)
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.state.stderr.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Waits until every hook the simulator fired in the background has returned.
    pub async fn settle(&self) {
        loop {
            let notified = self.state.idle.notified();
            if self.state.inflight.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// This server's node id in a [`Cluster`] ("" for a lone server).
    pub fn node_id(&self) -> &str {
        self.state.node_id()
    }

    /// Cluster events the server routed to this node, in order. The plugin's
    /// OnPluginClusterEvent ran for each if it lists the hook in `Implemented`.
    pub fn cluster_events_received(&self) -> Vec<PluginClusterEvent> {
        self.state.received_cluster_events()
    }

    /// An admin generates a Support Packet: GenerateSupportData runs, if the plugin lists it in
    /// `Implemented`, and its files are returned (none otherwise).
    pub async fn fire_support_packet(&self) -> Result<Vec<FileData>, SimError> {
        if !self.state.implements("GenerateSupportData") {
            return Ok(Vec::new());
        }
        self.conn.generate_support_data(HookContext::default()).await
    }

    /// The data retention job runs: RunDataRetention, if the plugin lists it in `Implemented`,
    /// and the number of items it deleted (0 otherwise).
    pub async fn run_data_retention(&self, now_millis: i64, batch_size: i64) -> Result<i64, SimError> {
        if !self.state.implements("RunDataRetention") {
            return Ok(0);
        }
        self.conn.run_data_retention(now_millis, batch_size).await
    }

    /// Waits until `done` holds for the server's data; false after `timeout`.
    pub async fn wait_until(&self, timeout: std::time::Duration, done: impl Fn(&Data) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(&self.data()) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// The user id of the bot with this username, once the plugin has created it.
    pub fn bot_user_id(&self, username: &str) -> Option<String> {
        self.data()
            .bots
            .values()
            .find(|b| b.username == username)
            .map(|b| b.user_id.clone())
    }

    /// The direct channel of two users, created as the server would on first use.
    pub fn direct_channel(&self, a: &str, b: &str) -> Channel {
        self.data().direct_channel(a, b).unwrap_or_default()
    }

    /// A user with a session; returns the user and a token for `Authorization: Bearer`.
    pub fn add_user(&self, username: &str, roles: &str) -> (User, String) {
        let user = User {
            id: new_id(),
            username: username.to_owned(),
            email: format!("{username}@example.com"),
            roles: roles.to_owned(),
            locale: "en".into(),
            create_at: now_millis(),
            ..Default::default()
        };
        let session = Session {
            id: new_id(),
            token: new_id(),
            user_id: user.id.clone(),
            create_at: now_millis(),
            roles: roles.to_owned(),
            ..Default::default()
        };
        let token = session.token.clone();
        let mut d = self.data();
        d.users.insert(user.id.clone(), user.clone());
        d.sessions.insert(session.id.clone(), session);
        (user, token)
    }

    pub fn add_team(&self, name: &str) -> Team {
        let team = Team {
            id: new_id(),
            name: name.to_owned(),
            display_name: name.to_owned(),
            team_type: "O".into(),
            create_at: now_millis(),
            ..Default::default()
        };
        self.data().teams.insert(team.id.clone(), team.clone());
        team
    }

    pub fn add_channel(&self, team_id: &str, name: &str, channel_type: &str) -> Channel {
        let channel = Channel {
            id: new_id(),
            team_id: team_id.to_owned(),
            name: name.to_owned(),
            display_name: name.to_owned(),
            channel_type: channel_type.to_owned(),
            create_at: now_millis(),
            ..Default::default()
        };
        self.data().channels.insert(channel.id.clone(), channel.clone());
        channel
    }

    pub fn add_member(&self, channel_id: &str, user_id: &str) {
        let mut d = self.data();
        let team_id = d
            .channels
            .get(channel_id)
            .map(|c| c.team_id.clone())
            .unwrap_or_default();
        d.channel_members.insert(
            (channel_id.to_owned(), user_id.to_owned()),
            ChannelMember {
                channel_id: channel_id.to_owned(),
                user_id: user_id.to_owned(),
                roles: "channel_user".into(),
                ..Default::default()
            },
        );
        if !team_id.is_empty() {
            d.team_members
                .entry((team_id.clone(), user_id.to_owned()))
                .or_insert(TeamMember {
                    team_id,
                    user_id: user_id.to_owned(),
                    roles: "team_user".into(),
                    ..Default::default()
                });
        }
    }

    /// A user posts: the post is stored and MessageHasBeenPosted runs to completion.
    pub async fn post_as(
        &self,
        user_id: &str,
        channel_id: &str,
        message: &str,
        root_id: &str,
    ) -> Result<Post, SimError> {
        let post = Post {
            user_id: user_id.to_owned(),
            channel_id: channel_id.to_owned(),
            message: message.to_owned(),
            root_id: root_id.to_owned(),
            ..Default::default()
        };
        let post = self
            .data()
            .insert_post(post)
            .map_err(|e| SimError::Transport(e.to_string()))?;
        self.conn
            .message_has_been_posted(HookContext::default(), post.clone())
            .await?;
        Ok(post)
    }

    /// A user edits a post: the change is stored and MessageHasBeenUpdated runs to completion.
    pub async fn edit_post(&self, post_id: &str, message: &str) -> Result<Post, SimError> {
        let (old, new) = {
            let mut d = self.data();
            let old = d
                .posts
                .get(post_id)
                .cloned()
                .ok_or_else(|| SimError::Transport(format!("no post {post_id}")))?;
            let mut new = old.clone();
            new.message = message.to_owned();
            new.update_at = now_millis();
            new.edit_at = new.update_at;
            d.posts.insert(post_id.to_owned(), new.clone());
            (old, new)
        };
        self.conn
            .message_has_been_updated(HookContext::default(), new.clone(), old)
            .await?;
        Ok(new)
    }

    /// A user deletes a post: it is marked deleted and MessageHasBeenDeleted runs to completion.
    pub async fn remove_post(&self, post_id: &str) -> Result<(), SimError> {
        let post = {
            let mut d = self.data();
            let p = d
                .posts
                .get_mut(post_id)
                .ok_or_else(|| SimError::Transport(format!("no post {post_id}")))?;
            p.delete_at = now_millis();
            p.clone()
        };
        self.conn
            .message_has_been_deleted(HookContext::default(), post)
            .await
    }

    /// Saves new plugin settings and delivers OnConfigurationChange, as the System Console does.
    pub async fn save_plugin_config(&self, config: Value) -> Result<(), SimError> {
        if let Value::Object(c) = config {
            self.data().plugin_config = c.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        }
        self.conn.on_configuration_change().await
    }

    /// Deactivates and stops the plugin; returns whether the process exited by itself.
    pub async fn shutdown(self) -> Result<bool, SimError> {
        let deactivated = self.conn.on_deactivate().await;
        let clean = self.conn.shutdown().await;
        for t in &self.tasks {
            t.abort();
        }
        deactivated.map(|()| clean)
    }
}

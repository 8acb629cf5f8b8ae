//! A high-availability cluster in miniature: N instances of the plugin, each under its own node
//! (its own connection, HTTP front, background hooks and API call record) but all sharing ONE
//! store (users, channels, posts, KV, configuration…), as the nodes of a real cluster share the
//! database.
//!
//! `PublishPluginClusterEvent` from one node's plugin reaches the other nodes' plugins as
//! `OnPluginClusterEvent`, in publication order, one event at a time per node, and only where
//! the plugin lists the hook in `Implemented` (the server calls no other hook). An empty
//! `TargetId` sends to every other node; a node id sends to that node alone; an unknown id is the
//! server's error. Both send types are delivered (nothing is lost in this cluster). On a lone
//! server the call succeeds and delivers nothing, as on a server without clustering.
//!
//! ```ignore
//! let cluster = Simulator::builder(bin).transport(Transport::NetRpc).nodes(2).start().await?;
//! reqwest::get(cluster.plugin_url(0, "/version")).await?;
//! cluster.settle().await; // every routed event delivered
//! ```

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use plugin_runtime::host::model::{FileData, HookContext, PluginClusterEvent, PluginClusterEventSendOptions};
use plugin_runtime::host::{ApiError, ApiResult, Hooks};
use tokio::sync::mpsc;

use crate::connection::{PluginConnection, SimError};
use crate::store::{ClusterEventRecord, Data, new_id};
use crate::{SimState, Simulator, SimulatorBuilder, Transport};

/// A node's place in its cluster.
pub(crate) struct ClusterNode {
    id: String,
    bus: Arc<ClusterBus>,
}

/// The cluster's membership, in node order.
#[derive(Default)]
pub(crate) struct ClusterBus {
    nodes: Mutex<Vec<(String, Weak<SimState>)>>,
}

impl ClusterBus {
    fn join(&self, id: &str, node: &Arc<SimState>) {
        if let Ok(mut n) = self.nodes.lock() {
            n.push((id.to_owned(), Arc::downgrade(node)));
        }
    }

    /// Every node but `except`, in node order.
    fn others(&self, except: &str) -> Vec<(String, Arc<SimState>)> {
        let nodes = self.nodes.lock().map(|n| n.clone()).unwrap_or_default();
        nodes
            .into_iter()
            .filter(|(id, _)| id != except)
            .filter_map(|(id, n)| n.upgrade().map(|n| (id, n)))
            .collect()
    }
}

impl SimState {
    /// `n` servers over one store, joined in a cluster but with no plugin connected: for tests
    /// that drive the API adapters against a node (events routed to a node are only recorded,
    /// see [`SimState::received_cluster_events`]).
    pub fn cluster_of(n: usize) -> Vec<Arc<SimState>> {
        let data = Arc::new(Mutex::new(Data::new()));
        let bus = Arc::new(ClusterBus::default());
        (0..n)
            .map(|_| {
                let state = SimState::with_data(data.clone());
                let id = new_id();
                let _ = state.node.set(ClusterNode {
                    id: id.clone(),
                    bus: bus.clone(),
                });
                bus.join(&id, &state);
                state
            })
            .collect()
    }

    /// Cluster events routed to this node, in arrival order.
    pub fn received_cluster_events(&self) -> Vec<PluginClusterEvent> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// This server's node id in a cluster; "" for a lone server.
    pub fn node_id(&self) -> &str {
        self.node.get().map(|n| n.id.as_str()).unwrap_or("")
    }

    /// What `PublishPluginClusterEvent` does on this node: records the call, then routes the
    /// event to the other nodes (or the target node) of the cluster.
    pub fn publish_cluster_event(
        &self,
        event: &PluginClusterEvent,
        options: &PluginClusterEventSendOptions,
    ) -> ApiResult<()> {
        self.data().cluster_events.push(ClusterEventRecord {
            from_node: self.node_id().to_owned(),
            event: event.clone(),
            options: options.clone(),
        });
        // No cluster: the server accepts the event and sends it nowhere.
        let Some(node) = self.node.get() else {
            return Ok(());
        };
        let others = node.bus.others(&node.id);
        let targets: Vec<Arc<SimState>> = if options.target_id.is_empty() {
            others.into_iter().map(|(_, n)| n).collect()
        } else {
            match others.into_iter().find(|(id, _)| *id == options.target_id) {
                Some((_, n)) => vec![n],
                None => {
                    return Err(ApiError::Plain(format!(
                        "failed to send message to cluster node {:?}: no such node",
                        options.target_id
                    )));
                }
            }
        };
        for t in targets {
            t.route_cluster_event(event.clone());
        }
        Ok(())
    }

    /// Queues an event for this node's plugin; [`Simulator::settle`] waits for its delivery.
    fn route_cluster_event(&self, event: PluginClusterEvent) {
        if let Ok(mut r) = self.received.lock() {
            r.push(event.clone());
        }
        let Some(inbox) = self.inbox.get() else {
            return; // the plugin is not running here yet
        };
        self.hook_started();
        if inbox.send(event).is_err() {
            self.hook_finished();
        }
    }
}

/// Delivers this node's cluster events to its plugin, one at a time, in order.
pub(crate) fn serve_inbox(
    state: &Arc<SimState>,
    conn: Arc<dyn PluginConnection>,
) -> tokio::task::JoinHandle<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<PluginClusterEvent>();
    let _ = state.inbox.set(tx);
    let node = Arc::downgrade(state);
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let Some(state) = node.upgrade() else {
                return;
            };
            if state.implements("OnPluginClusterEvent")
                && let Err(e) = conn.on_plugin_cluster_event(HookContext::default(), event).await
            {
                tracing::warn!(error = %e, node = state.node_id(), "OnPluginClusterEvent failed");
            }
            state.hook_finished();
        }
    })
}

type HooksFactory = Box<dyn Fn(usize) -> Arc<dyn Hooks> + Send + Sync>;

/// How to start a [`Cluster`]: [`SimulatorBuilder::nodes`], then options, then [`Self::start`].
pub struct ClusterBuilder {
    sim: SimulatorBuilder,
    nodes: usize,
    hooks: Option<HooksFactory>,
}

impl ClusterBuilder {
    pub(crate) fn new(sim: SimulatorBuilder, nodes: usize) -> Self {
        Self {
            sim,
            nodes,
            hooks: None,
        }
    }

    /// The hooks of node `i`, run in this process instead of launching the binary: behind the
    /// real wire of the builder's transport (as [`SimulatorBuilder::wired`]), or called directly
    /// for `Transport::InProcess`. Each node runs its own instance, as each node of a real
    /// cluster runs its own plugin process.
    pub fn hooks_per_node(mut self, f: impl Fn(usize) -> Arc<dyn Hooks> + Send + Sync + 'static) -> Self {
        self.hooks = Some(Box::new(f));
        self.sim.wired = self.sim.transport != Transport::InProcess;
        self
    }

    /// Starts the nodes one after the other (each activated unless the builder said not to).
    pub async fn start(self) -> Result<Cluster, SimError> {
        let needs_hooks = self.sim.transport == Transport::InProcess || self.sim.wired;
        if needs_hooks && self.hooks.is_none() {
            return Err(SimError::Start(
                "a cluster of in-process plugins needs hooks_per_node: one instance per node".into(),
            ));
        }
        if self.nodes == 0 {
            return Err(SimError::Start("a cluster needs at least one node".into()));
        }
        let states = SimState::cluster_of(self.nodes);
        let data = states[0].data.clone();
        self.sim.seed(&mut data.lock().unwrap_or_else(|p| p.into_inner()));
        let mut nodes = Vec::with_capacity(self.nodes);
        for (i, state) in states.into_iter().enumerate() {
            let hooks = self.hooks.as_ref().map(|f| f(i));
            nodes.push(self.sim.start_node(state, hooks).await?);
        }
        Ok(Cluster { nodes, data })
    }
}

/// N plugin instances under one simulated server store. Node `i` is a whole [`Simulator`]
/// (`node(i)`): its own HTTP front, connection, API call record and background hooks.
pub struct Cluster {
    pub nodes: Vec<Simulator>,
    data: Arc<Mutex<Data>>,
}

impl Cluster {
    pub fn node(&self, i: usize) -> &Simulator {
        &self.nodes[i]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The cluster id of node `i` (what `PluginClusterEventSendOptions::target_id` names).
    pub fn node_id(&self, i: usize) -> &str {
        self.nodes[i].node_id()
    }

    /// `path` under `/plugins/<id>` on node `i`'s HTTP front.
    pub fn plugin_url(&self, i: usize, path: &str) -> String {
        self.nodes[i].plugin_url(path)
    }

    /// The one store every node reads and writes.
    pub fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until every node has finished its background hooks and cluster deliveries, again
    /// and again until none starts another (a delivery may publish further events).
    pub async fn settle(&self) {
        loop {
            for n in &self.nodes {
                n.settle().await;
            }
            if self
                .nodes
                .iter()
                .all(|n| n.state.inflight.load(std::sync::atomic::Ordering::SeqCst) == 0)
            {
                return;
            }
        }
    }

    /// The admin saves the plugin's settings: stored once, and every node's plugin gets
    /// OnConfigurationChange, as a real cluster propagates a configuration change.
    pub async fn save_plugin_config(&self, config: serde_json::Value) -> Result<(), SimError> {
        if let serde_json::Value::Object(c) = config {
            self.data().plugin_config = c.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        }
        for n in &self.nodes {
            n.state.deliver_config_change().await?;
        }
        Ok(())
    }

    /// An admin generates a Support Packet on node `i` (see [`Simulator::fire_support_packet`]).
    pub async fn fire_support_packet(&self, i: usize) -> Result<Vec<FileData>, SimError> {
        self.nodes[i].fire_support_packet().await
    }

    /// The data retention job runs on node `i` (see [`Simulator::run_data_retention`]).
    pub async fn run_data_retention(
        &self,
        i: usize,
        now_millis: i64,
        batch_size: i64,
    ) -> Result<i64, SimError> {
        self.nodes[i].run_data_retention(now_millis, batch_size).await
    }

    /// Deactivates and stops every node; true when every plugin exited by itself.
    pub async fn shutdown(self) -> Result<bool, SimError> {
        let mut clean = true;
        for n in self.nodes {
            clean &= n.shutdown().await?;
        }
        Ok(clean)
    }
}

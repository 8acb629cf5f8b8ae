//! The one home of the configuration in force: a `Snapshot` swapped whole on every change,
//! with what the server told us (version, site URL, license, its configuration). Readers take
//! an `Arc` and never see half an update; listeners (MCP, search) subscribe to changes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::{BotConfig, Effective};
use crate::license::Entitlements;
use plugin_runtime::host::model::{License, ServerConfig};

/// What the server told us at activation (and the license with every configuration).
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
    pub fn empty() -> Self {
        Snapshot {
            effective: Arc::new(Effective::default()),
            entitlements: crate::license::entitlements(None, &ServerConfig::default()),
            load_error: None,
            bot_ids: HashMap::new(),
        }
    }

    /// The agents users can reach: valid ones, only the first without a multi-agent license.
    pub fn agents(&self) -> impl Iterator<Item = &BotConfig> {
        let limit = if self.entitlements.multiple_agents {
            usize::MAX
        } else {
            1
        };
        self.effective.bots().take(limit)
    }

    /// The active agent whose bot account is `bot_user_id`.
    pub fn agent_by_bot_id(&self, bot_user_id: &str) -> Option<&BotConfig> {
        self.agents()
            .find(|b| self.bot_ids.get(&b.name).map(String::as_str) == Some(bot_user_id))
    }
}

/// The snapshot in force and the server's facts, shared by everything that reads them.
pub struct LiveConfig {
    snapshot: RwLock<Arc<Snapshot>>,
    changes: tokio::sync::watch::Sender<Arc<Snapshot>>,
    server: RwLock<ServerFacts>,
}

impl Default for LiveConfig {
    fn default() -> Self {
        let empty = Arc::new(Snapshot::empty());
        LiveConfig {
            snapshot: RwLock::new(empty.clone()),
            changes: tokio::sync::watch::Sender::new(empty),
            server: RwLock::new(ServerFacts::default()),
        }
    }
}

impl LiveConfig {
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|_| Arc::new(Snapshot::empty()))
    }

    /// Swaps in `s` and wakes every subscriber.
    pub fn set_snapshot(&self, s: Snapshot) {
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

    pub fn server(&self) -> ServerFacts {
        self.server.read().map(|g| g.clone()).unwrap_or_default()
    }

    pub fn set_server(&self, facts: ServerFacts) {
        if let Ok(mut g) = self.server.write() {
            *g = facts;
        }
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
}

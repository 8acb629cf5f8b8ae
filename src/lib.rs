//! Agents for Mattermost, in Rust.
//!
//! Layers, outermost first: `transport` (net/rpc, later gRPC) → `host` (the API we call and the
//! hooks we serve, transport-agnostic) → `plugin` (domain state and behaviour) → `http` (axum
//! routes served through ServeHTTP). See ARCHITECTURE.md.

pub mod actions;
pub mod agents;
pub mod cluster;
pub mod config;
pub mod conversations;
pub mod host;
pub mod http;
pub mod license;
pub mod llm;
pub mod logging;
pub mod mcp;
pub mod metrics;
pub mod outbound;
pub mod plugin;
pub mod search;
pub mod tools;
pub mod transport;
pub mod usage;

/// The plugin id from plugin.json.
pub const PLUGIN_ID: &str = env!("PLUGIN_ID");
/// The plugin version from plugin.json.
pub const PLUGIN_VERSION: &str = env!("PLUGIN_VERSION");

//! Agents for Mattermost, in Rust.
//!
//! Layers, bottom up (ARCHITECTURE.md has the map): the plugin runtime crate (`plugin_runtime`:
//! hooks and API traits, both transports) → base modules (`providers`, `config`, `license`, `outbound`,
//! `llm`, `usage`, `metrics`, `cluster`, `agents`) → `infra` (what every feature runs on) →
//! `answer` (the core every answering feature shares) → features (`conversations`, `actions`,
//! `search`, `tools`, `mcp`, `mcpserver`, `bridge`) → `http` (thin axum handlers) → `plugin`
//! (the composition root, imported by nothing but the executable).

pub mod actions;
pub mod agents;
pub mod answer;
pub mod bridge;
pub mod cluster;
pub mod config;
pub mod conversations;
pub mod http;
pub mod i18n;
pub mod infra;
pub mod license;
pub mod llm;
pub mod mcp;
pub mod mcpserver;
pub mod metrics;
pub mod outbound;
pub mod plugin;
pub mod providers;
pub mod search;
pub mod serverdb;
pub mod support;
pub mod tools;
pub mod usage;

/// The plugin id from plugin.json.
pub const PLUGIN_ID: &str = env!("PLUGIN_ID");
/// The plugin version from plugin.json.
pub const PLUGIN_VERSION: &str = env!("PLUGIN_VERSION");

//! Agents: the bots the configuration describes, who may use them, and keeping Mattermost's bot
//! accounts in step with the configuration.

pub mod access;
pub mod listing;
pub mod sync;

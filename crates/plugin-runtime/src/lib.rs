//! The plugin runtime: what any Rust plugin of a Mattermost server needs, with no Agents logic.
//!
//! `transport` (net/rpc for released servers, gRPC for the multi-language host) decodes the
//! server's calls into the `host::Hooks` trait and implements `host::MattermostApi` over the
//! wire; `host` holds both traits and the model; `serve::run` picks the transport at start-up;
//! `logging` writes hclog JSON on stderr. Nothing above this crate knows a wire format.

pub mod host;
pub mod logging;
pub mod serve;
pub mod transport;

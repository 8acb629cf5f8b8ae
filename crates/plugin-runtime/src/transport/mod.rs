//! How the server reaches us. Each transport turns its wire into calls on `host::Hooks` and
//! implements `host::MattermostApi`; nothing above this module sees the wire.

pub mod body;
pub mod grpc;
pub mod netrpc;
pub mod request;

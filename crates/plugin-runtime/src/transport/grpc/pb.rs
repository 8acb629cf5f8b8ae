//! Code generated from proto/ by build.rs.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

pub mod v1 {
    tonic::include_proto!("mattermost.pluginapi.v1");
}

pub mod goplugin {
    tonic::include_proto!("plugin");
}

//! go-plugin's net/rpc protocol, what released Mattermost servers speak: yamux, Go net/rpc with
//! gob, and the MuxBroker for callbacks. The protocol layers come from the `goplugin`,
//! `go-netrpc` and `gobwire` crates; this module adds Mattermost's glue on top of them.

pub mod api_client;
pub mod gobjson;
pub mod hooks_server;
pub mod http_bridge;
pub mod wire;

use std::sync::Arc;

use goplugin::{HandshakeConfig, MuxBroker, ServeConfig, ServeError};
use tokio::io::AsyncReadExt as _;
use tokio::sync::Notify;

use crate::host::Hooks;

/// Mattermost's go-plugin handshake (`server/public/plugin/api.go`).
pub fn handshake() -> HandshakeConfig {
    HandshakeConfig {
        protocol_version: 1,
        magic_cookie_key: "MATTERMOST_PLUGIN".into(),
        magic_cookie_value: "Securely message teams, anywhere.".into(),
    }
}

/// How serving ended.
#[derive(Debug)]
pub enum Ended {
    /// The host sent `Control.Quit`.
    Quit,
    /// The host's connection went away without a Quit (the server died or killed the link).
    Disconnected,
}

/// Serves the plugin until the host asks it to quit or disconnects.
pub async fn serve(hooks: Arc<dyn Hooks>) -> Result<Ended, ServeError> {
    let lost = Arc::new(Notify::new());
    let mut config = ServeConfig::new(handshake()).plugin("hooks", move |broker: MuxBroker| {
        Ok(hooks_server::hooks_server(hooks.clone(), broker))
    });
    // The host never writes to the plugin's stdout stream, so a read there returns only when
    // the connection is gone: the one signal that covers a dead server and a corrupt stream.
    let watch = lost.clone();
    config.stdio = Arc::new(move |stdio: goplugin::PluginStdio| {
        let watch = watch.clone();
        let mut stdout = stdio.stdout;
        tokio::spawn(async move {
            let _keep_stderr_open = stdio.stderr;
            let mut buf = [0u8; 64];
            loop {
                match stdout.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
            watch.notify_one();
        });
    });
    tokio::select! {
        biased;
        r = goplugin::serve(config) => r.map(|()| Ended::Quit),
        () = lost.notified() => Ok(Ended::Disconnected),
    }
}

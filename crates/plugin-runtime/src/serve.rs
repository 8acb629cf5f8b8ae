//! The executable's life: serve the hooks over the transport the server asked for, and exit
//! with a status that tells the server what happened.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use goplugin::ServeError;

use crate::host::Hooks;
use crate::transport::{grpc, netrpc};

/// Serves `plugin` until the server quits it or goes away. The transport is chosen the way
/// Mattermost chooses it: `MATTERMOST_PLUGIN_API_TARGET` set means the multi-language (gRPC)
/// host, otherwise go-plugin net/rpc. Run by hand (no magic cookie), explains what the binary
/// is and fails.
pub async fn run(plugin: Arc<dyn Hooks>) -> ExitCode {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(exit_when_orphaned(parent));
    let served = match std::env::var(grpc::API_TARGET_ENV) {
        Ok(target) if !target.is_empty() => grpc::serve(plugin, &target).await,
        _ => netrpc::serve(plugin).await,
    };
    ended(served).await
}

async fn ended(served: Result<netrpc::Ended, ServeError>) -> ExitCode {
    match served {
        Ok(netrpc::Ended::Disconnected) => {
            // Without Quit the server died or the stream broke; nothing can be resynchronised.
            tracing::error!("connection to the Mattermost server lost; exiting");
            ExitCode::FAILURE
        }
        Ok(netrpc::Ended::Quit) => {
            tracing::debug!("plugin stopping");
            // Let the Quit reply reach the host before the runtime drops the connection.
            tokio::time::sleep(Duration::from_millis(50)).await;
            ExitCode::SUCCESS
        }
        // serve() has already told the person at the terminal what this binary is.
        Err(ServeError::NotAPlugin | ServeError::Misconfigured) => ExitCode::FAILURE,
        Err(e) => {
            tracing::error!(error = %e, "plugin transport failed");
            ExitCode::FAILURE
        }
    }
}

/// The server is our parent. If it dies without a word (killed, crashed) we are re-parented, and
/// a plugin nobody can reach must not linger.
async fn exit_when_orphaned(parent: u32) {
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if std::os::unix::process::parent_id() != parent {
            tracing::error!("the Mattermost server process is gone; exiting");
            std::process::exit(1);
        }
    }
}

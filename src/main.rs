//! The executable Mattermost launches. Run by hand it explains that it is a plugin and exits 1.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use goplugin::ServeError;
use mattermost_ai::plugin::Plugin;
use mattermost_ai::transport::netrpc;

#[tokio::main]
async fn main() -> ExitCode {
    mattermost_ai::logging::init();
    let plugin = match Plugin::new() {
        Ok(p) => Arc::new(p),
        Err(e) => {
            tracing::error!(error = %e, "plugin failed to start");
            return ExitCode::FAILURE;
        }
    };
    match netrpc::serve(plugin).await {
        Ok(ended) => {
            tracing::debug!(?ended, "plugin stopping");
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

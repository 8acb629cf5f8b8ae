//! The executable Mattermost launches. Run by hand it explains that it is a plugin and exits 1.

use std::process::ExitCode;
use std::sync::Arc;

use mattermost_ai::plugin::Plugin;

#[tokio::main]
async fn main() -> ExitCode {
    plugin_runtime::logging::init();
    let plugin = match Plugin::new() {
        Ok(p) => Arc::new(p),
        Err(e) => {
            tracing::error!(error = %e, "plugin failed to start");
            return ExitCode::FAILURE;
        }
    };
    plugin_runtime::serve::run(plugin).await
}

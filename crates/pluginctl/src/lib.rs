//! `pluginctl`: deploys the plugin bundle to a Mattermost server (`make deploy`), the Rust
//! counterpart of the plugin starter template's Go tool, reading the same environment.
//!
//! It depends on nothing of the app: only the server's REST API (upload, enable, disable,
//! login). The library part is what `tests/deploy.rs` drives; `main.rs` only prints.

pub mod cli;
pub mod error;
mod form;
pub mod reply;
mod server;
pub mod settings;

use std::path::Path;

use tokio::io::AsyncReadExt;

pub use cli::{Command, PluginId};
pub use error::{Error, USAGE};
pub use settings::Settings;

use crate::form::Form;
use crate::server::Server;

/// Runs a command with the environment `env` and returns the line to print on success.
pub async fn run(command: &Command, env: impl Fn(&str) -> Option<String>) -> Result<String, Error> {
    match command {
        Command::Help => Ok(format!("usage: {USAGE}")),
        Command::Deploy { id, bundle } => {
            // The bundle first: a missing file needs no server to report.
            let upload = Bundle::read(bundle).await?;
            let server = Server::connect(&Settings::from_env(env)?).await?;
            let installed = server
                .upload(&upload.file_name, upload.content_type, upload.body)
                .await?;
            if let Some(actual) = installed.filter(|actual| actual != id.as_str()) {
                return Err(Error::OtherPlugin {
                    expected: id.to_string(),
                    actual,
                });
            }
            server.enable(id.as_str()).await?;
            Ok(format!(
                "{} uploaded to {} and enabled",
                upload.file_name,
                server.shown()
            ))
        }
        Command::Enable { id } => {
            let server = Server::connect(&Settings::from_env(env)?).await?;
            server.enable(id.as_str()).await?;
            Ok(format!("{id} enabled on {}", server.shown()))
        }
        Command::Disable { id } => {
            let server = Server::connect(&Settings::from_env(env)?).await?;
            server.disable(id.as_str()).await?;
            Ok(format!("{id} disabled on {}", server.shown()))
        }
    }
}

/// The upload form: `plugin` (the bundle) and `force=true`, which replaces an installed
/// version, as the starter's `UploadPluginForced` does.
struct Bundle {
    file_name: String,
    content_type: String,
    body: Vec<u8>,
}

impl Bundle {
    async fn read(path: &Path) -> Result<Bundle, Error> {
        let unreadable = |cause: String| Error::BundleUnreadable {
            path: path.to_owned(),
            cause,
        };
        let mut file = match tokio::fs::File::open(path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::BundleMissing {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(unreadable(e.to_string())),
        };
        let metadata = file.metadata().await.map_err(|e| unreadable(e.to_string()))?;
        if !metadata.is_file() {
            return Err(unreadable("not a file".into()));
        }
        let file_name = path
            .file_name()
            .map_or_else(|| "plugin.tar.gz".into(), |n| n.to_string_lossy().into_owned());

        let size = usize::try_from(metadata.len()).map_err(|_| unreadable("too large for memory".into()))?;
        let mut form = Form::new(size.saturating_add(512));
        form.text("force", "true");
        file.read_to_end(form.file("plugin", &file_name, "application/gzip"))
            .await
            .map_err(|e| unreadable(e.to_string()))?;
        let (content_type, body) = form.finish();
        Ok(Bundle {
            file_name,
            content_type,
            body,
        })
    }
}

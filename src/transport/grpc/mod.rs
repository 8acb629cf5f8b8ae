//! gRPC transport for Mattermost's multi-language plugin host: we serve
//! `mattermost.pluginapi.v1.PluginHooks`, `grpc.health.v1.Health` (service "plugin") and
//! go-plugin's `plugin.GRPCController`; we call `mattermost.pluginapi.v1.PluginAPI` at the
//! address the host gives in `MATTERMOST_PLUGIN_API_TARGET`.

pub mod api_client;
pub mod convert;
pub mod hooks_service;
pub mod pb;

use std::io::Write as _;
use std::sync::Arc;

use goplugin::ServeError;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};

use super::netrpc::{Ended, handshake};
use crate::host::{Hooks, TransportKind};

/// The variable that tells the plugin it runs under the gRPC host.
pub const API_TARGET_ENV: &str = "MATTERMOST_PLUGIN_API_TARGET";
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

struct Controller {
    shutdown: Arc<Notify>,
}

#[tonic::async_trait]
impl pb::goplugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _: Request<pb::goplugin::Empty>,
    ) -> Result<Response<pb::goplugin::Empty>, Status> {
        self.shutdown.notify_one();
        Ok(Response::new(pb::goplugin::Empty {}))
    }
}

/// Serves the plugin over gRPC until the host asks it to shut down.
pub async fn serve(hooks: Arc<dyn Hooks>, api_target: &str) -> Result<Ended, ServeError> {
    let hs = handshake();
    if std::env::var(&hs.magic_cookie_key).ok().as_deref() != Some(hs.magic_cookie_value.as_str()) {
        eprint!(
            "This binary is a plugin. These are not meant to be executed directly.\n\
             Please execute the program that consumes these plugins, which will\n\
             load any plugins automatically\n"
        );
        return Err(ServeError::NotAPlugin);
    }
    let api = api_client::GrpcApi::connect_lazy(api_target).map_err(|e| {
        ServeError::Io(std::io::Error::other(format!(
            "{API_TARGET_ENV}={api_target:?}: {e}"
        )))
    })?;
    hooks.attach_api(Arc::new(api), TransportKind::Grpc);

    let listener = bind().await?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        out.write_all(format!("1|{}|tcp|{addr}|grpc\n", hs.protocol_version).as_bytes())?;
        out.flush()?;
    }

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let shutdown = Arc::new(Notify::new());
    let hooks_server =
        pb::v1::plugin_hooks_server::PluginHooksServer::new(hooks_service::HooksService::new(hooks))
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE);
    let controller = pb::goplugin::grpc_controller_server::GrpcControllerServer::new(Controller {
        shutdown: shutdown.clone(),
    });
    let stop = shutdown.clone();
    tonic::transport::Server::builder()
        .add_service(health)
        .add_service(hooks_server)
        .add_service(controller)
        .serve_with_incoming_shutdown(nodelay(listener), async move {
            stop.notified().await;
        })
        .await
        .map_err(|e| ServeError::Io(std::io::Error::other(e)))?;
    Ok(Ended::Quit)
}

/// Accepted connections with Nagle off: small request/response exchanges would otherwise wait
/// for delayed ACKs (about 40 ms each).
pub fn nodelay(
    listener: tokio::net::TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt as _;
    tokio_stream::wrappers::TcpListenerStream::new(listener).map(|conn| {
        if let Ok(c) = &conn {
            let _ = c.set_nodelay(true);
        }
        conn
    })
}

/// go-plugin's TCP listener: the first free port in [PLUGIN_MIN_PORT, PLUGIN_MAX_PORT] on
/// 127.0.0.1, any port when the host sets no range.
async fn bind() -> Result<tokio::net::TcpListener, ServeError> {
    let port = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<u16>().ok())
            .unwrap_or(0)
    };
    let (min, max) = (port("PLUGIN_MIN_PORT"), port("PLUGIN_MAX_PORT"));
    if min == 0 || max < min {
        return Ok(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?);
    }
    for p in min..=max {
        if let Ok(l) = tokio::net::TcpListener::bind(("127.0.0.1", p)).await {
            return Ok(l);
        }
    }
    Err(ServeError::Bind)
}

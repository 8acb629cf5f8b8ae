//! gRPC transport for Mattermost's multi-language plugin host: we serve
//! `mattermost.pluginapi.v1.PluginHooks`, `grpc.health.v1.Health` (service "plugin") and
//! go-plugin's `plugin.GRPCController`; we call `mattermost.pluginapi.v1.PluginAPI` at the
//! address the host gives in `MATTERMOST_PLUGIN_API_TARGET`.
//!
//! We listen where go-plugin's own plugins listen: on a unix socket only our user (or the
//! host's `PLUGIN_UNIX_SOCKET_GROUP`) may connect to (`listener`), never on TCP, and serve TLS
//! with a pinned client certificate when the host asks for go-plugin's AutoMTLS (`mtls`).

pub mod api_client;
pub mod convert;
pub mod hooks_service;
pub mod listener;
pub mod mtls;
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

    let tls = mtls::AutoMtls::from_env()
        .map_err(|e| ServeError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)))?;
    let (listener, socket) = listener::bind_from_env()?;
    {
        // go-plugin's line: core version, app version, network, address, protocol, server
        // certificate (empty without AutoMTLS). The path is written as the bytes it is.
        use std::os::unix::ffi::OsStrExt as _;
        let cert = tls.as_ref().map(mtls::AutoMtls::handshake_field);
        let mut line = format!("1|{}|unix|", hs.protocol_version).into_bytes();
        line.extend_from_slice(socket.path().as_os_str().as_bytes());
        line.extend_from_slice(format!("|grpc|{}\n", cert.unwrap_or_default()).as_bytes());
        let mut out = std::io::stdout().lock();
        out.write_all(&line)?;
        out.flush()?;
    }
    tracing::debug!(
        socket = %socket.path().display(),
        mtls = tls.is_some(),
        "gRPC transport listening"
    );

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
    let router = tonic::transport::Server::builder()
        .add_service(health)
        .add_service(hooks_server)
        .add_service(controller);
    let stop = async move { shutdown.notified().await };
    let served = match tls {
        None => {
            let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
            router.serve_with_incoming_shutdown(incoming, stop).await
        }
        Some(tls) => {
            let (tx, rx) = tokio::sync::mpsc::channel(16);
            let accepting = tokio::spawn(accept_tls(listener, tls, tx));
            let incoming = tokio_stream::wrappers::ReceiverStream::new(rx);
            let served = router.serve_with_incoming_shutdown(incoming, stop).await;
            accepting.abort();
            served
        }
    };
    drop(socket);
    served.map_err(|e| ServeError::Io(std::io::Error::other(e)))?;
    Ok(Ended::Quit)
}

/// Accepts connections and hands on those whose TLS handshake presented the host's
/// certificate; anything else (a client without TLS or with another certificate) is dropped.
async fn accept_tls(
    listener: tokio::net::UnixListener,
    tls: mtls::AutoMtls,
    tx: tokio::sync::mpsc::Sender<std::io::Result<tokio_rustls::server::TlsStream<tokio::net::UnixStream>>>,
) {
    loop {
        let conn = match listener.accept().await {
            Ok((conn, _)) => conn,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "accepting on the plugin's socket failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let (tls, tx) = (tls.clone(), tx.clone());
        tokio::spawn(async move {
            match tls.accept(conn).await {
                Ok(stream) => {
                    let _ = tx.send(Ok(stream)).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "refused a connection to the plugin's socket");
                }
            }
        });
    }
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

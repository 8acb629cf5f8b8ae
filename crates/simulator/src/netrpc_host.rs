//! The plugin launched and driven over go-plugin net/rpc, as a released Mattermost server does:
//! checksum-pinned exec, 3 s start timeout, `hooks` dispensed, the API offered on the broker.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use go_netrpc::{Server, ServiceError};
use goplugin::{Client, ClientConfig, MuxBroker, PluginCommand};
use http_body_util::BodyExt;
use plugin_runtime::host::model::{
    CommandArgs, CommandResponse, EmailNotification, FileData, HookContext, PluginClusterEvent, Post,
    PushNotification,
};
use plugin_runtime::host::{AppError, HttpBody, HttpRequest, HttpResponse};
use plugin_runtime::transport::netrpc::wire::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::SimState;
use crate::connection::{PluginConnection, SimError};

/// The request line's target as the client sent it, when it differs from the rewritten URL.
#[derive(Clone, Debug)]
pub struct RequestUri(pub String);

pub struct NetRpcPlugin {
    peer: Peer,
    hooks: go_netrpc::Client,
    broker: MuxBroker,
    sim: Arc<SimState>,
}

/// What carries the connection: a launched process, or hooks served in this process over the
/// same go-plugin protocol on an in-memory pipe.
enum Peer {
    Process(Client),
    Wired(goplugin::RpcClient),
}

/// Collects the plugin's stderr lines for tests to inspect, and echoes them when asked to.
struct StderrSink {
    sim: Arc<SimState>,
    partial: Vec<u8>,
}

impl tokio::io::AsyncWrite for StderrSink {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.partial.extend_from_slice(buf);
        while let Some(pos) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            if std::env::var_os("SIM_ECHO_STDERR").is_some() {
                eprintln!("[plugin] {line}");
            }
            if let Ok(mut l) = self.sim.stderr.lock() {
                l.push(line);
            }
        }
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

impl NetRpcPlugin {
    pub async fn launch(
        binary: &Path,
        env: &[(String, String)],
        sim: Arc<SimState>,
    ) -> Result<Self, SimError> {
        let hashing = std::time::Instant::now();
        let checksum = goplugin::client::sha256_file(binary)?;
        if let Ok(mut t) = sim.checksum_time.lock() {
            *t = hashing.elapsed();
        }
        let mut config = ClientConfig::new(plugin_runtime::transport::netrpc::handshake());
        let mut cmd = PluginCommand::new(binary);
        for (k, v) in env {
            cmd.env.push((k.into(), v.into()));
        }
        config.cmd = Some(cmd);
        config.checksum = Some(checksum);
        config.start_timeout = Duration::from_secs(3);
        config.stderr = Box::new(StderrSink {
            sim: sim.clone(),
            partial: Vec::new(),
        });
        let client = Client::start(config)
            .await
            .map_err(|e| SimError::Start(e.to_string()))?;
        let dispensed = client
            .dispense("hooks")
            .await
            .map_err(|e| SimError::Start(format!("dispense: {e}")))?;
        Ok(Self {
            peer: Peer::Process(client),
            hooks: dispensed.client,
            broker: dispensed.broker,
            sim,
        })
    }

    /// Serves `hooks` in this process with the runtime's own net/rpc hooks server and connects
    /// to it as the server does: yamux, `Control`, `Dispenser.Dispense("hooks")`, the broker.
    /// Every hook and API call crosses the real gob wire; only the process and handshake line
    /// are missing.
    pub async fn wire(
        hooks: Arc<dyn plugin_runtime::host::Hooks>,
        sim: Arc<SimState>,
    ) -> Result<Self, SimError> {
        let (host_io, plugin_io) = tokio::io::duplex(1 << 20);
        let mut plugins: HashMap<String, Arc<dyn goplugin::PluginServer>> = HashMap::new();
        let served: Arc<dyn goplugin::PluginServer> = Arc::new(move |broker: MuxBroker| {
            Ok::<_, String>(plugin_runtime::transport::netrpc::hooks_server::hooks_server(
                hooks.clone(),
                broker,
            ))
        });
        plugins.insert("hooks".into(), served);
        let (done, _) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let served = goplugin::rpc::serve_conn(
                plugin_io,
                goplugin::yamux::Config::default(),
                Arc::new(plugins),
                done,
                drop,
            )
            .await;
            if let Err(e) = served {
                tracing::debug!(error = %e, "in-process net/rpc plugin stopped");
            }
        });
        let rpc = goplugin::RpcClient::connect(
            host_io,
            goplugin::yamux::Config::default(),
            tokio::io::sink(),
            StderrSink {
                sim: sim.clone(),
                partial: Vec::new(),
            },
        )
        .await
        .map_err(|e| SimError::Start(e.to_string()))?;
        let dispensed = rpc
            .dispense("hooks")
            .await
            .map_err(|e| SimError::Start(format!("dispense: {e}")))?;
        Ok(Self {
            peer: Peer::Wired(rpc),
            hooks: dispensed.client,
            broker: dispensed.broker,
            sim,
        })
    }

    async fn call<A: gobwire::Encode + Sync, R: gobwire::Decode + Default + Send + 'static>(
        &self,
        hook: &'static str,
        args: &A,
    ) -> Result<R, SimError> {
        self.hooks
            .call(&format!("Plugin.{hook}"), args)
            .await
            .map_err(|e| SimError::Hook {
                hook,
                message: e.to_string(),
            })
    }

    async fn error_hook<A: gobwire::Encode + Sync>(
        &self,
        hook: &'static str,
        args: &A,
    ) -> Result<(), SimError> {
        let r: A1<Option<gobwire::Interface>> = self.call(hook, args).await?;
        match interface_to_error(&r.a) {
            None => Ok(()),
            Some(e) => Err(SimError::Hook {
                hook,
                message: e.to_string(),
            }),
        }
    }

    async fn http_hook(
        &self,
        hook: &'static str,
        ctx: HookContext,
        request: HttpRequest,
    ) -> Result<HttpResponse, SimError> {
        let (parts, body) = request.into_parts();

        // The ResponseWriter the plugin writes through.
        let writer_id = self.broker.next_id();
        let (head_tx, head_rx) = oneshot::channel::<Head>();
        let (body_tx, body_rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
        let state = Arc::new(Mutex::new(WriterState {
            header: HashMap::new(),
            head: Some(head_tx),
            body: Some(body_tx),
        }));
        let writer = Arc::new(response_writer(state.clone()));
        let broker = self.broker.clone();
        tokio::spawn(async move { broker.accept_and_serve(writer_id, writer).await });

        // Like the server, always offer a body stream: its requests always carry a Body.
        let body_id = self.broker.next_id();
        let broker = self.broker.clone();
        tokio::spawn(async move {
            match broker.accept(body_id).await {
                Ok(stream) => serve_body(stream, body).await,
                Err(e) => tracing::debug!(error = %e, "request body stream not dialled"),
            }
        });

        let url = parts.uri.to_string();
        let request_uri = parts
            .extensions
            .get::<RequestUri>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| url.clone());
        let mut header: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in &parts.headers {
            if k == http::header::HOST {
                continue;
            }
            if let Ok(v) = v.to_str() {
                header
                    .entry(plugin_runtime::transport::body::canonical_header(k.as_str()))
                    .or_default()
                    .push(v.to_owned());
            }
        }
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let args = ServeHttpArgs {
            response_writer_stream: writer_id,
            request: Some(GobHttpRequest {
                method: parts.method.to_string(),
                url: Some(gobwire::BinaryBytes(url.clone().into_bytes())),
                proto: "HTTP/1.1".into(),
                proto_major: 1,
                proto_minor: 1,
                header,
                host,
                remote_addr: "127.0.0.1:50000".into(),
                request_uri,
            }),
            context: Some(ctx.to_wire()),
            request_body_stream: body_id,
        };

        let hooks = self.hooks.clone();
        let done_state = state.clone();
        tokio::spawn(async move {
            let r = hooks.call::<_, Empty>(&format!("Plugin.{hook}"), &args).await;
            let mut st = match done_state.lock() {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
            // Like the server: an RPC failure before any output becomes a 500.
            let status = if r.is_err() { 500 } else { 200 };
            if let Some(tx) = st.head.take() {
                let _ = tx.send((status, st.header.clone()));
            }
            if let Err(e) = r {
                tracing::warn!(error = %e, "ServeHTTP call failed");
            }
            st.body = None; // ends the response body
        });

        let (status, header) = head_rx
            .await
            .map_err(|_| SimError::Transport("no response head".into()))?;
        let mut response = http::Response::builder().status(status);
        for (k, vs) in &header {
            for v in vs {
                response = response.header(k, v);
            }
        }
        response
            .body(plugin_runtime::transport::body::channel_body(body_rx))
            .map_err(|e| SimError::Transport(e.to_string()))
    }
}

type Head = (u16, HashMap<String, Vec<String>>);

struct WriterState {
    header: HashMap<String, Vec<String>>,
    head: Option<oneshot::Sender<Head>>,
    body: Option<mpsc::Sender<Result<Bytes, std::io::Error>>>,
}

/// The host side of `ResponseWriter`: Header, SyncHeader, WriteHeader, Write and Flush.
fn response_writer(state: Arc<Mutex<WriterState>>) -> Server {
    let mut s = Server::new();
    let st = state.clone();
    s.register("Plugin.Header", move |_: Empty| {
        let st = st.clone();
        async move { Ok::<_, ServiceError>(st.lock().map(|s| s.header.clone()).unwrap_or_default()) }
    });
    let st = state.clone();
    s.register("Plugin.SyncHeader", move |h: HashMap<String, Vec<String>>| {
        let st = st.clone();
        async move {
            if let Ok(mut s) = st.lock() {
                s.header = h;
            }
            Ok::<_, ServiceError>(Empty {})
        }
    });
    let st = state.clone();
    s.register("Plugin.WriteHeader", move |code: i64| {
        let st = st.clone();
        async move {
            if !(100..=999).contains(&code) {
                return Err(ServiceError(format!("invalid http status code: {code}")));
            }
            if let Ok(mut s) = st.lock()
                && let Some(tx) = s.head.take()
            {
                let _ = tx.send((code as u16, s.header.clone()));
            }
            Ok(Empty {})
        }
    });
    let st = state.clone();
    s.register("Plugin.Write", move |data: Vec<u8>| {
        let st = st.clone();
        async move {
            let tx = {
                let mut s = st.lock().map_err(|_| ServiceError("poisoned".into()))?;
                if let Some(head) = s.head.take() {
                    let _ = head.send((200, s.header.clone()));
                }
                s.body.clone()
            };
            if let Some(tx) = tx {
                tx.send(Ok(Bytes::from(data)))
                    .await
                    .map_err(|_| ServiceError("client went away".into()))?;
            }
            Ok::<_, ServiceError>(Empty {})
        }
    });
    s.register("Plugin.Flush", |_: Empty| async {
        Ok::<_, ServiceError>(Empty {})
    });
    s
}

/// The host side of the body pull protocol: read a signed varint, send up to that many bytes,
/// close at EOF.
async fn serve_body(mut stream: goplugin::yamux::Stream, mut body: HttpBody) {
    let mut pending = Bytes::new();
    let mut eof = false;
    loop {
        let Some(want) = read_varint(&mut stream).await else {
            break;
        };
        let mut left = want.max(0) as usize;
        while left > 0 {
            if pending.is_empty() {
                if eof {
                    break;
                }
                match body.frame().await {
                    Some(Ok(f)) => {
                        if let Ok(d) = f.into_data() {
                            pending = d;
                        }
                        continue;
                    }
                    _ => {
                        eof = true;
                        break;
                    }
                }
            }
            let n = left.min(pending.len());
            let chunk = pending.split_to(n);
            if stream.write_all(&chunk).await.is_err() {
                return;
            }
            left -= n;
        }
        if left > 0 {
            break; // short copy: EOF
        }
    }
    let _ = stream.shutdown().await;
}

async fn read_varint(stream: &mut goplugin::yamux::Stream) -> Option<i64> {
    let mut x: u64 = 0;
    for shift in (0..70).step_by(7) {
        let b = stream.read_u8().await.ok()?;
        x |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            let v = (x >> 1) as i64;
            return Some(if x & 1 != 0 { !v } else { v });
        }
    }
    None
}

#[async_trait]
impl PluginConnection for NetRpcPlugin {
    async fn implemented(&self) -> Result<Vec<String>, SimError> {
        self.call("Implemented", &Empty {}).await
    }

    async fn on_activate(&self) -> Result<(), SimError> {
        let api_id = self.broker.next_id();
        let api = Arc::new(crate::api_server::api_server(&self.sim));
        let broker = self.broker.clone();
        tokio::spawn(async move { broker.accept_and_serve(api_id, api).await });
        // The database driver is served but unused: the plugin talks to Postgres directly.
        let driver_id = self.broker.next_id();
        let broker = self.broker.clone();
        tokio::spawn(async move { broker.accept_and_serve(driver_id, Arc::new(Server::new())).await });
        self.error_hook(
            "OnActivate",
            &OnActivateArgs {
                api_mux_id: api_id,
                driver_mux_id: driver_id,
            },
        )
        .await
    }

    async fn on_deactivate(&self) -> Result<(), SimError> {
        self.error_hook("OnDeactivate", &Empty {}).await
    }

    async fn on_configuration_change(&self) -> Result<(), SimError> {
        self.error_hook("OnConfigurationChange", &Empty {}).await
    }

    async fn message_has_been_posted(&self, ctx: HookContext, post: Post) -> Result<(), SimError> {
        let _: Empty = self
            .call(
                "MessageHasBeenPosted",
                &A2 {
                    a: Some(ctx.to_wire()),
                    b: Some(post.to_wire()),
                },
            )
            .await?;
        Ok(())
    }

    async fn notification_will_be_pushed(
        &self,
        n: PushNotification,
        user_id: &str,
    ) -> Result<String, SimError> {
        let out: A2<Option<GobPushNotification>, String> = self
            .call(
                "NotificationWillBePushed",
                &A2 {
                    a: Some(n.to_wire()),
                    b: user_id.to_owned(),
                },
            )
            .await?;
        Ok(out.b)
    }

    async fn email_notification_will_be_sent(&self, n: EmailNotification) -> Result<String, SimError> {
        let out: A2<Option<GobEmailNotificationContent>, String> = self
            .call("EmailNotificationWillBeSent", &A1 { a: Some(n.to_wire()) })
            .await?;
        Ok(out.b)
    }

    async fn message_has_been_updated(&self, ctx: HookContext, new: Post, old: Post) -> Result<(), SimError> {
        let args = A3 {
            a: Some(ctx.to_wire()),
            b: Some(new.to_wire()),
            c: Some(old.to_wire()),
        };
        let _: Empty = self.call("MessageHasBeenUpdated", &args).await?;
        Ok(())
    }

    async fn message_has_been_deleted(&self, ctx: HookContext, post: Post) -> Result<(), SimError> {
        let _: Empty = self
            .call(
                "MessageHasBeenDeleted",
                &A2 {
                    a: Some(ctx.to_wire()),
                    b: Some(post.to_wire()),
                },
            )
            .await?;
        Ok(())
    }

    async fn execute_command(
        &self,
        ctx: HookContext,
        args: CommandArgs,
    ) -> Result<Result<CommandResponse, AppError>, SimError> {
        let r: A2<Option<GobCommandResponse>, Option<GobAppError>> = self
            .call(
                "ExecuteCommand",
                &A2 {
                    a: Some(ctx.to_wire()),
                    b: Some(args.to_wire()),
                },
            )
            .await?;
        Ok(match r.b {
            Some(e) => Err(AppError::from_wire(e)),
            None => Ok(r.a.map(CommandResponse::from_wire).unwrap_or_default()),
        })
    }

    async fn serve_http(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError> {
        self.http_hook("ServeHTTP", ctx, request).await
    }

    async fn serve_metrics(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError> {
        self.http_hook("ServeMetrics", ctx, request).await
    }

    async fn on_plugin_cluster_event(
        &self,
        ctx: HookContext,
        event: PluginClusterEvent,
    ) -> Result<(), SimError> {
        // Z_OnPluginClusterEventArgs{A *Context, B model.PluginClusterEvent} → {}.
        let _: Empty = self
            .call(
                "OnPluginClusterEvent",
                &A2 {
                    a: Some(ctx.to_wire()),
                    b: event.to_wire(),
                },
            )
            .await?;
        Ok(())
    }

    async fn generate_support_data(&self, ctx: HookContext) -> Result<Vec<FileData>, SimError> {
        // Z_GenerateSupportDataArgs{A *Context} → {A []*model.FileData, B error}.
        let r: A2<Vec<GobFileData>, Option<gobwire::Interface>> = self
            .call(
                "GenerateSupportData",
                &A1 {
                    a: Some(ctx.to_wire()),
                },
            )
            .await?;
        if let Some(e) = interface_to_error(&r.b) {
            return Err(SimError::Hook {
                hook: "GenerateSupportData",
                message: e.to_string(),
            });
        }
        Ok(r.a.into_iter().map(FileData::from_wire).collect())
    }

    async fn run_data_retention(&self, now_millis: i64, batch_size: i64) -> Result<i64, SimError> {
        // Z_RunDataRetentionArgs{A int64, B int64} → {A int64, B error}.
        let r: A2<i64, Option<gobwire::Interface>> = self
            .call(
                "RunDataRetention",
                &A2 {
                    a: now_millis,
                    b: batch_size,
                },
            )
            .await?;
        if let Some(e) = interface_to_error(&r.b) {
            return Err(SimError::Hook {
                hook: "RunDataRetention",
                message: e.to_string(),
            });
        }
        Ok(r.a)
    }

    async fn ping(&self) -> Result<(), SimError> {
        match &self.peer {
            Peer::Process(client) => client
                .ping()
                .await
                .map_err(|e| SimError::Transport(e.to_string())),
            Peer::Wired(rpc) => rpc.ping().await.map_err(|e| SimError::Transport(e.to_string())),
        }
    }

    fn pid(&self) -> Option<u32> {
        match &self.peer {
            Peer::Process(client) => Some(client.reattach_config().pid),
            Peer::Wired(_) => None,
        }
    }

    async fn shutdown(&self) -> bool {
        match &self.peer {
            Peer::Process(client) => {
                client.kill().await;
                !client.force_killed()
            }
            Peer::Wired(rpc) => rpc.close().await.is_ok(),
        }
    }
}

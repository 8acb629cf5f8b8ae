//! The plugin launched and driven over gRPC, as Mattermost's multi-language host does: the
//! PluginAPI server starts first, its address goes to the plugin in
//! `MATTERMOST_PLUGIN_API_TARGET`, the handshake line must say `unix` and `grpc`, health is
//! checked, and hooks are called on `mattermost.pluginapi.v1.PluginHooks`.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::BodyExt;
use plugin_runtime::host::model::{
    CommandArgs, CommandResponse, EmailNotification, FileData, HookContext, PluginClusterEvent, Post,
    PushNotification,
};
use plugin_runtime::host::{AppError, HttpBody, HttpRequest, HttpResponse};
use plugin_runtime::transport::grpc::pb::goplugin::grpc_controller_client::GrpcControllerClient;
use plugin_runtime::transport::grpc::pb::v1 as pb;
use plugin_runtime::transport::grpc::pb::v1::plugin_hooks_client::PluginHooksClient;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::SimState;
use crate::connection::{PluginConnection, SimError};
use crate::netrpc_host::RequestUri;

const CHUNK: usize = 64 * 1024;
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

pub struct GrpcPlugin {
    hooks: PluginHooksClient<Channel>,
    controller: GrpcControllerClient<Channel>,
    health: tonic_health::pb::health_client::HealthClient<Channel>,
    /// `None` for hooks served in this process ([`GrpcPlugin::wire`]).
    child: tokio::sync::Mutex<Option<Child>>,
    pid: Option<u32>,
    api_task: tokio::task::JoinHandle<()>,
    plugin_task: Option<tokio::task::JoinHandle<()>>,
}

/// Starts the simulated PluginAPI server on loopback: its address and task.
async fn start_api(
    sim: Arc<SimState>,
) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>), SimError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api_addr = listener.local_addr()?;
    let api = plugin_runtime::transport::grpc::pb::v1::plugin_api_server::PluginApiServer::new(
        crate::grpc_api::GrpcSimApi { sim },
    )
    .max_decoding_message_size(MAX_MESSAGE)
    .max_encoding_message_size(MAX_MESSAGE);
    let api_task = tokio::spawn(async move {
        let incoming = plugin_runtime::transport::grpc::nodelay(listener);
        if let Err(e) = tonic::transport::Server::builder()
            .add_service(api)
            .serve_with_incoming(incoming)
            .await
        {
            tracing::warn!(error = %e, "simulated PluginAPI server stopped");
        }
    });
    Ok((api_addr, api_task))
}

fn hook_err(hook: &'static str) -> impl Fn(tonic::Status) -> SimError {
    move |s| SimError::Hook {
        hook,
        message: s.to_string(),
    }
}

fn app_err(hook: &'static str, e: Option<pb::AppError>) -> Result<(), SimError> {
    match e {
        None => Ok(()),
        Some(e) => Err(SimError::Hook {
            hook,
            message: AppError::from(e).to_string(),
        }),
    }
}

impl GrpcPlugin {
    pub async fn launch(
        binary: &Path,
        env: &[(String, String)],
        sim: Arc<SimState>,
    ) -> Result<Self, SimError> {
        // The PluginAPI server runs before the plugin starts.
        let (api_addr, api_task) = start_api(sim.clone()).await?;

        let hashing = Instant::now();
        let _checksum = goplugin::client::sha256_file(binary)?;
        if let Ok(mut t) = sim.checksum_time.lock() {
            *t = hashing.elapsed();
        }
        let hs = plugin_runtime::transport::netrpc::handshake();
        let mut cmd = Command::new(binary);
        cmd.env(&hs.magic_cookie_key, &hs.magic_cookie_value)
            .env("PLUGIN_PROTOCOL_VERSIONS", hs.protocol_version.to_string())
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env(
                plugin_runtime::transport::grpc::API_TARGET_ENV,
                api_addr.to_string(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        let pid = child.id();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| SimError::Start("no stdout".into()))?;
        if let Some(stderr) = child.stderr.take() {
            let sim = sim.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if std::env::var_os("SIM_ECHO_STDERR").is_some() {
                        eprintln!("[plugin] {line}");
                    }
                    if let Ok(mut l) = sim.stderr.lock() {
                        l.push(line);
                    }
                }
            });
        }
        let mut stdout = BufReader::new(stdout).lines();
        let line = match tokio::time::timeout(Duration::from_secs(3), stdout.next_line()).await {
            Ok(Ok(Some(l))) => l,
            Ok(_) => return Err(SimError::Start("plugin exited before the handshake".into())),
            Err(_) => {
                return Err(SimError::Start(
                    "timeout while waiting for plugin to start".into(),
                ));
            }
        };
        // Anything the plugin prints later is read and dropped, as go-plugin does.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        let parts: Vec<&str> = line.trim().split('|').collect();
        match parts.as_slice() {
            // go-plugin's line on unix: a socket path, and no certificate (no AutoMTLS here).
            ["1", "1", "unix", path, "grpc", ""] if path.starts_with('/') => {
                let channel = tonic::transport::Endpoint::from_shared(format!("unix:{path}"))
                    .map_err(|e| SimError::Start(e.to_string()))?
                    .connect()
                    .await
                    .map_err(|e| SimError::Start(format!("connecting to {path}: {e}")))?;
                let plugin = Self {
                    hooks: PluginHooksClient::new(channel.clone())
                        .max_decoding_message_size(MAX_MESSAGE)
                        .max_encoding_message_size(MAX_MESSAGE),
                    controller: GrpcControllerClient::new(channel.clone()),
                    health: tonic_health::pb::health_client::HealthClient::new(channel),
                    child: tokio::sync::Mutex::new(Some(child)),
                    pid,
                    api_task,
                    plugin_task: None,
                };
                plugin.ping().await?;
                Ok(plugin)
            }
            _ => Err(SimError::Start(format!("unexpected handshake line {line:?}"))),
        }
    }

    /// Serves `hooks` in this process with the runtime's own `PluginHooks` service and health
    /// check on a loopback socket, their API client pointed at the simulated PluginAPI server:
    /// every hook and API call crosses the real gRPC wire; only the process is missing.
    pub async fn wire(
        hooks: Arc<dyn plugin_runtime::host::Hooks>,
        sim: Arc<SimState>,
    ) -> Result<Self, SimError> {
        use plugin_runtime::transport::grpc::api_client::GrpcApi;
        let (api_addr, api_task) = start_api(sim).await?;
        let api = GrpcApi::connect_lazy(&api_addr.to_string()).map_err(|e| SimError::Start(e.to_string()))?;
        hooks.attach_api(Arc::new(api), plugin_runtime::host::TransportKind::Grpc);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (reporter, health) = tonic_health::server::health_reporter();
        reporter
            .set_service_status("plugin", tonic_health::ServingStatus::Serving)
            .await;
        let service = pb::plugin_hooks_server::PluginHooksServer::new(
            plugin_runtime::transport::grpc::hooks_service::HooksService::new(hooks),
        )
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE);
        let plugin_task = tokio::spawn(async move {
            let incoming = plugin_runtime::transport::grpc::nodelay(listener);
            if let Err(e) = tonic::transport::Server::builder()
                .add_service(health)
                .add_service(service)
                .serve_with_incoming(incoming)
                .await
            {
                tracing::warn!(error = %e, "in-process gRPC plugin stopped");
            }
        });
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .map_err(|e| SimError::Start(e.to_string()))?
            .connect()
            .await
            .map_err(|e| SimError::Start(format!("connecting to {addr}: {e}")))?;
        let plugin = Self {
            hooks: PluginHooksClient::new(channel.clone())
                .max_decoding_message_size(MAX_MESSAGE)
                .max_encoding_message_size(MAX_MESSAGE),
            controller: GrpcControllerClient::new(channel.clone()),
            health: tonic_health::pb::health_client::HealthClient::new(channel),
            child: tokio::sync::Mutex::new(None),
            pid: None,
            api_task,
            plugin_task: Some(plugin_task),
        };
        plugin.ping().await?;
        Ok(plugin)
    }

    async fn http(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError> {
        let (parts, mut body) = request.into_parts();
        let url = parts.uri.to_string();
        let request_uri = parts
            .extensions
            .get::<RequestUri>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| url.clone());
        let mut headers: Vec<pb::HttpHeader> = Vec::new();
        for name in parts.headers.keys() {
            if name == http::header::HOST {
                continue;
            }
            let values = parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(str::to_owned)
                .collect();
            headers.push(pb::HttpHeader {
                key: plugin_runtime::transport::body::canonical_header(name.as_str()),
                values,
            });
        }
        let content_length = parts
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        let init = pb::ServeHttpRequestInit {
            plugin_context: Some((&ctx).into()),
            method: parts.method.to_string(),
            url,
            proto: "HTTP/1.1".into(),
            proto_major: 1,
            proto_minor: 1,
            headers,
            host: parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost")
                .to_owned(),
            remote_addr: "127.0.0.1:50000".into(),
            request_uri,
            content_length,
        };

        // Request: init, then 64 KiB chunks, `body_complete` on the last.
        let (tx, rx) = mpsc::channel::<pb::ServeHttpRequest>(4);
        tokio::spawn(async move {
            let mut pending: Option<pb::ServeHttpRequest> = Some(pb::ServeHttpRequest {
                init: Some(init),
                ..Default::default()
            });
            loop {
                let frame = body.frame().await;
                let data = match frame {
                    Some(Ok(f)) => match f.into_data() {
                        Ok(d) => d,
                        Err(_) => continue,
                    },
                    _ => {
                        let mut last = pending.take().unwrap_or_default();
                        last.body_complete = true;
                        let _ = tx.send(last).await;
                        return;
                    }
                };
                let mut data: Bytes = data;
                while !data.is_empty() {
                    let piece = data.split_to(data.len().min(CHUNK));
                    if let Some(mut p) = pending.take() {
                        if p.body_chunk.is_empty() && p.init.is_some() {
                            p.body_chunk = piece.to_vec();
                            pending = Some(p);
                            continue;
                        }
                        if tx.send(p).await.is_err() {
                            return;
                        }
                    }
                    pending = Some(pb::ServeHttpRequest {
                        body_chunk: piece.to_vec(),
                        ..Default::default()
                    });
                }
            }
        });

        let mut hooks = self.hooks.clone();
        let mut responses = hooks
            .serve_http(ReceiverStream::new(rx))
            .await
            .map_err(hook_err("ServeHTTP"))?
            .into_inner();
        let first = responses
            .message()
            .await
            .map_err(hook_err("ServeHTTP"))?
            .ok_or_else(|| SimError::Transport("ServeHTTP ended without a response".into()))?;
        let status = first
            .init
            .as_ref()
            .map(|i| i.status_code)
            .filter(|c| *c != 0)
            .unwrap_or(200);
        if !(100..=999).contains(&status) {
            return Err(SimError::Transport(format!("invalid status code {status}")));
        }
        let mut builder = http::Response::builder().status(status as u16);
        for h in first.init.iter().flat_map(|i| i.headers.iter()) {
            for v in &h.values {
                builder = builder.header(h.key.as_str(), v.as_str());
            }
        }
        let (btx, brx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
        let first_chunk = first.body_chunk;
        let done = first.body_complete;
        tokio::spawn(async move {
            if !first_chunk.is_empty() && btx.send(Ok(Bytes::from(first_chunk))).await.is_err() {
                return;
            }
            if done {
                return;
            }
            loop {
                match responses.message().await {
                    Ok(Some(m)) => {
                        if !m.body_chunk.is_empty() && btx.send(Ok(Bytes::from(m.body_chunk))).await.is_err()
                        {
                            return; // client gone: dropping the stream cancels the plugin's handler
                        }
                        if m.body_complete {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = btx.send(Err(std::io::Error::other(e.to_string()))).await;
                        return;
                    }
                }
            }
        });
        builder
            .body(plugin_runtime::transport::body::channel_body(brx))
            .map_err(|e| SimError::Transport(e.to_string()))
    }
}

#[async_trait]
impl PluginConnection for GrpcPlugin {
    async fn implemented(&self) -> Result<Vec<String>, SimError> {
        let r = self
            .hooks
            .clone()
            .implemented(pb::ImplementedRequest::default())
            .await
            .map_err(hook_err("Implemented"))?;
        let r = r.into_inner();
        app_err("Implemented", r.error)?;
        Ok(r.hooks)
    }

    async fn on_activate(&self) -> Result<(), SimError> {
        let r = self
            .hooks
            .clone()
            .on_activate(pb::OnActivateRequest::default())
            .await
            .map_err(hook_err("OnActivate"))?;
        app_err("OnActivate", r.into_inner().error)
    }

    async fn on_deactivate(&self) -> Result<(), SimError> {
        let r = self
            .hooks
            .clone()
            .on_deactivate(pb::OnDeactivateRequest::default())
            .await
            .map_err(hook_err("OnDeactivate"))?;
        app_err("OnDeactivate", r.into_inner().error)
    }

    async fn on_configuration_change(&self) -> Result<(), SimError> {
        let r = self
            .hooks
            .clone()
            .on_configuration_change(pb::OnConfigurationChangeRequest::default())
            .await
            .map_err(hook_err("OnConfigurationChange"))?;
        app_err("OnConfigurationChange", r.into_inner().error)
    }

    async fn message_has_been_posted(&self, ctx: HookContext, post: Post) -> Result<(), SimError> {
        let req = pb::MessageHasBeenPostedRequest {
            context: None,
            plugin_context: Some((&ctx).into()),
            post: Some((&post).into()),
        };
        self.hooks
            .clone()
            .message_has_been_posted(req)
            .await
            .map_err(hook_err("MessageHasBeenPosted"))?;
        Ok(())
    }

    async fn notification_will_be_pushed(
        &self,
        n: PushNotification,
        user_id: &str,
    ) -> Result<String, SimError> {
        let req = pb::NotificationWillBePushedRequest {
            context: None,
            push_notification: Some(pb::PushNotification {
                post_id: n.post_id,
                team_id: n.team_id,
                channel_id: n.channel_id,
                root_id: n.root_id,
                sender_id: n.sender_id,
                r#type: n.push_type,
            }),
            user_id: user_id.to_owned(),
        };
        let out = self
            .hooks
            .clone()
            .notification_will_be_pushed(req)
            .await
            .map_err(hook_err("NotificationWillBePushed"))?;
        Ok(out.into_inner().rejection_reason)
    }

    async fn email_notification_will_be_sent(&self, n: EmailNotification) -> Result<String, SimError> {
        // The host sends model.EmailNotification as JSON.
        let json = serde_json::to_vec(&n).map_err(|e| SimError::Transport(e.to_string()))?;
        let req = pb::EmailNotificationWillBeSentRequest {
            context: None,
            email_notification: Some(pb::EmailNotificationJson {
                notification_json: json,
            }),
        };
        let out = self
            .hooks
            .clone()
            .email_notification_will_be_sent(req)
            .await
            .map_err(hook_err("EmailNotificationWillBeSent"))?;
        Ok(out.into_inner().rejection_reason)
    }

    async fn message_has_been_updated(&self, ctx: HookContext, new: Post, old: Post) -> Result<(), SimError> {
        let req = pb::MessageHasBeenUpdatedRequest {
            context: None,
            plugin_context: Some((&ctx).into()),
            new_post: Some((&new).into()),
            old_post: Some((&old).into()),
        };
        self.hooks
            .clone()
            .message_has_been_updated(req)
            .await
            .map_err(hook_err("MessageHasBeenUpdated"))?;
        Ok(())
    }

    async fn message_has_been_deleted(&self, ctx: HookContext, post: Post) -> Result<(), SimError> {
        let req = pb::MessageHasBeenDeletedRequest {
            context: None,
            plugin_context: Some((&ctx).into()),
            post: Some((&post).into()),
        };
        self.hooks
            .clone()
            .message_has_been_deleted(req)
            .await
            .map_err(hook_err("MessageHasBeenDeleted"))?;
        Ok(())
    }

    async fn execute_command(
        &self,
        ctx: HookContext,
        args: CommandArgs,
    ) -> Result<Result<CommandResponse, AppError>, SimError> {
        let req = pb::ExecuteCommandRequest {
            context: None,
            plugin_context: Some((&ctx).into()),
            args: Some((&args).into()),
        };
        let r = self
            .hooks
            .clone()
            .execute_command(req)
            .await
            .map_err(hook_err("ExecuteCommand"))?
            .into_inner();
        Ok(match r.error {
            Some(e) => Err(e.into()),
            None => Ok(r.response.map(Into::into).unwrap_or_default()),
        })
    }

    async fn serve_http(&self, ctx: HookContext, request: HttpRequest) -> Result<HttpResponse, SimError> {
        self.http(ctx, request).await
    }

    async fn serve_metrics(
        &self,
        _ctx: HookContext,
        _request: HttpRequest,
    ) -> Result<HttpResponse, SimError> {
        // The multi-language host has no ServeMetrics hook; it answers 501 itself.
        let mut r = HttpResponse::new(HttpBody::from("ServeMetrics is not available over gRPC\n"));
        *r.status_mut() = http::StatusCode::NOT_IMPLEMENTED;
        Ok(r)
    }

    async fn on_plugin_cluster_event(
        &self,
        ctx: HookContext,
        event: PluginClusterEvent,
    ) -> Result<(), SimError> {
        let req = pb::OnPluginClusterEventRequest {
            context: None,
            plugin_context: Some((&ctx).into()),
            event: Some(pb::PluginClusterEvent {
                id: event.id,
                data: event.data,
            }),
        };
        self.hooks
            .clone()
            .on_plugin_cluster_event(req)
            .await
            .map_err(hook_err("OnPluginClusterEvent"))?;
        Ok(())
    }

    async fn generate_support_data(&self, ctx: HookContext) -> Result<Vec<FileData>, SimError> {
        let req = pb::GenerateSupportDataRequest {
            context: None,
            plugin_context: Some((&ctx).into()),
        };
        let r = self
            .hooks
            .clone()
            .generate_support_data(req)
            .await
            .map_err(hook_err("GenerateSupportData"))?
            .into_inner();
        app_err("GenerateSupportData", r.error)?;
        Ok(r.files
            .into_iter()
            .map(|f| FileData {
                filename: f.filename,
                body: f.data,
            })
            .collect())
    }

    async fn run_data_retention(&self, now_millis: i64, batch_size: i64) -> Result<i64, SimError> {
        let req = pb::RunDataRetentionRequest {
            context: None,
            now_time: now_millis,
            batch_size,
        };
        let r = self
            .hooks
            .clone()
            .run_data_retention(req)
            .await
            .map_err(hook_err("RunDataRetention"))?
            .into_inner();
        app_err("RunDataRetention", r.error)?;
        Ok(r.deleted_count)
    }

    async fn ping(&self) -> Result<(), SimError> {
        let req = tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        };
        let r = self
            .health
            .clone()
            .check(req)
            .await
            .map_err(|e| SimError::Transport(format!("health: {e}")))?;
        if r.into_inner().status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32 {
            Ok(())
        } else {
            Err(SimError::Transport("plugin is not SERVING".into()))
        }
    }

    fn pid(&self) -> Option<u32> {
        self.pid
    }

    async fn shutdown(&self) -> bool {
        if let Some(task) = &self.plugin_task {
            task.abort();
            self.api_task.abort();
            return true;
        }
        let asked = self
            .controller
            .clone()
            .shutdown(plugin_runtime::transport::grpc::pb::goplugin::Empty {})
            .await
            .is_ok();
        let mut guard = self.child.lock().await;
        let Some(child) = guard.as_mut() else {
            self.api_task.abort();
            return asked;
        };
        let exited = asked
            && tokio::time::timeout(Duration::from_secs(2), child.wait())
                .await
                .is_ok();
        if !exited {
            tracing::warn!("plugin failed to exit gracefully");
            let _ = child.kill().await;
        }
        self.api_task.abort();
        exited
    }
}

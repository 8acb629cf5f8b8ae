//! `mattermost.pluginapi.v1.PluginHooks` served over tonic, dispatching to `host::Hooks`.

use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use super::pb::v1 as pb;
use crate::host::model::{CommandArgs, HookContext, PluginClusterEvent, Post};
use crate::host::{HookError, Hooks, HttpBody, implemented_hooks};
use crate::transport::body::{BodyEvent, BodySink, channel_body, drive_body};
use crate::transport::request::forwarded_request;

/// The host sends and expects body chunks of at most this size.
const CHUNK: usize = 64 * 1024;

pub struct HooksService {
    hooks: Arc<dyn Hooks>,
}

impl HooksService {
    pub fn new(hooks: Arc<dyn Hooks>) -> Self {
        Self { hooks }
    }
}

fn app_error(r: Result<(), HookError>) -> Option<pb::AppError> {
    match r {
        Ok(()) => None,
        Err(HookError::App(a)) => Some(a.as_ref().into()),
        Err(HookError::Plain(message)) => Some(pb::AppError {
            id: "plugin.hook.error".into(),
            message,
            status_code: 500,
            ..Default::default()
        }),
    }
}

fn ctx(c: Option<pb::PluginContext>) -> HookContext {
    c.map(Into::into).unwrap_or_default()
}

fn post(p: Option<pb::Post>) -> Post {
    p.map(Into::into).unwrap_or_default()
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::ServeHttpResponse, Status>> + Send>>;

#[tonic::async_trait]
impl pb::plugin_hooks_server::PluginHooks for HooksService {
    async fn implemented(
        &self,
        _: Request<pb::ImplementedRequest>,
    ) -> Result<Response<pb::ImplementedResponse>, Status> {
        Ok(Response::new(pb::ImplementedResponse {
            error: None,
            hooks: implemented_hooks(self.hooks.as_ref())
                .into_iter()
                .filter(|h| h != "ServeMetrics")
                .collect(),
        }))
    }

    async fn on_activate(
        &self,
        _: Request<pb::OnActivateRequest>,
    ) -> Result<Response<pb::OnActivateResponse>, Status> {
        // This host sends no OnConfigurationChange before activation; the plugin still sees
        // its configuration first, as on net/rpc.
        if let Err(e) = self.hooks.on_configuration_change().await {
            tracing::error!(error = %e, "configuration change before activation failed");
        }
        Ok(Response::new(pb::OnActivateResponse {
            error: app_error(self.hooks.on_activate().await),
        }))
    }

    async fn on_deactivate(
        &self,
        _: Request<pb::OnDeactivateRequest>,
    ) -> Result<Response<pb::OnDeactivateResponse>, Status> {
        Ok(Response::new(pb::OnDeactivateResponse {
            error: app_error(self.hooks.on_deactivate().await),
        }))
    }

    async fn on_configuration_change(
        &self,
        _: Request<pb::OnConfigurationChangeRequest>,
    ) -> Result<Response<pb::OnConfigurationChangeResponse>, Status> {
        let error = app_error(self.hooks.on_configuration_change().await);
        Ok(Response::new(pb::OnConfigurationChangeResponse { error }))
    }

    async fn message_has_been_posted(
        &self,
        r: Request<pb::MessageHasBeenPostedRequest>,
    ) -> Result<Response<pb::MessageHasBeenPostedResponse>, Status> {
        let r = r.into_inner();
        self.hooks
            .message_has_been_posted(ctx(r.plugin_context), post(r.post))
            .await;
        Ok(Response::new(pb::MessageHasBeenPostedResponse {}))
    }

    async fn message_has_been_updated(
        &self,
        r: Request<pb::MessageHasBeenUpdatedRequest>,
    ) -> Result<Response<pb::MessageHasBeenUpdatedResponse>, Status> {
        let r = r.into_inner();
        self.hooks
            .message_has_been_updated(ctx(r.plugin_context), post(r.new_post), post(r.old_post))
            .await;
        Ok(Response::new(pb::MessageHasBeenUpdatedResponse {}))
    }

    async fn message_has_been_deleted(
        &self,
        r: Request<pb::MessageHasBeenDeletedRequest>,
    ) -> Result<Response<pb::MessageHasBeenDeletedResponse>, Status> {
        let r = r.into_inner();
        self.hooks
            .message_has_been_deleted(ctx(r.plugin_context), post(r.post))
            .await;
        Ok(Response::new(pb::MessageHasBeenDeletedResponse {}))
    }

    async fn notification_will_be_pushed(
        &self,
        r: Request<pb::NotificationWillBePushedRequest>,
    ) -> Result<Response<pb::NotificationWillBePushedResponse>, Status> {
        let r = r.into_inner();
        let n = r.push_notification.unwrap_or_default();
        let notification = crate::host::model::PushNotification {
            post_id: n.post_id,
            team_id: n.team_id,
            channel_id: n.channel_id,
            root_id: n.root_id,
            sender_id: n.sender_id,
            push_type: n.r#type,
        };
        let reason = self
            .hooks
            .notification_will_be_pushed(notification, r.user_id)
            .await
            .unwrap_or_default();
        Ok(Response::new(pb::NotificationWillBePushedResponse {
            modified_notification: None,
            rejection_reason: reason,
        }))
    }

    async fn email_notification_will_be_sent(
        &self,
        r: Request<pb::EmailNotificationWillBeSentRequest>,
    ) -> Result<Response<pb::EmailNotificationWillBeSentResponse>, Status> {
        let json = r
            .into_inner()
            .email_notification
            .unwrap_or_default()
            .notification_json;
        // An undecodable notification is let through: holding back mail needs a reason.
        let reason = match serde_json::from_slice::<crate::host::model::EmailNotification>(&json) {
            Ok(n) => self
                .hooks
                .email_notification_will_be_sent(n)
                .await
                .unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "could not read an e-mail notification");
                String::new()
            }
        };
        Ok(Response::new(pb::EmailNotificationWillBeSentResponse {
            modified_content: None,
            rejection_reason: reason,
        }))
    }

    async fn execute_command(
        &self,
        r: Request<pb::ExecuteCommandRequest>,
    ) -> Result<Response<pb::ExecuteCommandResponse>, Status> {
        let r = r.into_inner();
        let args: CommandArgs = r.args.map(Into::into).unwrap_or_default();
        let out = match self.hooks.execute_command(ctx(r.plugin_context), args).await {
            Ok(resp) => pb::ExecuteCommandResponse {
                error: None,
                response: Some((&resp).into()),
            },
            Err(e) => pb::ExecuteCommandResponse {
                error: Some((&e).into()),
                response: None,
            },
        };
        Ok(Response::new(out))
    }

    async fn on_plugin_cluster_event(
        &self,
        r: Request<pb::OnPluginClusterEventRequest>,
    ) -> Result<Response<pb::OnPluginClusterEventResponse>, Status> {
        let r = r.into_inner();
        let ev = r.event.unwrap_or_default();
        let event = PluginClusterEvent {
            id: ev.id,
            data: ev.data,
        };
        self.hooks
            .on_plugin_cluster_event(ctx(r.plugin_context), event)
            .await;
        Ok(Response::new(pb::OnPluginClusterEventResponse {}))
    }

    async fn generate_support_data(
        &self,
        r: Request<pb::GenerateSupportDataRequest>,
    ) -> Result<Response<pb::GenerateSupportDataResponse>, Status> {
        let r = r.into_inner();
        let out = match self.hooks.generate_support_data(ctx(r.plugin_context)).await {
            Ok(files) => pb::GenerateSupportDataResponse {
                error: None,
                files: files
                    .into_iter()
                    .map(|f| pb::FileData {
                        filename: f.filename,
                        data: f.body,
                    })
                    .collect(),
            },
            Err(e) => pb::GenerateSupportDataResponse {
                error: app_error(Err(e)),
                files: Vec::new(),
            },
        };
        Ok(Response::new(out))
    }

    async fn run_data_retention(
        &self,
        r: Request<pb::RunDataRetentionRequest>,
    ) -> Result<Response<pb::RunDataRetentionResponse>, Status> {
        let r = r.into_inner();
        let out = match self.hooks.run_data_retention(r.now_time, r.batch_size).await {
            Ok(n) => pb::RunDataRetentionResponse {
                error: None,
                deleted_count: n,
            },
            Err(e) => pb::RunDataRetentionResponse {
                error: app_error(Err(e)),
                deleted_count: 0,
            },
        };
        Ok(Response::new(out))
    }

    type ServeHTTPStream = ResponseStream;

    async fn serve_http(
        &self,
        request: Request<Streaming<pb::ServeHttpRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let mut incoming = request.into_inner();
        let first = incoming
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("ServeHTTP stream ended before the request"))?;
        let init = first
            .init
            .clone()
            .ok_or_else(|| Status::invalid_argument("first ServeHTTP message has no init"))?;
        let context: HookContext = init.plugin_context.clone().map(Into::into).unwrap_or_default();

        // The body streams in as the handler reads it.
        let (body_tx, body_rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        let first_done = first.body_complete;
        let first_chunk = first.body_chunk;
        tokio::spawn(async move {
            if !first_chunk.is_empty() && body_tx.send(Ok(Bytes::from(first_chunk))).await.is_err() {
                return;
            }
            if first_done {
                return;
            }
            loop {
                match incoming.message().await {
                    Ok(Some(m)) => {
                        if !m.body_chunk.is_empty()
                            && body_tx.send(Ok(Bytes::from(m.body_chunk))).await.is_err()
                        {
                            return;
                        }
                        if m.body_complete {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(s) => {
                        let _ = body_tx.send(Err(std::io::Error::other(s.to_string()))).await;
                        return;
                    }
                }
            }
        });
        let request = build_request(&init, channel_body(body_rx))
            .map_err(|e| Status::invalid_argument(format!("bad request: {e}")))?;

        let (tx, rx) = mpsc::channel::<Result<pb::ServeHttpResponse, Status>>(8);
        let hooks = self.hooks.clone();
        tokio::spawn(async move {
            // A client that goes away cancels the handler.
            let response = tokio::select! {
                r = hooks.serve_http(context, request) => r,
                () = tx.closed() => return,
            };
            let (parts, body) = response.into_parts();
            let init = pb::ServeHttpResponseInit {
                status_code: i32::from(parts.status.as_u16()),
                headers: headers_out(&parts.headers),
            };
            let first = pb::ServeHttpResponse {
                init: Some(init),
                ..Default::default()
            };
            if tx.send(Ok(first)).await.is_err() {
                return;
            }
            let mut sink = StreamSink { tx: &tx };
            if drive_body(body, CHUNK, &mut sink).await.is_ok() {
                let _ = tx
                    .send(Ok(pb::ServeHttpResponse {
                        body_complete: true,
                        ..Default::default()
                    }))
                    .await;
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx)) as ResponseStream))
    }
}

struct StreamSink<'a> {
    tx: &'a mpsc::Sender<Result<pb::ServeHttpResponse, Status>>,
}

/// The client went away.
struct Gone;

#[async_trait::async_trait]
impl BodySink for StreamSink<'_> {
    type Error = Gone;

    async fn send(&mut self, event: BodyEvent) -> Result<(), Gone> {
        let msg = match event {
            BodyEvent::Data(d) => pb::ServeHttpResponse {
                body_chunk: d.to_vec(),
                ..Default::default()
            },
            BodyEvent::Flush => pb::ServeHttpResponse {
                flush: true,
                ..Default::default()
            },
        };
        self.tx.send(Ok(msg)).await.map_err(|_| Gone)
    }
}

fn headers_out(h: &http::HeaderMap) -> Vec<pb::HttpHeader> {
    let mut out: Vec<pb::HttpHeader> = Vec::new();
    for name in h.keys() {
        let values = h
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        out.push(pb::HttpHeader {
            key: crate::transport::body::canonical_header(name.as_str()),
            values,
        });
    }
    out
}

fn build_request(
    init: &pb::ServeHttpRequestInit,
    body: HttpBody,
) -> Result<crate::host::HttpRequest, String> {
    let headers = init.headers.iter().map(|h| (h.key.as_str(), h.values.as_slice()));
    let proto = (i64::from(init.proto_major), i64::from(init.proto_minor));
    forwarded_request(&init.method, &init.url, proto, headers, &init.host, body)
}

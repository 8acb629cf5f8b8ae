//! The `Plugin.*` hook methods the server calls on the dispensed `hooks` stream.

use std::sync::{Arc, Mutex};

use go_netrpc::{Server, ServiceError};
use goplugin::MuxBroker;

use super::api_client::NetRpcApi;
use super::http_bridge::{build_request, error_response, write_response};
use super::wire::*;
use crate::host::model::{
    CommandArgs, EmailNotification, FileData, HookContext, PluginClusterEvent, Post, PushNotification,
};
use crate::host::{HookError, Hooks, TransportKind, implemented_hooks};

type Hook = Arc<dyn Hooks>;
type ErrorReturn = A1<Option<gobwire::Interface>>;

fn ctx(c: Option<GobHookContext>) -> HookContext {
    c.map(HookContext::from_wire).unwrap_or_default()
}

fn post(p: Option<GobPost>) -> Post {
    p.map(Post::from_wire).unwrap_or_default()
}

fn error_return(r: Result<(), HookError>) -> ErrorReturn {
    A1 {
        a: r.err().as_ref().and_then(error_to_interface),
    }
}

/// Which hooks an incoming ServeHTTP-shaped call is for.
#[derive(Clone, Copy)]
enum HttpHook {
    Http,
    Metrics,
}

/// Builds the net/rpc server for one dispense of `hooks`.
pub fn hooks_server(hooks: Hook, broker: MuxBroker) -> Server {
    // The driver stream stays open for the life of the plugin, as the Go glue keeps its client.
    let driver: Arc<Mutex<Option<goplugin::yamux::Stream>>> = Arc::default();
    let mut s = Server::new();

    let implemented = implemented_hooks(hooks.as_ref());
    s.register("Plugin.Implemented", move |_: Empty| {
        let implemented = implemented.clone();
        async move { Ok::<_, ServiceError>(implemented) }
    });

    let (h, b) = (hooks.clone(), broker.clone());
    s.register("Plugin.OnActivate", move |args: OnActivateArgs| {
        let (hooks, broker, driver) = (h.clone(), b.clone(), driver.clone());
        async move {
            let api = broker
                .dial(args.api_mux_id)
                .await
                .map_err(|e| ServiceError(format!("dialing the plugin API: {e}")))?;
            if args.driver_mux_id != 0 {
                match broker.dial(args.driver_mux_id).await {
                    Ok(stream) => {
                        if let Ok(mut slot) = driver.lock() {
                            *slot = Some(stream);
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "dialing the database driver stream"),
                }
            }
            hooks.attach_api(
                Arc::new(NetRpcApi::new(go_netrpc::Client::new(api))),
                TransportKind::NetRpc,
            );
            // Go plugins see their configuration before activation; keep that order.
            if let Err(e) = hooks.on_configuration_change().await {
                tracing::error!(error = %e, "configuration change before activation failed");
            }
            Ok::<_, ServiceError>(error_return(hooks.on_activate().await))
        }
    });

    let h = hooks.clone();
    s.register("Plugin.OnDeactivate", move |_: Empty| {
        let hooks = h.clone();
        async move { Ok::<_, ServiceError>(error_return(hooks.on_deactivate().await)) }
    });

    let h = hooks.clone();
    s.register("Plugin.OnConfigurationChange", move |_: Empty| {
        let hooks = h.clone();
        async move { Ok::<_, ServiceError>(error_return(hooks.on_configuration_change().await)) }
    });

    let h = hooks.clone();
    s.register(
        "Plugin.MessageHasBeenPosted",
        move |args: A2<Option<GobHookContext>, Option<GobPost>>| {
            let hooks = h.clone();
            async move {
                hooks.message_has_been_posted(ctx(args.a), post(args.b)).await;
                Ok::<_, ServiceError>(Empty {})
            }
        },
    );

    let h = hooks.clone();
    s.register(
        "Plugin.MessageHasBeenUpdated",
        move |args: A3<Option<GobHookContext>, Option<GobPost>, Option<GobPost>>| {
            let hooks = h.clone();
            async move {
                hooks
                    .message_has_been_updated(ctx(args.a), post(args.b), post(args.c))
                    .await;
                Ok::<_, ServiceError>(Empty {})
            }
        },
    );

    let h = hooks.clone();
    s.register(
        "Plugin.MessageHasBeenDeleted",
        move |args: A2<Option<GobHookContext>, Option<GobPost>>| {
            let hooks = h.clone();
            async move {
                hooks.message_has_been_deleted(ctx(args.a), post(args.b)).await;
                Ok::<_, ServiceError>(Empty {})
            }
        },
    );

    let h = hooks.clone();
    s.register(
        "Plugin.NotificationWillBePushed",
        move |args: A2<Option<GobPushNotification>, String>| {
            let hooks = h.clone();
            async move {
                let n = args.a.map(PushNotification::from_wire).unwrap_or_default();
                let reason = hooks
                    .notification_will_be_pushed(n, args.b)
                    .await
                    .unwrap_or_default();
                // A nil notification leaves the server's own unchanged.
                Ok::<_, ServiceError>(A2::<Option<GobPushNotification>, String> { a: None, b: reason })
            }
        },
    );

    let h = hooks.clone();
    s.register(
        "Plugin.EmailNotificationWillBeSent",
        move |args: A1<Option<GobEmailNotification>>| {
            let hooks = h.clone();
            async move {
                let n = args.a.map(EmailNotification::from_wire).unwrap_or_default();
                let reason = hooks.email_notification_will_be_sent(n).await.unwrap_or_default();
                // Nil content leaves the server's e-mail unchanged.
                Ok::<_, ServiceError>(A2::<Option<GobEmailNotificationContent>, String> {
                    a: None,
                    b: reason,
                })
            }
        },
    );

    let h = hooks.clone();
    s.register(
        "Plugin.ExecuteCommand",
        move |args: A2<Option<GobHookContext>, Option<GobCommandArgs>>| {
            let hooks = h.clone();
            async move {
                let cmd = args.b.map(CommandArgs::from_wire).unwrap_or_default();
                let out: A2<Option<GobCommandResponse>, Option<GobAppError>> =
                    match hooks.execute_command(ctx(args.a), cmd).await {
                        Ok(r) => A2 {
                            a: Some(r.to_wire()),
                            b: None,
                        },
                        Err(e) => A2 {
                            a: None,
                            b: Some(e.to_wire()),
                        },
                    };
                Ok::<_, ServiceError>(out)
            }
        },
    );

    // Z_OnPluginClusterEventArgs{A *Context, B model.PluginClusterEvent} → {}.
    let h = hooks.clone();
    s.register(
        "Plugin.OnPluginClusterEvent",
        move |args: A2<Option<GobHookContext>, GobPluginClusterEvent>| {
            let hooks = h.clone();
            async move {
                hooks
                    .on_plugin_cluster_event(ctx(args.a), PluginClusterEvent::from_wire(args.b))
                    .await;
                Ok::<_, ServiceError>(Empty {})
            }
        },
    );

    // Z_GenerateSupportDataArgs{A *Context} → {A []*model.FileData, B error}.
    let h = hooks.clone();
    s.register(
        "Plugin.GenerateSupportData",
        move |args: A1<Option<GobHookContext>>| {
            let hooks = h.clone();
            async move {
                let out: A2<Vec<GobFileData>, Option<gobwire::Interface>> =
                    match hooks.generate_support_data(ctx(args.a)).await {
                        Ok(files) => A2 {
                            a: files.iter().map(FileData::to_wire).collect(),
                            b: None,
                        },
                        Err(e) => A2 {
                            a: Vec::new(),
                            b: error_to_interface(&e),
                        },
                    };
                Ok::<_, ServiceError>(out)
            }
        },
    );

    // Z_RunDataRetentionArgs{A nowTime int64, B batchSize int64} → {A int64, B error}.
    let h = hooks.clone();
    s.register("Plugin.RunDataRetention", move |args: A2<i64, i64>| {
        let hooks = h.clone();
        async move {
            let out: A2<i64, Option<gobwire::Interface>> =
                match hooks.run_data_retention(args.a, args.b).await {
                    Ok(n) => A2 { a: n, b: None },
                    Err(e) => A2 {
                        a: 0,
                        b: error_to_interface(&e),
                    },
                };
            Ok::<_, ServiceError>(out)
        }
    });

    for (method, which) in [
        ("Plugin.ServeHTTP", HttpHook::Http),
        ("Plugin.ServeMetrics", HttpHook::Metrics),
    ] {
        let (h, b) = (hooks.clone(), broker.clone());
        s.register(method, move |args: ServeHttpArgs| {
            let (hooks, broker) = (h.clone(), b.clone());
            async move {
                serve_http(hooks, broker, args, which).await.map_err(|e| {
                    tracing::warn!(error = %e, "ServeHTTP failed");
                    ServiceError(e)
                })?;
                Ok::<_, ServiceError>(Empty {})
            }
        });
    }
    s
}

async fn serve_http(
    hooks: Hook,
    broker: MuxBroker,
    args: ServeHttpArgs,
    which: HttpHook,
) -> Result<(), String> {
    let writer = broker
        .dial(args.response_writer_stream)
        .await
        .map_err(|e| format!("dialing the response writer: {e}"))?;
    let writer = go_netrpc::Client::new(writer);
    let context = ctx(args.context);
    let response = match args.request {
        None => error_response(http::StatusCode::BAD_REQUEST, "no request"),
        Some(req) => match build_request(&broker, req, args.request_body_stream).await {
            Ok(request) => match which {
                HttpHook::Http => hooks.serve_http(context, request).await,
                HttpHook::Metrics => hooks.serve_metrics(context, request).await,
            },
            Err(e) => error_response(http::StatusCode::BAD_REQUEST, &e.to_string()),
        },
    };
    let written = write_response(&writer, response).await;
    let _ = writer.close().await;
    written.map_err(|e| e.to_string())
}

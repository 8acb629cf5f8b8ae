//! Whatever the host sends, the plugin never panics: a corrupt connection is a logged error and
//! a clean exit; a malformed call fails that call only.

use std::process::Stdio;
use std::time::Duration;

use go_netrpc::Client as RpcClient;
use goplugin::yamux::{Config, Session};
use plugin_runtime::transport::netrpc::wire::{A2, Empty, ServeHttpArgs};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

/// Starts the binary as go-plugin would and connects a yamux client to it by hand.
async fn launch() -> (Child, Session, tokio::task::JoinHandle<String>) {
    let mut child = Command::new(BIN)
        .env("MATTERMOST_PLUGIN", "Securely message teams, anywhere.")
        .env("PLUGIN_PROTOCOL_VERSIONS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn plugin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(3), stdout.read_line(&mut line))
        .await
        .expect("handshake in 3 s")
        .expect("read");
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(&parts[..3], &["1", "1", "unix"], "handshake line {line:?}");
    assert_eq!(parts[4], "netrpc");
    let mut stderr = child.stderr.take().expect("stderr");
    let log = tokio::spawn(async move {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s).await;
        s
    });
    let conn = tokio::net::UnixStream::connect(parts[3]).await.expect("connect");
    let session = Session::client(conn, Config::default()).expect("yamux");
    (child, session, log)
}

async fn exits_without_panic(mut child: Child, log: tokio::task::JoinHandle<String>) -> String {
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("plugin exits by itself")
        .expect("wait");
    let log = log.await.expect("stderr");
    assert!(!log.contains("panicked"), "plugin panicked:\n{log}");
    assert!(status.code().is_some(), "killed by a signal: {status:?}\n{log}");
    log
}

#[tokio::test]
async fn garbage_on_the_control_stream_is_logged_not_a_panic() {
    let (child, session, log) = launch().await;
    let mut control = session.open().await.expect("control");
    let _out = session.open().await.expect("stdout");
    let _err = session.open().await.expect("stderr");
    control
        .write_all(b"\x05\xff\xfe\xfd\xfc\xfbthis is not gob at all")
        .await
        .expect("write");
    control.shutdown().await.ok();
    tokio::time::sleep(Duration::from_millis(200)).await;
    session.close();
    let log = exits_without_panic(child, log).await;
    assert!(
        log.contains("\"@level\":\"error\"") && log.contains("connection to the Mattermost server lost"),
        "{log}"
    );
}

#[tokio::test]
async fn a_truncated_message_then_hangup_is_logged_not_a_panic() {
    let (child, session, log) = launch().await;
    let mut control = session.open().await.expect("control");
    let _out = session.open().await.expect("stdout");
    let _err = session.open().await.expect("stderr");
    tokio::time::sleep(Duration::from_millis(100)).await;
    // A gob message announcing 200 bytes, of which only 5 arrive before the host hangs up.
    control.write_all(&[200, 1, 2, 3, 4, 5]).await.expect("write");
    tokio::time::sleep(Duration::from_millis(100)).await;
    session.close();
    exits_without_panic(child, log).await;
}

#[tokio::test]
async fn malformed_hook_calls_fail_alone_and_the_plugin_keeps_serving() {
    let (mut child, session, log) = launch().await;
    let control = RpcClient::new(session.open().await.expect("control"));
    let _out = session.open().await.expect("stdout");
    let _err = session.open().await.expect("stderr");
    let (broker, run) = goplugin::MuxBroker::new(session.clone());
    tokio::spawn(run);
    let id: u32 = control
        .call("Dispenser.Dispense", "hooks")
        .await
        .expect("dispense");
    let hooks = RpcClient::new(broker.dial(id).await.expect("dial hooks"));

    // A post where the server would send a struct: the argument does not decode.
    let bad = A2 {
        a: "not a context".to_owned(),
        b: 42i64,
    };
    let r = hooks.call::<_, Empty>("Plugin.MessageHasBeenPosted", &bad).await;
    assert!(r.is_err(), "a mistyped argument must fail the call");
    // A method that does not exist.
    assert!(
        hooks
            .call::<_, Empty>("Plugin.NoSuchHook", &Empty {})
            .await
            .is_err()
    );
    // ServeHTTP pointing at response-writer streams nobody serves: an error, not a hang or panic.
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        hooks.call::<_, Empty>(
            "Plugin.ServeHTTP",
            &ServeHttpArgs {
                response_writer_stream: 999,
                ..Default::default()
            },
        ),
    )
    .await
    .expect("ServeHTTP must give up on an unserved stream");
    assert!(r.is_err());

    // Still alive and answering.
    let hooks_list: Vec<String> = hooks
        .call("Plugin.Implemented", &Empty {})
        .await
        .expect("Implemented after bad calls");
    assert!(hooks_list.iter().any(|h| h == "ServeHTTP"));
    let _: Empty = control.call("Control.Ping", &true).await.expect("ping");
    let _: Result<Empty, _> = control.call("Control.Quit", &true).await;
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("exits after Quit")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    let log = log.await.expect("stderr");
    assert!(!log.contains("panicked"), "{log}");
}

#[tokio::test]
async fn a_plugin_whose_server_died_exits_by_itself() {
    // The shell starts the plugin in the background and exits at once, orphaning it.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("'{BIN}' >/dev/null 2>&1 & echo $!; sleep 0.5"))
        .env("MATTERMOST_PLUGIN", "Securely message teams, anywhere.")
        .env("PLUGIN_PROTOCOL_VERSIONS", "1")
        .output()
        .await
        .expect("sh");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(!pid.is_empty());
    let proc_dir = format!("/proc/{pid}");
    let deadline = std::time::Instant::now() + Duration::from_secs(8);
    while std::path::Path::new(&proc_dir).exists() {
        // A zombie reaped by init disappears too; stat shows state "Z" meanwhile.
        let stat = std::fs::read_to_string(format!("{proc_dir}/stat")).unwrap_or_default();
        if stat.split_whitespace().nth(2) == Some("Z") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "orphaned plugin {pid} still running"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn grpc_mode_run_by_hand_explains_and_exits_1() {
    let out = Command::new(BIN)
        .env("MATTERMOST_PLUGIN_API_TARGET", "127.0.0.1:1")
        .output()
        .await
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
    assert!(
        out.stdout.is_empty(),
        "nothing may reach stdout before a handshake"
    );
}

#[tokio::test]
async fn garbage_on_the_grpc_port_does_not_disturb_the_plugin() {
    let mut child = Command::new(BIN)
        .env("MATTERMOST_PLUGIN", "Securely message teams, anywhere.")
        .env("PLUGIN_PROTOCOL_VERSIONS", "1")
        .env("MATTERMOST_PLUGIN_API_TARGET", "127.0.0.1:1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(3), stdout.read_line(&mut line))
        .await
        .expect("handshake")
        .expect("read");
    let parts: Vec<&str> = line.trim().split('|').collect();
    // A unix socket only the server's user can open, never a TCP port any local user can reach.
    assert_eq!((parts[2], parts[4]), ("unix", "grpc"), "{line:?}");
    let path = parts[3].to_owned();
    for junk in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"\x00\x00\x05\x04\x00garbage",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff",
    ] {
        let mut s = tokio::net::UnixStream::connect(&path).await.expect("connect");
        let _ = s.write_all(junk).await;
        let _ = s.shutdown().await;
    }
    // Still serving: the health check the host runs every 30 s passes.
    let channel = tonic::transport::Endpoint::from_shared(format!("unix:{path}"))
        .unwrap()
        .connect()
        .await
        .expect("connect");
    let r = tonic_health::pb::health_client::HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health");
    assert_eq!(
        r.into_inner().status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    child.kill().await.ok();
    // Killed, the plugin cannot remove its socket.
    let _ = std::fs::remove_file(&path);
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err).await;
    }
    assert!(!err.contains("panicked"), "{err}");
}

//! `pluginctl` against a stand-in for Mattermost's plugin routes on 127.0.0.1, which checks what
//! the real server checks (server/channels/api4/plugin.go, user.go):
//! - `POST /api/v4/users/login` takes `{login_id, password}` and answers the session token in
//!   the `Token` header;
//! - every other route needs `Authorization: Bearer <token>` of a live session (401
//!   `api.context.session_expired.app_error`);
//! - `POST /api/v4/plugins` answers 501 `app.plugin.upload_disabled.app_error` when uploads are
//!   off (before the permission check, as upstream), 403 `api.context.permissions.app_error`
//!   without `sysconsole_write_plugins`, reads a multipart form with the file in `plugin`, and
//!   refuses to replace an installed plugin unless `force` is `true`;
//! - `POST /api/v4/plugins/{id}/enable|disable` need the permission and an installed plugin.
//!
//! Each test sets up the one failure it is about; nothing sleeps.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use pluginctl::{Command, Error, PluginId};
use serde_json::{Value, json};

const ID: &str = "mattermost-ai";
const TOKEN: &str = "admin-token-5f1c9e";
const USER: &str = "sysadmin";
const PASSWORD: &str = "Sys@dmin-pw-1";

// ---------------------------------------------------------------------------------------------
// The stand-in server

#[derive(Default)]
struct World {
    /// Session tokens the server accepts (MM_ADMIN_TOKEN's and those logins issued).
    sessions: HashSet<String>,
    /// Users that can log in: name → password.
    users: HashMap<String, String>,
    /// Whether sessions carry sysconsole_write_plugins.
    admin: bool,
    uploads_enabled: bool,
    /// An AppError message to refuse the bundle with (400), as InstallPlugin does for a bad one.
    refuse_bundle: Option<String>,
    /// The id in the manifest the stand-in "finds" in any bundle.
    bundle_id: String,
    installed: HashSet<String>,
    enabled: HashSet<String>,
    uploads: Vec<Upload>,
    logins: Vec<Value>,
    requests: usize,
}

struct Upload {
    file_name: String,
    bytes: Vec<u8>,
    force: Option<String>,
}

#[derive(Clone)]
struct Stand(Arc<Mutex<World>>);

impl Stand {
    fn world(&self) -> MutexGuard<'_, World> {
        // A test that panicked while holding the lock has failed already.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A stand-in with an admin token, a user, uploads on; returns it and its base URL.
async fn serve(setup: impl FnOnce(&mut World)) -> (Stand, String) {
    let mut world = World {
        sessions: HashSet::from([TOKEN.to_owned()]),
        users: HashMap::from([(USER.to_owned(), PASSWORD.to_owned())]),
        admin: true,
        uploads_enabled: true,
        bundle_id: ID.to_owned(),
        ..World::default()
    };
    setup(&mut world);
    let stand = Stand(Arc::new(Mutex::new(world)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let app = router(stand.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (stand, format!("http://{addr}"))
}

fn router(stand: Stand) -> Router {
    Router::new()
        .route("/api/v4/users/login", post(login))
        .route("/api/v4/plugins", post(upload))
        .route("/api/v4/plugins/{id}/enable", post(enable))
        .route("/api/v4/plugins/{id}/disable", post(disable))
        // Go's server reads any size up to FileSettings.MaxFileSize; axum's default is 2 MB.
        .layer(DefaultBodyLimit::disable())
        .with_state(stand)
}

/// Mattermost's AppError body.
fn app_error(status: StatusCode, id: &str, message: &str) -> Response {
    let body = json!({"id": id, "message": message, "detailed_error": "", "request_id": "r", "status_code": status.as_u16()});
    (status, axum::Json(body)).into_response()
}

/// APISessionRequired: a live session from `Authorization: Bearer`; the refusal if not.
fn no_session(world: &World, headers: &HeaderMap) -> Option<Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(token) if world.sessions.contains(token) => None,
        _ => Some(app_error(
            StatusCode::UNAUTHORIZED,
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        )),
    }
}

/// The refusal when the session lacks sysconsole_write_plugins.
fn no_permission(world: &World) -> Option<Response> {
    if world.admin {
        None
    } else {
        Some(app_error(
            StatusCode::FORBIDDEN,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        ))
    }
}

async fn login(State(stand): State<Stand>, body: Bytes) -> Response {
    let mut world = stand.world();
    world.requests += 1;
    let Ok(props) = serde_json::from_slice::<Value>(&body) else {
        return app_error(StatusCode::BAD_REQUEST, "api.user.login.invalid_body", "bad body");
    };
    world.logins.push(props.clone());
    let (login_id, password) = (
        props["login_id"].as_str().unwrap_or(""),
        props["password"].as_str().unwrap_or(""),
    );
    if world.users.get(login_id).map(String::as_str) != Some(password) || password.is_empty() {
        return app_error(
            StatusCode::UNAUTHORIZED,
            "api.user.login.invalid_credentials_email_username",
            "Enter a valid email or username and/or password.",
        );
    }
    let token = format!("session-of-{login_id}");
    world.sessions.insert(token.clone());
    (
        [("Token", token)],
        axum::Json(json!({"id": "u1", "username": login_id})),
    )
        .into_response()
}

async fn upload(State(stand): State<Stand>, headers: HeaderMap, body: Bytes) -> Response {
    let mut world = stand.world();
    world.requests += 1;
    if let Some(answer) = no_session(&world, &headers) {
        return answer;
    }
    if !world.uploads_enabled {
        return app_error(
            StatusCode::NOT_IMPLEMENTED,
            "app.plugin.upload_disabled.app_error",
            "Plugins and/or plugin uploads have been disabled.",
        );
    }
    if let Some(answer) = no_permission(&world) {
        return answer;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Go's ParseMultipartForm answers a plain-text 400.
    let parts = match multipart(content_type, &body) {
        Ok(parts) => parts,
        Err(why) => return (StatusCode::BAD_REQUEST, why).into_response(),
    };
    let Some(file) = parts.iter().find(|p| p.name == "plugin" && p.file_name.is_some()) else {
        return app_error(
            StatusCode::BAD_REQUEST,
            "api.plugin.upload.no_file.app_error",
            "Missing file in multipart/form request.",
        );
    };
    let force = parts
        .iter()
        .find(|p| p.name == "force" && p.file_name.is_none())
        .map(|p| String::from_utf8_lossy(&p.content).into_owned());
    world.uploads.push(Upload {
        file_name: file.file_name.clone().unwrap_or_default(),
        bytes: file.content.clone(),
        force: force.clone(),
    });

    if let Some(message) = world.refuse_bundle.clone() {
        return app_error(StatusCode::BAD_REQUEST, "app.plugin.extract.app_error", &message);
    }
    let id = world.bundle_id.clone();
    if world.installed.contains(&id) && force.as_deref() != Some("true") {
        return app_error(
            StatusCode::BAD_REQUEST,
            "app.plugin.install_id.app_error",
            "Unable to install plugin. A plugin with the same ID is already installed.",
        );
    }
    world.installed.insert(id.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "version": "0.1.0"})),
    )
        .into_response()
}

async fn enable(State(stand): State<Stand>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    switch(stand, id, headers, true)
}

async fn disable(State(stand): State<Stand>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    switch(stand, id, headers, false)
}

fn switch(stand: Stand, id: String, headers: HeaderMap, on: bool) -> Response {
    let mut world = stand.world();
    world.requests += 1;
    if let Some(answer) = no_session(&world, &headers).or_else(|| no_permission(&world)) {
        return answer;
    }
    if !world.installed.contains(&id) {
        return app_error(
            StatusCode::NOT_FOUND,
            "app.plugin.not_installed.app_error",
            "Plugin is not installed.",
        );
    }
    if on {
        world.enabled.insert(id);
    } else {
        world.enabled.remove(&id);
    }
    axum::Json(json!({"status": "OK"})).into_response()
}

struct Part {
    name: String,
    file_name: Option<String>,
    content: Vec<u8>,
}

/// A strict multipart/form-data reader (RFC 7578/2046): the boundary from the Content-Type,
/// parts between `\r\n--boundary` delimiters, the closing `--boundary--`.
fn multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .ok_or_else(|| format!("request Content-Type isn't multipart/form-data: {content_type}"))?;
    let first = format!("--{boundary}\r\n");
    let mut rest = body
        .strip_prefix(first.as_bytes())
        .ok_or("multipart: does not start with the boundary")?;
    let delimiter = format!("\r\n--{boundary}");
    let mut parts = Vec::new();
    loop {
        let end = find(rest, delimiter.as_bytes()).ok_or("multipart: NextPart: EOF")?;
        let (part, after) = rest.split_at(end);
        parts.push(part_of(part)?);
        let after = &after[delimiter.len()..];
        if after == b"--\r\n" || after == b"--" {
            return Ok(parts);
        }
        rest = after.strip_prefix(b"\r\n").ok_or("multipart: bad delimiter")?;
    }
}

fn part_of(part: &[u8]) -> Result<Part, String> {
    let split = find(part, b"\r\n\r\n").ok_or("multipart: no header end")?;
    let head = std::str::from_utf8(&part[..split]).map_err(|_| "multipart: header not UTF-8")?;
    let disposition = head
        .split("\r\n")
        .find_map(|line| line.strip_prefix("Content-Disposition: form-data"))
        .ok_or("multipart: no form-data Content-Disposition")?;
    let param = |key: &str| {
        disposition
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix(&format!("{key}=\"")))
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_owned)
    };
    Ok(Part {
        name: param("name").ok_or("multipart: part without a name")?,
        file_name: param("filename"),
        content: part[split + 4..].to_vec(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// A bundle whose bytes would break a careless multipart writer or reader: every byte value,
/// CRLFs, `--` runs, and something shaped like a delimiter.
fn bundle_bytes() -> Vec<u8> {
    let mut bytes = vec![0x1f, 0x8b];
    for round in 0..4000u32 {
        bytes.extend((0..=255u8).map(|b| b.wrapping_mul(31).wrapping_add(round as u8)));
        bytes.extend_from_slice(b"\r\n--\r\n--pluginctl-\r\n\r\n");
    }
    bytes
}

fn bundle_file(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("mattermost-ai-0.1.0.tar.gz");
    std::fs::write(&path, bytes).expect("write bundle");
    (dir, path)
}

fn deploy(bundle: &std::path::Path) -> Command {
    Command::Deploy {
        id: PluginId::parse(ID).expect("valid id"),
        bundle: bundle.to_owned(),
    }
}

async fn run(command: &Command, vars: &[(&str, &str)]) -> Result<String, Error> {
    let env: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pluginctl::run(command, |name| env.get(name).cloned()).await
}

/// Every error must be one line and never show a credential.
fn checked(err: Error) -> Error {
    let line = err.to_string();
    assert!(!line.contains('\n'), "more than one line: {line}");
    for secret in [TOKEN, PASSWORD, "wrong-token", "not-the-password"] {
        assert!(!line.contains(secret), "shows a credential: {line}");
    }
    err
}

/// A deploy with a token that must fail: its (checked) error.
async fn deploy_refused(url: &str, token: &str, bundle: &std::path::Path) -> Error {
    let env = [("MM_SERVICESETTINGS_SITEURL", url), ("MM_ADMIN_TOKEN", token)];
    checked(run(&deploy(bundle), &env).await.expect_err("the deploy fails"))
}

// ---------------------------------------------------------------------------------------------
// The cases

#[tokio::test]
async fn deploys_with_a_token() {
    let (stand, url) = serve(|w| {
        // Installed already: only `force=true` lets the upload replace it.
        w.installed.insert(ID.to_owned());
    })
    .await;
    let bytes = bundle_bytes();
    let (_dir, path) = bundle_file(&bytes);

    let line = run(
        &deploy(&path),
        &[("MM_SERVICESETTINGS_SITEURL", &url), ("MM_ADMIN_TOKEN", TOKEN)],
    )
    .await
    .expect("deploys");

    assert_eq!(
        line,
        format!("mattermost-ai-0.1.0.tar.gz uploaded to {url} and enabled")
    );
    let world = stand.world();
    let [upload] = world.uploads.as_slice() else {
        panic!("{} uploads", world.uploads.len())
    };
    assert!(
        upload.bytes == bytes,
        "the bundle arrived changed ({} bytes of {})",
        upload.bytes.len(),
        bytes.len()
    );
    assert_eq!(upload.file_name, "mattermost-ai-0.1.0.tar.gz");
    assert_eq!(upload.force.as_deref(), Some("true"));
    assert!(world.enabled.contains(ID));
    assert!(world.logins.is_empty(), "a token needs no login");
}

#[tokio::test]
async fn logs_in_with_username_and_password() {
    let (stand, url) = serve(|_| {}).await;
    let (_dir, path) = bundle_file(b"\x1f\x8bbundle");

    let env = [
        ("MM_SERVICESETTINGS_SITEURL", url.as_str()),
        ("MM_ADMIN_USERNAME", USER),
        ("MM_ADMIN_PASSWORD", PASSWORD),
    ];
    run(&deploy(&path), &env).await.expect("deploys");

    let world = stand.world();
    assert_eq!(
        world.logins,
        vec![json!({"login_id": USER, "password": PASSWORD})]
    );
    assert_eq!(world.uploads.len(), 1);
    assert!(world.enabled.contains(ID));
}

#[tokio::test]
async fn wrong_password() {
    let (stand, url) = serve(|_| {}).await;
    let (_dir, path) = bundle_file(b"bundle");

    let env = [
        ("MM_SERVICESETTINGS_SITEURL", url.as_str()),
        ("MM_ADMIN_USERNAME", USER),
        ("MM_ADMIN_PASSWORD", "not-the-password"),
    ];
    let err = checked(run(&deploy(&path), &env).await.expect_err("refused"));

    assert!(matches!(err, Error::LoginRefused { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("Enter a valid email or username and/or password."),
        "{err}"
    );
    assert!(err.to_string().contains("MM_ADMIN_PASSWORD"), "{err}");
    assert!(stand.world().uploads.is_empty());
}

#[tokio::test]
async fn wrong_url_is_connection_refused() {
    // A port nobody listens on: bound, then closed again.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, TOKEN, &path).await;

    let line = err.to_string();
    assert!(matches!(err, Error::Unreachable { .. }), "{line}");
    assert!(
        line.contains(&url) && line.contains("connection refused"),
        "{line}"
    );
    assert!(line.contains("MM_SERVICESETTINGS_SITEURL"), "{line}");
}

#[tokio::test]
async fn https_to_a_plain_http_server() {
    let (_stand, url) = serve(|_| {}).await;
    let url = url.replace("http://", "https://");
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, TOKEN, &path).await;

    assert!(matches!(err, Error::Unreachable { .. }), "{err}");
    assert!(
        err.to_string().contains("TLS handshake failed") && err.to_string().contains("plain http://"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_token() {
    let (stand, url) = serve(|_| {}).await;
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, "wrong-token", &path).await;

    assert!(matches!(err, Error::TokenRefused { .. }), "{err}");
    assert!(err.to_string().contains("MM_ADMIN_TOKEN"), "{err}");
    assert!(stand.world().uploads.is_empty());
}

#[tokio::test]
async fn not_a_system_admin() {
    let (stand, url) = serve(|w| w.admin = false).await;
    let (_dir, path) = bundle_file(b"bundle");

    let env = [
        ("MM_SERVICESETTINGS_SITEURL", url.as_str()),
        ("MM_ADMIN_USERNAME", USER),
        ("MM_ADMIN_PASSWORD", PASSWORD),
    ];
    let err = checked(run(&deploy(&path), &env).await.expect_err("forbidden"));

    assert!(matches!(err, Error::NotAdmin { .. }), "{err}");
    assert!(
        err.to_string().contains("\"sysadmin\" may not manage plugins"),
        "{err}"
    );
    assert!(err.to_string().contains("system admin"), "{err}");
    assert!(stand.world().uploads.is_empty());
}

#[tokio::test]
async fn uploads_disabled() {
    let (_stand, url) = serve(|w| w.uploads_enabled = false).await;
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, TOKEN, &path).await;

    let line = err.to_string();
    assert!(matches!(err, Error::UploadsDisabled { .. }), "{line}");
    for words in [
        "PluginSettings.EnableUploads",
        "MM_PLUGINSETTINGS_ENABLEUPLOADS=true",
        "config.json",
        "app.plugin.upload_disabled.app_error",
    ] {
        assert!(line.contains(words), "{words} missing: {line}");
    }
}

#[tokio::test]
async fn bundle_refused_shows_the_servers_message() {
    let (stand, url) =
        serve(|w| w.refuse_bundle = Some("Unable to extract plugin: gzip: invalid header".into())).await;
    let (_dir, path) = bundle_file(b"not a tarball");

    let err = deploy_refused(&url, TOKEN, &path).await;

    assert!(matches!(err, Error::Refused { status: 400, .. }), "{err}");
    assert!(
        err.to_string()
            .contains("(400): Unable to extract plugin: gzip: invalid header"),
        "{err}"
    );
    assert!(
        stand.world().enabled.is_empty(),
        "a refused bundle is not enabled"
    );
}

#[tokio::test]
async fn a_long_server_message_is_cut() {
    let (_stand, url) =
        serve(|w| w.refuse_bundle = Some(format!("first line\nsecond {}", "x".repeat(5000)))).await;
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, TOKEN, &path).await;

    assert!(
        err.to_string().len() < 600,
        "{} characters",
        err.to_string().len()
    );
}

#[tokio::test]
async fn missing_bundle_asks_for_make_dist() {
    let (stand, url) = serve(|_| {}).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("dist/mattermost-ai-0.1.0.tar.gz");

    let err = deploy_refused(&url, TOKEN, &path).await;

    assert!(matches!(err, Error::BundleMissing { .. }), "{err}");
    assert!(
        err.to_string().contains("make dist") && err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(stand.world().requests, 0, "nothing is sent without a bundle");
}

#[tokio::test]
async fn missing_or_ill_formed_site_url() {
    let (_dir, path) = bundle_file(b"bundle");

    let err = checked(
        run(&deploy(&path), &[("MM_ADMIN_TOKEN", TOKEN)])
            .await
            .expect_err("no URL"),
    );
    assert!(matches!(err, Error::SiteUrlMissing), "{err}");

    let err = checked(
        run(
            &deploy(&path),
            &[
                ("MM_SERVICESETTINGS_SITEURL", "localhost:8065"),
                ("MM_ADMIN_TOKEN", TOKEN),
            ],
        )
        .await
        .expect_err("bad URL"),
    );
    assert!(matches!(err, Error::SiteUrlInvalid { .. }), "{err}");
    assert!(err.to_string().contains("http://"), "{err}");

    let err = checked(
        run(
            &deploy(&path),
            &[("MM_SERVICESETTINGS_SITEURL", "http://localhost:8065")],
        )
        .await
        .expect_err("no credentials"),
    );
    assert!(matches!(err, Error::CredentialsMissing { .. }), "{err}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // The "other origin" a redirect would send the token to: it must see no request.
    let (elsewhere, elsewhere_url) = serve(|_| {}).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let target = format!("{elsewhere_url}/api/v4/plugins");
    let app = Router::new().fallback(move || {
        let target = target.clone();
        async move { (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, target)]) }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, TOKEN, &path).await;

    assert!(matches!(err, Error::Redirected { status: 307, .. }), "{err}");
    assert!(err.to_string().contains(&elsewhere_url), "{err}");
    assert_eq!(elsewhere.world().requests, 0);
}

#[tokio::test]
async fn bundle_of_another_plugin_is_not_enabled() {
    let (stand, url) = serve(|w| w.bundle_id = "com.example.other".into()).await;
    let (_dir, path) = bundle_file(b"bundle");

    let err = deploy_refused(&url, TOKEN, &path).await;

    assert!(matches!(err, Error::OtherPlugin { .. }), "{err}");
    assert!(stand.world().enabled.is_empty());
}

#[tokio::test]
async fn enable_and_disable() {
    let (stand, url) = serve(|w| {
        w.installed.insert(ID.to_owned());
    })
    .await;
    let env = [
        ("MM_SERVICESETTINGS_SITEURL", url.as_str()),
        ("MM_ADMIN_TOKEN", TOKEN),
    ];
    let id = PluginId::parse(ID).expect("valid id");

    run(&Command::Enable { id: id.clone() }, &env)
        .await
        .expect("enables");
    assert!(stand.world().enabled.contains(ID));
    run(&Command::Disable { id: id.clone() }, &env)
        .await
        .expect("disables");
    assert!(!stand.world().enabled.contains(ID));

    let other = PluginId::parse("com.example.absent").expect("valid id");
    let err = checked(
        run(&Command::Enable { id: other }, &env)
            .await
            .expect_err("not installed"),
    );
    assert!(
        err.to_string().contains("(404): Plugin is not installed."),
        "{err}"
    );
}

#[tokio::test]
async fn local_mode_over_a_unix_socket() {
    let (stand, _url) = serve(|_| {}).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let socket = dir.path().join("mattermost_local.socket");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind socket");
    // Local mode needs no session: the stand-in's routes, with every request given the token.
    let app = router(stand.clone()).layer(axum::middleware::map_request(
        |mut request: axum::extract::Request| async move {
            request.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {TOKEN}").parse().expect("header value"),
            );
            request
        },
    ));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (_bundle_dir, path) = bundle_file(b"bundle");

    let socket_path = socket.display().to_string();
    let line = run(&deploy(&path), &[("MM_LOCALSOCKETPATH", &socket_path)])
        .await
        .expect("deploys");

    assert!(line.contains(&socket_path), "{line}");
    assert!(stand.world().enabled.contains(ID));
}

/// The executable itself: exit code, one line on stderr, no token.
#[tokio::test]
async fn the_binary_reports_one_line_and_fails() {
    let (_stand, url) = serve(|_| {}).await;
    let (_dir, path) = bundle_file(b"bundle");

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_pluginctl"))
        .args(["deploy", ID])
        .arg(&path)
        .env_clear()
        .env("MM_SERVICESETTINGS_SITEURL", &url)
        .env("MM_ADMIN_TOKEN", "wrong-token")
        .output()
        .await
        .expect("runs pluginctl");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("pluginctl: ") && stderr.contains("refused MM_ADMIN_TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-token"), "{stderr}");
    assert!(output.stdout.is_empty());

    let usage = tokio::process::Command::new(env!("CARGO_BIN_EXE_pluginctl"))
        .arg("deploy")
        .env_clear()
        .output()
        .await
        .expect("runs pluginctl");
    assert_eq!(usage.status.code(), Some(2));
}

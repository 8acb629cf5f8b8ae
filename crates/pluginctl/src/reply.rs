//! Reading the server's answers: Mattermost's AppError bodies, status codes and transport
//! failures turned into the errors of `error.rs`.

use serde::Deserialize;

use crate::error::Error;

/// Error ids Mattermost answers with (server/channels/api4/plugin.go).
pub const UPLOAD_DISABLED: &str = "app.plugin.upload_disabled.app_error";
pub const PLUGINS_DISABLED: &str = "app.plugin.disabled.app_error";

/// How much of a server's message an error line shows.
const MESSAGE_CHARS: usize = 300;

/// What was being done, for the wording of errors.
#[derive(Debug, Clone, Copy)]
pub enum Call<'a> {
    Login { username: &'a str },
    Upload { file_name: &'a str },
    Enable { id: &'a str },
    Disable { id: &'a str },
}

impl Call<'_> {
    pub fn action(&self) -> String {
        match self {
            Call::Login { username } => format!("the login as {username:?}"),
            Call::Upload { file_name } => format!("the upload of {file_name}"),
            Call::Enable { id } => format!("enabling {id}"),
            Call::Disable { id } => format!("disabling {id}"),
        }
    }
}

/// Who the requests run as, for the wording of 401 and 403.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    Token,
    Session { username: &'a str },
    Local,
}

/// Mattermost's error body (model.AppError); only what we show or branch on.
#[derive(Debug, Default, Deserialize)]
struct AppError {
    #[serde(default)]
    id: String,
    #[serde(default)]
    message: String,
}

/// Turns a failed answer (not 2xx, not a redirect) into an error.
pub fn failure(server: &str, call: Call<'_>, caller: Caller<'_>, status: u16, body: &[u8]) -> Error {
    let app: Option<AppError> = serde_json::from_slice(body).ok();
    let id = app.as_ref().map(|a| a.id.clone()).unwrap_or_default();
    let message = describe(app.as_ref(), body);
    let server = server.to_owned();

    match (status, call, id.as_str()) {
        (401, Call::Login { username }, _) => Error::LoginRefused {
            server,
            username: username.to_owned(),
            message,
        },
        (401, _, _) => match caller {
            Caller::Session { username } => Error::SessionRefused {
                server,
                username: username.to_owned(),
                message,
            },
            Caller::Token => Error::TokenRefused { server, message },
            // Local mode sends no credentials; a 401 there is the server's to explain.
            Caller::Local => Error::Refused {
                server,
                action: call.action(),
                status,
                message,
            },
        },
        (403, _, _) => {
            let who = match caller {
                Caller::Token => "the owner of MM_ADMIN_TOKEN".to_owned(),
                Caller::Session { username } => format!("{username:?}"),
                Caller::Local => "the local socket's caller".to_owned(),
            };
            Error::NotAdmin { server, who, message }
        }
        (_, _, UPLOAD_DISABLED) => Error::UploadsDisabled { server, id },
        (_, _, PLUGINS_DISABLED) => Error::PluginsDisabled { server, id },
        (413, _, _) => Error::TooLarge {
            server,
            detail: format!("413: {message}"),
        },
        // The server's own limit: its body reader stops at FileSettings.MaxFileSize and the
        // multipart parser's error comes back as a plain-text 400.
        (400, Call::Upload { .. }, _) if message.contains("request body too large") => Error::TooLarge {
            server,
            detail: format!("400: {message}"),
        },
        _ => Error::Refused {
            server,
            action: call.action(),
            status,
            message,
        },
    }
}

/// The server's words: the AppError's message, else the first line of a plain-text body, and a
/// hint when the answer is not Mattermost's at all.
fn describe(app: Option<&AppError>, body: &[u8]) -> String {
    if let Some(app) = app.filter(|a| !a.message.is_empty()) {
        return one_line(&app.message, MESSAGE_CHARS);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "no message".into();
    }
    if text.starts_with('<') {
        return "an HTML page, not Mattermost's JSON: is the address a Mattermost server?".into();
    }
    one_line(text.lines().next().unwrap_or_default(), MESSAGE_CHARS)
}

/// One line of at most `max` characters: control characters become spaces (a server's text must
/// not add lines or terminal escapes to ours), and a cut is marked.
pub fn one_line(text: &str, max: usize) -> String {
    let mut line: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.trim().chars().count() > max {
        line.push('…');
    }
    line
}

/// A transport failure in plain words: what the operating system said, not the layers of
/// hyper's and reqwest's wrappers (whose outer text repeats the URL).
pub fn plain_cause(err: &reqwest::Error) -> String {
    if err.is_dns() {
        return "the host name does not resolve (DNS)".into();
    }
    let mut deepest: Option<&dyn std::error::Error> = None;
    let mut next = std::error::Error::source(err);
    while let Some(source) = next {
        // `source()` of an io::Error skips the error it wraps, and the connector wraps the TLS
        // layer's io::Error in its own, so wrapped io::Errors are looked into by hand.
        let mut io = source.downcast_ref::<std::io::Error>();
        while let Some(error) = io {
            if let Some(words) = io_words(error.kind()) {
                return words.into();
            }
            // TCP never fails with InvalidData; tokio-rustls wraps every handshake failure in it.
            if error.kind() == std::io::ErrorKind::InvalidData {
                let what = one_line(&error.to_string(), MESSAGE_CHARS);
                // A plain-HTTP server answering the TLS hello: an https:// URL for an http:// server.
                let hint = if what.contains("InvalidContentType") {
                    ": is it a plain http:// server?"
                } else {
                    ""
                };
                return format!("the TLS handshake failed ({what}){hint}");
            }
            io = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
        deepest = Some(source);
        next = source.source();
    }
    match deepest {
        Some(source) => one_line(&source.to_string(), MESSAGE_CHARS),
        None => one_line(&err.to_string(), MESSAGE_CHARS),
    }
}

fn io_words(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    Some(match kind {
        ConnectionRefused => "connection refused (nothing listens at that address and port)",
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
            "the server closed the connection"
        }
        TimedOut => "the connection timed out",
        NotFound => "no such socket",
        PermissionDenied => "permission denied",
        HostUnreachable | NetworkUnreachable | AddrNotAvailable => "the host or its network is unreachable",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "http://mm";

    fn body(id: &str, message: &str) -> Vec<u8> {
        serde_json::json!({"id": id, "message": message, "status_code": 0})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn statuses() {
        let upload = Call::Upload {
            file_name: "b.tar.gz",
        };
        let login = Call::Login { username: "admin" };
        let f = |call, caller, status, body: &[u8]| failure(S, call, caller, status, body);

        let e = f(
            login,
            Caller::Token,
            401,
            &body(
                "api.user.login.invalid_credentials_email_username",
                "Enter a valid email or username and/or password.",
            ),
        );
        assert!(matches!(e, Error::LoginRefused { .. }), "{e}");
        assert!(matches!(
            f(upload, Caller::Token, 401, &[]),
            Error::TokenRefused { .. }
        ));
        assert!(matches!(
            f(
                upload,
                Caller::Token,
                403,
                &body("api.context.permissions.app_error", "x")
            ),
            Error::NotAdmin { .. }
        ));
        assert!(matches!(
            f(upload, Caller::Token, 501, &body(UPLOAD_DISABLED, "x")),
            Error::UploadsDisabled { .. }
        ));
        assert!(matches!(
            f(
                Call::Enable { id: "x" },
                Caller::Token,
                501,
                &body(PLUGINS_DISABLED, "x")
            ),
            Error::PluginsDisabled { .. }
        ));
        assert!(matches!(
            f(upload, Caller::Token, 413, b"<html>"),
            Error::TooLarge { .. }
        ));
        assert!(matches!(
            f(
                upload,
                Caller::Token,
                400,
                b"multipart: NextPart: http: request body too large\n"
            ),
            Error::TooLarge { .. }
        ));
        let e = f(
            upload,
            Caller::Token,
            400,
            &body(
                "app.plugin.install_id.app_error",
                "A plugin with the same ID is already installed.",
            ),
        );
        assert!(
            e.to_string()
                .ends_with("(400): A plugin with the same ID is already installed."),
            "{e}"
        );
        let e = f(upload, Caller::Token, 404, b"<!doctype html><html>");
        assert!(e.to_string().contains("not Mattermost's JSON"), "{e}");
    }

    #[test]
    fn server_text_is_one_bounded_line() {
        let line = one_line(&format!("a\nb\u{1b}[31m{}", "x".repeat(1000)), 50);
        assert!(!line.contains('\n') && !line.contains('\u{1b}'));
        assert_eq!(line.chars().count(), 51);
        assert_eq!(one_line("  short  ", 50), "short");
    }
}

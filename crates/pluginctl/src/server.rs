//! The four REST calls `pluginctl` makes (Mattermost's api4 routes, as Client4 calls them):
//! login, upload, enable, disable.
//!
//! Every request has a connect and a total time limit, and no redirect is followed: a redirect
//! would carry the `Authorization` header (or the password) to wherever the server points.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{RequestBuilder, Response, redirect};
use serde::Deserialize;

use crate::error::Error;
use crate::reply::{Call, Caller, failure, one_line, plain_cause};
use crate::settings::{Credentials, Settings, Target};

const CONNECT: Duration = Duration::from_secs(10);
/// Login, enable, disable. Enabling starts the plugin, which the server waits for.
const CALL: Duration = Duration::from_secs(60);
/// The upload sends the whole bundle (tens of MB, perhaps over a slow link) and the server
/// unpacks it before answering.
const UPLOAD: Duration = Duration::from_secs(300);
/// Error bodies are read up to this much: enough for any AppError, bounded against a server
/// that streams forever.
const ERROR_BODY: usize = 64 * 1024;

pub struct Server {
    http: reqwest::Client,
    /// `http://host[:port][/subpath]`; for a socket, any host (the path picks the server).
    base: String,
    shown: String,
    /// `Bearer <token>`, marked sensitive; none in local mode.
    authorization: Option<HeaderValue>,
    /// Set after a login, for the wording of refusals.
    username: Option<String>,
    /// The variable that named the server, for the "is it right?" hint.
    setting: &'static str,
}

impl Server {
    /// Builds the client and, for a user name and password, logs in.
    pub async fn connect(settings: &Settings) -> Result<Server, Error> {
        let builder = reqwest::Client::builder()
            .connect_timeout(CONNECT)
            .timeout(CALL)
            .redirect(redirect::Policy::none())
            .user_agent(concat!("pluginctl/", env!("CARGO_PKG_VERSION")));
        let (builder, base, setting) = match &settings.target {
            Target::Site(base) => (builder, base.clone(), crate::settings::SITE_URL),
            Target::Socket(path) => (
                builder.unix_socket(path.clone()),
                "http://localhost".to_owned(),
                crate::settings::SOCKET,
            ),
        };
        let http = builder
            .build()
            .map_err(|e| Error::Startup(format!("HTTP client: {}", plain_cause(&e))))?;
        let mut server = Server {
            http,
            base,
            shown: settings.target.shown(),
            authorization: None,
            username: None,
            setting,
        };

        match &settings.credentials {
            Credentials::None => {}
            Credentials::Token(token) => server.authorization = Some(bearer(token.expose())?),
            Credentials::Login { username, password } => {
                let token = server.login(username, password.expose()).await?;
                server.authorization = Some(bearer(&token)?);
                server.username = Some(username.clone());
            }
        }
        Ok(server)
    }

    /// How messages name the server.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// `POST /api/v4/users/login`; the session token comes back in the `Token` header.
    async fn login(&self, username: &str, password: &str) -> Result<String, Error> {
        let call = Call::Login { username };
        let body = serde_json::json!({ "login_id": username, "password": password });
        let request = self.http.post(self.url("/api/v4/users/login")).json(&body);
        let response = self.send(request, call, CALL).await?;
        let token = response
            .headers()
            .get("Token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if token.is_empty() {
            return Err(Error::LoginWithoutToken {
                server: self.shown.clone(),
            });
        }
        Ok(token.to_owned())
    }

    /// `POST /api/v4/plugins` with the multipart form; returns the id in the manifest the
    /// server answers with, when it answers one.
    pub async fn upload(
        &self,
        file_name: &str,
        content_type: String,
        body: Vec<u8>,
    ) -> Result<Option<String>, Error> {
        let request = self
            .http
            .post(self.url("/api/v4/plugins"))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        let response = self.send(request, Call::Upload { file_name }, UPLOAD).await?;

        #[derive(Deserialize)]
        struct Manifest {
            id: String,
        }
        // The manifest is a courtesy check only: a body we cannot read is not a failure.
        let manifest = response
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
        Ok(manifest.map(|m| m.id))
    }

    /// `POST /api/v4/plugins/{id}/enable`.
    pub async fn enable(&self, id: &str) -> Result<(), Error> {
        let request = self.http.post(self.url(&format!("/api/v4/plugins/{id}/enable")));
        self.send(request, Call::Enable { id }, CALL).await.map(drop)
    }

    /// `POST /api/v4/plugins/{id}/disable`.
    pub async fn disable(&self, id: &str) -> Result<(), Error> {
        let request = self.http.post(self.url(&format!("/api/v4/plugins/{id}/disable")));
        self.send(request, Call::Disable { id }, CALL).await.map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn caller(&self) -> Caller<'_> {
        match (&self.authorization, &self.username) {
            (None, _) => Caller::Local,
            (Some(_), Some(username)) => Caller::Session { username },
            (Some(_), None) => Caller::Token,
        }
    }

    /// Sends with the credentials and the time limit, and returns only a 2xx answer.
    async fn send(
        &self,
        request: RequestBuilder,
        call: Call<'_>,
        limit: Duration,
    ) -> Result<Response, Error> {
        let request = match &self.authorization {
            Some(value) => request.header(AUTHORIZATION, value.clone()),
            None => request,
        };
        let mut response = request
            .timeout(limit)
            .send()
            .await
            .map_err(|e| self.transport(&e, call, limit))?;

        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            return Err(Error::Redirected {
                server: self.shown.clone(),
                action: call.action(),
                status: status.as_u16(),
                location: location.map_or_else(|| "nowhere (no Location)".into(), |l| one_line(&l, 200)),
            });
        }
        let mut body = Vec::new();
        // A body that breaks off still leaves the status to go by.
        while body.len() < ERROR_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(ERROR_BODY);
        Err(failure(&self.shown, call, self.caller(), status.as_u16(), &body))
    }

    fn transport(&self, err: &reqwest::Error, call: Call<'_>, limit: Duration) -> Error {
        let server = self.shown.clone();
        if err.is_connect() {
            let cause = if err.is_timeout() {
                format!("no connection within {} s", CONNECT.as_secs())
            } else {
                plain_cause(err)
            };
            Error::Unreachable {
                server,
                cause,
                setting: self.setting,
            }
        } else if err.is_timeout() {
            Error::TimedOut {
                server,
                action: call.action(),
                secs: limit.as_secs(),
            }
        } else {
            Error::Transport {
                server,
                action: call.action(),
                cause: plain_cause(err),
            }
        }
    }
}

fn bearer(token: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::Startup("the token holds characters an HTTP header cannot carry".into()))?;
    // Keeps it out of any debug output of the request.
    value.set_sensitive(true);
    Ok(value)
}

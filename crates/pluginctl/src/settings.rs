//! Where the server is and who we are, from the environment variables the Mattermost plugin
//! starter's pluginctl reads, so a developer's existing setup works unchanged.
//!
//! The environment comes in as a lookup function so tests never touch the process environment
//! (shared by every test thread).

use std::fmt;
use std::path::PathBuf;

use reqwest::Url;

use crate::error::Error;
use crate::reply::one_line;

pub const SITE_URL: &str = "MM_SERVICESETTINGS_SITEURL";
pub const TOKEN: &str = "MM_ADMIN_TOKEN";
pub const USERNAME: &str = "MM_ADMIN_USERNAME";
pub const PASSWORD: &str = "MM_ADMIN_PASSWORD";
pub const SOCKET: &str = "MM_LOCALSOCKETPATH";

#[derive(Debug)]
pub struct Settings {
    pub target: Target,
    pub credentials: Credentials,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The site URL without a trailing slash; a subpath (`https://host/chat`) is kept.
    Site(String),
    /// Mattermost's local mode: the API over a unix socket, no credentials (the server trusts
    /// whoever can open the socket).
    Socket(PathBuf),
}

impl Target {
    /// How messages name the server.
    pub fn shown(&self) -> String {
        match self {
            Target::Site(base) => base.clone(),
            Target::Socket(path) => format!("the local socket {}", path.display()),
        }
    }
}

pub enum Credentials {
    Token(Secret),
    Login {
        username: String,
        password: Secret,
    },
    /// Local mode.
    None,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Token(..)"),
            Credentials::Login { username, .. } => write!(f, "Login({username:?}, ..)"),
            Credentials::None => f.write_str("None"),
        }
    }
}

/// A token or password: no Debug or Display that could print it.
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Settings {
    /// Reads the settings. Empty variables count as unset, as the Go starter's `os.Getenv`
    /// checks do.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Settings, Error> {
        let var = |name: &str| env(name).filter(|value| !value.is_empty());

        // Local mode only when asked for: probing a default socket path would make the same
        // command talk to a different server depending on what runs on the machine.
        if let Some(path) = var(SOCKET) {
            return Ok(Settings {
                target: Target::Socket(path.into()),
                credentials: Credentials::None,
            });
        }

        let target = Target::Site(site_url(&var(SITE_URL).ok_or(Error::SiteUrlMissing)?)?);
        let credentials = match (var(TOKEN), var(USERNAME), var(PASSWORD)) {
            (Some(token), _, _) => Credentials::Token(Secret(token)),
            (None, Some(username), Some(password)) => Credentials::Login {
                username,
                password: Secret(password),
            },
            (None, Some(_), None) => {
                return Err(Error::CredentialsMissing {
                    detail: " (MM_ADMIN_PASSWORD is not set)",
                });
            }
            (None, None, Some(_)) => {
                return Err(Error::CredentialsMissing {
                    detail: " (MM_ADMIN_USERNAME is not set)",
                });
            }
            (None, None, None) => return Err(Error::CredentialsMissing { detail: "" }),
        };
        Ok(Settings { target, credentials })
    }
}

/// Checks the site URL and returns it without the trailing slash.
fn site_url(raw: &str) -> Result<String, Error> {
    // A URL with `@` may carry a password; it is never echoed.
    let shown = if raw.contains('@') {
        "(not shown: it contains '@')".to_owned()
    } else {
        format!("{:?}", one_line(raw, 120))
    };
    let invalid = |reason: &str| Error::SiteUrlInvalid {
        shown: shown.clone(),
        reason: reason.to_owned(),
    };

    // Checked before parsing: `localhost:8065` parses, with the scheme `localhost`.
    if !raw.contains("://") {
        return Err(invalid("it must start with http:// or https://"));
    }
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&format!("it does not parse as a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("it must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not carry a user name or password (use MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, Error> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_env(|name| map.get(name).cloned())
    }

    #[test]
    fn site_urls() {
        assert_eq!(
            site_url("http://localhost:8065").ok(),
            Some("http://localhost:8065".into())
        );
        assert_eq!(
            site_url("https://chat.example.com/mm/").ok(),
            Some("https://chat.example.com/mm".into())
        );
        for bad in [
            "localhost:8065",
            "ftp://x",
            "http://",
            "not a url",
            "http://a:b@host",
            "http://h/?x=1",
        ] {
            assert!(
                matches!(site_url(bad), Err(Error::SiteUrlInvalid { .. })),
                "{bad}"
            );
        }
        let Err(err) = site_url("http://admin:hunter2@host") else {
            panic!("accepted")
        };
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn credentials() {
        let site = (SITE_URL, "http://localhost:8065");
        assert!(matches!(
            settings(&[site, (TOKEN, "t")]).map(|s| s.credentials),
            Ok(Credentials::Token(_))
        ));
        assert!(matches!(
            settings(&[site, (USERNAME, "admin"), (PASSWORD, "pw")]).map(|s| s.credentials),
            Ok(Credentials::Login { .. })
        ));
        assert!(matches!(
            settings(&[site, (USERNAME, "admin")]),
            Err(Error::CredentialsMissing { .. })
        ));
        assert!(matches!(
            settings(&[site, (TOKEN, "")]),
            Err(Error::CredentialsMissing { .. })
        ));
        assert!(matches!(settings(&[(TOKEN, "t")]), Err(Error::SiteUrlMissing)));
        let local = settings(&[(SOCKET, "/tmp/mm.sock")]).map(|s| s.target);
        assert_eq!(local.ok(), Some(Target::Socket("/tmp/mm.sock".into())));
    }
}

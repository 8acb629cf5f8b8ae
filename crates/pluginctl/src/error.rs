//! Every way `pluginctl` can fail, each worded as one line that tells the admin what to do.
//!
//! Nothing here ever holds the token or the password: the variants carry the server's address,
//! the user name, and texts the server wrote (already cut to one bounded line).

use std::path::PathBuf;

use thiserror::Error;

pub const USAGE: &str = "pluginctl deploy <plugin id> <bundle path> | pluginctl enable <plugin id> | pluginctl disable <plugin id>";

/// The example every address hint shows, the starter template's default.
const SITE_EXAMPLE: &str = "MM_SERVICESETTINGS_SITEURL=http://localhost:8065";

#[derive(Debug, Error)]
pub enum Error {
    #[error("{0}; usage: {USAGE}")]
    Usage(String),

    #[error("{id:?} is not a plugin id: 3 to 190 letters, digits, '-', '_' or '.'")]
    PluginId { id: String },

    #[error("MM_SERVICESETTINGS_SITEURL is not set: set it to the server's address, e.g. {SITE_EXAMPLE}")]
    SiteUrlMissing,

    #[error("MM_SERVICESETTINGS_SITEURL {shown} is not a server address: {reason}; e.g. {SITE_EXAMPLE}")]
    SiteUrlInvalid { shown: String, reason: String },

    #[error(
        "no credentials: set MM_ADMIN_TOKEN (a system admin's personal access token), \
         or MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD{detail}"
    )]
    CredentialsMissing { detail: &'static str },

    #[error("no bundle at {}: build it with `make dist` (`make deploy` builds it first)", path.display())]
    BundleMissing { path: PathBuf },

    #[error("cannot read the bundle {}: {cause}", path.display())]
    BundleUnreadable { path: PathBuf, cause: String },

    #[error(
        "cannot reach the Mattermost server at {server}: {cause}; is it running, \
         and is {setting} right?"
    )]
    Unreachable {
        server: String,
        cause: String,
        setting: &'static str,
    },

    #[error("the Mattermost server at {server} did not answer {action} within {secs} s")]
    TimedOut {
        server: String,
        action: String,
        secs: u64,
    },

    #[error("talking to the Mattermost server at {server} failed during {action}: {cause}")]
    Transport {
        server: String,
        action: String,
        cause: String,
    },

    #[error(
        "{server} answered {action} with a redirect ({status}) to {location}; pluginctl follows \
         no redirects, so the credentials never go to another address: set \
         MM_SERVICESETTINGS_SITEURL to the address the server redirects to"
    )]
    Redirected {
        server: String,
        action: String,
        status: u16,
        location: String,
    },

    #[error(
        "{server} refused MM_ADMIN_TOKEN (401: {message}): the token is wrong, expired or revoked, \
         or personal access tokens are disabled (ServiceSettings.EnableUserAccessTokens); \
         create a new token for a system admin"
    )]
    TokenRefused { server: String, message: String },

    #[error(
        "login as {username:?} at {server} failed (401: {message}): check MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD"
    )]
    LoginRefused {
        server: String,
        username: String,
        message: String,
    },

    #[error("{server} refused the session it just gave {username:?} (401: {message})")]
    SessionRefused {
        server: String,
        username: String,
        message: String,
    },

    #[error(
        "{server} answered the login without a session token (no Token header); is it a Mattermost server?"
    )]
    LoginWithoutToken { server: String },

    #[error(
        "{who} may not manage plugins at {server} (403: {message}): use a system admin's \
         token or credentials"
    )]
    NotAdmin {
        server: String,
        who: String,
        message: String,
    },

    #[error(
        "plugin uploads are disabled at {server} (501 {id}): they must be enabled in the \
         server's config.json or environment: set PluginSettings.EnableUploads to true \
         (MM_PLUGINSETTINGS_ENABLEUPLOADS=true), keep PluginSettings.Enable true and \
         PluginSettings.RequirePluginSignature false, and restart the server"
    )]
    UploadsDisabled { server: String, id: String },

    #[error(
        "plugins are disabled at {server} (501 {id}): set PluginSettings.Enable to true \
         (MM_PLUGINSETTINGS_ENABLE=true)"
    )]
    PluginsDisabled { server: String, id: String },

    #[error(
        "{server} refused the bundle as too large ({detail}): raise FileSettings.MaxFileSize \
         (MM_FILESETTINGS_MAXFILESIZE) or the body limit of a proxy in front of it \
         (nginx: client_max_body_size)"
    )]
    TooLarge { server: String, detail: String },

    #[error("{server} refused {action} ({status}): {message}")]
    Refused {
        server: String,
        action: String,
        status: u16,
        message: String,
    },

    #[error("the bundle holds plugin {actual:?}, not {expected:?}: it was installed, but not enabled")]
    OtherPlugin { expected: String, actual: String },

    #[error("cannot start: {0}")]
    Startup(String),
}

impl Error {
    /// The process exit code: 2 for a command line that could not be understood, as most tools
    /// do, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

//! The plugin's listening socket, where go-plugin's own plugin servers put it on unix: a unix
//! domain socket under a fresh temporary name (`plugin<random number>`) in
//! `PLUGIN_UNIX_SOCKET_DIR`, or the temporary directory when the host sets none. With
//! `PLUGIN_UNIX_SOCKET_GROUP` (a group name or number) the socket belongs to that group and is
//! group-writable (0660), as go-plugin does; otherwise only its owner may connect (0600). The
//! file is removed when serving ends.
//!
//! go-plugin binds at the final name and changes mode and group afterwards, so for a moment the
//! socket carries the umask's mode. We bind inside a fresh private (0700) directory, set mode and
//! group there, and only then rename the socket to its final name: nobody else can reach it
//! before its permissions are final. There is no TCP listener: go-plugin uses TCP only on
//! Windows, and this plugin is built for Linux only.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// Directory for the plugin's socket (go-plugin's `EnvUnixSocketDir`).
pub const SOCKET_DIR_ENV: &str = "PLUGIN_UNIX_SOCKET_DIR";
/// Group that owns the socket and may write to it (go-plugin's `EnvUnixSocketGroup`).
pub const SOCKET_GROUP_ENV: &str = "PLUGIN_UNIX_SOCKET_GROUP";

/// Attempts at finding an unused name before giving up (names are random 32-bit numbers).
const NAME_ATTEMPTS: usize = 100;

/// The socket's file; removed when dropped, as go-plugin's listener removes it on close.
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
}

impl SocketFile {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Binds the plugin's socket as configured by the host's environment.
pub fn bind_from_env() -> io::Result<(tokio::net::UnixListener, SocketFile)> {
    let dir = match std::env::var_os(SOCKET_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => std::env::temp_dir(),
    };
    let gid = match std::env::var(SOCKET_GROUP_ENV) {
        Ok(g) if !g.is_empty() => Some(group_id(&g)?),
        _ => None,
    };
    bind_in(&dir, gid)
}

/// Binds a socket named `plugin<random>` in `dir`: mode 0600, or 0660 owned by `gid`.
pub fn bind_in(dir: &Path, gid: Option<u32>) -> io::Result<(tokio::net::UnixListener, SocketFile)> {
    let staging = StagingDir::create(dir)?;
    let staged = staging.path.join("s");
    let listener = std::os::unix::net::UnixListener::bind(&staged)?;
    if let Some(gid) = gid {
        std::os::unix::fs::chown(&staged, None, Some(gid))?;
    }
    let mode = if gid.is_some() { 0o660 } else { 0o600 };
    fs::set_permissions(&staged, fs::Permissions::from_mode(mode))?;
    for _ in 0..NAME_ATTEMPTS {
        let path = dir.join(temp_name("plugin"));
        if fs::symlink_metadata(&path).is_ok() {
            continue;
        }
        fs::rename(&staged, &path)?;
        let file = SocketFile { path };
        listener.set_nonblocking(true)?;
        return Ok((tokio::net::UnixListener::from_std(listener)?, file));
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free socket name in {}", dir.display()),
    ))
}

/// A private directory next to the socket's final place, removed when dropped.
struct StagingDir {
    path: PathBuf,
}

impl StagingDir {
    fn create(parent: &Path) -> io::Result<Self> {
        let mut last = None;
        for _ in 0..NAME_ATTEMPTS {
            // No longer than the final name, so any directory go-plugin's naming fits works.
            let path = parent.join(temp_name(".pb"));
            match fs::DirBuilder::new().mode(0o700).create(&path) {
                Ok(()) => {
                    // The umask can only have narrowed 0700; make sure we can still use it.
                    fs::set_permissions(&path, fs::Permissions::from_mode(0o700))?;
                    return Ok(Self { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("creating a socket directory in {}: {e}", parent.display()),
                    ));
                }
            }
        }
        Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.path.join("s"));
        let _ = fs::remove_dir(&self.path);
    }
}

/// `prefix` followed by a random 32-bit number, as Go's `os.CreateTemp` names files.
fn temp_name(prefix: &str) -> OsString {
    let r = uuid::Uuid::new_v4().as_u128() as u32;
    format!("{prefix}{r}").into()
}

/// A group given by number, or by name (looked up in /etc/group).
fn group_id(group: &str) -> io::Result<u32> {
    if let Ok(gid) = group.parse::<u32>() {
        return Ok(gid);
    }
    let text = fs::read_to_string("/etc/group")?;
    gid_in_group_file(&text, group).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{SOCKET_GROUP_ENV}: no group {group:?} in /etc/group"),
        )
    })
}

/// The gid of `name` in /etc/group's format (`name:password:gid:members`).
fn gid_in_group_file(text: &str, name: &str) -> Option<u32> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let mut fields = line.split(':');
        let n = fields.next()?;
        let _password = fields.next()?;
        let gid = fields.next()?;
        (n == name).then(|| gid.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};

    use super::*;

    fn scratch() -> PathBuf {
        let d = std::env::temp_dir().join(temp_name("grpc-listener-test"));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[tokio::test]
    async fn grpc_socket_is_private_named_like_go_plugin_and_removed_on_drop() {
        let dir = scratch();
        let (listener, file) = bind_in(&dir, None).unwrap();
        let path = file.path().to_path_buf();
        assert_eq!(path.parent(), Some(dir.as_path()));
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            name.strip_prefix("plugin")
                .is_some_and(|n| n.parse::<u32>().is_ok()),
            "{name}"
        );
        let meta = fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.mode() & 0o777, 0o600);
        // Only the socket is left in the directory: the staging directory is gone.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        // It accepts connections at its final name.
        let (client, accepted) = tokio::join!(tokio::net::UnixStream::connect(&path), listener.accept());
        client.unwrap();
        accepted.unwrap();
        drop(file);
        assert!(fs::symlink_metadata(&path).is_err());
        fs::remove_dir(&dir).unwrap();
    }

    #[tokio::test]
    async fn grpc_socket_with_a_group_is_group_writable() {
        let dir = scratch();
        let gid = fs::metadata(&dir).unwrap().gid();
        let (_listener, file) = bind_in(&dir, Some(gid)).unwrap();
        let meta = fs::symlink_metadata(file.path()).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o660);
        assert_eq!(meta.gid(), gid);
        drop(file);
        fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn grpc_socket_group_names_resolve_through_the_group_file() {
        let text = "# comment\nroot:x:0:\nmattermost:x:998:alice,bob\nbad:x:nope:\n";
        assert_eq!(gid_in_group_file(text, "mattermost"), Some(998));
        assert_eq!(gid_in_group_file(text, "root"), Some(0));
        assert_eq!(gid_in_group_file(text, "bad"), None);
        assert_eq!(gid_in_group_file(text, "nobody"), None);
        assert_eq!(group_id("1234").unwrap(), 1234);
    }
}

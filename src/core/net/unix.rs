//! Unix-domain sockets, as curl's `--unix-socket` uses them: the URL still gives the Host
//! header and the path, the bytes go to a socket file (or, on Linux, an abstract name).
//! Connecting checks the path first, so a missing file or one that is not a socket is named
//! as such. Serving removes a stale socket file only when nothing answers on it.

use std::time::Duration;

use tokio::time::Instant;

use crate::core::error::{Error, UnixProblem};
use crate::core::event::UnixPath;
use crate::core::net::socket::PLATFORM;
use crate::core::net::transport::AnyStream;

/// Whether this build can use Unix-domain sockets at all.
pub const SUPPORTED: bool = cfg!(unix);
/// Whether this build can use Linux abstract socket names.
pub const ABSTRACT_SUPPORTED: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// The permissions a served socket file gets: the owner may connect, nobody else (widen them
/// with chmod(1) once the server runs).
pub const SOCKET_MODE: u32 = 0o600;

fn problem(path: &UnixPath, listen: bool, problem: UnixProblem) -> Error {
    Error::UnixSocket { path: path.to_string(), listen, problem }
}

/// What this build cannot do with `path`, as an error naming the platform.
pub fn unsupported(path: &UnixPath) -> Option<Error> {
    match path {
        _ if !SUPPORTED => Some(Error::usage(format!("Unix-domain sockets are not available on {PLATFORM}"))),
        UnixPath::Abstract(_) if !ABSTRACT_SUPPORTED => {
            Some(Error::usage(format!("abstract Unix sockets exist on Linux only, not on {PLATFORM}")))
        }
        _ => None,
    }
}

/// Checks that a socket file is there: `Missing` or `NotASocket` otherwise.
pub fn check(path: &UnixPath, listen: bool) -> Result<(), Error> {
    let UnixPath::Path(file) = path else { return Ok(()) };
    match std::fs::metadata(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(problem(path, listen, UnixProblem::Missing))
        }
        Err(e) => Err(problem(path, listen, UnixProblem::Io(e))),
        Ok(meta) if !is_socket(&meta) => Err(problem(path, listen, UnixProblem::NotASocket)),
        Ok(_) => Ok(()),
    }
}

#[cfg(unix)]
fn is_socket(meta: &std::fs::Metadata) -> bool {
    std::os::unix::fs::FileTypeExt::is_socket(&meta.file_type())
}

#[cfg(not(unix))]
fn is_socket(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Connects to the socket within the deadline.
pub async fn connect(
    path: &UnixPath,
    deadline: Instant,
    budget: Duration,
) -> Result<Box<dyn AnyStream>, Error> {
    if let Some(e) = unsupported(path) {
        return Err(e);
    }
    check(path, false)?;
    match tokio::time::timeout_at(deadline, connect_stream(path)).await {
        Err(_) => Err(Error::ConnectTimeout { host: path.to_string(), after: budget }),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(problem(path, false, UnixProblem::Missing))
        }
        Ok(Err(e)) => Err(problem(path, false, UnixProblem::Io(e))),
        Ok(Ok(stream)) => Ok(stream),
    }
}

#[cfg(unix)]
async fn connect_stream(path: &UnixPath) -> std::io::Result<Box<dyn AnyStream>> {
    match path {
        UnixPath::Path(file) => Ok(Box::new(tokio::net::UnixStream::connect(file).await?)),
        UnixPath::Abstract(name) => Ok(Box::new(tokio::net::UnixStream::from_std(abstract_stream(name)?)?)),
    }
}

#[cfg(not(unix))]
async fn connect_stream(_path: &UnixPath) -> std::io::Result<Box<dyn AnyStream>> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// A connected, non-blocking stream to an abstract name (a local connect does not block).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_stream(name: &str) -> std::io::Result<std::os::unix::net::UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    let stream = std::os::unix::net::UnixStream::connect_addr(&addr)?;
    stream.set_nonblocking(true)?;
    Ok(stream)
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn abstract_stream(_name: &str) -> std::io::Result<std::os::unix::net::UnixStream> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// A listening Unix socket; dropping it removes the socket file it created.
#[cfg(unix)]
#[derive(Debug)]
pub struct UnixListener {
    pub listener: tokio::net::UnixListener,
    pub path: UnixPath,
}

#[cfg(unix)]
impl Drop for UnixListener {
    fn drop(&mut self) {
        if let UnixPath::Path(file) = &self.path {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// Listens on `path`. A socket file already there is removed when nothing answers on it (a
/// server that stopped without cleaning up); one with a live server, or a file that is not a
/// socket, is an error. The new file gets [`SOCKET_MODE`].
#[cfg(unix)]
pub async fn bind(path: &UnixPath) -> Result<UnixListener, Error> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(e) = unsupported(path) {
        return Err(e);
    }
    let fail = |e| problem(path, true, UnixProblem::Io(e));
    let std_listener = match path {
        UnixPath::Path(file) => {
            remove_stale(path).await?;
            let listener = std::os::unix::net::UnixListener::bind(file).map_err(fail)?;
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(SOCKET_MODE)).map_err(fail)?;
            listener
        }
        UnixPath::Abstract(name) => bind_abstract(name).map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => problem(path, true, UnixProblem::InUse),
            _ => fail(e),
        })?,
    };
    std_listener.set_nonblocking(true).map_err(fail)?;
    let listener = tokio::net::UnixListener::from_std(std_listener).map_err(fail)?;
    Ok(UnixListener { listener, path: path.clone() })
}

/// Removes a socket file nobody answers on; a live one is `InUse`.
#[cfg(unix)]
async fn remove_stale(path: &UnixPath) -> Result<(), Error> {
    let UnixPath::Path(file) = path else { return Ok(()) };
    match check(path, true) {
        Err(Error::UnixSocket { problem: UnixProblem::Missing, .. }) => return Ok(()),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    let probe = tokio::time::timeout(Duration::from_secs(2), tokio::net::UnixStream::connect(file)).await;
    match probe {
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(file).map_err(|e| problem(path, true, UnixProblem::Io(e)))
        }
        Ok(Err(e)) => Err(problem(path, true, UnixProblem::Io(e))),
        // Connected, or a server too busy to accept at once: someone is there.
        Ok(Ok(_)) | Err(_) => Err(problem(path, true, UnixProblem::InUse)),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn bind_abstract(name: &str) -> std::io::Result<std::os::unix::net::UnixListener> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    std::os::unix::net::UnixListener::bind_addr(&addr)
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn bind_abstract(_name: &str) -> std::io::Result<std::os::unix::net::UnixListener> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn path(dir: &tempfile::TempDir, name: &str) -> UnixPath {
        UnixPath::Path(dir.path().join(name))
    }

    fn kind(e: Error) -> String {
        match e {
            Error::UnixSocket { problem, .. } => format!("{problem:?}"),
            other => format!("not a Unix socket error: {other}"),
        }
    }

    #[tokio::test]
    async fn a_missing_path_and_a_regular_file_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let missing = path(&dir, "none.sock");
        let e = connect(&missing, deadline, Duration::from_secs(5)).await.err().unwrap();
        assert!(e.to_string().contains("none.sock"), "{e}");
        assert_eq!(kind(e), "Missing");
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let e = connect(&path(&dir, "file"), deadline, Duration::from_secs(5)).await.err().unwrap();
        assert_eq!(kind(e), "NotASocket");
        let e = bind(&path(&dir, "file")).await.err().unwrap();
        assert_eq!(kind(e), "NotASocket");
        assert!(dir.path().join("file").exists(), "a regular file is never removed");
    }

    #[tokio::test]
    async fn a_stale_socket_is_replaced_and_a_live_one_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let sock = path(&dir, "s.sock");
        let UnixPath::Path(file) = &sock else { unreachable!() };
        // A stale file: bound, then its listener closed without removing it.
        drop(std::os::unix::net::UnixListener::bind(file).unwrap());
        let live = bind(&sock).await.unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(file).unwrap().permissions());
        assert_eq!(mode & 0o777, SOCKET_MODE);
        let e = bind(&sock).await.err().unwrap();
        assert_eq!(kind(e), "InUse");
        let deadline = Instant::now() + Duration::from_secs(5);
        let (client, accepted) =
            tokio::join!(connect(&sock, deadline, Duration::from_secs(5)), live.listener.accept());
        assert!(client.is_ok() && accepted.is_ok());
        drop(live);
        assert!(!file.exists(), "the server removes its socket file");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn abstract_names_connect_without_a_file() {
        let name = UnixPath::Abstract(format!("wsdiag-test-{}", std::process::id()));
        let live = bind(&name).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let (client, accepted) =
            tokio::join!(connect(&name, deadline, Duration::from_secs(5)), live.listener.accept());
        assert!(client.is_ok() && accepted.is_ok());
        assert_eq!(kind(bind(&name).await.err().unwrap()), "InUse");
    }
}

//! `--unix-socket PATH` and `--abstract-unix-socket NAME` (curl's names), for clients and
//! servers: checked here, so a platform without them says so with exit 2.

use std::path::PathBuf;

use crate::core::error::Error;
use crate::core::event::UnixPath;
use crate::core::net::socket::PLATFORM;
use crate::core::net::unix;

/// The longest socket path the system takes, bytes (`sun_path` less its NUL: 108 on Linux,
/// 104 on the BSDs and macOS).
const MAX_PATH: usize = if cfg!(any(target_os = "linux", target_os = "android")) { 107 } else { 103 };

/// The Unix socket asked for, if any.
pub(super) fn unix_path(file: Option<&PathBuf>, name: Option<&str>) -> Result<Option<UnixPath>, Error> {
    let path = match (file, name) {
        (Some(f), _) if f.as_os_str().is_empty() => return Err(Error::usage("--unix-socket needs a path")),
        (Some(f), _) => UnixPath::Path(f.clone()),
        (None, Some("")) => return Err(Error::usage("--abstract-unix-socket needs a name")),
        (None, Some(n)) => UnixPath::Abstract(n.to_string()),
        (None, None) => return Ok(None),
    };
    let flag = if matches!(path, UnixPath::Path(_)) { "--unix-socket" } else { "--abstract-unix-socket" };
    check_platform(&path, flag, unix::SUPPORTED, unix::ABSTRACT_SUPPORTED, PLATFORM)?;
    let len = match &path {
        UnixPath::Path(f) => f.as_os_str().len(),
        UnixPath::Abstract(n) => n.len(),
    };
    if len > MAX_PATH {
        return Err(Error::usage(format!(
            "{flag}: '{path}' is {len} bytes; sockets take at most {MAX_PATH}"
        )));
    }
    Ok(Some(path))
}

/// What this platform cannot do, as a usage error naming it.
fn check_platform(
    path: &UnixPath,
    flag: &str,
    unix: bool,
    abstract_names: bool,
    os: &str,
) -> Result<(), Error> {
    if !unix {
        return Err(Error::usage(format!("{flag}: Unix-domain sockets are not available on {os}")));
    }
    if matches!(path, UnixPath::Abstract(_)) && !abstract_names {
        return Err(Error::usage(format!("{flag}: abstract sockets exist on Linux only, not on {os}")));
    }
    Ok(())
}

/// The TCP options make no sense without TCP: an error, never a silent no-op.
pub(super) fn no_tcp_options(unix: Option<&UnixPath>, options: &[(&str, bool)]) -> Result<(), Error> {
    if unix.is_none() {
        return Ok(());
    }
    match options.iter().find(|(_, given)| *given) {
        Some((flag, _)) => {
            Err(Error::usage(format!("{flag} has no effect over a Unix socket (there is no TCP)")))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_names_itself_when_it_cannot() {
        let file = UnixPath::Path("/run/app.sock".into());
        let name = UnixPath::Abstract("app".into());
        let e = check_platform(&file, "--unix-socket", false, false, "Windows").unwrap_err();
        assert_eq!(e.to_string(), "--unix-socket: Unix-domain sockets are not available on Windows");
        let e = check_platform(&name, "--abstract-unix-socket", true, false, "macOS").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--abstract-unix-socket: abstract sockets exist on Linux only, not on macOS"
        );
        assert!(check_platform(&file, "--unix-socket", true, false, "macOS").is_ok());
        assert!(check_platform(&name, "--abstract-unix-socket", true, true, "Linux").is_ok());
    }

    #[test]
    fn paths_are_checked_for_emptiness_and_length() {
        assert!(unix_path(Some(&PathBuf::new()), None).is_err());
        assert!(unix_path(None, Some("")).is_err());
        assert_eq!(unix_path(None, None).unwrap(), None);
        let long = PathBuf::from(format!("/tmp/{}", "x".repeat(200)));
        let e = unix_path(Some(&long), None).unwrap_err();
        assert!(e.to_string().contains("sockets take at most"), "{e}");
    }

    #[test]
    fn tcp_options_over_a_unix_socket_are_refused() {
        let path = UnixPath::Path("/run/app.sock".into());
        let e = no_tcp_options(Some(&path), &[("--tcp-keepalive", false), ("--tcp-user-timeout", true)]);
        assert_eq!(
            e.unwrap_err().to_string(),
            "--tcp-user-timeout has no effect over a Unix socket (there is no TCP)"
        );
        assert!(no_tcp_options(None, &[("--tcp-user-timeout", true)]).is_ok());
    }
}

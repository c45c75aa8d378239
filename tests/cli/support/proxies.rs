//! Real proxies from Debian's packages on loopback ports: tinyproxy (HTTP CONNECT, optionally
//! with Basic authentication and ConnectPort rules), microsocks (SOCKS5, optionally with a
//! user and password), and socat terminating TLS in front of another proxy (an `https://`
//! proxy). Each is stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::support::free_port;

use crate::support::pki::Pki;
use crate::support::skip;

/// A running proxy process.
pub struct ProxyProcess {
    pub port: u16,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl ProxyProcess {
    /// `http://127.0.0.1:PORT` (or another scheme).
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}

/// A program from PATH or the sbin directories; when missing, the test is skipped (or fails
/// under CI, where .ci/run installs it).
pub fn program(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    if found.is_none() {
        skip::missing_peer(&format!("{name} is not installed (.ci/run installs it)"));
    }
    found
}

/// tinyproxy on a free loopback port with a 30 s idle `Timeout`; `auth` adds
/// `BasicAuth USER PASS`, `connect_ports` adds `ConnectPort` lines (CONNECT to any other port
/// is refused with 403).
pub async fn tinyproxy(bin: &Path, auth: Option<(&str, &str)>, connect_ports: &[u16]) -> ProxyProcess {
    tinyproxy_with_timeout(bin, auth, connect_ports, 30).await
}

/// tinyproxy that closes connections idle for `timeout_s` seconds (its `Timeout`).
pub async fn tinyproxy_with_timeout(
    bin: &Path,
    auth: Option<(&str, &str)>,
    connect_ports: &[u16],
    timeout_s: u32,
) -> ProxyProcess {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let log = dir.path().join("tinyproxy.log");
    let mut conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout {timeout_s}\nAllow 127.0.0.1\nMaxClients 20\nLogLevel Info\n\
         LogFile \"{}\"\nPidFile \"{}\"\n",
        log.display(),
        dir.path().join("tinyproxy.pid").display()
    );
    if let Some((user, pass)) = auth {
        conf.push_str(&format!("BasicAuth {user} {pass}\n"));
    }
    for p in connect_ports {
        conf.push_str(&format!("ConnectPort {p}\n"));
    }
    let path = dir.path().join("tinyproxy.conf");
    std::fs::write(&path, conf).expect("write tinyproxy.conf");
    let mut cmd = Command::new(bin);
    cmd.arg("-d").arg("-c").arg(&path);
    start(cmd, port, dir, log).await
}

/// microsocks on a free loopback port, with `-u USER -P PASS` when `auth` is given.
pub async fn microsocks(bin: &Path, auth: Option<(&str, &str)>) -> ProxyProcess {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
    if let Some((user, pass)) = auth {
        cmd.args(["-u", user, "-P", pass]);
    }
    let log = dir.path().join("none.log");
    start(cmd, port, dir, log).await
}

/// socat terminating TLS (the test PKI's server certificate, valid for 127.0.0.1 and
/// localhost) on a free port and passing the bytes to 127.0.0.1:`upstream`.
pub async fn tls_front(bin: &Path, pki: &Pki, upstream: u16) -> ProxyProcess {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let listen = format!(
        "OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={},key={},verify=0",
        pki.server_pem().display(),
        pki.server_key().display()
    );
    let mut cmd = Command::new(bin);
    cmd.arg(listen).arg(format!("TCP:127.0.0.1:{upstream}"));
    let log = dir.path().join("none.log");
    start(cmd, port, dir, log).await
}

async fn start(mut cmd: Command, port: u16, dir: tempfile::TempDir, log: PathBuf) -> ProxyProcess {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the proxy");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return ProxyProcess { port, _child: child, _dir: dir };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{cmd:?} exited with {status}: {}", std::fs::read_to_string(&log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("{cmd:?} did not listen on 127.0.0.1:{port} within 10 s");
}

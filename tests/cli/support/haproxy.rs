//! A real HAProxy on loopback speaking HTTP/2 to clients, in front of an HTTP/1.1 WebSocket
//! server (`wsdiag echo`): an h2c frontend (`proto h2`) and a TLS frontend offering ALPN h2.
//! HAProxy 2.4+ carries WebSockets over HTTP/2 (RFC 8441) and advertises
//! SETTINGS_ENABLE_CONNECT_PROTOCOL, unless started with `h2-workaround-bogus-websocket-clients`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::support::free_port;
use crate::support::pki::Pki;

/// A running HAProxy; stopped when dropped.
pub struct Haproxy {
    /// The h2c frontend (HTTP/2 without TLS, prior knowledge).
    pub h2c_port: u16,
    /// The TLS frontend (ALPN h2 and http/1.1), with the certificate of [`Pki::generate`].
    pub tls_port: u16,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    /// Starts HAProxy in front of 127.0.0.1:`upstream`; `no_extended_connect` sets the global
    /// `h2-workaround-bogus-websocket-clients` (it stops advertising extended CONNECT).
    pub async fn start(haproxy: &Path, pki: &Pki, upstream: u16, no_extended_connect: bool) -> Haproxy {
        Haproxy::start_with_idle_timeout(haproxy, pki, upstream, no_extended_connect, "30s").await
    }

    /// Like [`Haproxy::start`], with `idle` as its client, server and tunnel timeouts (how long
    /// a silent connection lives).
    pub async fn start_with_idle_timeout(
        haproxy: &Path,
        pki: &Pki,
        upstream: u16,
        no_extended_connect: bool,
        idle: &str,
    ) -> Haproxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let (h2c_port, tls_port) = (free_port(), free_port());
        let pem = dir.path().join("server.pem");
        let mut bundle = std::fs::read(pki.server_pem()).expect("server cert");
        bundle.extend(std::fs::read(pki.server_key()).expect("server key"));
        std::fs::write(&pem, bundle).expect("write pem");
        let workaround = if no_extended_connect { "  h2-workaround-bogus-websocket-clients\n" } else { "" };
        let conf = format!(
            "global\n{workaround}defaults\n  mode http\n  timeout connect 5s\n  timeout client {idle}\n  \
             timeout server {idle}\n  timeout tunnel {idle}\nfrontend h2c\n  bind 127.0.0.1:{h2c_port} proto h2\n  \
             default_backend echo\nfrontend tls\n  bind 127.0.0.1:{tls_port} ssl crt {} alpn h2,http/1.1\n  \
             default_backend echo\nbackend echo\n  server echo 127.0.0.1:{upstream}\n",
            pem.display()
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, conf).expect("write haproxy.cfg");
        let log = dir.path().join("haproxy.log");
        let mut child = Command::new(haproxy)
            .arg("-f")
            .arg(&path)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .kill_on_drop(true)
            .spawn()
            .expect("start haproxy");
        for port in [h2c_port, tls_port] {
            wait_for_port(port, &mut child, &log).await;
        }
        Haproxy { h2c_port, tls_port, _child: child, _dir: dir }
    }
}

/// The haproxy binary, when installed.
pub fn haproxy() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    candidates.map(|dir| dir.join("haproxy")).find(|p| p.is_file())
}

/// Waits (bounded) until something accepts connections on the port.
async fn wait_for_port(port: u16, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("haproxy exited with {status}: {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "haproxy did not listen on 127.0.0.1:{port} within 10 s: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

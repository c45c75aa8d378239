//! A real nginx reverse proxy on a loopback port, in front of an upstream WebSocket server,
//! with the Upgrade headers and a chosen `proxy_read_timeout` (its idle timeout).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::support::free_port;

/// A running nginx; stopped when dropped.
pub struct Nginx {
    pub port: u16,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts `nginx` proxying to 127.0.0.1:`upstream` with `proxy_read_timeout` `read_timeout`.
    pub async fn start(nginx: &Path, upstream: u16, read_timeout: &str) -> Nginx {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, upstream, read_timeout)).expect("write conf");
        let mut child = Command::new(nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start nginx");
        wait_for_port(port, &mut child, &dir.path().join("error.log")).await;
        Nginx { port, _child: child, _dir: dir }
    }
}

/// The nginx binary, when installed.
pub fn nginx() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    for dir in candidates {
        let path = dir.join("nginx");
        if path.is_file() {
            return Some(path);
        }
    }
    None
}

fn config(dir: &Path, port: u16, upstream: u16, read_timeout: &str) -> String {
    let d = dir.display();
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log info;\nevents {{ worker_connections 64; }}\nhttp {{\n\
         access_log off;\nclient_body_temp_path {d}/body;\nproxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\nuwsgi_temp_path {d}/uwsgi;\n\
         scgi_temp_path {d}/scgi;\nserver {{\nlisten 127.0.0.1:{port};\n\
         location / {{\nproxy_pass http://127.0.0.1:{upstream};\n\
         proxy_http_version 1.1;\nproxy_set_header Upgrade $http_upgrade;\n\
         proxy_set_header Connection \"upgrade\";\nproxy_read_timeout {read_timeout};\n}}\n}}\n}}\n"
    )
}

/// Waits (bounded) until something accepts connections on the port.
async fn wait_for_port(port: u16, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("nginx exited with {status}: {}", std::fs::read_to_string(log).unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "nginx did not listen on 127.0.0.1:{port} within 10 s: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

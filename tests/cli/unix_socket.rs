//! Unix-domain sockets (`--unix-socket`, `--abstract-unix-socket`): connect, handshake-inspect
//! and heartbeat-probe against a Python `websockets` server or wsdiag's own echo on a socket
//! file, `echo --unix-socket` with a Python client, and the errors that name the path.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::interop;
use crate::server_interop::{python_client, run, show};
use crate::support::served::serve;
use crate::support::{connect, json_lines, wsdiag};

/// A socket path in a fresh directory (short enough for `sun_path`).
fn socket_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("ws.sock")
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("wsdiag-uds").tempdir_in("/tmp").expect("temp dir")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[tokio::test]
async fn connect_talks_to_python_websockets_over_a_unix_socket() {
    let dir = tempdir();
    let path = socket_in(&dir);
    let Some(_server) = interop::start_unix(&path).await else { return };
    connect("ws://localhost/chat")
        .args(["--unix-socket", s(&path), "-x", "over a socket", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("over a socket\n");
    let out = connect("ws://localhost/chat")
        .args(["--unix-socket", s(&path), "-x", "hi", "-n", "1", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let events = json_lines(&out);
    let connected = events.iter().find(|e| e["type"] == "unix_connected").unwrap_or_else(|| panic!("{out}"));
    assert_eq!(connected["path"], s(&path), "{out}");
    let request = events.iter().find(|e| e["type"] == "handshake_request").unwrap_or_else(|| panic!("{out}"));
    let raw = request["raw"].as_str().unwrap_or_default();
    assert!(
        raw.starts_with("GET /chat HTTP/1.1\r\nHost: localhost\r\n"),
        "the URL gives path and Host: {raw}"
    );
}

#[tokio::test]
async fn handshake_inspect_checks_a_server_on_a_unix_socket() {
    let dir = tempdir();
    let path = socket_in(&dir);
    let Some(_server) = interop::start_unix(&path).await else { return };
    let out = wsdiag(["handshake-inspect", "--unix-socket", s(&path), "ws://localhost/"]).run().await;
    out.expect_code(0)
        .expect_stdout_contains(&format!("* Connected to unix:{}", s(&path)))
        .expect_stdout_contains("Verdict: PASS");
}

#[tokio::test]
async fn a_missing_path_or_a_file_that_is_no_socket_exits_3_naming_it() {
    let dir = tempdir();
    let missing = dir.path().join("absent.sock");
    let out = connect("ws://localhost/").args(["--unix-socket", s(&missing), "-x", "x"]).run().await;
    out.expect_code(3).expect_stderr_contains(&format!("error: no Unix socket at {}", s(&missing)));
    let file = dir.path().join("plain");
    std::fs::write(&file, b"not a socket").unwrap();
    for sub in ["connect", "handshake-inspect", "heartbeat-probe"] {
        let out = wsdiag([sub, "--unix-socket", s(&file), "ws://localhost/"]).run().await;
        out.expect_code(3);
        // handshake-inspect reports its error in the report, on stdout.
        let said = format!("{}{}", out.stdout(), out.stderr);
        assert!(said.contains(&format!("{} is not a socket", s(&file))), "{out}");
    }
    // A server leaves a regular file alone too.
    let out = wsdiag(["echo", "--unix-socket", s(&file), "--max-runtime", "2s"]).run().await;
    out.expect_code(3).expect_stderr_contains("is not a socket");
    assert_eq!(std::fs::read(&file).unwrap(), b"not a socket");
}

#[tokio::test]
async fn tcp_options_and_proxies_do_not_go_with_a_unix_socket() {
    let out = connect("ws://localhost/")
        .args(["--unix-socket", "/tmp/x.sock", "--tcp-user-timeout", "5s", "-x", "x"])
        .run()
        .await;
    out.expect_code(2).expect_stderr_contains("--tcp-user-timeout has no effect over a Unix socket");
    let out = connect("ws://localhost/")
        .args(["--unix-socket", "/tmp/x.sock", "--proxy", "http://127.0.0.1:1"])
        .run()
        .await;
    out.expect_code(2).expect_stderr_contains("cannot be used with");
    let out = connect("builtin:echo").args(["--unix-socket", "/tmp/x.sock", "-x", "x"]).run().await;
    out.expect_code(2).expect_stderr_contains("builtin:echo runs in-process");
}

#[tokio::test]
async fn echo_serves_a_python_client_on_a_unix_socket() {
    let Some(python) = python_client() else { return };
    let dir = tempdir();
    let path = socket_in(&dir);
    let server = serve(["echo", "--unix-socket", s(&path), "--max-runtime", "20s"]).await;
    server
        .wait_for("the listening line", |_, err| {
            err.contains(&format!("Listening on unix:{} (ws)", s(&path)))
        })
        .await;
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "only the owner may connect");
    let args: Vec<OsString> =
        ["--unix", s(&path), "ws://localhost/", "hello", "ünïcödé"].iter().map(OsString::from).collect();
    let out = run(python, &args).await;
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\nünïcödé\n", "{}", show(&out));
    // A second server refuses the live socket, naming it.
    let second = wsdiag(["echo", "--unix-socket", s(&path), "--max-runtime", "2s"]).run().await;
    second
        .expect_code(3)
        .expect_stderr_contains(&format!("cannot listen on {}: a server is listening on it", s(&path)));
    let out = server.interrupt().await;
    out.expect_code(130);
    assert!(!path.exists(), "the socket file is removed at exit\n{out}");
}

#[tokio::test]
async fn echo_replaces_a_stale_socket_file() {
    let dir = tempdir();
    let path = socket_in(&dir);
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists(), "a stale socket file, nobody listening");
    let server = serve(["echo", "--unix-socket", s(&path), "--max-runtime", "20s"]).await;
    connect("ws://localhost/")
        .args(["--unix-socket", s(&path), "-x", "fresh", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("fresh\n");
    server.interrupt().await.expect_code(130);
}

#[tokio::test]
async fn the_probe_finds_the_echo_idle_timeout_over_a_unix_socket() {
    let dir = tempdir();
    let path = socket_in(&dir);
    let server =
        serve(["echo", "--unix-socket", s(&path), "--idle-timeout", "2s", "--max-runtime", "40s"]).await;
    let out = wsdiag([
        "heartbeat-probe",
        "--unix-socket",
        s(&path),
        "ws://localhost/",
        "--json",
        "--min",
        "1s",
        "--max",
        "8s",
    ])
    .run()
    .await;
    out.expect_code(0);
    let result = json_lines(&out).last().cloned().unwrap_or_default();
    assert_eq!(result["type"], "result", "{out}");
    assert_eq!(
        (result["verdict"].as_str(), result["signature"].as_str()),
        (Some("bounded"), Some("fin")),
        "{out}"
    );
    let (lower, upper) = (result["lower_s"].as_f64().unwrap(), result["upper_s"].as_f64().unwrap());
    assert!(lower < 2.0 && 2.0 <= upper + 0.2, "{lower}..{upper}: {result}");
    assert_eq!(result["timing_only"], "unix_socket", "the report says it had no TCP facts: {result}");
    let human = wsdiag([
        "heartbeat-probe",
        "--unix-socket",
        s(&path),
        "ws://localhost/",
        "--min",
        "1s",
        "--max",
        "3s",
    ])
    .run()
    .await;
    human.expect_stdout_contains(
        "TCP facts: none over a Unix socket; a silent connection is told from timing alone",
    );
    drop(server);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn abstract_sockets_need_no_file() {
    let name = format!("wsdiag-test-{}", std::process::id());
    let server = serve(["echo", "--abstract-unix-socket", &name, "--max-runtime", "20s"]).await;
    server.wait_for("the listening line", |_, err| err.contains(&format!("Listening on unix:@{name}"))).await;
    connect("ws://localhost/")
        .args(["--abstract-unix-socket", &name, "-x", "abstract", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("abstract\n");
    server.interrupt().await.expect_code(130);
}

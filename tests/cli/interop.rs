//! Interoperability with a third-party server: the Python `websockets` library
//! (tests/interop/echo_server.py). Python comes from WSDIAG_TEST_PYTHON, else the package's
//! `.venv`. Without it the tests are skipped (and listed at the end of the run), except under CI
//! where they fail.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::support::{connect, json_lines, skip};

pub(crate) fn python() -> PathBuf {
    std::env::var_os("WSDIAG_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"))
}

/// A running echo_server.py; stops when dropped (its stdin closes and it is killed).
pub(crate) struct PyServer {
    port: u16,
    _child: Child,
    _stdin: ChildStdin,
}

/// Starts the server, or returns None (after saying why) when Python with `websockets` is
/// not available outside CI.
pub(crate) async fn start() -> Option<PyServer> {
    start_with(&[]).await
}

/// Starts the server answering the text message `from` with `to` (every other one echoed).
pub(crate) async fn start_changing(from: &str, to: &str) -> Option<PyServer> {
    start_with(&["--change".as_ref(), from.as_ref(), to.as_ref()]).await
}

/// Starts the server on the Unix-domain socket `path` (its port is 0).
#[cfg(unix)]
pub(crate) async fn start_unix(path: &std::path::Path) -> Option<PyServer> {
    start_with(&["--unix".as_ref(), path.as_os_str()]).await
}

async fn start_with(extra: &[&std::ffi::OsStr]) -> Option<PyServer> {
    let python = python();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/echo_server.py");
    let unavailable = |why: String| {
        skip::missing_peer(&format!(
            "{why}; run .ci/run or set WSDIAG_TEST_PYTHON to a Python with `websockets`"
        ));
        None
    };
    let mut child = match Command::new(&python)
        .arg(&script)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return unavailable(format!("cannot run {}: {e}", python.display())),
    };
    let stdin = child.stdin.take().expect("stdin piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
    let mut line = String::new();
    let read = tokio::time::timeout(Duration::from_secs(15), stdout.read_line(&mut line)).await;
    let unix = !extra.is_empty() && line.trim() == extra[1].to_string_lossy();
    match (read, line.trim().parse::<u16>()) {
        (Ok(Ok(_)), Ok(port)) => Some(PyServer { port, _child: child, _stdin: stdin }),
        (Ok(Ok(_)), _) if unix => Some(PyServer { port: 0, _child: child, _stdin: stdin }),
        _ => unavailable(format!(
            "{} {} did not print its port (got {line:?})",
            python.display(),
            script.display()
        )),
    }
}

impl PyServer {
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }
}

#[tokio::test]
async fn text_round_trip_through_python_websockets() {
    let Some(server) = start().await else { return };
    connect(&server.url())
        .args(["-x", "hello from wsdiag", "-x", "ünïcödé", "-n", "2"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("hello from wsdiag\nünïcödé\n");
}

#[tokio::test]
async fn binary_round_trip_through_python_websockets() {
    let Some(server) = start().await else { return };
    connect(&server.url())
        .args(["--hex", "-x", "00010280ff", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("00010280ff\n");
}

#[tokio::test]
async fn subprotocol_negotiated_with_python_websockets() {
    let Some(server) = start().await else { return };
    let out = connect(&server.url())
        .args(["-s", "chat.v9", "-s", "chat.v2", "-x", "hi", "-n", "1", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let events = json_lines(&out);
    let open = events.iter().find(|e| e["type"] == "open").unwrap_or_else(|| panic!("no open event\n{out}"));
    assert_eq!(open["subprotocol"], "chat.v2", "{out}");
    let message = events
        .iter()
        .find(|e| e["type"] == "message" && e["dir"] == "in")
        .unwrap_or_else(|| panic!("no incoming message\n{out}"));
    assert_eq!(message["data"]["text"], "hi");
}

#[tokio::test]
async fn frames_and_close_with_python_websockets() {
    let Some(server) = start().await else { return };
    let out = connect(&server.url())
        .args(["-vv", "--ping-interval", "100ms", "-x", "abc", "-w", "400ms"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout("abc\n")
        .expect_stderr_contains("<< text fin=1 rsv=000 len=3 \"abc\"")
        .expect_stderr_contains("* pong seq=1 rtt=");
    let closes = out.stderr_lines_starting("<< close ");
    assert_eq!(closes.len(), 1, "the server's close reply is shown\n{out}");
    assert!(closes[0].contains("code=1000"), "{out}");
}

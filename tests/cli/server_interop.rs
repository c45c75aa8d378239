//! wsdiag's servers against third-party clients: the Python `websockets` client
//! (tests/interop/client.py) and node's `ws` (tests/interop/client.mjs). Python comes from
//! WSDIAG_TEST_PYTHON, else the package's `.venv`; the `ws` package from the directory in
//! WSDIAG_TEST_NODE_MODULES, else tests/interop/node. Without them the tests are skipped
//! (and listed at the end of the run), except under CI where they fail.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::process::Command;

use crate::support::served::{serve, WAIT};
use crate::support::skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Says why a client is unavailable: a skip, or a failure under CI.
fn unavailable(why: String) -> Option<Command> {
    skip::missing_peer(&why);
    None
}

/// `python client.py`, or None when Python with `websockets` is missing.
pub(crate) fn python_client() -> Option<Command> {
    let python = std::env::var_os("WSDIAG_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"));
    if !python.exists() {
        return unavailable(format!(
            "no Python at {}; run .ci/run or set WSDIAG_TEST_PYTHON to a Python with `websockets`",
            python.display()
        ));
    }
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/interop/client.py"));
    Some(cmd)
}

/// `node client.mjs`, or None when node or the `ws` package is missing.
fn node_client() -> Option<Command> {
    let modules = std::env::var_os("WSDIAG_TEST_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tests/interop/node"));
    if !modules.join("node_modules/ws").is_dir() {
        return unavailable(format!(
            "no node_modules/ws in {}; run .ci/run or set WSDIAG_TEST_NODE_MODULES",
            modules.display()
        ));
    }
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/interop/client.mjs")).env("WSDIAG_TEST_NODE_MODULES", modules);
    Some(cmd)
}

/// Runs a client to completion (bounded), with `args` after its script.
pub(crate) async fn run(mut cmd: Command, args: &[OsString]) -> Output {
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => panic!("cannot start {cmd:?}: {e}"),
    };
    tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("the client finished within 20 s")
        .expect("wait for the client")
}

fn args(url: &str, rest: &[&str]) -> Vec<OsString> {
    std::iter::once(url).chain(rest.iter().copied()).map(OsString::from).collect()
}

pub(crate) fn show(out: &Output) -> String {
    format!(
        "status {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn python_websockets_client_against_echo() {
    let Some(python) = python_client() else { return };
    let server = serve(["echo", "--max-runtime", "20s"]).await;
    let out = run(python, &args(&server.url(), &["hello", "ünïcödé", ""])).await;
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\nünïcödé\n\n", "{}", show(&out));
    server.wait_for("the disconnect", |_, err| err.contains("Disconnected")).await;
    let server_out = server.interrupt().await;
    server_out.expect_code(130).expect_stderr_contains("in 3 messages").expect_stderr_contains("close 1000");
}

#[tokio::test]
async fn python_websockets_client_against_listen_expect() {
    let Some(python) = python_client() else { return };
    let server =
        serve(["listen", "--once", "--expect", "^hello$", "--expect", "wor", "--max-runtime", "20s"]).await;
    let out = run(python, &args(&server.url(), &["--no-echo", "hello", "noise", "world"])).await;
    assert!(out.status.success(), "{}", show(&out));
    // listen closes normally once both expectations are met.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "closed 1000\n", "{}", show(&out));
    server.finish().await.expect_code(0).expect_stdout("[1] hello\n[1] noise\n[1] world\n");
}

#[tokio::test]
async fn python_websockets_client_against_listen_unmet_expect() {
    let Some(python) = python_client() else { return };
    let server =
        serve(["listen", "--once", "--expect", "^never$", "--expect-timeout", "2s", "--max-runtime", "20s"])
            .await;
    let mut cmd = python;
    cmd.args(args(&server.url(), &["--no-echo", "nothing useful"]));
    let client = tokio::spawn(async move { run(cmd, &[]).await });
    let out = server.finish().await;
    out.expect_code(1).expect_stderr_contains("/^never$/").expect_stderr_contains("nothing useful");
    let client = tokio::time::timeout(WAIT, client).await.expect("client ended").expect("client task");
    assert!(client.status.success(), "{}", show(&client));
}

#[tokio::test]
async fn node_ws_client_against_echo() {
    let Some(node) = node_client() else { return };
    let server = serve(["echo", "--max-runtime", "20s", "--json"]).await;
    let out = run(node, &args(&server.url(), &["hello", "bin:AZ", "ünï"])).await;
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\nbin:415a\nünï\n", "{}", show(&out));
    server.wait_for("the disconnect", |out, _| out.contains("\"disconnected\"")).await;
    let server_out = server.interrupt().await;
    let gone: serde_json::Value = server_out
        .stdout()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["type"] == "disconnected")
        .expect("a disconnected event");
    assert_eq!(gone["received"]["messages"], 3, "{gone}");
    assert_eq!(gone["close"]["code"], 1000, "{gone}");
    assert_eq!(gone["close"]["by"], "client", "{gone}");
}

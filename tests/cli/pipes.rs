//! A reader that closes stdout early (`| head -1`) is not an error: exit 0, nothing on stderr;
//! the servers (`listen`, `echo`) close their clients and exit 0 too.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Child;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::connect;
use crate::support::run::RUN_BOUND;
use crate::support::served::{client, close_code, next_data, send, serve, Served};
use crate::support::Output;

/// Waits (bounded) for exit and returns the code and everything on stderr.
async fn finish(mut child: Child) -> (Option<i32>, String) {
    let mut stderr = child.stderr.take().expect("stderr piped");
    let run = async {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        let status = child.wait().await.expect("wait");
        (status.code(), text)
    };
    tokio::time::timeout(RUN_BOUND, run)
        .await
        .unwrap_or_else(|_| panic!("wsdiag did not exit within {RUN_BOUND:?}"))
}

#[tokio::test]
async fn stdout_closed_before_anything_is_written() {
    let mut child = connect("builtin:echo").args(["-x", "a", "-x", "b", "-x", "c", "-n", "3"]).spawn();
    drop(child.stdout.take());
    let (code, stderr) = finish(child).await;
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "nothing belongs on stderr, got: {stderr}");
}

#[tokio::test]
async fn stdout_closed_after_the_first_line() {
    let lines: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
    let mut child = connect("builtin:echo").args(["-n", "20000"]).stdin(lines).spawn();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout piped"));
    let mut first = String::new();
    tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut first))
        .await
        .expect("first line within 10 s")
        .expect("read first line");
    assert_eq!(first, "line 0\n");
    drop(reader);
    let (code, stderr) = finish(child).await;
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "nothing belongs on stderr, got: {stderr}");
}

#[tokio::test]
async fn stdout_closed_in_json_mode() {
    let mut child = connect("builtin:echo").args(["--json", "-vv", "-x", "a", "-x", "b", "-n", "2"]).spawn();
    drop(child.stdout.take());
    let (code, stderr) = finish(child).await;
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "nothing belongs on stderr, got: {stderr}");
}

#[tokio::test]
async fn stdout_closed_while_nothing_more_is_printed() {
    // Nothing ends this run on its own (no --count, no --wait): only the closed pipe can.
    let mut child = connect("builtin:echo").args(["-x", "first"]).spawn();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout piped"));
    let mut first = String::new();
    tokio::time::timeout(Duration::from_secs(10), reader.read_line(&mut first))
        .await
        .expect("first line within 10 s")
        .expect("read first line");
    assert_eq!(first, "first\n");
    drop(reader);
    let (code, stderr) = tokio::time::timeout(Duration::from_secs(5), finish(child))
        .await
        .expect("wsdiag notices the closed pipe without writing to it");
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(stderr.is_empty(), "nothing belongs on stderr, got: {stderr}");
}

/// How soon a server must exit once its stdout is closed (its `--max-runtime` is a minute).
const NOTICED: Duration = Duration::from_secs(10);

/// Waits for the server's exit, which must come within `NOTICED` of `closed`, when its stdout
/// was closed: ended by the closed pipe, not by `--max-runtime`.
async fn finish_soon(server: Served, closed: Instant) -> Output {
    let out = server.finish().await;
    assert!(closed.elapsed() < NOTICED, "ended by the closed pipe, not --max-runtime\n{out}");
    out
}

#[tokio::test]
async fn listen_closes_its_clients_and_exits_0_when_stdout_closes() {
    let mut server = serve(["listen", "--max-runtime", "60s"]).await;
    let mut ws = client(&server.url()).await;
    send(&mut ws, Message::text("seen")).await;
    server.wait_for("the message", |out, _| out.contains("[1] seen\n")).await;
    server.close_stdout().await;
    let closed = Instant::now();
    assert_eq!(close_code(&mut ws).await, Some(1000), "the client is closed normally");
    let out = finish_soon(server, closed).await;
    out.expect_code(0).expect_stderr_contains("close 1000 (normal) by server");
}

#[tokio::test]
async fn listen_in_json_mode_exits_once_the_reader_has_its_first_line() {
    // `wsdiag listen --json | head -1`: the first line is the `listening` event.
    let mut server = serve(["listen", "--json", "--max-runtime", "60s"]).await;
    server.close_stdout().await;
    let closed = Instant::now();
    let out = finish_soon(server, closed).await;
    out.expect_code(0);
}

#[tokio::test]
async fn listen_checks_still_pending_fail_when_stdout_closes() {
    // `--once` and nobody came yet: a CI step waiting for a client must not pass.
    let mut server = serve(["listen", "--once", "--max-runtime", "60s"]).await;
    server.close_stdout().await;
    let closed = Instant::now();
    let out = finish_soon(server, closed).await;
    out.expect_code(1)
        .expect_stderr_contains("the reader of stdout went away before any client connected (--once)");
    // An expectation not met yet fails the same way, naming it.
    let mut server = serve(["listen", "--expect", "hello", "--max-runtime", "60s"]).await;
    let mut ws = client(&server.url()).await;
    send(&mut ws, Message::text("something else")).await;
    server.wait_for("the message", |out, _| out.contains("[1] something else\n")).await;
    server.close_stdout().await;
    assert_eq!(close_code(&mut ws).await, Some(1000));
    let out = server.finish().await;
    out.expect_code(1)
        .expect_stderr_contains("the reader of stdout went away before a message matching /hello/ arrived")
        .expect_stderr_contains("something else");
}

#[tokio::test]
async fn echo_server_exits_0_when_stdout_closes() {
    let mut server = serve(["echo", "--max-runtime", "60s"]).await;
    let mut ws = client(&server.url()).await;
    send(&mut ws, Message::text("ping me back")).await;
    assert_eq!(next_data(&mut ws).await, Message::text("ping me back"));
    server.close_stdout().await;
    let closed = Instant::now();
    // The echo server goes away (1001), as on Ctrl-C.
    assert_eq!(close_code(&mut ws).await, Some(1001));
    let out = finish_soon(server, closed).await;
    out.expect_code(0);
}

#[tokio::test]
async fn servers_still_say_on_stderr_how_their_clients_ended_after_stdout_closes() {
    for cmd in ["listen", "echo"] {
        let mut server = serve([cmd, "-v", "--max-runtime", "60s"]).await;
        let mut ws = client(&server.url()).await;
        send(&mut ws, Message::text("first")).await;
        if cmd == "listen" {
            server.wait_for("the message", |out, _| out.contains("[1] first\n")).await;
        } else {
            assert_eq!(next_data(&mut ws).await, Message::text("first"));
        }
        // Messages keep coming while stdout closes: the printer meets the closed pipe.
        let sender = tokio::spawn(async move {
            for i in 0..2_000 {
                if ws.send(Message::text(format!("more {i}"))).await.is_err() {
                    break;
                }
            }
            ws
        });
        server.close_stdout().await;
        let out = server.finish().await;
        out.expect_code(0)
            .expect_stderr_contains("[1] * Disconnected")
            .expect_stderr_contains("* Served 1 connection");
        drop(sender.await);
    }
}

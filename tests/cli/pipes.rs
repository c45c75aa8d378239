//! A reader that closes stdout early (`| head -1`) is not an error: exit 0, nothing on stderr.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Child;

use crate::support::connect;
use crate::support::run::RUN_BOUND;

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

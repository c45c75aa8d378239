//! Ctrl-C (SIGINT) closes the connection with 1001 and exits 130.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::support::run::RUN_BOUND;
use crate::support::{connect, Script};

async fn send_sigint(pid: u32) {
    let status = tokio::process::Command::new("kill").args(["-INT", &pid.to_string()]).status();
    let status = tokio::time::timeout(Duration::from_secs(10), status)
        .await
        .expect("kill finished")
        .expect("run kill");
    assert!(status.success(), "kill -INT {pid} failed");
}

#[tokio::test]
async fn sigint_closes_with_1001_and_exits_130() {
    let server = Script::new().start().await;
    let mut child = connect(&server.url()).arg("-v").spawn();
    let pid = child.id().expect("pid");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr piped"));

    let mut seen = String::new();
    let upgraded = async {
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).await.unwrap_or(0) == 0 {
                return false;
            }
            seen.push_str(&line);
            if line.starts_with("* Upgraded") {
                return true;
            }
        }
    };
    let upgraded = tokio::time::timeout(Duration::from_secs(10), upgraded).await;
    assert!(matches!(upgraded, Ok(true)), "no `* Upgraded` line on stderr; got:\n{seen}");

    send_sigint(pid).await;
    let finish = async {
        let _ = stderr.read_to_string(&mut seen).await;
        child.wait().await.expect("wait")
    };
    let status = tokio::time::timeout(RUN_BOUND, finish)
        .await
        .unwrap_or_else(|_| panic!("wsdiag did not exit after SIGINT; stderr:\n{seen}"));
    assert_eq!(status.code(), Some(130), "stderr:\n{seen}");
    assert_eq!(server.client_close().await.map(|c| c.0), Some(1001));
}

#[tokio::test]
async fn sigint_in_json_mode_reports_the_close_and_summary() {
    let server = Script::new().start().await;
    let mut child = connect(&server.url()).arg("--json").spawn();
    let pid = child.id().expect("pid");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));

    let mut lines = Vec::new();
    let opened = async {
        loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).await.unwrap_or(0) == 0 {
                return false;
            }
            let is_open =
                serde_json::from_str::<serde_json::Value>(&line).is_ok_and(|event| event["type"] == "open");
            lines.push(line);
            if is_open {
                return true;
            }
        }
    };
    let opened = tokio::time::timeout(Duration::from_secs(10), opened).await;
    assert!(matches!(opened, Ok(true)), "no open event; got:\n{lines:?}");

    send_sigint(pid).await;
    let mut rest = String::new();
    let finish = async {
        let _ = stdout.read_to_string(&mut rest).await;
        child.wait().await.expect("wait")
    };
    let status = tokio::time::timeout(RUN_BOUND, finish).await.expect("exit after SIGINT");
    assert_eq!(status.code(), Some(130), "stdout after open:\n{rest}");
    let last: serde_json::Value =
        serde_json::from_str(rest.lines().last().unwrap_or_default()).expect("last line is JSON");
    assert_eq!(last["type"], "summary", "{rest}");
    assert_eq!(last["exit"], 130, "{rest}");
    assert_eq!(server.client_close().await.map(|c| c.0), Some(1001));
}

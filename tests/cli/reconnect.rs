//! `connect --reconnect`: which failures are retried, exponential backoff with full jitter
//! (and Retry-After), the same request and preamble on every attempt, --max-retries, and the
//! backoff reset after a healthy connection.

use std::time::Duration;

use serde_json::Value;

use crate::support::probe::{event, events, Plan};
use crate::support::{closed_port_url, connect, http_response, json_lines, Script};

const FAST: [&str; 5] = ["--reconnect", "--backoff-base", "50ms", "--backoff-max", "100ms"];

/// (attempt, delay_ms, message) of each `reconnecting` event.
fn reconnects(all: &[Value]) -> Vec<(u64, f64, String)> {
    events(all, "reconnecting")
        .iter()
        .map(|e| {
            let reason = e["message"].as_str().expect("message").to_owned();
            (e["attempt"].as_u64().expect("attempt"), e["delay_ms"].as_f64().expect("delay_ms"), reason)
        })
        .collect()
}

/// The text of every incoming message event.
fn received_texts(all: &[Value]) -> Vec<&str> {
    events(all, "message")
        .iter()
        .filter(|m| m["dir"] == "in")
        .filter_map(|m| m["data"]["text"].as_str())
        .collect()
}

/// Every reconnect reaches the one built-in server the run started (the same port), and the
/// run leaves no listening socket behind it.
#[tokio::test]
async fn reconnects_reach_the_same_builtin_server() {
    let out = connect("builtin:echo?close-after=150ms&close-code=1012")
        .args(FAST)
        .args(["--max-retries", "5", "-x", "hello", "--json"])
        .run()
        .await;
    out.expect_code(1);
    let all = json_lines(&out);
    let addrs: Vec<&str> = events(&all, "tcp_connected").iter().filter_map(|e| e["addr"].as_str()).collect();
    assert_eq!(addrs.len(), 6, "six connections\n{out}");
    assert!(addrs.iter().all(|a| *a == addrs[0]), "every attempt reaches one server: {addrs:?}");
    assert_eq!(received_texts(&all), ["hello"; 6], "{out}");
}

#[tokio::test]
async fn service_restart_closes_are_retried_with_growing_backoff_until_max_retries() {
    let out = connect("builtin:echo?close-after=300ms&close-code=1012")
        .args(["--reconnect", "--backoff-base", "100ms", "--backoff-max", "400ms", "--max-retries", "3"])
        .args(["-x", "hello", "--json"])
        .run()
        .await;
    out.expect_code(1);
    let all = json_lines(&out);
    let tries = reconnects(&all);
    let attempts: Vec<u64> = tries.iter().map(|t| t.0).collect();
    assert_eq!(attempts, [1, 2, 3], "{all:#?}");
    for ((_, delay, reason), window) in tries.iter().zip([100.0, 200.0, 400.0]) {
        assert!((0.0..=window).contains(delay), "delay {delay} ms outside 0..{window} ms\n{out}");
        assert!(reason.contains("1012"), "{reason}");
    }
    for e in events(&all, "reconnecting") {
        assert_eq!(e["reason"], "closed", "a close with 1012 is a reason of its own\n{e}");
    }
    assert_eq!(received_texts(&all), ["hello"; 4], "the preamble is sent again on every connection\n{out}");
    assert_eq!(events(&all, "open").len(), 4, "{out}");
    let error = event(&all, "error");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("1012")), "{error}");
    assert_eq!(event(&all, "summary")["exit"], 1);
    // Four connections of 300 ms each, plus at most 700 ms of backoff.
    assert!(out.elapsed >= Duration::from_millis(1200) && out.elapsed < Duration::from_secs(6), "\n{out}");
}

#[tokio::test]
async fn human_reconnect_lines_and_the_preamble_on_each_connection() {
    let out = connect("builtin:echo?close-after=300ms&close-code=1012")
        .args(["--reconnect", "--backoff-base", "100ms", "--backoff-max", "400ms", "--max-retries", "3"])
        .args(["-x", "hello"])
        .run()
        .await;
    out.expect_code(1).expect_stdout("hello\nhello\nhello\nhello\n");
    let lines = out.stderr_lines_starting("* Reconnecting in ");
    assert_eq!(lines.len(), 3, "\n{out}");
    for (n, line) in lines.iter().enumerate() {
        let (secs, rest) = line["* Reconnecting in ".len()..].split_once(" s (attempt ").expect("format");
        let secs: f64 = secs.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(secs <= 0.1 * 2f64.powi(n as i32), "{line}");
        assert!(rest.starts_with(&format!("{}): server closed the connection with 1012", n + 1)), "{line}");
    }
    out.expect_stderr_contains("error: server closed the connection with 1012");
}

#[tokio::test]
async fn every_attempt_sends_the_same_headers_and_subprotocols() {
    let server = Script::new().subprotocols(&["chat"]).close(1012, "restarting").start().await;
    let out = connect(&server.url())
        .args(FAST)
        .args(["--max-retries", "2", "-H", "X-Token: t", "-s", "chat", "--json"])
        .run()
        .await;
    out.expect_code(1);
    assert_eq!(events(&json_lines(&out), "reconnecting").len(), 2, "\n{out}");
    let seen = server.seen();
    assert_eq!(seen.requests.len(), 3, "a first attempt and two retries: {seen:#?}");
    for request in &seen.requests {
        assert_eq!(request.header("x-token"), Some("t"), "{request:#?}");
        assert_eq!(request.header("sec-websocket-protocol"), Some("chat"), "{request:#?}");
    }
    let mut keys: Vec<&str> = seen.requests.iter().filter_map(|r| r.header("sec-websocket-key")).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 3, "a fresh Sec-WebSocket-Key per connection: {seen:#?}");
}

#[tokio::test]
async fn try_again_later_is_retried_but_normal_and_policy_closes_are_not() {
    let out = connect("builtin:echo?close-after=200ms&close-code=1013")
        .args(FAST)
        .args(["--max-retries", "1", "--json"])
        .run()
        .await;
    out.expect_code(1);
    let tries = reconnects(&json_lines(&out));
    assert_eq!(tries.len(), 1, "\n{out}");
    assert!(tries[0].2.contains("1013"), "{tries:?}");

    for (code, exit) in [(1000, 0), (1008, 1), (4000, 1)] {
        let url = format!("builtin:echo?close-after=200ms&close-code={code}");
        let out = connect(&url).args(FAST).args(["--max-retries", "3", "--json"]).run().await;
        out.expect_code(exit);
        let all = json_lines(&out);
        assert!(events(&all, "reconnecting").is_empty(), "close {code} is final\n{out}");
        assert_eq!(events(&all, "open").len(), 1, "\n{out}");
        assert!(out.elapsed < Duration::from_secs(2), "at once after the close\n{out}");
    }
}

#[tokio::test]
async fn retry_after_sets_the_delay_and_the_next_attempt_succeeds() {
    let busy = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\
                Connection: close\r\n\r\n";
    let server = Plan::new().reject_first(1, busy).start().await;
    let out = connect(&server.url())
        .args(FAST)
        .args(["--max-retries", "3", "-x", "hi", "-n", "1", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let tries = reconnects(&all);
    assert_eq!(tries.len(), 1, "\n{out}");
    assert_eq!((tries[0].0, tries[0].1), (1, 1000.0), "Retry-After: 1 is a 1 s delay\n{out}");
    assert!(tries[0].2.contains("503"), "{tries:?}");
    assert_eq!(received_texts(&all), ["hi"], "\n{out}");
    assert_eq!(server.requests().len(), 2);
    assert!(out.elapsed >= Duration::from_secs(1), "\n{out}");
}

#[tokio::test]
async fn a_503_without_retry_after_waits_within_the_backoff_window() {
    let server = Plan::new()
        .reject_first(2, &String::from_utf8(http_response("503 Busy", "later")).unwrap())
        .start()
        .await;
    let out = connect(&server.url())
        .args(FAST)
        .args(["--max-retries", "3", "-x", "hi", "-n", "1", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let tries = reconnects(&all);
    assert_eq!(tries.iter().map(|t| t.0).collect::<Vec<_>>(), [1, 2], "\n{out}");
    assert!(tries[0].1 <= 50.0 && tries[1].1 <= 100.0, "{tries:?}");
    assert_eq!(received_texts(&all), ["hi"]);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_forbidden_handshake_is_not_retried() {
    let server = Plan::new()
        .reject_first(usize::MAX, &String::from_utf8(http_response("403 Forbidden", "no")).unwrap())
        .start()
        .await;
    let out = connect(&server.url()).args(FAST).args(["--max-retries", "3"]).run().await;
    out.expect_code(5).expect_stderr_contains("error: handshake rejected: HTTP 403 Forbidden");
    assert!(out.stderr_lines_starting("* Reconnecting").is_empty(), "\n{out}");
    assert_eq!(server.requests().len(), 1, "one request only");
    assert!(out.elapsed < Duration::from_secs(2), "\n{out}");
}

#[tokio::test]
async fn a_refused_port_is_retried_up_to_max_retries_then_exits_3() {
    let out = connect(&closed_port_url()).args(FAST).args(["--max-retries", "2", "--json"]).run().await;
    out.expect_code(3);
    let all = json_lines(&out);
    let tries = reconnects(&all);
    assert_eq!(tries.iter().map(|t| t.0).collect::<Vec<_>>(), [1, 2], "\n{out}");
    assert!(tries.iter().all(|t| t.2.contains("could not connect")), "{tries:?}");
    assert_eq!(event(&all, "error")["exit"], 3);

    // Without --reconnect the same failure ends the run at once.
    let out = connect(&closed_port_url()).run().await;
    out.expect_code(3);
    assert!(out.stderr_lines_starting("* Reconnecting").is_empty(), "\n{out}");
}

#[tokio::test]
async fn the_backoff_resets_after_a_healthy_connection() {
    // With --heartbeat, a connection that outlived one heartbeat period was healthy: each
    // retry starts again at attempt 1 and the base window, and --max-retries is never reached.
    let out = connect("builtin:echo?close-after=300ms&close-code=1012")
        .args(["--reconnect", "--backoff-base", "100ms", "--backoff-max", "400ms", "--max-retries", "1"])
        .args(["--heartbeat", "100ms", "--timeout", "1500ms", "--json"])
        .run()
        .await;
    out.expect_code(7);
    let tries = reconnects(&json_lines(&out));
    assert!(tries.len() >= 3, "more retries than --max-retries 1\n{out}");
    assert!(tries.iter().all(|t| t.0 == 1 && t.1 <= 100.0), "{tries:?}");
    out.expect_stdout_contains("timed out after 1s 500ms");
}

#[tokio::test]
async fn connections_declared_dead_by_heartbeats_do_not_count_as_healthy() {
    // Each connection lasts several heartbeat periods, but none of them was ever answered:
    // the backoff must grow and --max-retries must end the run.
    let out = connect("builtin:echo?no-pong")
        .args([
            "--heartbeat",
            "100ms",
            "--reconnect",
            "--backoff-base",
            "50ms",
            "--max-retries",
            "2",
            "--json",
        ])
        .run()
        .await;
    out.expect_code(7);
    let all = json_lines(&out);
    let attempts: Vec<u64> = reconnects(&all).iter().map(|t| t.0).collect();
    assert_eq!(attempts, [1, 2], "{out}");
    assert!(event(&all, "error")["message"].as_str().is_some_and(|m| m.contains("heartbeats")), "{out}");
}

//! `connect --heartbeat`: pings (or an application message) that keep a connection alive and
//! declare it dead (exit 7) after --heartbeat-misses unanswered beats; TCP keepalive options.

use std::time::Duration;

use crate::support::probe::{event, events, Plan};
use crate::support::{connect, json_lines, WsServer};

/// The `no answer for …` duration of a dead-heartbeat error message.
#[track_caller]
fn silent_for(stderr: &str) -> Duration {
    let text = stderr
        .split("(no answer for ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no `no answer for` in:\n{stderr}"));
    humantime::parse_duration(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The `warning: heartbeat unanswered (…)` lines.
fn missed_warnings(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("warning: heartbeat unanswered (")).collect()
}

/// The `misses` of each `heartbeat_missed` event, checking that each carries `limit`: one per
/// unanswered beat below the limit (the one that reaches it may be reported by the error alone).
#[track_caller]
fn missed_events(all: &[serde_json::Value], limit: u64) -> Vec<u64> {
    let missed = events(all, "heartbeat_missed");
    assert!(missed.iter().all(|e| e["limit"].as_u64() == Some(limit)), "{missed:#?}");
    let misses: Vec<u64> = missed.iter().filter_map(|e| e["misses"].as_u64()).collect();
    let below: Vec<u64> = (1..limit).collect();
    assert!(misses == below || misses == (1..=limit).collect::<Vec<_>>(), "misses {misses:?}, limit {limit}");
    misses
}

#[tokio::test]
async fn answered_heartbeats_keep_the_connection_alive() {
    let out = connect("builtin:echo").args(["--heartbeat", "100ms", "-w", "600ms", "--json"]).run().await;
    out.expect_code(0);
    let all = json_lines(&out);
    assert!(events(&all, "heartbeat_missed").is_empty(), "{all:#?}");
    // About five beats in 600 ms, each a ping the server answered.
    let beats = events(&all, "ping").into_iter().filter(|p| p["dir"] == "out").count();
    let pongs = events(&all, "pong").into_iter().filter(|p| p["dir"] == "in").count();
    assert!((3..=7).contains(&beats), "{beats} heartbeats in 600 ms at 100 ms\n{out}");
    assert!(pongs + 1 >= beats, "every beat but maybe the last answered\n{out}");

    let out = connect("builtin:echo").args(["--heartbeat", "100ms", "-w", "600ms"]).run().await;
    out.expect_code(0);
    assert!(!out.stderr.contains("heartbeat"), "no heartbeat warning\n{out}");
}

#[tokio::test]
async fn unanswered_heartbeats_end_the_run_with_exit_7() {
    let out = connect("builtin:echo?no-pong").args(["--heartbeat", "100ms"]).run().await;
    out.expect_code(7)
        .expect_stderr_contains("error: the connection is dead: 2 heartbeats in a row went unanswered");
    let warnings = missed_warnings(&out.stderr);
    assert!(matches!(warnings.len(), 1..=2), "a warning per miss\n{out}");
    assert!(
        warnings[0].starts_with("warning: heartbeat unanswered (1 ") && warnings[0].contains('2'),
        "\n{out}"
    );
    let error_at = out.stderr.find("error: ").expect("error line");
    assert!(
        out.stderr.find("warning: heartbeat").is_some_and(|w| w < error_at),
        "warnings come first\n{out}"
    );
    // Three beats of 90–110 ms, the first sent and two missed; not the 20 s run bound.
    assert!(out.elapsed < Duration::from_secs(3), "\n{out}");
    let silent = silent_for(&out.stderr);
    assert!(silent >= Duration::from_millis(265) && silent < Duration::from_secs(2), "{silent:?}\n{out}");
}

#[tokio::test]
async fn dead_heartbeats_in_json() {
    let out = connect("builtin:echo?no-pong").args(["--heartbeat", "100ms", "--json"]).run().await;
    out.expect_code(7);
    let all = json_lines(&out);
    assert_eq!(missed_events(&all, 2)[0], 1, "{all:#?}");
    let error = event(&all, "error");
    assert_eq!(error["exit"], 7, "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("heartbeats in a row went unanswered")));
    assert!(error["hint"].as_str().is_some_and(|h| h.contains("--reconnect")), "{error}");
    assert_eq!(event(&all, "summary")["exit"], 7);
}

#[tokio::test]
async fn more_allowed_misses_take_longer_to_declare_death() {
    let out = connect("builtin:echo?no-pong")
        .args(["--heartbeat", "100ms", "--heartbeat-misses", "3", "--json"])
        .run()
        .await;
    out.expect_code(7);
    let all = json_lines(&out);
    assert_eq!(missed_events(&all, 3)[..2], [1, 2], "{all:#?}");
    let message = event(&all, "error")["message"].as_str().expect("message").to_owned();
    assert!(message.contains("3 heartbeats in a row"), "{message}");
    // Four beats of 90–110 ms (two allowed misses: three beats, at most 330 ms).
    let silent = silent_for(&message);
    assert!(silent >= Duration::from_millis(355), "{silent:?}: {message}");
}

#[tokio::test]
async fn a_message_heartbeat_is_answered_only_by_a_matching_reply() {
    let server = Plan::new().reply("ping", "pong").start().await;
    let beat = ["--heartbeat", "100ms", "--heartbeat-message", "ping", "--heartbeat-expect", "^pong$"];
    let out = connect(&server.url()).args(beat).args(["-w", "700ms"]).run().await;
    out.expect_code(0);
    assert!(!out.stderr.contains("heartbeat unanswered"), "\n{out}");
    let replies = out.stdout_lines();
    assert!(replies.len() >= 3 && replies.iter().all(|l| l == "pong"), "the server's answers\n{out}");
    assert!(server.requests().len() == 1, "one connection");

    // builtin:echo answers "ping" with "ping", which does not match ^pong$.
    let out = connect("builtin:echo").args(beat).run().await;
    out.expect_code(7).expect_stderr_contains("heartbeats in a row went unanswered");
    assert!(!missed_warnings(&out.stderr).is_empty(), "\n{out}");
    assert!(out.stdout_lines().iter().all(|l| l == "ping"), "\n{out}");
    assert!(out.elapsed < Duration::from_secs(3), "\n{out}");
}

#[tokio::test]
async fn a_message_heartbeat_without_expect_is_answered_by_any_message() {
    let out = connect("builtin:echo")
        .args(["--heartbeat", "100ms", "--heartbeat-message", "beat", "-w", "500ms"])
        .run()
        .await;
    out.expect_code(0);
    assert!(!out.stderr.contains("heartbeat unanswered"), "\n{out}");
    assert!(out.stdout_lines().len() >= 2, "the echoed beats\n{out}");
}

#[tokio::test]
async fn tcp_keepalive_options_are_accepted_and_the_connection_works() {
    let server = WsServer::echo().await;
    let out = connect(&server.url())
        .args(["--tcp-keepalive", "1s", "--tcp-user-timeout", "2s", "-x", "hi", "-n", "1"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("hi\n");

    let out = connect("builtin:echo")
        .args(["--tcp-keepalive", "1s", "--tcp-user-timeout", "2s", "--heartbeat", "100ms", "-w", "300ms"])
        .run()
        .await;
    out.expect_code(0);
}

#[tokio::test]
async fn bad_keepalive_and_heartbeat_values_are_usage_errors() {
    for (args, message) in [
        (&["--tcp-keepalive", "0s"][..], "--tcp-keepalive must be greater than zero"),
        (&["--tcp-user-timeout", "0s"], "--tcp-user-timeout must be greater than zero"),
        (&["--heartbeat", "0s"], "--heartbeat must be greater than zero"),
        (&["--heartbeat", "1s", "--heartbeat-misses", "0"], "--heartbeat-misses must be at least 1"),
        (&["--heartbeat", "1s", "--heartbeat-message", "p", "--heartbeat-expect", "("], "not a valid regex"),
        (&["--tcp-keepalive", "soon"], "soon"),
        (&["--heartbeat-message", "p"], "--heartbeat"),
    ] {
        let out = connect("builtin:echo").args(args).args(["-w", "5s"]).run().await;
        out.expect_code(2).expect_stderr_contains(message);
        assert!(out.elapsed < Duration::from_secs(3), "a usage error does not connect\n{out}");
    }
}

#[tokio::test]
async fn heartbeat_pings_do_not_count_towards_ping_count() {
    let out = connect("builtin:echo")
        .args(["--heartbeat", "30ms", "--ping-count", "3", "--ping-interval", "300ms", "--json"])
        .run()
        .await;
    out.expect_code(0);
    // Three pings 300 ms apart take at least 600 ms, whatever the heartbeats do.
    assert!(out.elapsed >= Duration::from_millis(600), "the run ended before its third ping\n{out}");
}

#[tokio::test]
async fn messages_still_arriving_are_not_called_silence() {
    // The server pushes a message every 50 ms but never answers a ping.
    let out = connect("builtin:echo?no-pong&push-every=50ms").args(["--heartbeat", "100ms"]).run().await;
    out.expect_code(7).expect_stderr_contains(
        "error: the connection is dead: 2 heartbeats in a row went unanswered (no answer for ",
    );
    assert!(out.stdout_lines().len() >= 3, "messages kept arriving\n{out}");
    assert!(!out.stderr.contains("silent"), "{out}");
}

#[tokio::test]
async fn the_hint_suggests_reconnect_only_when_it_was_not_given() {
    let out = connect("builtin:echo?no-pong").args(["--heartbeat", "100ms"]).run().await;
    out.expect_code(7).expect_stderr_contains(
        "  hint: the path or the server stopped answering; --reconnect re-establishes the connection",
    );

    let out = connect("builtin:echo?no-pong")
        .args(["--heartbeat", "100ms", "--reconnect", "--backoff-base", "50ms", "--max-retries", "1"])
        .run()
        .await;
    out.expect_code(7).expect_stderr_contains("* Reconnecting in ");
    let hints = out.stderr_lines_starting("  hint: ");
    assert_eq!(
        hints,
        ["  hint: the path or the server stopped answering, also after 1 reconnect; raise --max-retries, or check the server and the network path"],
        "{out}"
    );
}

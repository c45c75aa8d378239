//! `connect` CI assertions: --expect (ordered regexes), --expect-json, --expect-timeout,
//! --expect-close, --max-rtt and --max-loss; each passing (exit 0) and failing (exit 1, with
//! what was expected and what arrived instead).

use std::time::Duration;

use crate::support::probe::{event, Plan, Pongs};
use crate::support::{connect, json_lines, Script, WsServer};

/// A server that greets every client with these text messages and stays open.
async fn greeter(messages: &[&str]) -> WsServer {
    messages.iter().fold(Script::new(), |s, m| s.send_text(m)).start().await
}

#[tokio::test]
async fn expectations_met_in_order_end_the_run_at_once() {
    let server = greeter(&["hello", "noise", "world"]).await;
    let out = connect(&server.url()).args(["--expect", "^hel", "--expect", "orld$"]).run().await;
    out.expect_code(0).expect_stdout("hello\nnoise\nworld\n");
    assert!(out.elapsed < Duration::from_secs(5), "no need to wait for --expect-timeout\n{out}");
}

#[tokio::test]
async fn expectations_out_of_order_fail_with_what_arrived() {
    let server = greeter(&["hello", "noise", "world"]).await;
    let out = connect(&server.url())
        .args(["--expect", "world", "--expect", "hello", "--expect-timeout", "500ms"])
        .run()
        .await;
    out.expect_code(1)
        .expect_stderr_contains(
            "error: 500ms passed before a message matching /hello/ arrived (expectation 2 of 2)",
        )
        .expect_stderr_contains("  received: hello\n  received: noise\n  received: world\n");
}

#[tokio::test]
async fn an_expectation_never_met_fails_after_the_expect_timeout() {
    let server = greeter(&["status: starting"]).await;
    let out =
        connect(&server.url()).args(["--expect", "status: ready", "--expect-timeout", "300ms"]).run().await;
    out.expect_code(1)
        .expect_stderr_contains("error: 300ms passed before a message matching /status: ready/ arrived")
        .expect_stderr_contains("  received: status: starting");
    assert!(out.elapsed >= Duration::from_millis(300), "\n{out}");
    assert!(out.elapsed < Duration::from_secs(3), "about the timeout, not the 10 s default\n{out}");
}

#[tokio::test]
async fn an_expectation_pending_when_the_server_closes_fails_at_once() {
    let server = Script::new().send_text("bye").close(1000, "").start().await;
    let out = connect(&server.url()).args(["--expect", "never"]).run().await;
    out.expect_code(1)
        .expect_stderr_contains("before a message matching /never/ arrived (expectation 1 of 1)")
        .expect_stderr_contains("  received: bye");
    assert!(out.elapsed < Duration::from_secs(5), "\n{out}");
}

#[tokio::test]
async fn the_error_shows_only_the_last_five_messages() {
    let server = greeter(&["m1", "m2", "m3", "m4", "m5", "m6", "m7"]).await;
    let out =
        connect(&server.url()).args(["--expect", "^zzz$", "--expect-timeout", "300ms", "--json"]).run().await;
    out.expect_code(1);
    let all = json_lines(&out);
    let error = event(&all, "error");
    assert_eq!(error["exit"], 1, "{error}");
    assert!(error["message"].as_str().is_some_and(|m| m.contains("/^zzz$/")), "{error}");
    assert_eq!(error["recent"], serde_json::json!(["m3", "m4", "m5", "m6", "m7"]), "{error}");
    assert_eq!(event(&all, "summary")["exit"], 1);
}

const DOC: &str = r#"{"status":"ok","data":[{"id":42,"name":"x"}]}"#;

#[tokio::test]
async fn expect_json_dotted_and_pointer_paths_pass() {
    let server = greeter(&["not json", DOC]).await;
    for spec in ["data.0.id=42", "/data/0/id=42", "status=ok", "status=\"ok\"", "data.0.name=x"] {
        let out = connect(&server.url()).args(["--expect-json", spec, "--expect-timeout", "2s"]).run().await;
        out.expect_code(0);
    }
    // Repeated conditions are met in order, by successive messages.
    let server = greeter(&[r#"{"step":1}"#, "noise", r#"{"step":2}"#]).await;
    let out = connect(&server.url())
        .args(["--expect-json", "step=1", "--expect-json", "/step=2", "--expect-timeout", "2s"])
        .run()
        .await;
    out.expect_code(0);
    let out = connect(&server.url())
        .args(["--expect-json", "step=2", "--expect-json", "step=1", "--expect-timeout", "300ms"])
        .run()
        .await;
    out.expect_code(1).expect_stderr_contains("a JSON message with step=1 arrived (expectation 2 of 2)");
}

#[tokio::test]
async fn expect_json_fails_on_a_different_value_type_or_path() {
    let server = greeter(&[DOC]).await;
    for spec in ["data.0.id=43", "/data/0/id=\"42\"", "data.1.id=42", "/status=\"fine\""] {
        let out =
            connect(&server.url()).args(["--expect-json", spec, "--expect-timeout", "300ms"]).run().await;
        out.expect_code(1)
            .expect_stderr_contains(&format!("before a JSON message with {spec} arrived"))
            .expect_stderr_contains(&format!("  received: {DOC}"));
    }
    let out = connect(&server.url()).args(["--expect-json", "no-equals-sign"]).run().await;
    out.expect_code(2).expect_stderr_contains("has no '='");
}

#[tokio::test]
async fn expect_close_passes_on_the_expected_code_only() {
    let server = Script::new().close(4000, "done").start().await;
    connect(&server.url()).args(["--expect-close", "4000"]).run().await.expect_code(0);

    let server = Script::new().close(1000, "").start().await;
    let out = connect(&server.url()).args(["--expect-close", "4000"]).run().await;
    out.expect_code(1).expect_stderr_contains("expected the server to close with 4000, it closed with 1000");

    let server = greeter(&[]).await;
    let out = connect(&server.url()).args(["--expect-close", "4000", "-w", "300ms"]).run().await;
    out.expect_code(1).expect_stderr_contains("expected the server to close with 4000; --wait expired first");
}

#[tokio::test]
async fn max_rtt_checks_the_p99_round_trip_time() {
    let pings = ["--ping-count", "3", "--ping-interval", "50ms"];
    connect("builtin:echo").args(pings).args(["--max-rtt", "1s"]).run().await.expect_code(0);

    let out = connect("builtin:echo").args(pings).args(["--max-rtt", "1us"]).run().await;
    out.expect_code(1)
        .expect_stderr_contains("error: ping p99 round-trip time ")
        .expect_stderr_contains(" is above --max-rtt 0.001 ms");
    // The statistics are still printed, before the error.
    out.expect_stderr_contains("--- 3 pings sent, 3 pongs received, 0.0% loss");

    let out = connect("builtin:echo").args(["-x", "a", "-n", "1", "--max-rtt", "1s"]).run().await;
    out.expect_code(1).expect_stderr_contains("--max-rtt: no round trip was measured");
}

#[tokio::test]
async fn max_rtt_applies_to_echo_round_trips() {
    let slow = "builtin:echo?delay=200ms";
    let echo = ["--echo-rtt", "-x", "a", "-x", "b", "-n", "2"];
    connect(slow).args(echo).args(["--max-rtt", "2s"]).run().await.expect_code(0);
    let out = connect(slow).args(echo).args(["--max-rtt", "100ms"]).run().await;
    out.expect_code(1).expect_stderr_contains("error: echo p99 round-trip time ");
}

#[tokio::test]
async fn max_loss_fails_only_when_more_pings_are_lost() {
    let pings = ["--ping-count", "3", "--ping-interval", "50ms", "--ping-timeout", "100ms"];
    connect("builtin:echo").args(pings).args(["--max-loss", "50"]).run().await.expect_code(0);

    let out = connect("builtin:echo?no-pong").args(pings).args(["--max-loss", "50"]).run().await;
    out.expect_code(1).expect_stderr_contains("error: ping loss 100.0% is above --max-loss 50%");

    let out = connect("builtin:echo?no-pong").args(pings).args(["--max-loss", "50", "--json"]).run().await;
    out.expect_code(1);
    let all = json_lines(&out);
    assert_eq!(event(&all, "error")["exit"], 1);
    assert_eq!(event(&all, "summary")["pings"]["loss_pct"].as_f64(), Some(100.0));

    // Two pongs in three: 33.3 % lost, within 50 %, above 30 %.
    let server = Plan::new().pongs(Pongs::OnlyFirst(2)).start().await;
    connect(&server.url()).args(pings).args(["--max-loss", "50"]).run().await.expect_code(0);
    let out = connect(&server.url()).args(pings).args(["--max-loss", "30"]).run().await;
    out.expect_code(1).expect_stderr_contains("error: ping loss 33.3% is above --max-loss 30%");
    for bad in ["150", "100.5"] {
        let out = connect("builtin:echo").args(["--ping-count", "1", "--max-loss", bad]).run().await;
        out.expect_code(2).expect_stderr_contains("--max-loss is a percentage from 0 to 100");
    }
}

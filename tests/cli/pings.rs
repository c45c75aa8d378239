//! `connect --ping-interval/--ping-count/--ping-timeout/--echo-rtt`: pongs matched to pings by
//! sequence number, timeouts, late and unmatched pongs, ping(8)-style statistics, and the
//! statistics printed on SIGQUIT while the run goes on.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::support::probe::{event, events, Plan, Pongs};
use crate::support::run::RUN_BOUND;
use crate::support::{connect, json_lines};

/// The sequence numbers of the `* pong seq=N rtt=X ms` lines, in order.
fn pong_seqs(stderr: &str) -> Vec<u64> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("* pong seq=")?.split_once(" rtt=")?.0.parse().ok())
        .collect()
}

#[tokio::test]
async fn five_pings_print_five_pongs_and_loss_free_statistics() {
    let out = connect("builtin:echo").args(["--ping-count", "5", "--ping-interval", "50ms"]).run().await;
    out.expect_code(0);
    assert_eq!(pong_seqs(&out.stderr), [1, 2, 3, 4, 5], "\n{out}");
    for line in out.stderr_lines_starting("* pong seq=") {
        assert!(line.ends_with(" ms"), "an RTT in milliseconds: {line:?}\n{out}");
    }
    out.expect_stderr_contains(
        "--- 5 pings sent, 5 pongs received, 0.0% loss, 0 timed out, 0 late, 0 unmatched\n",
    );
    let rtt = out.stderr_lines_starting("ping rtt min/avg/max/stddev = ");
    assert_eq!(rtt.len(), 1, "one RTT distribution line\n{out}");
    assert!(rtt[0].contains(" ms, p50/p90/p99 = ") && rtt[0].ends_with(" ms"), "{}", rtt[0]);
    // Five pings 50 ms apart, the first at once: about 200 ms, not five seconds.
    assert!(out.elapsed < Duration::from_secs(4), "\n{out}");
}

#[tokio::test]
async fn json_pings_give_rtt_events_and_a_summary_with_percentiles() {
    let out =
        connect("builtin:echo").args(["--ping-count", "5", "--ping-interval", "50ms", "--json"]).run().await;
    out.expect_code(0);
    let all = json_lines(&out);
    let rtts = events(&all, "rtt");
    let seqs: Vec<u64> = rtts.iter().map(|e| e["seq"].as_u64().expect("seq")).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5], "{all:#?}");
    assert!(rtts.iter().all(|e| e["kind"] == "ping" && e["rtt_ms"].as_f64().is_some_and(|v| v > 0.0)));
    let pongs = events(&all, "pong");
    assert_eq!(pongs.len(), 5, "{all:#?}");
    assert!(pongs.iter().all(|p| p["late"] == false && p["rtt_ms"].is_number()), "{pongs:#?}");
    let p = &event(&all, "summary")["pings"];
    assert_eq!((p["sent"].as_u64(), p["received"].as_u64()), (Some(5), Some(5)), "{p}");
    assert_eq!(
        (p["timeouts"].as_u64(), p["late"].as_u64(), p["unmatched"].as_u64()),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(p["loss_pct"].as_f64(), Some(0.0), "{p}");
    let ms = |k: &str| p[k].as_f64().unwrap_or_else(|| panic!("{k} is not a number: {p}"));
    assert!(
        ms("min_ms") <= ms("p50_ms") && ms("p50_ms") <= ms("p90_ms") && ms("p90_ms") <= ms("p99_ms"),
        "{p}"
    );
    assert!(
        ms("p99_ms") <= ms("max_ms") * 1.01 && ms("avg_ms") <= ms("max_ms") && ms("stddev_ms") >= 0.0,
        "{p}"
    );
    assert!(event(&all, "summary")["echo"].is_null(), "no --echo-rtt, no echo statistics");
}

#[tokio::test]
async fn unanswered_pings_time_out_as_total_loss_without_failing() {
    let out = connect("builtin:echo?no-pong")
        .args(["--ping-count", "3", "--ping-interval", "50ms", "--ping-timeout", "200ms", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let timeouts = events(&all, "ping_timeout");
    let seqs: Vec<u64> = timeouts.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(seqs, [1, 2, 3], "{all:#?}");
    assert!(timeouts.iter().all(|e| e["after_ms"].as_f64() == Some(200.0)), "{timeouts:#?}");
    assert!(events(&all, "rtt").is_empty(), "no pong, no RTT");
    let p = &event(&all, "summary")["pings"];
    assert_eq!(
        (p["sent"].as_u64(), p["received"].as_u64(), p["timeouts"].as_u64()),
        (Some(3), Some(0), Some(3))
    );
    assert_eq!(p["loss_pct"].as_f64(), Some(100.0), "{p}");
    assert!(p["p50_ms"].is_null() && p["min_ms"].is_null(), "no sample, no distribution: {p}");
}

#[tokio::test]
async fn human_timeouts_and_loss_line() {
    let out = connect("builtin:echo?no-pong")
        .args(["--ping-count", "2", "--ping-interval", "50ms", "--ping-timeout", "200ms"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stderr_contains("* ping seq=1 timed out after 200ms")
        .expect_stderr_contains("* ping seq=2 timed out after 200ms")
        .expect_stderr_contains(
            "--- 2 pings sent, 0 pongs received, 100.0% loss, 2 timed out, 0 late, 0 unmatched",
        );
    assert!(out.stderr_lines_starting("ping rtt").is_empty(), "no RTT line without a sample\n{out}");
}

#[tokio::test]
async fn pongs_after_the_timeout_count_as_late_not_received() {
    let server = Plan::new().pongs(Pongs::Late(Duration::from_millis(400))).start().await;
    let out = connect(&server.url())
        .args(["--ping-interval", "100ms", "--ping-timeout", "150ms", "-w", "1200ms", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let late: Vec<&Value> = events(&all, "pong").into_iter().filter(|p| p["late"] == true).collect();
    assert!(late.len() >= 3, "pongs 400 ms after each ping should come back late\n{out}");
    assert!(late.iter().all(|p| p["rtt_ms"].is_null() && p["seq"].is_u64()), "{late:#?}");
    assert!(events(&all, "rtt").is_empty(), "a late pong gives no RTT\n{out}");
    let p = &event(&all, "summary")["pings"];
    assert_eq!(p["received"].as_u64(), Some(0), "{p}");
    assert_eq!(p["late"].as_u64(), Some(late.len() as u64), "{p}");
    assert_eq!(p["unmatched"].as_u64(), Some(0), "{p}");
    assert_eq!(p["timeouts"], p["sent"], "every ping timed out: {p}");
}

#[tokio::test]
async fn late_pongs_are_shown_and_a_longer_timeout_counts_them_received() {
    // Pong 1 comes back 250 ms after ping 1, while pings 3 and 4 still wait for theirs.
    let server = Plan::new().pongs(Pongs::Late(Duration::from_millis(250))).start().await;
    let out = connect(&server.url())
        .args(["--ping-count", "4", "--ping-interval", "100ms", "--ping-timeout", "150ms"])
        .run()
        .await;
    out.expect_code(0).expect_stderr_contains("* ping seq=1 timed out after 150ms\n");
    out.expect_stderr_contains("* Late pong seq=1\n");
    assert!(pong_seqs(&out.stderr).is_empty(), "\n{out}");
    assert!(out.stderr.contains(", 0 pongs received, 100.0% loss, 4 timed out, "), "\n{out}");

    let server = Plan::new().pongs(Pongs::Late(Duration::from_millis(400))).start().await;
    let out = connect(&server.url())
        .args(["--ping-count", "3", "--ping-interval", "100ms", "--ping-timeout", "2s", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let p = &event(&all, "summary")["pings"];
    assert_eq!((p["received"].as_u64(), p["late"].as_u64()), (Some(3), Some(0)), "{p}");
    assert!(p["min_ms"].as_f64().is_some_and(|v| v >= 400.0), "the server waited 400 ms: {p}");
}

#[tokio::test]
async fn pongs_with_a_foreign_payload_count_as_unmatched() {
    let server = Plan::new().pongs(Pongs::Wrong).start().await;
    let out = connect(&server.url())
        .args(["--ping-count", "3", "--ping-interval", "50ms", "--ping-timeout", "200ms", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let pongs = events(&all, "pong");
    assert_eq!(pongs.len(), 3, "{all:#?}");
    assert!(pongs.iter().all(|p| p["seq"].is_null() && p["late"] == false && p["rtt_ms"].is_null()));
    // Each says what was due instead: the payloads of the pings waiting, its own ping's last
    // (earlier ones may not have timed out yet) (RFC 6455 §5.5.3).
    for (i, pong) in pongs.iter().enumerate() {
        assert_eq!(pong["data"]["text"], "not the ping's payload", "{pong}");
        let due = pong["expected"].as_array().and_then(|e| e.last()).map(|p| p["text"].clone());
        assert_eq!(due, Some(format!("wsdiag-ping {}", i + 1).into()), "{pong}");
    }
    let p = &event(&all, "summary")["pings"];
    assert_eq!(
        (p["unmatched"].as_u64(), p["received"].as_u64(), p["timeouts"].as_u64()),
        (Some(3), Some(0), Some(3))
    );

    let out = connect(&server.url()).args(["--ping-count", "1", "--ping-timeout", "200ms"]).run().await;
    out.expect_code(0)
        .expect_stderr_contains(
            "* Unmatched pong \"not the ping's payload\": its payload does not echo the ping waiting \
             (\"wsdiag-ping 1\"); a pong echoes its ping's payload (RFC 6455 §5.5.3)\n",
        )
        .expect_stderr_contains(
            "1 pings sent, 0 pongs received, 100.0% loss, 1 timed out, 0 late, 1 unmatched",
        );
}

#[tokio::test]
async fn a_duplicate_pong_is_unmatched_and_the_first_one_counts() {
    let server = Plan::new().pongs(Pongs::Twice).start().await;
    let out = connect(&server.url())
        .args(["--ping-interval", "50ms", "--ping-count", "3", "-w", "500ms", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let p = &event(&all, "summary")["pings"];
    assert_eq!((p["sent"].as_u64(), p["received"].as_u64()), (Some(3), Some(3)), "{p}");
    assert_eq!(p["loss_pct"].as_f64(), Some(0.0), "{p}");
    // The run may end on the last pong, before its duplicate arrives.
    assert!(matches!(p["unmatched"].as_u64(), Some(2..=3)), "{p}");
}

#[tokio::test]
async fn echo_rtt_matches_each_message_with_its_echo() {
    let out =
        connect("builtin:echo").args(["--echo-rtt", "-x", "a", "-x", "b", "-n", "2", "--json"]).run().await;
    out.expect_code(0);
    let all = json_lines(&out);
    let rtts = events(&all, "rtt");
    assert_eq!(rtts.len(), 2, "{all:#?}");
    assert!(rtts.iter().all(|e| e["kind"] == "echo" && e["seq"].is_null() && e["rtt_ms"].is_number()));
    let summary = event(&all, "summary");
    let e = &summary["echo"];
    assert_eq!((e["sent"].as_u64(), e["received"].as_u64()), (Some(2), Some(2)), "{summary}");
    assert_eq!(e["loss_pct"].as_f64(), Some(0.0), "{e}");
    assert!(e["p99_ms"].is_number() && e["min_ms"].is_number(), "{e}");
    assert_eq!(summary["pings"]["sent"].as_u64(), Some(0), "no ping was asked for: {summary}");

    let out = connect("builtin:echo").args(["--echo-rtt", "-x", "a", "-x", "b", "-n", "2"]).run().await;
    out.expect_code(0).expect_stdout("a\nb\n");
    assert_eq!(out.stderr_lines_starting("* echo rtt=").len(), 2, "\n{out}");
    out.expect_stderr_contains("--- 2 messages sent, 2 echoes received, 0.0% loss\n");
    assert_eq!(out.stderr_lines_starting("echo rtt min/avg/max/stddev = ").len(), 1, "\n{out}");
}

#[tokio::test]
async fn echo_rtt_against_a_server_that_does_not_echo_measures_nothing() {
    let server = Plan::new().reply("a", "x").reply("b", "y").start().await;
    let out =
        connect(&server.url()).args(["--echo-rtt", "-x", "a", "-x", "b", "-n", "2", "--json"]).run().await;
    out.expect_code(0);
    let all = json_lines(&out);
    assert!(events(&all, "rtt").is_empty(), "{all:#?}");
    let e = &event(&all, "summary")["echo"];
    assert_eq!((e["sent"].as_u64(), e["received"].as_u64()), (Some(2), Some(0)), "{e}");
    assert_eq!(e["loss_pct"].as_f64(), Some(100.0), "{e}");
}

/// Reads lines until `pred` holds for one (bounded); returns every line read.
async fn read_until<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    what: &str,
    mut pred: impl FnMut(&str) -> bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return false;
            }
            let hit = pred(line.trim_end());
            lines.push(line.trim_end().to_owned());
            if hit {
                return true;
            }
        }
    })
    .await;
    assert!(matches!(found, Ok(true)), "no {what} within 10 s; read:\n{}", lines.join("\n"));
    lines
}

async fn send_sigquit(pid: u32) {
    let status = tokio::process::Command::new("kill").args(["-QUIT", &pid.to_string()]).status();
    let status = tokio::time::timeout(Duration::from_secs(10), status).await.expect("kill finished");
    assert!(status.expect("run kill").success(), "kill -QUIT {pid} failed");
}

#[tokio::test]
async fn sigquit_prints_statistics_and_the_run_goes_on() {
    let mut child =
        connect("builtin:echo").args(["--ping-interval", "50ms", "--ping-count", "30", "--json"]).spawn();
    let pid = child.id().expect("pid");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
    let is =
        |kind: &'static str| move |l: &str| serde_json::from_str::<Value>(l).is_ok_and(|e| e["type"] == kind);
    read_until(&mut stdout, "rtt event", is("rtt")).await;
    send_sigquit(pid).await;
    let lines = read_until(&mut stdout, "stats event", is("stats")).await;
    let stats: Value = serde_json::from_str(lines.last().expect("the stats line")).expect("JSON");
    let sent = stats["pings"]["sent"].as_u64().expect("pings.sent");
    assert!((1..30).contains(&sent), "statistics of the run so far: {stats}");
    assert!(stats["pings"]["received"].as_u64().is_some_and(|r| r >= 1), "{stats}");
    assert!(stats["echo"].is_null(), "{stats}");
    // The connection's traffic so far: no data messages, only pings, and how long it has been up.
    assert_eq!(stats["sent"], serde_json::json!({ "messages": 0, "bytes": 0 }), "{stats}");
    assert_eq!(stats["received"], serde_json::json!({ "messages": 0, "bytes": 0 }), "{stats}");
    assert!(stats["connected_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{stats}");

    let mut rest = String::new();
    let finish = async {
        let _ = stdout.read_to_string(&mut rest).await;
        child.wait().await.expect("wait")
    };
    let status = tokio::time::timeout(RUN_BOUND, finish).await.expect("wsdiag exits after its 30 pings");
    assert_eq!(status.code(), Some(0), "the run went on after SIGQUIT:\n{rest}");
    let after: Vec<Value> = rest.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert!(
        events(&after, "rtt").iter().any(|e| e["seq"].as_u64() > Some(sent)),
        "pings after the statistics:\n{rest}"
    );
    assert_eq!(event(&after, "summary")["pings"]["sent"].as_u64(), Some(30), "{rest}");
}

#[tokio::test]
async fn sigquit_in_human_mode_prints_the_statistics_lines() {
    let mut child = connect("builtin:echo").args(["--ping-interval", "50ms", "--ping-count", "30"]).spawn();
    let pid = child.id().expect("pid");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr piped"));
    read_until(&mut stderr, "pong line", |l| l.starts_with("* pong seq=")).await;
    send_sigquit(pid).await;
    let lines = read_until(&mut stderr, "statistics line", |l| l.starts_with("--- ")).await;
    let stats = lines.last().expect("the statistics line");
    assert!(stats.contains(" pings sent, ") && !stats.starts_with("--- 30 pings"), "{stats}");
    let next = read_until(&mut stderr, "pong after the statistics", |l| l.starts_with("* pong seq=")).await;
    assert!(next[0].starts_with("ping rtt min/avg/max/stddev = "), "{next:?}");
    let status = tokio::time::timeout(RUN_BOUND, child.wait()).await.expect("exits").expect("wait");
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn an_unsolicited_pong_says_no_ping_was_waiting() {
    let server =
        crate::support::RawServer::start(crate::support::Reply::UpgradeThenSend(b"\x8a\x04beat".to_vec()))
            .await;
    let out = connect(&server.url()).args(["-v", "-w", "300ms", "--no-stdin"]).run().await;
    out.expect_stderr_contains(
        "* Unmatched pong \"beat\": no ping was waiting for a pong (an unsolicited pong, allowed as a heartbeat, RFC 6455 §5.5.3)\n",
    );
}

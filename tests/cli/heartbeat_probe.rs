//! `wsdiag heartbeat-probe` against real paths with short idle timeouts: the built-in echo's
//! idle timeout, a real nginx with `proxy_read_timeout`, a lifetime cap, a server that pings,
//! and the failure paths.

use std::time::Duration;

use crate::support::nginx::{nginx, Nginx};
use crate::support::proxies::{program, tinyproxy_with_timeout};
use crate::support::served::serve;
use crate::support::{closed_port_url, json_lines, skip, wsdiag, Output};

/// A probe with short ages (`--min 1s`, `--max 60s` unless `extra` sets it).
async fn probe(url: &str, extra: &[&str]) -> Output {
    let max: &[&str] = if extra.contains(&"--max") { &[] } else { &["--max", "60s"] };
    wsdiag(["heartbeat-probe", url, "--json", "--min", "1s"]).args(max).args(extra).run().await
}

#[track_caller]
fn result(out: &Output) -> serde_json::Value {
    let lines = json_lines(out);
    let last = lines.last().cloned().unwrap_or_default();
    assert_eq!(last["type"], "result", "the last line is the result\n{out}");
    every_trial_reported(out, &last);
    last
}

fn secs(v: &serde_json::Value) -> Duration {
    Duration::from_secs_f64(v.as_f64().unwrap_or_else(|| panic!("not seconds: {v}")))
}

/// The bounds bracket `truth` and are within the default resolution (2 s).
fn brackets(r: &serde_json::Value, truth: Duration) {
    let (lower, upper) = (secs(&r["lower_s"]), secs(&r["upper_s"]));
    assert!(
        lower < truth && truth <= upper + Duration::from_millis(200),
        "{lower:?}..{upper:?} vs {truth:?}: {r}"
    );
    assert!(upper - lower <= Duration::from_secs(2), "within the resolution: {r}");
}

/// Every trial that ran has exactly one event (trials stopped by a shorter one's death too),
/// its ids are 1..=N without a gap, and the result counts N.
#[track_caller]
fn every_trial_reported(out: &Output, r: &serde_json::Value) {
    let mut ids: Vec<u64> =
        json_lines(out).iter().filter(|l| l["type"] == "trial").filter_map(|l| l["id"].as_u64()).collect();
    ids.sort();
    let n = r["trials"].as_u64().unwrap_or_else(|| panic!("no trials count: {r}"));
    assert_eq!(ids, (1..=n).collect::<Vec<_>>(), "one event per trial, {n} in the result\n{out}");
    for trial in json_lines(out).iter().filter(|l| l["type"] == "trial") {
        assert_eq!(trial["conn"], trial["id"], "a trial's events carry its own connection id\n{trial}");
    }
    for stopped in json_lines(out).iter().filter(|l| l["detail"] == "stopped") {
        assert_eq!(
            (stopped["outcome"].as_str(), stopped["why"].as_str()),
            (Some("inconclusive"), Some("stopped"))
        );
    }
}

#[tokio::test]
async fn finds_the_builtin_echo_idle_timeout_and_how_it_dies() {
    let (two, three) =
        tokio::join!(probe("builtin:echo?idle-timeout=2s", &[]), probe("builtin:echo?idle-timeout=3s", &[]),);
    for (out, truth) in [(two, 2), (three, 3)] {
        out.expect_code(0);
        let r = result(&out);
        assert_eq!((r["verdict"].as_str(), r["signature"].as_str()), (Some("bounded"), Some("fin")), "{out}");
        assert_eq!(r["confirmed"], true, "{r}");
        brackets(&r, Duration::from_secs(truth));
        let recommended = secs(&r["recommended_interval_s"]);
        assert!(recommended < Duration::from_secs(truth) / 2 + Duration::from_millis(100), "{r}");
    }
}

#[tokio::test]
async fn finds_a_real_nginx_proxy_read_timeout() {
    let Some(nginx) = nginx() else {
        skip::missing_peer("nginx is not installed (.ci/run installs it)");
        return;
    };
    let upstream = serve(["echo", "--max-runtime", "60s", "--companion"]).await;
    let proxy = Nginx::start(
        &nginx,
        upstream.url().rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap(),
        "3s",
    )
    .await;
    let out = probe(&format!("ws://127.0.0.1:{}/", proxy.port), &["--classify"]).await;
    out.expect_code(0);
    let r = result(&out);
    assert_eq!((r["verdict"].as_str(), r["signature"].as_str()), (Some("bounded"), Some("fin")), "{out}");
    brackets(&r, Duration::from_secs(3));
    // nginx's proxy_read_timeout counts reads from upstream: pings and data (answered by the
    // upstream) refresh it, the kernel's TCP keepalive probes do not.
    let refreshes = |kind: &str| {
        let c = r["classify"].as_array().unwrap().iter().find(|c| c["kind"] == kind).cloned();
        c.unwrap_or_else(|| panic!("no {kind} in {r}"))["refreshes"].as_bool()
    };
    assert_eq!(
        (refreshes("ws-ping"), refreshes("data"), refreshes("tcp-keepalive")),
        (Some(true), Some(true), Some(false)),
        "{r}"
    );
    // The companion upstream's pushes are reads for nginx too: server-to-client traffic alone
    // keeps this path open; a push after the timeout finds the connection closed (a FIN the
    // client sees), not lost.
    assert_eq!(refreshes("server-push"), Some(true), "{r}");
    assert_eq!(refreshes("push-after-timeout"), Some(false), "{r}");
}

#[tokio::test]
async fn finds_the_idle_timeout_of_a_real_proxy_on_the_way() {
    let Some(bin) = program("tinyproxy") else { return };
    let proxy = tinyproxy_with_timeout(&bin, None, &[], 3).await;
    let upstream = serve(["echo", "--max-runtime", "60s"]).await;
    let out = probe(&upstream.url(), &["--proxy", &proxy.url("http")]).await;
    out.expect_code(0);
    let r = result(&out);
    // The server never times out: what the probe finds is the proxy's idle timeout.
    assert_eq!(r["verdict"].as_str(), Some("bounded"), "{out}");
    brackets(&r, Duration::from_secs(3));
}

#[tokio::test]
async fn a_lifetime_cap_and_a_pinging_server_are_not_idle_timeouts() {
    let (cap, pinging) = tokio::join!(
        probe("builtin:echo?close-after=3s", &["--max", "20s"]),
        probe("builtin:echo?ping-interval=500ms", &["--max", "20s"]),
    );
    // Every connection is closed after 3 s, the canary's too, whatever its traffic.
    cap.expect_code(7);
    let r = result(&cap);
    let cap_s = secs(&r["lifetime_cap_s"]);
    assert!(cap_s >= Duration::from_millis(2500) && cap_s <= Duration::from_secs(4), "{r}");
    // The server's own pings break every trial's silence: its keepalive, not a survival.
    pinging.expect_code(7);
    let r = result(&pinging);
    assert_eq!(r["verdict"], "inconclusive", "{r}");
    let trials = json_lines(&pinging);
    let trial = trials.iter().find(|l| l["type"] == "trial").expect("a trial event");
    assert_eq!(trial["detail"], "server_traffic", "{trial}");
    let keepalive = secs(&r["server_keepalive_s"]);
    assert!(keepalive <= Duration::from_secs(1), "{r}");
}

#[tokio::test]
async fn tcp_keepalive_trials_find_a_closing_hop_too() {
    let out = probe("builtin:echo?idle-timeout=3s", &["--kind", "tcp-keepalive", "--max", "20s"]).await;
    out.expect_code(0);
    let r = result(&out);
    assert_eq!(r["signature"], "fin", "{out}");
    brackets(&r, Duration::from_secs(3));
    let out = probe("builtin:echo", &["--kind", "tcp-keepalive", "--pong-timeout", "1s"]).await;
    out.expect_code(2).expect_stderr_contains("--pong-timeout 2s or more");
}

#[tokio::test]
async fn fail_below_is_a_ci_gate() {
    let out = probe("builtin:echo?idle-timeout=2s", &["--fail-below", "10s", "--confirm", "0"]).await;
    out.expect_code(1).expect_stderr_contains("below --fail-below 10.0 s");
    assert_eq!(result(&out)["exit"], 1);
    // A gate above --max could never fail: refused.
    let out = probe("builtin:echo?idle-timeout=2s", &["--max", "5s", "--fail-below", "10s"]).await;
    out.expect_code(2).expect_stderr_contains("--fail-below above --max");
}

#[tokio::test]
async fn data_trials_and_answers_that_do_not_match() {
    let (matching, other) = tokio::join!(
        probe("builtin:echo?idle-timeout=2s", &["--kind", "data", "--payload", "hi", "--expect", "^hi$"]),
        probe(
            "builtin:echo?idle-timeout=2s",
            &["--kind", "data", "--payload", "hi", "--expect", "nomatch", "--max", "10s"]
        ),
    );
    matching.expect_code(0);
    brackets(&result(&matching), Duration::from_secs(2));
    // An answer --expect does not match is no death: nothing is concluded.
    other.expect_code(7);
    let r = result(&other);
    assert_eq!(r["verdict"], "inconclusive", "{r}");
    let why = r["why"].as_str().unwrap_or_default();
    assert!(["bracket_inconclusive", "nothing_conclusive"].contains(&why), "{r}");
    assert!(r["message"].as_str().is_some_and(|m| m.contains("conclusive")), "{r}");
    // Each trial says how it was seen, as a kind and in words.
    let all = json_lines(&other);
    let trial = all.iter().find(|l| l["type"] == "trial").expect("a trial event");
    assert_eq!(
        (trial["detail"].as_str(), trial["why"].as_str()),
        (Some("unexpected_answer"), Some("unexpected_answer"))
    );
    assert_eq!(trial["message"], r#"the server answered "hi", which --expect does not match"#, "{trial}");
}

#[tokio::test]
async fn failure_paths() {
    wsdiag(["heartbeat-probe", "builtin:echo", "--min", "10s", "--max", "5s"])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("--max must not be less than --min");
    wsdiag(["heartbeat-probe", "builtin:echo", "--expect", "x"]).run().await.expect_code(2);
    let out = wsdiag(["heartbeat-probe", &closed_port_url(), "--connect-timeout", "2s"]).run().await;
    out.expect_code(3).expect_stderr_contains("error: could not connect");
    let out = wsdiag(["heartbeat-probe", "builtin:echo?reject=403"]).run().await;
    out.expect_code(5);
}

#[tokio::test]
async fn human_report_says_what_to_do() {
    let out = wsdiag(["heartbeat-probe", "builtin:echo?idle-timeout=2s", "--min", "1s", "--max", "30s"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout_contains("Idle timeout: between ")
        .expect_stdout_contains("How it dies: fin: TCP FIN without a close frame")
        .expect_stdout_contains("Heartbeat: every ")
        .expect_stdout_contains("Lifetime cap: none seen")
        .expect_stderr_contains("* Trial 1 (bracket): idle 1.0 s:");
}

#[tokio::test]
async fn verify_holds_one_connection_with_the_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("probe.prom");
    let m = metrics.to_str().unwrap();
    let (kept, lost) = tokio::join!(
        wsdiag([
            "heartbeat-probe",
            "builtin:echo?idle-timeout=2s",
            "--verify",
            "500ms",
            "--for",
            "3s",
            "--json",
            "--prometheus",
            m
        ])
        .run(),
        wsdiag(["heartbeat-probe", "builtin:echo?idle-timeout=2s", "--verify", "4s", "--for", "6s"]).run(),
    );
    kept.expect_code(0);
    let v = json_lines(&kept).pop().unwrap();
    assert_eq!((v["type"].as_str(), v["survived"].as_bool()), (Some("verify"), Some(true)), "{kept}");
    assert!(v["pongs"].as_u64().unwrap() >= 4, "{v}");
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(text.contains("# TYPE wsdiag_verify_survived gauge"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("wsdiag_verify_survived{target=\"ws://127.0.0.1:") && l.ends_with("} 1")),
        "{text}"
    );

    lost.expect_code(1).expect_stdout_contains("Not verified: with a ping every 4.0 s");
    lost.expect_stdout_contains("died after 2.0 s (fin)");
}

#[tokio::test]
async fn prometheus_metrics_of_a_search() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("probe.prom");
    let out =
        probe("builtin:echo?idle-timeout=2s", &["--confirm", "0", "--prometheus", metrics.to_str().unwrap()])
            .await;
    out.expect_code(0);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let value = |name: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name}{{")))
            .unwrap_or_else(|| panic!("{name}\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(
        value("wsdiag_idle_timeout_lower_seconds") < 2.0 && value("wsdiag_idle_timeout_upper_seconds") >= 1.9,
        "{text}"
    );
    assert_eq!(value("wsdiag_idle_timeout_found"), 1.0);
    assert_eq!(value("wsdiag_probe_exit_code"), 0.0);
    assert!(!dir.path().join("probe.prom.tmp").exists(), "written through a temporary file, renamed");
}

#[tokio::test]
async fn one_trial_at_a_time_finds_it_too() {
    // Not 2 s: one trial at a time doubles its age from 1 s, and a trial idle for exactly the
    // timeout races the server's own timer.
    let out =
        probe("builtin:echo?idle-timeout=2500ms", &["--parallel", "1", "--confirm", "1", "--max", "8s"])
            .await;
    out.expect_code(0);
    let r = result(&out);
    brackets(&r, Duration::from_millis(2500));
    let trials = json_lines(&out);
    let ids: Vec<u64> =
        trials.iter().filter(|l| l["type"] == "trial").map(|l| l["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>(), "one at a time, in order");
}

#[tokio::test]
async fn server_to_client_traffic_needs_a_companion() {
    let (with, without) = tokio::join!(
        probe("builtin:echo?idle-timeout=2s&companion", &["--classify", "--confirm", "0"]),
        probe("builtin:echo?idle-timeout=2s", &["--classify", "--confirm", "0"]),
    );
    with.expect_code(0);
    let r = result(&with);
    let kinds: Vec<&str> =
        r["classify"].as_array().unwrap().iter().filter_map(|c| c["kind"].as_str()).collect();
    assert!(kinds.contains(&"server-push") && kinds.contains(&"push-after-timeout"), "{r}");
    // The built-in echo's idle timer counts only what the client sends.
    let push = r["classify"].as_array().unwrap().iter().find(|c| c["kind"] == "server-push").unwrap();
    assert_eq!(push["refreshes"], false, "{r}");

    without.expect_code(0);
    let r = result(&without);
    let kinds: Vec<&str> =
        r["classify"].as_array().unwrap().iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        vec!["ws-ping", "data", "tcp-keepalive"],
        "no companion, no server-to-client kinds: {r}"
    );
}

#[tokio::test]
async fn finds_a_real_nat_that_drops_the_flow_silently() {
    use crate::support::nat::{Nat, Unavailable};
    let nat = match Nat::start(3) {
        Ok(nat) => nat,
        Err(Unavailable::Missing(tool)) => {
            skip::missing_peer(&format!("{tool} is not installed (.ci/run installs iproute2 and nftables)"));
            return;
        }
        Err(Unavailable::NotPermitted(why)) => {
            skip::not_possible_here(&format!("network namespaces need root here ({why})"));
            return;
        }
    };
    let bin = crate::support::run::bin();
    let mut server = tokio::process::Command::new("ip")
        .args(["netns", "exec", &nat.server, bin, "echo", "--bind", nat.server_ip, "--port", "8000"])
        .args(["--max-runtime", "60s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server in its namespace");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = format!("ws://{}:8000/", nat.server_ip);
    let run = |kind: &'static str| {
        wsdiag(["heartbeat-probe", &url, "--json", "--min", "1s", "--max", "20s", "--pong-timeout", "2s"])
            .args(["--kind", kind])
            .wrapped_in(["ip", "netns", "exec", &nat.client])
            .run()
    };
    // A ping, and TCP keepalive probes alone: both find the flow dropped silently.
    let (ping, keepalive) = tokio::join!(run("ws-ping"), run("tcp-keepalive"));
    let _ = server.kill().await;
    drop(nat);
    for out in [ping, keepalive] {
        out.expect_code(0);
        let r = result(&out);
        assert_eq!(
            (r["verdict"].as_str(), r["signature"].as_str()),
            (Some("bounded"), Some("blackhole")),
            "{out}"
        );
        brackets(&r, Duration::from_secs(3));
    }
}

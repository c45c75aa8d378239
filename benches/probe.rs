//! heartbeat-probe benchmark: how long the probe takes, as a multiple of the idle timeout it
//! finds (the goal: at most 3×), with the default plan (`--min 5s`, `--max 30m`, 8 trials at
//! once, 3 to confirm, 2 s or 2 % resolution).
//!
//! Two kinds of case, printed side by side:
//! - real runs of `target/release/wsdiag heartbeat-probe` against the built-in echo server's
//!   idle timeout (2 s, 3 s, 8 s) and, when nginx is installed, an nginx `proxy_read_timeout`;
//! - the search itself against simulated 60 s and 350 s paths: each round lasts as long as its
//!   longest trial (a death is seen when it happens, a survival one pong later), which is
//!   what a real run of that path would take.
//!
//! Run with `cargo build --release && cargo bench --bench probe`. Loopback only; every run is
//! bounded.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use wsdiag::core::probe::search::{Outcome, Plan, Search, Signature, Verdict};

fn default_plan() -> Plan {
    Plan {
        min: Duration::from_secs(5),
        max: Duration::from_secs(1800),
        resolution: None,
        parallel: 8,
        confirm: 3,
    }
}

/// The simulated wall time of a search against a path with idle timeout `t`, and its bounds.
/// A `closing` hop ends idle connections at `t` (a FIN, seen at once); otherwise the path
/// drops them silently and a trial learns it only when it speaks, one `pong` later.
fn simulate(t: Duration, pong: Duration, closing: bool) -> (Duration, Option<(Duration, Duration)>) {
    let mut s = Search::new(default_plan());
    let mut wall = Duration::ZERO;
    loop {
        let ages = s.next_round();
        if ages.is_empty() {
            break;
        }
        let mut results: Vec<(Duration, Outcome, Duration)> = ages
            .into_iter()
            .map(|age| {
                if age < t {
                    (age, Outcome::Alive, age + Duration::from_millis(1))
                } else if closing {
                    (age, Outcome::Died { age: t, signature: Signature::Fin }, t)
                } else {
                    (age, Outcome::Died { age, signature: Signature::Blackhole }, age + pong)
                }
            })
            .collect();
        // As the probe does: the first death stops the longer trials still running.
        results.sort_by_key(|r| r.2);
        let mut first_death: Option<(Duration, Duration)> = None;
        let mut end = Duration::ZERO;
        for (age, outcome, took) in results {
            // Trials still running (ending later) with a longer age are stopped.
            if first_death.is_some_and(|(a, at)| age > a && took > at) {
                continue;
            }
            if matches!(outcome, Outcome::Died { .. }) && first_death.is_none() {
                first_death = Some((age, took));
            }
            end = end.max(took);
            s.record(age, &outcome);
        }
        wall += end;
    }
    let bounds = match s.verdict() {
        Verdict::Bounded { lower, upper, .. } => Some((lower, upper)),
        _ => None,
    };
    (wall, bounds)
}

/// A real probe of `url`: its wall time and whether it exited 0.
fn real(wsdiag: &Path, url: &str) -> (Duration, bool) {
    let start = Instant::now();
    let status = Command::new("timeout")
        .args(["300", &wsdiag.display().to_string(), "heartbeat-probe", url, "--color", "never"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    (start.elapsed(), status.is_ok_and(|s| s.success()))
}

fn line(case: &str, truth: Duration, wall: Duration, command: &str) {
    let ratio = wall.as_secs_f64() / truth.as_secs_f64();
    let verdict = if ratio <= 3.0 { "met" } else { "MISSED" };
    println!(
        "  {case:<48} timeout {:>6.1} s   probe {:>7.1} s   {ratio:>4.2}x (goal <= 3x: {verdict})   {command}",
        truth.as_secs_f64(),
        wall.as_secs_f64()
    );
}

fn main() -> ExitCode {
    println!("heartbeat-probe wall time / true idle timeout, default plan");
    for secs in [60u64, 350] {
        for (closing, kind) in [(true, "closing (FIN)"), (false, "silent (black hole)")] {
            let t = Duration::from_secs(secs);
            let (wall, bounds) = simulate(t, Duration::from_secs(10), closing);
            let b = bounds
                .map(|(l, u)| format!("{:.1}..{:.1} s", l.as_secs_f64(), u.as_secs_f64()))
                .unwrap_or_default();
            line(&format!("simulated {secs} s {kind} {b}"), t, wall, "cargo bench --bench probe");
        }
    }
    let wsdiag = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/wsdiag");
    if !wsdiag.exists() {
        eprintln!("{} not found: run `cargo build --release` first for the real runs", wsdiag.display());
        return ExitCode::FAILURE;
    }
    for secs in [2u64, 3, 8] {
        let url = format!("builtin:echo?idle-timeout={secs}s");
        let (wall, ok) = real(&wsdiag, &url);
        let note = if ok { "" } else { " (the probe did not exit 0)" };
        line(
            &format!("builtin echo idle-timeout={secs}s{note}"),
            Duration::from_secs(secs),
            wall,
            &format!("wsdiag heartbeat-probe '{url}'"),
        );
    }
    ExitCode::SUCCESS
}

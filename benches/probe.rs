//! heartbeat-probe benchmark: how long the probe takes, as a multiple of the idle timeout it
//! finds (the goal: at most 3×), with the default plan (`--min 5s`, `--max 30m`, 8 trials at
//! once, 3 to confirm, 2 s or 2 % resolution).
//!
//! Two kinds of case, printed side by side:
//! - real runs of `target/release/wsdiag heartbeat-probe` against the built-in echo server's
//!   idle timeout (2 s, 3 s, 8 s);
//! - the probe's own schedule (`wsdiag::core::probe::simulate`) against model 60 s and 350 s
//!   paths in simulated time: a closing hop's FIN is seen when it happens; a silent path's
//!   drop when a trial speaks, plus the time the kernel's evidence takes (two retransmission
//!   timeouts unacknowledged: 0.9 s, as measured in the NAT lab), or, for the row before it
//!   was read, the whole 10 s pong timeout with rounds one after another. Then the worst and
//!   median ratios over 200 timeouts from 10 s to 1,000 s, so that no single timeout flatters.
//!
//! Run with `cargo build --release && cargo bench --bench probe`. Loopback only; every run is
//! bounded.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use wsdiag::core::probe::search::{Plan, Verdict};
use wsdiag::core::probe::simulate::{self, Model};

fn default_plan() -> Plan {
    Plan {
        min: Duration::from_secs(5),
        max: Duration::from_secs(1800),
        resolution: None,
        parallel: 8,
        confirm: 3,
    }
}

/// Detecting a black hole from TCP_INFO: two retransmission timeouts (NAT lab: 0.9 s).
const EVIDENCE: Duration = Duration::from_millis(900);
/// Without it: the default pong timeout.
const PONG_TIMEOUT: Duration = Duration::from_secs(10);

/// A simulated run against a path with idle timeout `t`: wall time, bounds, trials, most at once.
fn simulate(t: Duration, closing: bool, now: bool) -> (Duration, String, usize, usize) {
    let detect = if now { EVIDENCE } else { PONG_TIMEOUT };
    let model = Model { timeout: t, closing, detect, rtt: Duration::from_millis(1) };
    let r = simulate::run(default_plan(), model, now);
    let bounds = match r.verdict {
        Verdict::Bounded { lower, upper, .. } => {
            format!("{:.1}..{:.1} s", lower.as_secs_f64(), upper.as_secs_f64())
        }
        _ => "no bounds".into(),
    };
    (r.wall, bounds, r.trials, r.peak)
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
            for (now, when) in [(false, "before"), (true, "now")] {
                if closing && !now {
                    continue;
                }
                let (wall, b, trials, peak) = simulate(t, closing, now);
                let case = format!("simulated {secs} s {kind}, {when}: {b}");
                line(&case, t, wall, &format!("{trials} trials, {peak} at once"));
            }
        }
    }
    for (closing, kind) in [(true, "closing"), (false, "silent")] {
        let mut ratios: Vec<f64> = (0..200)
            .map(|k| {
                let t = Duration::from_secs_f64(10.0 * 100f64.powf(k as f64 / 199.0));
                simulate(t, closing, true).0.as_secs_f64() / t.as_secs_f64()
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        println!(
            "  simulated {kind} paths, 200 timeouts from 10 s to 1000 s: median {:.2}x, worst {:.2}x",
            ratios[100], ratios[199]
        );
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

//! Echo benchmark: `wsdiag echo` next to a raw tokio TCP echo doing the same work, in the same
//! run, every figure printed for both with its ratio and the goal:
//! 1. `throughput`: 64-byte messages over 50 connections, 16 in flight on each, every echo
//!    checked byte for byte; msgs/s and the server's CPU time per echoed message, 3 rounds;
//!    a plain tokio-tungstenite echo runs beside them, and the CPU goal is judged against it;
//! 2. `rtt`: one connection, 5,000 sequential exchanges (a ping and its pong; 64 raw bytes and
//!    their echo) with the client on the server's core; p50 and p99, 3 rounds;
//! 3. `idle`: server memory per idle connection, 10,000 connections held;
//! 4. `large`: a 64 MiB binary message from `wsdiag connect` through the echo and back (raw: a
//!    TCP copy of the same bytes); MB/s, server CPU, peak RSS of client and server (also as
//!    multiples of the message), 5 rounds.
//!
//! `cargo bench --bench echo -- FIGURE…` runs only the figures named. The servers run as child
//! processes pinned to core 0 (`taskset`), the generator on core 1. Loopback only; every wait
//! is bounded.
//!
//! Run with `cargo build --release && cargo bench --bench echo`: the server under test is
//! `target/release/wsdiag`, which `cargo bench` does not build by itself; `WSDIAG_BIN=PATH`
//! measures another build instead (an older commit's, for a before and after).

mod figures;
mod idle;
mod large;
mod rtt;
mod servers;
mod throughput;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use servers::{Echo, Kind, Server};

/// Size of every echoed message.
const MSG: usize = 64;
/// Connections of the throughput test.
const CONNS: usize = 50;
/// Messages each connection keeps in flight.
const IN_FLIGHT: u64 = 16;
/// Rounds of each figure but `idle` (the median is reported), and a throughput round's length.
const ROUNDS: usize = 3;
const ROUND: Duration = Duration::from_secs(3);
/// Traffic before each round's measurement starts.
const WARM_UP: Duration = Duration::from_millis(500);
/// Connections held open by the idle test.
const IDLE_CONNS: usize = 10_000;
/// Handshakes in progress at once while the idle connections are opened.
const OPENING: usize = 200;
/// How long the idle connections sit before the server's RSS is read.
const SETTLE: Duration = Duration::from_secs(1);
/// Bound on any single network wait.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on a server's start (its `listening` line).
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// The raw echo's buffer, bytes.
const RAW_BUFFER: usize = 4096;
/// Cores: servers on the first, the generator on the second.
const SERVER_CORE: &str = "0";
const GENERATOR_CORE: &str = "1";

/// Goals: server CPU per echoed message at most this multiple of tokio-tungstenite's own echo
/// in the same run (the protocol layer is the floor)…
const GOAL_CPU: f64 = 1.1;
/// …round trip p50 on one core at most this multiple of the raw echo's…
const GOAL_RTT: f64 = 1.1;
/// …and at most this many KiB per idle connection.
const GOAL_KIB: f64 = 6.0;

/// Round trips measured one after another on one connection, after `RTT_WARM` unmeasured.
const RTT_TRIPS: usize = 5_000;
const RTT_WARM: usize = 500;

const FIGURES: [&str; 4] = ["throughput", "rtt", "idle", "large"];

type Res<T> = Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--raw-server") => return servers::echo_server(Echo::Raw),
        Some("--tungstenite-server") => return servers::echo_server(Echo::Tungstenite),
        Some("--rtt-client") => return rtt::client(&args[1..]),
        Some("--raw-copy") => return large::raw_copy(&args[1..]),
        _ => {}
    }
    // `cargo bench` passes `--bench`; anything else not a figure is a mistake.
    let mut chosen: Vec<&str> = Vec::new();
    for a in args.iter().filter(|a| !a.starts_with("--")) {
        match FIGURES.iter().find(|f| **f == a.as_str()) {
            Some(f) => chosen.push(f),
            None => {
                eprintln!("echo bench: unknown figure {a:?}; choose from {}", FIGURES.join(", "));
                return ExitCode::FAILURE;
            }
        }
    }
    if chosen.is_empty() {
        chosen = FIGURES.to_vec();
    }
    match run(&chosen) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One line of the closing summary.
struct Figure {
    what: String,
    wsdiag: String,
    raw: String,
    ratio: f64,
    goal: String,
    figure: &'static str,
}

fn run(chosen: &[&str]) -> Res<()> {
    // WSDIAG_BIN: another build to measure (an older commit, for a before and after).
    let wsdiag = match std::env::var_os("WSDIAG_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/wsdiag"),
    };
    if !wsdiag.is_file() {
        eprintln!("{} not found: run `cargo build --release` first", wsdiag.display());
        return Err("no release binary".into());
    }
    let me = std::env::current_exe().map_err(|e| format!("cannot find this bench's binary: {e}"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pin = cores >= 2 && has_taskset();
    if pin {
        // Before any thread exists, so the runtime's threads inherit the affinity.
        let pid = std::process::id().to_string();
        let pinned = Command::new("taskset")
            .args(["-a", "-p", "-c", GENERATOR_CORE, &pid])
            .stdout(Stdio::null())
            .status();
        if !pinned.is_ok_and(|s| s.success()) {
            return Err("taskset could not pin the generator".into());
        }
    }
    let _ = rlimit::increase_nofile_limit(u64::MAX);

    println!("wsdiag echo benchmark");
    println!("  server under test: {}", wsdiag.display());
    println!("  machine: {cores} cores, load average {}", loadavg());
    if pin {
        println!("  servers pinned to core {SERVER_CORE}, load generator to core {GENERATOR_CORE} (taskset)");
    } else {
        println!("  not pinned (needs taskset and 2 cores): figures are less comparable");
    }
    let core = pin.then_some(SERVER_CORE);
    let ws_args = [
        "echo",
        "--port",
        "0",
        "--max-runtime",
        "600s",
        "--max-connections",
        "20000",
        "--max-message",
        "67108864",
    ];
    let servers = [
        Server { name: "wsdiag echo", kind: Kind::WebSocket, cmd: cmd(core, &wsdiag, &ws_args) },
        Server { name: "raw TCP echo", kind: Kind::RawTcp, cmd: cmd(core, &me, &["--raw-server"]) },
    ];
    // Throughput only: the protocol layer alone, to show what of the ratio is its own.
    let reference = Server {
        name: "tokio-tungstenite",
        kind: Kind::WebSocket,
        cmd: cmd(core, &me, &["--tungstenite-server"]),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;

    let mut summary = Vec::new();
    for figure in chosen {
        println!();
        match *figure {
            "throughput" => summary.push(figures::throughput(&rt, &servers, &reference)?),
            "rtt" => summary.push(figures::rtt(&me, pin, &servers)?),
            "idle" => summary.extend(figures::idle(&rt, &servers)?),
            _ => summary.extend(figures::large(&wsdiag, &me, pin, &servers)?),
        }
    }

    println!();
    println!("Summary: wsdiag against the raw TCP echo, same run ({})", loadavg_line());
    println!("  {:<44} {:>12} {:>12} {:>7}  goal", "", "wsdiag", "raw TCP", "ratio");
    for f in &summary {
        println!("  {:<44} {:>12} {:>12} {:>6.2}x  {}", f.what, f.wsdiag, f.raw, f.ratio, f.goal);
    }
    println!("  reproduce one figure: cargo build --release && cargo bench --bench echo -- FIGURE");
    for f in &summary {
        println!("    {:<44} cargo bench --bench echo -- {}", f.what, f.figure);
    }
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn loadavg_line() -> String {
    format!("load average {}", loadavg())
}

/// "met" or "MISSED".
fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn has_taskset() -> bool {
    Command::new("taskset")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A command line, pinned to `core` when there is one.
fn cmd(core: Option<&str>, program: &Path, args: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(core) = core {
        v.extend(["taskset".to_string(), "-c".to_string(), core.to_string()]);
    }
    v.push(program.display().to_string());
    v.extend(args.iter().map(|a| a.to_string()));
    v
}

//! Each figure: runs its rounds on fresh server processes, prints every round, and returns its
//! summary lines.

use std::path::Path;

use tokio::runtime::Runtime;

use crate::large::{self, Payload, LARGE};
use crate::servers::Server;
use crate::{idle as idle_conns, median, rtt as round_trip, throughput as load, verdict, Figure, Res};
use crate::{
    CONNS, GOAL_CPU, GOAL_KIB, GOAL_RTT, IDLE_CONNS, IN_FLIGHT, MSG, ROUND, ROUNDS, RTT_TRIPS, RTT_WARM,
    SETTLE, WARM_UP,
};

pub fn throughput(rt: &Runtime, servers: &[Server; 2], reference: &Server) -> Res<Figure> {
    println!(
        "Echo throughput: {MSG}-byte binary messages, {CONNS} connections x {IN_FLIGHT} in flight, \
         every echo checked byte for byte;"
    );
    println!(
        "  {ROUNDS} rounds of {} s (after {} ms warm-up), servers alternating, median reported; \
         {} for reference",
        ROUND.as_secs(),
        WARM_UP.as_millis(),
        reference.name
    );
    let all = [&servers[0], &servers[1], reference];
    let mut rates = [Vec::new(), Vec::new(), Vec::new()];
    let mut cpus = [Vec::new(), Vec::new(), Vec::new()];
    for round in 1..=ROUNDS {
        for (i, server) in all.iter().enumerate() {
            let mut running = server.start()?;
            let result = rt.block_on(load::throughput(server.kind, running.addr, running.pid()));
            running.stop();
            let t = result.map_err(|e| format!("{}: {e}", server.name))?;
            println!(
                "  round {round}  {:<17} {:>10.0} msgs/s   server CPU {:>5.2} µs/msg",
                server.name, t.rate, t.cpu_us_per_msg
            );
            rates[i].push(t.rate);
            cpus[i].push(t.cpu_us_per_msg);
        }
    }
    let rate = rates.map(|r| median(&r));
    let cpu = cpus.map(|c| median(&c));
    for (i, server) in all.iter().enumerate() {
        println!(
            "  {:<17} median {:>10.0} msgs/s   server CPU {:>5.2} µs/msg ({:.2}x raw)",
            server.name,
            rate[i],
            cpu[i],
            cpu[i] / cpu[1]
        );
    }
    // Judged against the protocol layer's own echo: the floor wsdiag is built on.
    let ratio = cpu[0] / cpu[1];
    let against = cpu[0] / cpu[2];
    println!(
        "  wsdiag / {}: server CPU per message {against:.2}x (goal <= {GOAL_CPU}x: {}); wsdiag / raw: {ratio:.2}x, \
         msgs/s {:.2}x",
        reference.name,
        verdict(against <= GOAL_CPU),
        rate[0] / rate[1],
    );
    Ok(Figure {
        what: "server CPU per echoed message".into(),
        wsdiag: format!("{:.2} µs", cpu[0]),
        raw: format!("{:.2} µs", cpu[1]),
        ratio,
        goal: format!(
            "<= {GOAL_CPU}x {}: {} ({against:.2}x; it is {:.2}x raw)",
            reference.name,
            verdict(against <= GOAL_CPU),
            cpu[2] / cpu[1]
        ),
        figure: "throughput",
    })
}

pub fn rtt(me: &Path, pin: bool, servers: &[Server; 2]) -> Res<Figure> {
    println!(
        "Round trip, one core: one connection, {RTT_TRIPS} sequential exchanges of {MSG} bytes (WebSocket: \
         a ping and its pong; raw: 64 bytes and their echo) after {RTT_WARM} warm-up, the client pinned \
         to the server's core; {ROUNDS} rounds, servers alternating, median p50 reported"
    );
    let mut p50s = [Vec::new(), Vec::new()];
    for round in 1..=ROUNDS {
        for (i, server) in servers.iter().enumerate() {
            let mut running = server.start()?;
            let result = round_trip::same_core(me, pin, server.kind, running.addr);
            running.stop();
            let (p50, p99) = result.map_err(|e| format!("{}: {e}", server.name))?;
            println!("  round {round}  {:<13} p50 {p50:>7.1} µs   p99 {p99:>7.1} µs", server.name);
            p50s[i].push(p50);
        }
    }
    let p50 = [median(&p50s[0]), median(&p50s[1])];
    let ratio = p50[0] / p50[1];
    println!(
        "  wsdiag / raw: {ratio:.2}x p50 (goal <= {GOAL_RTT}x: {}), medians {:.1} and {:.1} µs",
        verdict(ratio <= GOAL_RTT),
        p50[0],
        p50[1]
    );
    Ok(Figure {
        what: "ping round trip p50, one core".into(),
        wsdiag: format!("{:.1} µs", p50[0]),
        raw: format!("{:.1} µs", p50[1]),
        ratio,
        goal: format!("<= {GOAL_RTT}x: {}", verdict(ratio <= GOAL_RTT)),
        figure: "rtt",
    })
}

pub fn idle(rt: &Runtime, servers: &[Server; 2]) -> Res<Vec<Figure>> {
    println!(
        "Idle connections: {IDLE_CONNS} opened (WebSocket: handshake completed) and left idle {} s; \
         server VmRSS before and after",
        SETTLE.as_secs()
    );
    let nofile = open_file_limit();
    if nofile < IDLE_CONNS as u64 + 100 {
        println!("  skipped: the open-file limit is {nofile}, below {} needed", IDLE_CONNS + 100);
        return Ok(Vec::new());
    }
    let mut per_conn = Vec::new();
    for server in servers {
        let mut running = server.start()?;
        let result = rt.block_on(idle_conns::idle(server.kind, running.addr, running.pid()));
        running.stop();
        let m = result.map_err(|e| format!("{}: {e}", server.name))?;
        let kib = (m.after_kib as f64 - m.before_kib as f64) / m.opened as f64;
        println!(
            "  {:<13} {:>6.1} KiB per idle connection   (VmRSS {:.1} -> {:.1} MiB with {} connections, \
             opened in {:.1} s)",
            server.name,
            kib,
            m.before_kib as f64 / 1024.0,
            m.after_kib as f64 / 1024.0,
            m.opened,
            m.opening.as_secs_f64()
        );
        per_conn.push(kib);
    }
    let met = per_conn[0] <= GOAL_KIB;
    println!(
        "  wsdiag: {:.1} KiB per idle connection (goal <= {GOAL_KIB} KiB: {})",
        per_conn[0],
        verdict(met)
    );
    Ok(vec![Figure {
        what: format!("memory per idle connection ({IDLE_CONNS} held)"),
        wsdiag: format!("{:.1} KiB", per_conn[0]),
        raw: format!("{:.1} KiB", per_conn[1]),
        ratio: per_conn[0] / per_conn[1],
        goal: format!("<= {GOAL_KIB} KiB: {}", verdict(met)),
        figure: "idle",
    }])
}

pub fn large(wsdiag: &Path, me: &Path, pin: bool, servers: &[Server; 2]) -> Res<Vec<Figure>> {
    println!(
        "Large message: {} MiB of binary out and back, client start to exit (wsdiag: `connect --base64 \
         -n 1`, reading the message as one base64 line and printing its echo as hex; raw: a TCP copy of \
         the same bytes); {LARGE_ROUNDS} rounds, servers alternating, median; peaks also as multiples \
         of the message",
        LARGE >> 20
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-echo");
    let payload = Payload::create(&dir)?;
    let mut runs: [Vec<large::Large>; 2] = [Vec::new(), Vec::new()];
    for round in 1..=LARGE_ROUNDS {
        for (i, server) in servers.iter().enumerate() {
            let mut running = server.start()?;
            let result = large::transfer(server.kind, &running, wsdiag, me, pin, &payload);
            running.stop();
            let l = result.map_err(|e| format!("{}: {e}", server.name))?;
            println!(
                "  round {round}  {:<13} {:>7.3} s  {:>7.1} MB/s   server CPU {:>6.3} s   peak RSS client {:>6.1} MiB ({:.2}x), server {:>6.1} MiB ({:.2}x)",
                server.name,
                l.secs,
                l.mb_per_s(),
                l.server_cpu.as_secs_f64(),
                l.client_peak_kib as f64 / 1024.0,
                times_message(l.client_peak_kib as f64 / 1024.0),
                l.server_peak_kib as f64 / 1024.0,
                times_message(l.server_peak_kib as f64 / 1024.0)
            );
            runs[i].push(l);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let med = |i: usize, f: &dyn Fn(&large::Large) -> f64| median(&runs[i].iter().map(f).collect::<Vec<_>>());
    let mbs = [med(0, &|l| l.mb_per_s()), med(1, &|l| l.mb_per_s())];
    let cpu = [med(0, &|l| l.server_cpu.as_secs_f64()), med(1, &|l| l.server_cpu.as_secs_f64())];
    let client =
        [med(0, &|l| l.client_peak_kib as f64 / 1024.0), med(1, &|l| l.client_peak_kib as f64 / 1024.0)];
    let server =
        [med(0, &|l| l.server_peak_kib as f64 / 1024.0), med(1, &|l| l.server_peak_kib as f64 / 1024.0)];
    println!(
        "  wsdiag / raw: {:.2}x MB/s, {:.2}x server CPU; peak RSS as multiples of the message: client {:.2}x \
         (raw {:.2}x), server {:.2}x (raw {:.2}x)",
        mbs[0] / mbs[1],
        cpu[0] / cpu[1],
        times_message(client[0]),
        times_message(client[1]),
        times_message(server[0]),
        times_message(server[1])
    );
    let line = |what: &str, w: String, r: String, ratio: f64, goal: String| Figure {
        what: what.into(),
        wsdiag: w,
        raw: r,
        ratio,
        goal,
        figure: "large",
    };
    let peak = |what: &str, mib: [f64; 2], max: f64| {
        let ratio = times_message(mib[0]);
        let goal = format!("<= {max}x the message: {}", verdict(ratio <= max));
        line(what, format!("{:.1} MiB", mib[0]), format!("{:.1} MiB", mib[1]), ratio, goal)
    };
    let speed = mbs[0] / mbs[1];
    Ok(vec![
        line(
            "64 MiB message out and back, MB/s",
            format!("{:.0}", mbs[0]),
            format!("{:.0}", mbs[1]),
            speed,
            format!(">= {LARGE_MBS_GOAL}x: {}", verdict(speed >= LARGE_MBS_GOAL)),
        ),
        line(
            "  server CPU for it",
            format!("{:.3} s", cpu[0]),
            format!("{:.3} s", cpu[1]),
            cpu[0] / cpu[1],
            "reported".into(),
        ),
        peak("  peak RSS, client (ratio: x message)", client, LARGE_CLIENT_GOAL),
        peak("  peak RSS, server (ratio: x message)", server, LARGE_SERVER_GOAL),
    ])
}

/// Rounds of the large-message figure: 5 (a round takes about a second; the raw copy's time
/// varies by half from one round to the next).
const LARGE_ROUNDS: usize = 5;
/// Goals: MB/s at least 0.35x the raw copy's; peak RSS at most 2.5x the message in the
/// client and 2.2x (about twice) in the server.
const LARGE_MBS_GOAL: f64 = 0.35;
const LARGE_CLIENT_GOAL: f64 = 2.5;
const LARGE_SERVER_GOAL: f64 = 2.2;

/// MiB as a multiple of the message's size.
fn times_message(mib: f64) -> f64 {
    mib / (LARGE >> 20) as f64
}

/// The soft limit on open descriptors; Windows has none for sockets.
#[cfg(unix)]
fn open_file_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(0, |(soft, _)| soft)
}

#[cfg(not(unix))]
fn open_file_limit() -> u64 {
    u64::MAX
}

//! Echo benchmark: `wsdiag echo` next to a raw tokio TCP echo doing the same work.
//!
//! Prints three figures for each server, with the project's targets next to them:
//! 1. echo throughput: 64-byte messages over 50 connections, 16 messages in flight on each,
//!    every echo checked byte for byte; 3 rounds of a fixed duration, median;
//! 2. round trip: one connection, 5,000 sequential exchanges (a ping and its pong; 64 raw bytes
//!    and their echo), p50 and p99;
//! 3. memory per idle connection: VmRSS of the server process before and after 10,000
//!    connections are opened and left idle.
//!
//! The servers run as child processes pinned to core 0 (`taskset`), the load generator in this
//! process pinned to core 1. Loopback only; every wait is bounded.
//!
//! Run with `cargo build --release && cargo bench --bench echo`: the server under test is
//! `target/release/wsdiag`, which `cargo bench` does not build by itself.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Bytes, Message};

/// Size of every echoed message.
const MSG: usize = 64;
/// Connections of the throughput test.
const CONNS: usize = 50;
/// Messages each connection keeps in flight.
const IN_FLIGHT: u64 = 16;
/// Throughput rounds (the median is reported) and their length.
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
/// The raw echo's buffer: the same size as wsdiag's server-side read and write buffers.
const RAW_BUFFER: usize = 4096;
/// Cores: servers on the first, the generator on the second.
const SERVER_CORE: &str = "0";
const GENERATOR_CORE: &str = "1";

/// Targets: wsdiag's msgs/s at least this fraction of the raw echo's…
const TARGET_RATIO: f64 = 0.7;
/// …and at most this many KiB per idle connection (the stricter goal is `GOAL_KIB`).
const TARGET_KIB: f64 = 16.0;
const GOAL_KIB: f64 = 6.0;

/// Round trips measured one after another on one connection, after `RTT_WARM` unmeasured.
const RTT_TRIPS: usize = 5_000;
const RTT_WARM: usize = 500;
/// Goal: wsdiag's p50 round trip at most this multiple of the raw echo's.
const GOAL_RTT: f64 = 1.1;

type Res<T> = Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--raw-server") {
        return raw_server();
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Res<()> {
    let wsdiag = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/wsdiag");
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
    let nofile = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(0, |(soft, _)| soft);

    println!("wsdiag echo benchmark");
    println!("  server under test: {}", wsdiag.display());
    println!(
        "  machine: {cores} cores, load average {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    if pin {
        println!("  servers pinned to core {SERVER_CORE}, load generator to core {GENERATOR_CORE} (taskset)");
    } else {
        println!("  not pinned (needs taskset and 2 cores): figures are less comparable");
    }
    let servers = [
        Server {
            name: "wsdiag echo",
            kind: Kind::WebSocket,
            cmd: cmd(
                pin,
                &wsdiag,
                &["echo", "--port", "0", "--json", "--max-runtime", "600s", "--max-connections", "20000"],
            ),
        },
        Server { name: "raw TCP echo", kind: Kind::RawTcp, cmd: cmd(pin, &me, &["--raw-server"]) },
    ];

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;

    println!();
    println!(
        "Echo throughput: {MSG}-byte binary messages, {CONNS} connections x {IN_FLIGHT} in flight, \
         every echo checked byte for byte;"
    );
    println!(
        "  {ROUNDS} rounds of {} s (after {} ms warm-up), servers alternating, median reported",
        ROUND.as_secs(),
        WARM_UP.as_millis()
    );
    let mut rates = [Vec::new(), Vec::new()];
    let mut cpus = [Vec::new(), Vec::new()];
    for round in 1..=ROUNDS {
        for (i, server) in servers.iter().enumerate() {
            let mut running = server.start()?;
            let result = rt.block_on(throughput(server.kind, running.addr, running.pid()));
            running.stop();
            let t = result.map_err(|e| format!("{}: {e}", server.name))?;
            println!(
                "  round {round}  {:<13} {:>10.0} msgs/s   server CPU {:>5.2} µs/msg",
                server.name, t.rate, t.cpu_us_per_msg
            );
            rates[i].push(t.rate);
            cpus[i].push(t.cpu_us_per_msg);
        }
    }
    let rate = [median(&rates[0]), median(&rates[1])];
    let cpu = [median(&cpus[0]), median(&cpus[1])];
    println!();
    for (i, server) in servers.iter().enumerate() {
        println!("  {:<13} median {:>10.0} msgs/s   server CPU {:>5.2} µs/msg", server.name, rate[i], cpu[i]);
    }
    let ratio = rate[0] / rate[1];
    println!(
        "  ratio wsdiag / raw: {ratio:.2}x msgs/s (target >= {TARGET_RATIO}x: {}); \
         server CPU per message {:.2}x the raw echo's",
        verdict(ratio >= TARGET_RATIO),
        cpu[0] / cpu[1]
    );

    println!();
    println!(
        "Round trip: one connection, {RTT_TRIPS} sequential exchanges of {MSG} bytes (WebSocket: a \
         ping and its pong; raw: 64 bytes and their echo), after {RTT_WARM} warm-up; p50 and p99"
    );
    let mut p50 = [0.0f64; 2];
    for (i, server) in servers.iter().enumerate() {
        let mut running = server.start()?;
        let result = rt.block_on(round_trips(server.kind, running.addr));
        running.stop();
        let mut rtts = result.map_err(|e| format!("{}: {e}", server.name))?;
        rtts.sort_by(f64::total_cmp);
        let at = |q: f64| rtts[((rtts.len() as f64 * q) as usize).min(rtts.len() - 1)];
        p50[i] = at(0.5);
        println!("  {:<13} p50 {:>7.1} µs   p99 {:>7.1} µs", server.name, at(0.5), at(0.99));
    }
    println!(
        "  ratio wsdiag / raw: {:.2}x p50 (goal <= {GOAL_RTT}x: {})",
        p50[0] / p50[1],
        verdict(p50[0] / p50[1] <= GOAL_RTT)
    );

    println!();
    println!(
        "Idle connections: {IDLE_CONNS} opened (WebSocket: handshake completed) and left idle \
         {} s; server VmRSS before and after",
        SETTLE.as_secs()
    );
    if nofile < IDLE_CONNS as u64 + 100 {
        println!("  skipped: the open-file limit is {nofile}, below {} needed", IDLE_CONNS + 100);
        return Ok(());
    }
    let mut per_conn = Vec::new();
    for server in &servers {
        let mut running = server.start()?;
        let result = rt.block_on(idle(server.kind, running.addr, running.pid()));
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
    println!(
        "  wsdiag: {:.1} KiB per idle connection (target <= {TARGET_KIB} KiB: {}; goal <= {GOAL_KIB} KiB: {})",
        per_conn[0],
        verdict(per_conn[0] <= TARGET_KIB),
        verdict(per_conn[0] <= GOAL_KIB)
    );
    Ok(())
}

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

/// The command line of a server, pinned to the server core when `pin`.
fn cmd(pin: bool, program: &Path, args: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    if pin {
        v.extend(["taskset".to_string(), "-c".to_string(), SERVER_CORE.to_string()]);
    }
    v.push(program.display().to_string());
    v.extend(args.iter().map(|a| a.to_string()));
    v
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    WebSocket,
    RawTcp,
}

struct Server {
    name: &'static str,
    kind: Kind,
    cmd: Vec<String>,
}

/// A server child process; killed when stopped or dropped.
struct Running {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts the server and waits (bounded) for its `listening` line on stdout; the rest of
    /// its output is read and discarded so it never blocks on a full pipe.
    fn start(&self) -> Res<Running> {
        let mut child = Command::new(&self.cmd[0])
            .args(&self.cmd[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.cmd.join(" ")))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Some(addr) = listening_addr(&line) {
                    let _ = tx.send(addr);
                    break;
                }
                line.clear();
            }
            let _ = std::io::copy(&mut lines, &mut std::io::sink());
        });
        let mut running = Running { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)) };
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(addr) => running.addr = addr,
            Err(_) => {
                return Err(format!(
                    "{} did not print its listening address within {} s",
                    self.name,
                    START_TIMEOUT.as_secs()
                ))
            }
        }
        Ok(running)
    }
}

/// The address of a `{"type":"listening","addr":…}` line.
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let v: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    if v.get("type")?.as_str()? != "listening" {
        return None;
    }
    v.get("addr")?.as_str()?.parse().ok()
}

impl Running {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// VmRSS of a process, in KiB.
fn rss_kib(pid: u32) -> Res<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// User plus system CPU time of a process (utime + stime from /proc/PID/stat).
fn cpu_time(pid: u32) -> Res<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("cannot read /proc/{pid}/stat: {e}"))?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or("bad /proc/PID/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; Linux
    // reports them in USER_HZ, which is 100.
    let ticks: u64 =
        fields.get(11..13).ok_or("short /proc/PID/stat")?.iter().filter_map(|f| f.parse::<u64>().ok()).sum();
    Ok(Duration::from_millis(ticks * 10))
}

/// The `i`th message of connection `conn`: its ids, then a pattern derived from them.
fn message(conn: u64, i: u64) -> [u8; MSG] {
    let mut m = [0u8; MSG];
    m[..8].copy_from_slice(&conn.to_le_bytes());
    m[8..16].copy_from_slice(&i.to_le_bytes());
    for (k, b) in m[16..].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(k as u8) ^ (conn as u8);
    }
    m
}

/// What all connections of a throughput run share.
struct Shared {
    echoed: AtomicU64,
    stop: AtomicBool,
}

struct Throughput {
    rate: f64,
    cpu_us_per_msg: f64,
}

/// One round: connect, warm up, count echoes (and the server's CPU time) over `ROUND`, then
/// stop sending, wait for the echoes in flight and close.
async fn throughput(kind: Kind, addr: SocketAddr, pid: u32) -> Res<Throughput> {
    let shared = Arc::new(Shared { echoed: AtomicU64::new(0), stop: AtomicBool::new(false) });
    let mut conns = tokio::task::JoinSet::new();
    for id in 0..CONNS as u64 {
        let shared = shared.clone();
        match kind {
            Kind::WebSocket => conns.spawn(ws_load(addr, id, shared)),
            Kind::RawTcp => conns.spawn(raw_load(addr, id, shared)),
        };
    }
    let measured = async {
        tokio::time::sleep(WARM_UP).await;
        let (n0, c0, t0) = (shared.echoed.load(Ordering::Relaxed), cpu_time(pid)?, Instant::now());
        tokio::time::sleep(ROUND).await;
        let (n1, c1, t1) = (shared.echoed.load(Ordering::Relaxed), cpu_time(pid)?, Instant::now());
        let n = (n1 - n0) as f64;
        Ok::<_, String>(Throughput {
            rate: n / (t1 - t0).as_secs_f64(),
            cpu_us_per_msg: (c1 - c0).as_secs_f64() * 1e6 / n.max(1.0),
        })
    };
    // A connection that fails ends the round early with its error.
    let result = tokio::select! {
        r = measured => r,
        Some(Ok(Err(e))) = conns.join_next() => Err(e),
    };
    shared.stop.store(true, Ordering::Relaxed);
    let finished = timeout(IO_TIMEOUT, async {
        while let Some(r) = conns.join_next().await {
            r.map_err(|e| format!("a connection task failed: {e}"))??;
        }
        Ok::<_, String>(())
    })
    .await;
    let t = result?;
    finished.map_err(|_| "connections did not finish after the round".to_string())??;
    if t.rate <= 0.0 {
        return Err("no echoes during the round".into());
    }
    Ok(t)
}

fn mismatch(id: u64, i: u64) -> String {
    format!("connection {id}: echo {i} differs from the message sent")
}

/// A WebSocket client keeping `IN_FLIGHT` binary messages in flight: it feeds a new message
/// for each verified echo and flushes once the echoes that are ready have been handled.
async fn ws_load(addr: SocketAddr, id: u64, shared: Arc<Shared>) -> Res<()> {
    let tcp = timeout(IO_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out")?
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (mut ws, _) = timeout(IO_TIMEOUT, tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp))
        .await
        .map_err(|_| "handshake timed out")?
        .map_err(|e| format!("handshake: {e}"))?;
    let (mut sent, mut received) = (0u64, 0u64);
    let send = |i: u64| Message::Binary(Bytes::copy_from_slice(&message(id, i)));
    while sent < IN_FLIGHT {
        ws.feed(send(sent)).await.map_err(|e| format!("send: {e}"))?;
        sent += 1;
    }
    ws.flush().await.map_err(|e| format!("send: {e}"))?;
    while received < sent {
        let mut item = timeout(IO_TIMEOUT, ws.next()).await.map_err(|_| "no echo within 10 s")?;
        let mut batch = 0;
        loop {
            match item {
                Some(Ok(Message::Binary(b))) => {
                    if b[..] != message(id, received)[..] {
                        return Err(mismatch(id, received));
                    }
                    received += 1;
                    batch += 1;
                    if !shared.stop.load(Ordering::Relaxed) {
                        ws.feed(send(sent)).await.map_err(|e| format!("send: {e}"))?;
                        sent += 1;
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(other)) => return Err(format!("connection {id}: unexpected {other:?}")),
                Some(Err(e)) => return Err(format!("connection {id}: {e}")),
                None => return Err(format!("connection {id}: closed by the server")),
            }
            if received == sent {
                break;
            }
            // More echoes already read or readable: handle them before flushing.
            match ws.next().now_or_never() {
                Some(next) => item = next,
                None => break,
            }
        }
        ws.flush().await.map_err(|e| format!("send: {e}"))?;
        shared.echoed.fetch_add(batch, Ordering::Relaxed);
    }
    let _ = timeout(IO_TIMEOUT, async {
        let _ = ws.close(None).await;
        while ws.next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// The same load over plain TCP: fixed 64-byte messages, written in batches.
async fn raw_load(addr: SocketAddr, id: u64, shared: Arc<Shared>) -> Res<()> {
    let mut tcp = timeout(IO_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out")?
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let (mut sent, mut received) = (0u64, 0u64);
    let mut out = Vec::with_capacity(IN_FLIGHT as usize * MSG);
    while sent < IN_FLIGHT {
        out.extend_from_slice(&message(id, sent));
        sent += 1;
    }
    tcp.write_all(&out).await.map_err(|e| format!("send: {e}"))?;
    out.clear();
    let mut buf = vec![0u8; RAW_BUFFER];
    let mut have = 0;
    while received < sent {
        let n = timeout(IO_TIMEOUT, tcp.read(&mut buf[have..]))
            .await
            .map_err(|_| "no echo within 10 s")?
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err(format!("connection {id}: closed by the server"));
        }
        have += n;
        let whole = have / MSG * MSG;
        let mut batch = 0;
        for echo in buf[..whole].chunks_exact(MSG) {
            if echo != message(id, received) {
                return Err(mismatch(id, received));
            }
            received += 1;
            batch += 1;
            if !shared.stop.load(Ordering::Relaxed) {
                out.extend_from_slice(&message(id, sent));
                sent += 1;
            }
        }
        buf.copy_within(whole..have, 0);
        have -= whole;
        if !out.is_empty() {
            tcp.write_all(&out).await.map_err(|e| format!("send: {e}"))?;
            out.clear();
        }
        shared.echoed.fetch_add(batch, Ordering::Relaxed);
    }
    let _ = tcp.shutdown().await;
    Ok(())
}

/// Round-trip times, µs: a ping and its pong (WebSocket) or 64 bytes and their echo (raw).
async fn round_trips(kind: Kind, addr: SocketAddr) -> Res<Vec<f64>> {
    let tcp = timeout(IO_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out")?
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let mut rtts = Vec::with_capacity(RTT_TRIPS);
    match kind {
        Kind::WebSocket => {
            let (mut ws, _) =
                timeout(IO_TIMEOUT, tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp))
                    .await
                    .map_err(|_| "handshake timed out")?
                    .map_err(|e| format!("handshake: {e}"))?;
            for i in 0..RTT_WARM + RTT_TRIPS {
                let payload = Bytes::copy_from_slice(&message(0, i as u64));
                let start = Instant::now();
                ws.send(Message::Ping(payload.clone())).await.map_err(|e| format!("ping: {e}"))?;
                loop {
                    match timeout(IO_TIMEOUT, ws.next()).await.map_err(|_| "no pong")? {
                        Some(Ok(Message::Pong(p))) if p == payload => break,
                        Some(Ok(_)) => continue,
                        other => return Err(format!("no pong: {other:?}")),
                    }
                }
                if i >= RTT_WARM {
                    rtts.push(start.elapsed().as_secs_f64() * 1e6);
                }
            }
        }
        Kind::RawTcp => {
            let mut tcp = tcp;
            let mut buf = [0u8; MSG];
            for i in 0..RTT_WARM + RTT_TRIPS {
                let msg = message(0, i as u64);
                let start = Instant::now();
                tcp.write_all(&msg).await.map_err(|e| format!("write: {e}"))?;
                timeout(IO_TIMEOUT, tcp.read_exact(&mut buf))
                    .await
                    .map_err(|_| "no echo")?
                    .map_err(|e| format!("read: {e}"))?;
                if buf != msg {
                    return Err("the echo differs".into());
                }
                if i >= RTT_WARM {
                    rtts.push(start.elapsed().as_secs_f64() * 1e6);
                }
            }
        }
    }
    Ok(rtts)
}

struct Idle {
    before_kib: u64,
    after_kib: u64,
    opened: usize,
    /// How long opening them took.
    opening: Duration,
}

/// Opens `IDLE_CONNS` connections (WebSocket ones complete their handshake), leaves them idle
/// for `SETTLE`, and reads the server's RSS before and after; then closes them all.
async fn idle(kind: Kind, addr: SocketAddr, pid: u32) -> Res<Idle> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before_kib = rss_kib(pid)?;
    // Small client buffers: the generator holds 10,000 connections too.
    let config = WebSocketConfig::default().read_buffer_size(RAW_BUFFER).write_buffer_size(RAW_BUFFER);
    let open = |_| async move {
        let tcp = timeout(IO_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        match kind {
            Kind::RawTcp => Ok(Held::Tcp(tcp)),
            Kind::WebSocket => {
                let (ws, _) = timeout(
                    IO_TIMEOUT,
                    tokio_tungstenite::client_async_with_config(format!("ws://{addr}/"), tcp, Some(config)),
                )
                .await
                .map_err(|_| "handshake timed out".to_string())?
                .map_err(|e| format!("handshake: {e}"))?;
                Ok(Held::Ws(Box::new(ws)))
            }
        }
    };
    let started = Instant::now();
    let results: Vec<Res<Held>> =
        futures_util::stream::iter(0..IDLE_CONNS).map(open).buffer_unordered(OPENING).collect().await;
    let opening = started.elapsed();
    let mut held = Vec::with_capacity(IDLE_CONNS);
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(h) => held.push(h),
            Err(e) => failed.push(e),
        }
    }
    if let Some(e) = failed.first() {
        println!("  warning: {} of {IDLE_CONNS} connections failed, e.g. {e}", failed.len());
    }
    if held.is_empty() {
        return Err("no connection could be opened".into());
    }
    tokio::time::sleep(SETTLE).await;
    let after_kib = rss_kib(pid)?;
    let opened = held.len();
    drop(held);
    Ok(Idle { before_kib, after_kib, opened, opening })
}

/// An idle connection held open by the generator.
enum Held {
    Tcp(#[allow(dead_code)] TcpStream),
    Ws(#[allow(dead_code)] Box<tokio_tungstenite::WebSocketStream<TcpStream>>),
}

/// The raw TCP echo, run as a child process (`--raw-server`) so its memory is measured on its
/// own: fixed 64-byte messages, echoed whole, as many as each read brings, in one write.
fn raw_server() -> ExitCode {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread().enable_all().build() else {
        return ExitCode::FAILURE;
    };
    rt.block_on(async {
        let Ok(listener) = TcpListener::bind("127.0.0.1:0").await else {
            return ExitCode::FAILURE;
        };
        let Ok(addr) = listener.local_addr() else {
            return ExitCode::FAILURE;
        };
        println!("{}", serde_json::json!({ "type": "listening", "addr": addr.to_string() }));
        // Like `wsdiag echo --max-runtime 600s`: never outlives a bench that died.
        let _ = timeout(Duration::from_secs(600), async {
            loop {
                match listener.accept().await {
                    Ok((tcp, _)) => {
                        tokio::spawn(raw_echo(tcp));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        })
        .await;
        ExitCode::SUCCESS
    })
}

async fn raw_echo(mut tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
    let mut buf = vec![0u8; RAW_BUFFER];
    let mut have = 0;
    loop {
        match tcp.read(&mut buf[have..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
        let whole = have / MSG * MSG;
        if tcp.write_all(&buf[..whole]).await.is_err() {
            return;
        }
        buf.copy_within(whole..have, 0);
        have -= whole;
    }
}

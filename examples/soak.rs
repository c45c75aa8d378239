//! A soak run against `wsdiag echo` on loopback: N clients exchanging messages and M idle
//! connections, all held for T seconds; then every client leaves. Reports messages lost or
//! corrupted, the server's resident memory at start, peak and after, and its open file
//! descriptors before and after. Bounded in count and time; exits 1 when anything was lost or
//! corrupted or descriptors leaked.
//!
//! ```sh
//! cargo build --release && cargo run --release --example soak -- --active 100 --idle 2000 --seconds 30
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

struct Args {
    server: String,
    active: usize,
    idle: usize,
    seconds: u64,
    size: usize,
}

fn args() -> Args {
    let mut a =
        Args { server: "target/release/wsdiag".into(), active: 100, idle: 2000, seconds: 30, size: 64 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => a.server = value(),
            "--active" => a.active = value().parse().expect("--active N"),
            "--idle" => a.idle = value().parse().expect("--idle N"),
            "--seconds" => a.seconds = value().parse().expect("--seconds T"),
            "--size" => a.size = value().parse().expect("--size BYTES"),
            other => {
                panic!("unknown option {other} (--server PATH --active N --idle N --seconds T --size BYTES)")
            }
        }
    }
    assert!(a.seconds <= 3600, "--seconds is at most 3600");
    assert!(a.active + a.idle <= 20_000, "at most 20,000 connections");
    a
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn open(port: u16) -> Ws {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let url = format!("ws://127.0.0.1:{port}/");
    tokio_tungstenite::client_async(url, tcp).await.expect("upgrade").0
}

#[derive(Default)]
struct Counts {
    sent: AtomicU64,
    echoed: AtomicU64,
    corrupted: AtomicU64,
    lost: AtomicU64,
}

#[tokio::main]
async fn main() {
    let a = args();
    rlimit::increase_nofile_limit(u64::MAX).expect("raise the descriptor limit");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let max_runtime = format!("{}s", a.seconds + 120);
    let mut server = tokio::process::Command::new(&a.server)
        .args(["echo", "--port", &port.to_string(), "--max-runtime", &max_runtime])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (cargo build --release first)", a.server));
    let pid = server.id().expect("pid");
    let ready = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(Instant::now() < ready, "the server did not listen within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The probe connection above is gone: the baseline is an idle server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (rss_start, fds_start) = (rss_kib(pid), fds(pid));

    let mut idle = Vec::with_capacity(a.idle);
    for _ in 0..a.idle {
        idle.push(open(port).await);
    }
    let counts = Arc::new(Counts::default());
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for id in 0..a.active {
        let counts = counts.clone();
        let size = a.size;
        tasks.spawn(async move {
            let mut ws = open(port).await;
            let mut seq = 0u64;
            while Instant::now() < deadline {
                let head = format!("{id}:{seq}:");
                let text: String =
                    head.chars().chain(std::iter::repeat('x')).take(size.max(head.len())).collect();
                if ws.send(Message::text(text.clone())).await.is_err() {
                    counts.lost.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                counts.sent.fetch_add(1, Ordering::Relaxed);
                match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) if t.as_str() == text => {
                        counts.echoed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Some(Ok(_))) => {
                        counts.corrupted.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        counts.lost.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
                seq += 1;
            }
            let _ = ws.close(None).await;
            while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await {}
        });
    }
    let mut rss_peak = rss_start;
    while Instant::now() < deadline {
        rss_peak = rss_peak.max(rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    while tasks.join_next().await.is_some() {
        rss_peak = rss_peak.max(rss_kib(pid));
    }
    for mut ws in idle {
        let _ = ws.close(None).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;
    }
    // The server has had time to let every connection go.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rss_after, fds_after) = (rss_kib(pid), fds(pid));
    let _ = server.start_kill();
    let _ = server.wait().await;

    let c = &counts;
    let (sent, echoed) = (c.sent.load(Ordering::Relaxed), c.echoed.load(Ordering::Relaxed));
    let (lost, corrupted) = (c.lost.load(Ordering::Relaxed), c.corrupted.load(Ordering::Relaxed));
    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "soak: {} active + {} idle connections for {} s, {} B messages",
        a.active, a.idle, a.seconds, a.size
    );
    println!("messages: {sent} sent, {echoed} echoed, {lost} lost, {corrupted} corrupted");
    println!(
        "server RSS: start {:.1} MiB, peak {:.1} MiB, after {:.1} MiB ({:.2} KiB per connection at peak)",
        mib(rss_start),
        mib(rss_peak),
        mib(rss_after),
        (rss_peak.saturating_sub(rss_start)) as f64 / (a.active + a.idle).max(1) as f64
    );
    println!("server file descriptors: {fds_start} before, {fds_after} after the clients left");
    if lost > 0 || corrupted > 0 || fds_after > fds_start {
        std::process::exit(1);
    }
}

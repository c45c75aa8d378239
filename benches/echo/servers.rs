//! The servers under test as child processes, what /proc says about them, and the raw TCP
//! echo that is the baseline for every figure.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::{Res, MSG, RAW_BUFFER, START_TIMEOUT};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WebSocket,
    RawTcp,
}

/// Which echo a `--*-server` child runs.
#[derive(Clone, Copy)]
pub enum Echo {
    /// The floor: bytes back as read.
    Raw,
    /// tokio-tungstenite alone, as its documentation would have an echo written: 4 KiB
    /// buffers, messages fed while more are readable and flushed when input runs dry. The
    /// reference for what the protocol layer itself costs.
    Tungstenite,
}

pub struct Server {
    pub name: &'static str,
    pub kind: Kind,
    pub cmd: Vec<String>,
}

/// A server child process; killed when stopped or dropped.
pub struct Running {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts the server and waits (bounded) for its `* Listening on …` line on stderr; the
    /// rest of its output is read and discarded so it never blocks on a full pipe.
    pub fn start(&self) -> Res<Running> {
        let mut child = Command::new(&self.cmd[0])
            .args(&self.cmd[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.cmd.join(" ")))?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stderr);
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

/// The address of a `* Listening on ws://ADDR/` line (the raw echo prints the same with tcp://).
fn listening_addr(line: &str) -> Option<SocketAddr> {
    let url = line.trim().strip_prefix("* Listening on ")?;
    url.split_once("://")?.1.trim_end_matches('/').parse().ok()
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// VmRSS of a process (resident now), in KiB.
pub fn rss_kib(pid: u32) -> Res<u64> {
    status_kib(pid, "VmRSS:")
}

/// VmHWM of a process (peak resident so far), in KiB.
pub fn peak_rss_kib(pid: u32) -> Res<u64> {
    status_kib(pid, "VmHWM:")
}

fn status_kib(pid: u32, field: &str) -> Res<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/status"))
}

/// Waits for a child and returns its exit status and peak resident memory in KiB (VmHWM,
/// sampled every millisecond), bounded by `limit`: a child still running then is killed and
/// reported.
pub fn wait_with_peak(child: &mut Child, limit: Duration) -> Res<(i32, u64)> {
    let pid = child.id();
    let deadline = Instant::now() + limit;
    let mut peak = 0;
    loop {
        // VmHWM, read while the child runs (its own address space's peak; wait4's ru_maxrss
        // would count the parent's memory at fork time).
        if let Ok(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().map_err(|e| format!("waiting for a client: {e}"))? {
            return Ok((status.code().unwrap_or(-1), peak));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            return Err(format!("a client did not finish within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// User plus system CPU time of a process (utime + stime from /proc/PID/stat).
pub fn cpu_time(pid: u32) -> Res<Duration> {
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

/// An echo server run as a child process (`--raw-server`, `--tungstenite-server`) so its
/// memory and CPU time are measured on their own. Prints `* Listening on tcp://ADDR/`.
pub fn echo_server(echo: Echo) -> ExitCode {
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
        eprintln!("* Listening on tcp://{addr}/");
        // Like `wsdiag echo --max-runtime 600s`: never outlives a bench that died.
        let _ = timeout(Duration::from_secs(600), async {
            loop {
                match listener.accept().await {
                    Ok((tcp, _)) => match echo {
                        Echo::Raw => drop(tokio::spawn(raw_echo(tcp))),
                        Echo::Tungstenite => drop(tokio::spawn(tungstenite_echo(tcp))),
                    },
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        })
        .await;
        ExitCode::SUCCESS
    })
}

/// Fixed 64-byte messages, echoed whole, as many as each read brings, in one write.
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

/// Data messages back as they came; the protocol layer answers pings and the close.
async fn tungstenite_echo(tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(4096);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    while let Some(Ok(mut msg)) = ws.next().await {
        loop {
            if (msg.is_text() || msg.is_binary()) && ws.feed(msg).await.is_err() {
                return;
            }
            // Whatever else is readable now goes out in the same flush.
            match ws.next().now_or_never() {
                Some(Some(Ok(more))) => msg = more,
                Some(_) => return,
                None => break,
            }
        }
        if ws.flush().await.is_err() {
            return;
        }
    }
}

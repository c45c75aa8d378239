//! Round trip on one core: the client runs as a child process pinned to the server's core, so
//! a round trip is two context switches on one core rather than two wake-ups across cores
//! (about 40 µs on the development VMs, which would hide the servers' own cost).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::servers::{wait_with_peak, Kind};
use crate::throughput::message;
use crate::{cmd, Res, IO_TIMEOUT, MSG, RTT_TRIPS, RTT_WARM, SERVER_CORE};

/// p50 and p99 round trip, µs, measured by a client process on the server's core.
pub fn same_core(me: &Path, pin: bool, kind: Kind, addr: SocketAddr) -> Res<(f64, f64)> {
    let which = if kind == Kind::WebSocket { "ws" } else { "raw" };
    let argv = cmd(pin.then_some(SERVER_CORE), me, &["--rtt-client", which, &addr.to_string()]);
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the round-trip client: {e}"))?;
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
    }
    let (code, _) = wait_with_peak(&mut child, IO_TIMEOUT)?;
    if code != 0 {
        return Err(format!("the round-trip client failed: {}", out.trim()));
    }
    let mut fields = out.split_whitespace().filter_map(|f| f.parse::<f64>().ok());
    match (fields.next(), fields.next()) {
        (Some(p50), Some(p99)) => Ok((p50, p99)),
        _ => Err(format!("the round-trip client printed {out:?}")),
    }
}

/// `--rtt-client ws|raw ADDR`: measures and prints "p50 p99" in µs.
pub fn client(args: &[String]) -> ExitCode {
    let kind = if args.first().map(String::as_str) == Some("ws") { Kind::WebSocket } else { Kind::RawTcp };
    let Some(addr) = args.get(1).and_then(|a| a.parse::<SocketAddr>().ok()) else {
        eprintln!("usage: --rtt-client ws|raw ADDR");
        return ExitCode::FAILURE;
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(round_trips(kind, addr)) {
        Ok(mut rtts) => {
            rtts.sort_by(f64::total_cmp);
            let at = |q: f64| rtts[((rtts.len() as f64 * q) as usize).min(rtts.len() - 1)];
            println!("{:.2} {:.2}", at(0.5), at(0.99));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
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
            let (ws, _) = timeout(IO_TIMEOUT, tokio_tungstenite::client_async(format!("ws://{addr}/"), tcp))
                .await
                .map_err(|_| "handshake timed out")?
                .map_err(|e| format!("handshake: {e}"))?;
            // After the handshake the client writes a prebuilt ping frame and reads the pong
            // frame with plain reads, like the raw client: what differs is the server's work.
            let mut tcp = ws.into_inner();
            const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];
            let mut pong = [0u8; 2 + MSG];
            for i in 0..RTT_WARM + RTT_TRIPS {
                let payload = message(0, i as u64);
                let mut ping = Vec::with_capacity(6 + MSG);
                ping.extend_from_slice(&[0x89, 0x80 | MSG as u8]);
                ping.extend_from_slice(&MASK);
                ping.extend(payload.iter().enumerate().map(|(k, b)| b ^ MASK[k % 4]));
                let rtt = exchange(&mut tcp, &ping, &mut pong).await?;
                if pong[..2] != [0x8A, MSG as u8] || pong[2..] != payload[..] {
                    return Err("the pong does not carry the ping's payload".into());
                }
                if i >= RTT_WARM {
                    rtts.push(rtt);
                }
            }
        }
        Kind::RawTcp => {
            let mut tcp = tcp;
            let mut echo = [0u8; MSG];
            for i in 0..RTT_WARM + RTT_TRIPS {
                let msg = message(0, i as u64);
                let rtt = exchange(&mut tcp, &msg, &mut echo).await?;
                if echo != msg {
                    return Err("the echo differs".into());
                }
                if i >= RTT_WARM {
                    rtts.push(rtt);
                }
            }
        }
    }
    Ok(rtts)
}

/// Writes `out`, reads exactly `answer.len()` bytes back (bounded by `IO_TIMEOUT`); the time
/// between, µs.
async fn exchange(tcp: &mut TcpStream, out: &[u8], answer: &mut [u8]) -> Res<f64> {
    let start = Instant::now();
    tcp.write_all(out).await.map_err(|e| format!("write: {e}"))?;
    timeout(IO_TIMEOUT, tcp.read_exact(answer))
        .await
        .map_err(|_| "no answer")?
        .map_err(|e| format!("read: {e}"))?;
    Ok(start.elapsed().as_secs_f64() * 1e6)
}

//! Echo throughput: 64-byte messages over 50 connections, 16 in flight on each, every echo
//! checked byte for byte, and the server's CPU time per echoed message.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::servers::{cpu_time, Kind};
use crate::{Res, CONNS, IN_FLIGHT, IO_TIMEOUT, MSG, RAW_BUFFER, ROUND, WARM_UP};

/// The `i`th message of connection `conn`: its ids, then a pattern derived from them.
pub fn message(conn: u64, i: u64) -> [u8; MSG] {
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

pub struct Throughput {
    pub rate: f64,
    pub cpu_us_per_msg: f64,
}

/// One round: connect, warm up, count echoes (and the server's CPU time) over `ROUND`, then
/// stop sending, wait for the echoes in flight and close.
pub async fn throughput(kind: Kind, addr: SocketAddr, pid: u32) -> Res<Throughput> {
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

//! Memory per idle connection: the server's VmRSS before and after 10,000 connections are
//! opened (WebSocket ones complete their handshake) and left idle.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::servers::{rss_kib, Kind};
use crate::{Res, IDLE_CONNS, IO_TIMEOUT, OPENING, RAW_BUFFER, SETTLE};

pub struct Idle {
    pub before_kib: u64,
    pub after_kib: u64,
    pub opened: usize,
    /// How long opening them took.
    pub opening: Duration,
}

/// Opens `IDLE_CONNS` connections (WebSocket ones complete their handshake), leaves them idle
/// for `SETTLE`, and reads the server's RSS before and after; then closes them all.
pub async fn idle(kind: Kind, addr: SocketAddr, pid: u32) -> Res<Idle> {
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

//! A live WebSocket connection: sends messages and sequence-numbered pings, matches pongs,
//! counts traffic, turns what arrives into events, and closes cleanly.
//!
//! Submodules: `client` and `server` (with `upgrade`, the server side of the handshake) open
//! sessions; `outgoing` and `ending` are the typed input and endings; `receive`, `send` and
//! `writer` are the reading side, the sending side and the outbox of a live session; `stats`, `heartbeat`, `backoff`, `expect` and `wait`
//! are the pure bookkeeping drivers use around them.

pub mod backoff;
pub mod client;
pub mod connection;
pub mod expect;
mod h2_client;
pub mod h2_server;
pub mod heartbeat;
pub mod server;
pub mod stats;
pub mod upgrade;
pub mod wait;

pub use crate::core::event::ending;
pub mod outgoing;

mod clock;
mod over;
mod receive;
mod records;
mod send;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::WebSocketStream;

use crate::core::event::{CloseInfo, Data, Dir, EventKind, EventSink, FrameRecord, PingStats, Side, Traffic};
use crate::core::net::read_ahead::ReadAhead;
use crate::core::net::socket::SocketHandle;
use crate::core::net::transport::NetStream;
use crate::core::wire::deflate::Deflate;
use crate::core::wire::pong_filter::PongFilter;
use crate::core::wire::tap::{Records, Tap, TapConfig};
use stats::{PingTracker, PongMatch};

pub use clock::Clock;
pub use ending::{Deadline, End, Ending, Limit};
pub use outgoing::{Outgoing, RawFrame};
use writer::Outbox;

/// The protocol stream of a session: tungstenite over the read-ahead layer (no read buffer held
/// while idle) over the `--no-pong` fault layer over the permessage-deflate layer (a plain
/// pass-through unless the extension was agreed) over the tap.
pub type Ws = WebSocketStream<ReadAhead<PongFilter<Deflate<Tap<NetStream>>>>>;

/// Outgoing bytes allowed in the writer's queue before input stops being taken.
const QUEUE_BYTES: usize = 4 << 20;
/// How long a closing handshake may take before the connection is dropped: for an answer to
/// our close frame, and for the TCP close after the close frames crossed (RFC 6455 §7.1.1).
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
const PING_PREFIX: &str = "wsdiag-ping ";

/// A session's traffic and close, kept after the session itself is gone.
#[derive(Debug, Clone, Default)]
pub struct SessionTotals {
    pub sent: Traffic,
    pub received: Traffic,
    pub close: Option<CloseInfo>,
}

/// What `next` observed.
#[derive(Debug)]
pub enum Incoming {
    Message(Data),
    /// A ping or the peer's close frame (already reported as events).
    Control,
    /// A pong, and what it answered.
    Pong(PongMatch),
    /// The connection ended (already reported as an `Ended` event). Every later call
    /// returns the same ending.
    Ended(End),
}

/// One open connection, read and written by the task that polls it: queued messages are
/// written whenever it is polled, before anything more is read.
pub struct Session {
    /// The protocol stream (taken by `Drop` to finish queued writes).
    ws: Option<Ws>,
    out: Outbox,
    /// Stop reading while the outbox is over its budget (echoes: back-pressure to the peer).
    pace_reads: bool,
    /// Stop reading while this backlog of events is full (servers whose output stalls).
    gate: Option<Arc<crate::core::event::Backlog>>,
    tap: Records,
    tap_cfg: TapConfig,
    clock: Clock,
    conn: u64,
    pings: PingTracker,
    pub sent: Traffic,
    pub received: Traffic,
    /// The first close frame of the connection, by whichever side sent it, with the code
    /// and reason that crossed the wire.
    pub close: Option<CloseInfo>,
    peer_closed: bool,
    /// Which end this session is.
    local: Side,
    socket: Option<SocketHandle>,
    /// When the closing handshake must be over; set by the first close frame either way.
    close_deadline: Option<Instant>,
    /// The payload of the peer's last close frame as the tap saw it.
    wire_close: Option<Vec<u8>>,
    /// A rule the peer broke while the closing handshake goes on (e.g. a bad close code).
    violation: Option<(Ending, Duration)>,
    /// The tap saw the peer's FIN inside a frame.
    eof_mid_frame: bool,
    /// When the session started.
    opened: Instant,
    /// The opening handshake's request and response heads, exact bytes (clients).
    handshake: Option<(Vec<u8>, Vec<u8>)>,
    /// Pings with a chosen payload waiting for their pong (`ping_with`), oldest first.
    chosen_pings: std::collections::VecDeque<(Bytes, Instant)>,
    end: Option<End>,
    /// With permessage-deflate agreed: payload bytes saved on the wire so far, received and
    /// sent (inflated less compressed sizes; negative when compression grew a message).
    saved: Option<[i64; 2]>,
    /// Inflated sizes of sent compressed messages whose frames the tap has not reported yet.
    deflated_out: std::collections::VecDeque<u64>,
    /// Inside a compressed message received (its first frame had RSV1).
    compressed_in: bool,
    /// Over HTTP/2 (RFC 8441): the connection's frames and PING handle.
    http2: Option<Http2Link>,
}

/// What a session keeps of the HTTP/2 connection under it.
struct Http2Link {
    log: crate::core::net::h2::FrameLog,
    ping_pong: Option<h2::PingPong>,
}

impl Session {
    /// A session for the `local` end of an upgraded connection; `tap_cfg` is the tap's, so
    /// that frames the session crafts are reported when the tap does not record frames.
    pub fn new(ws: Ws, tap: Records, tap_cfg: TapConfig, clock: Clock, conn: u64, local: Side) -> Self {
        Session {
            ws: Some(ws),
            out: Outbox::default(),
            pace_reads: false,
            gate: None,
            tap,
            tap_cfg,
            clock,
            conn,
            pings: PingTracker::default(),
            sent: Traffic::default(),
            received: Traffic::default(),
            close: None,
            peer_closed: false,
            local,
            socket: None,
            close_deadline: None,
            wire_close: None,
            violation: None,
            eof_mid_frame: false,
            chosen_pings: Default::default(),
            opened: Instant::now(),
            handshake: None,
            end: None,
            saved: None,
            deflated_out: std::collections::VecDeque::new(),
            compressed_in: false,
            http2: None,
        }
    }

    /// Traffic and close so far.
    pub fn totals(&self) -> SessionTotals {
        SessionTotals {
            sent: self.traffic(Dir::Out),
            received: self.traffic(Dir::In),
            close: self.close.clone(),
        }
    }

    /// The connection id events carry.
    pub fn conn(&self) -> u64 {
        self.conn
    }

    /// How long the session has been open.
    pub fn age(&self) -> Duration {
        self.opened.elapsed()
    }

    /// The opening handshake's request and response heads, when recorded.
    pub fn handshake(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        self.handshake.clone()
    }

    /// Records the opening handshake's heads (`client::open` does).
    pub fn set_handshake(&mut self, request: Vec<u8>, response: Vec<u8>) {
        self.handshake = Some((request, response));
    }

    /// Keeps a second handle on the TCP socket (TCP_INFO, keepalive, reset, bare FIN).
    pub fn attach_socket(&mut self, socket: Option<SocketHandle>) {
        self.socket = socket;
    }

    /// The second handle on the TCP socket, when one was attached.
    pub fn socket(&self) -> Option<&SocketHandle> {
        self.socket.as_ref()
    }

    /// Ends the connection with a TCP reset (SO_LINGER 0), no close frame; reports the
    /// `Local` ending.
    pub fn reset(mut self, sink: &mut dyn EventSink) {
        if let Some(s) = &self.socket {
            s.reset();
        }
        self.abandon(Ending::Local, sink);
    }

    /// Ends the connection with a TCP FIN and no close frame, like a proxy's idle timeout;
    /// reports the `Local` ending.
    pub fn close_silently(mut self, sink: &mut dyn EventSink) {
        if let Some(s) = &self.socket {
            s.shutdown();
        }
        self.abandon(Ending::Local, sink);
    }

    /// Ends the session for a reason the driver found (for example `TimedOut(Pong)` when
    /// heartbeats went unanswered) and reports it, unless it had already ended.
    pub fn abandon(&mut self, ending: Ending, sink: &mut dyn EventSink) -> End {
        match self.end.clone() {
            Some(end) => end,
            None => match self.finish(ending, sink) {
                Incoming::Ended(end) => end,
                _ => unreachable!("finish always ends"),
            },
        }
    }

    fn emit(&self, sink: &mut dyn EventSink, kind: EventKind) {
        self.clock.emit_for(sink, self.conn, kind);
    }

    /// Takes a frame the tap recorded (also one that arrived with the 101, before the
    /// session existed).
    pub fn observe_frame(&mut self, f: FrameRecord, sink: &mut dyn EventSink) {
        if f.dir == Dir::In && f.opcode == 0x8 {
            self.wire_close = Some(f.preview.clone());
        }
        if self.tap_cfg.frames {
            self.clock.emit_for_at(sink, self.conn, f.at, EventKind::Frame(f));
        }
    }

    /// True while the outbox can take another message without exceeding its budget.
    pub fn can_queue(&self) -> bool {
        self.out.queued < QUEUE_BYTES
    }

    /// With `true`, `next` stops reading while the outbox is over its budget (4 MiB), so a
    /// peer that sends faster than it reads what comes back is slowed down, not buffered:
    /// for echoes. Off by default: a client feeding stdin must keep reading meanwhile.
    pub fn pace_reads(&mut self, on: bool) {
        self.pace_reads = on;
    }

    /// With a backlog, `next` reads nothing more while it is full: a server whose output
    /// stalls stops reading from its peers (TCP back-pressure) instead of queueing events.
    pub fn gate_reads(&mut self, backlog: Option<Arc<crate::core::event::Backlog>>) {
        self.gate = backlog;
    }

    /// Writes and flushes what is queued, waiting at most `bound` (a peer that stops reading
    /// cannot hold the caller longer).
    pub async fn flushed(&mut self, bound: Duration) {
        let Some(ws) = self.ws.as_mut() else { return };
        let (out, sent) = (&mut self.out, &mut self.sent);
        let _ = tokio::time::timeout(bound, std::future::poll_fn(|cx| out.poll_write(ws, sent, cx))).await;
    }

    /// Notified whenever the outbox was flushed empty (writes progress while the session is
    /// polled).
    pub fn drained_handle(&self) -> Arc<Notify> {
        self.out.drained.clone()
    }

    fn queue(&mut self, msg: Message) {
        self.out.push(msg, false);
    }

    fn write_failure(&self) -> Option<Ending> {
        self.out.failure.clone()
    }

    /// The RTT of a pong that answers a `ping_with` ping.
    /// The payloads of the pings waiting for a pong (timed ones and chosen ones, each oldest
    /// first), at most `EXPECTED_SHOWN`.
    fn waiting_pings(&self) -> Vec<Bytes> {
        let timed = self.pings.waiting().into_iter().map(|seq| Bytes::from(format!("{PING_PREFIX}{seq}")));
        let chosen = self.chosen_pings.iter().map(|(p, _)| p.clone());
        timed.chain(chosen).take(crate::core::event::EXPECTED_SHOWN).collect()
    }

    fn chosen_pong(&mut self, payload: &[u8]) -> Option<Duration> {
        let i = self.chosen_pings.iter().position(|(p, _)| p.as_ref() == payload)?;
        self.chosen_pings.remove(i).map(|(_, at)| at.elapsed())
    }

    /// Counts pings unanswered after `timeout` as lost, reporting each.
    pub fn expire_pings(&mut self, timeout: Duration, sink: &mut dyn EventSink) {
        for seq in self.pings.expire(Instant::now(), timeout) {
            self.emit(sink, EventKind::PingTimeout { seq, after: timeout });
        }
    }

    /// Pings still waiting for a pong.
    pub fn pings_outstanding(&self) -> usize {
        self.pings.outstanding()
    }

    /// Hands over the ping bookkeeping (sequence numbers and statistics run across reconnects).
    pub fn set_pings(&mut self, pings: PingTracker) {
        self.pings = pings;
    }

    pub fn take_pings(&mut self) -> PingTracker {
        std::mem::take(&mut self.pings)
    }

    /// Starts the closing handshake (unless the peer already closed) and reads until the
    /// connection ends, so no message that arrived before the close is lost. Bounded by the
    /// close timeout, in every order of the handshake.
    pub async fn close_and_wait(&mut self, code: u16, reason: &str, sink: &mut dyn EventSink) -> End {
        if !self.peer_closed && self.end.is_none() {
            self.close(code, reason, sink);
        }
        self.wait_end(sink).await
    }

    /// Reads until the connection ends; bounded only when a close frame was exchanged or the
    /// connection breaks, so callers start the closing handshake first.
    pub async fn wait_end(&mut self, sink: &mut dyn EventSink) -> End {
        loop {
            if let Incoming::Ended(end) = self.next(sink).await {
                return end;
            }
        }
    }

    pub fn ping_stats(&self) -> PingStats {
        self.pings.stats()
    }
}

impl Drop for Session {
    /// What was queued still goes out (an echo queued just before the session ended), but a
    /// peer that stops reading holds it at most `CLOSE_TIMEOUT`.
    fn drop(&mut self) {
        if !self.out.pending() || self.out.failure.is_some() {
            return;
        }
        let (Some(mut ws), Ok(rt)) = (self.ws.take(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        let mut out = std::mem::take(&mut self.out);
        rt.spawn(async move {
            let mut sent = Traffic::default();
            let write = std::future::poll_fn(|cx| out.poll_write(&mut ws, &mut sent, cx));
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, write).await;
        });
    }
}

fn parse_seq(payload: &[u8]) -> Option<u64> {
    std::str::from_utf8(payload).ok()?.strip_prefix(PING_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests;

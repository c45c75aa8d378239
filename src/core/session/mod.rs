//! A live WebSocket connection: sends messages and sequence-numbered pings, matches pongs,
//! counts traffic, turns what arrives into events, and closes cleanly.
//!
//! Submodules: `client` and `server` open sessions; `stats`, `heartbeat`, `backoff`, `expect`
//! and `wait` are the pure bookkeeping drivers use around them.

pub mod backoff;
pub mod client;
pub mod expect;
pub mod heartbeat;
pub mod server;
pub mod stats;
pub mod wait;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc as tmpsc, Notify};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::core::error::Error;
use crate::core::event::{CloseInfo, Data, Dir, Event, EventKind, EventSink, PingStats, Side, Traffic};
use crate::core::net::transport::NetStream;
use crate::core::session::stats::{PingTracker, PongMatch};
use crate::core::wire::tap::{drain, Records, Tap, TapRecord};

type Ws = WebSocketStream<Tap<NetStream>>;

/// The run's time origin; turns instants into event timestamps.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn new(start: Instant) -> Self {
        Clock { start }
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    pub fn emit(&self, sink: &mut dyn EventSink, kind: EventKind) {
        self.emit_at(sink, Instant::now(), kind);
    }

    /// Emits an event of connection `conn`, now.
    pub fn emit_for(&self, sink: &mut dyn EventSink, conn: u64, kind: EventKind) {
        let t = self.start.elapsed();
        sink.emit(Event { t, conn, kind });
    }

    pub fn emit_at(&self, sink: &mut dyn EventSink, at: Instant, kind: EventKind) {
        let t = at.saturating_duration_since(self.start);
        sink.emit(Event { t, conn: 0, kind });
    }
}

/// Outgoing bytes allowed in the writer's queue before input stops being taken.
const QUEUE_BYTES: usize = 4 << 20;
/// How long a closing handshake may take before the connection is dropped.
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
    /// The connection ended: `Ok` after a close handshake, `Err` when it broke.
    Ended(Result<(), Error>),
}

/// One open connection, split into a reader (this task) and a writer task.
pub struct Session {
    reader: SplitStream<Ws>,
    writer: tmpsc::UnboundedSender<Message>,
    queued: Arc<AtomicUsize>,
    drained: Arc<Notify>,
    tap: Records,
    clock: Clock,
    conn: u64,
    pings: PingTracker,
    pub sent: Traffic,
    pub received: Traffic,
    /// The first close frame of the connection, by whichever side sent it.
    pub close: Option<CloseInfo>,
    peer_closed: bool,
    /// Which end this session is.
    local: Side,
    /// A second handle on the socket, for reset and silent close (servers' fault injection).
    raw: Option<std::net::TcpStream>,
}

impl Session {
    /// A session for the `local` end of an upgraded connection.
    pub fn new(ws: Ws, tap: Records, clock: Clock, conn: u64, local: Side) -> Self {
        let (sink, reader) = ws.split();
        let (writer, rx) = tmpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let drained = Arc::new(Notify::new());
        tokio::spawn(write_loop(sink, rx, queued.clone(), drained.clone()));
        Session {
            reader,
            writer,
            queued,
            drained,
            tap,
            clock,
            conn,
            pings: PingTracker::default(),
            sent: Traffic::default(),
            received: Traffic::default(),
            close: None,
            peer_closed: false,
            local,
            raw: None,
        }
    }

    /// Traffic and close so far.
    pub fn totals(&self) -> SessionTotals {
        SessionTotals { sent: self.sent, received: self.received, close: self.close.clone() }
    }

    pub fn conn(&self) -> u64 {
        self.conn
    }

    pub fn attach_raw(&mut self, raw: Option<std::net::TcpStream>) {
        self.raw = raw;
    }

    /// Ends the connection with a TCP reset (SO_LINGER 0), no close frame.
    pub fn reset(self) {
        if let Some(raw) = &self.raw {
            let _ = socket2::SockRef::from(raw).set_linger(Some(Duration::ZERO));
        }
        drop(self);
    }

    /// Ends the connection with a TCP FIN and no close frame, like a proxy's idle timeout.
    pub fn close_silently(self) {
        if let Some(raw) = &self.raw {
            let _ = raw.shutdown(std::net::Shutdown::Both);
        }
        drop(self);
    }

    fn emit(&self, sink: &mut dyn EventSink, kind: EventKind) {
        let t = self.clock.elapsed();
        sink.emit(Event { t, conn: self.conn, kind });
    }

    /// Emits frame events the tap recorded since the last call.
    pub fn drain_tap(&mut self, sink: &mut dyn EventSink) {
        for rec in drain(&mut self.tap) {
            if let TapRecord::Frame(f) = rec {
                let t = f.at.saturating_duration_since(self.clock.start);
                sink.emit(Event { t, conn: self.conn, kind: EventKind::Frame(f) });
            }
        }
    }

    /// True while the writer can take another message without exceeding its queue budget.
    pub fn can_queue(&self) -> bool {
        self.queued.load(Ordering::Relaxed) < QUEUE_BYTES
    }

    /// Waits (at most `bound`) until everything queued has been written and flushed.
    pub async fn flushed(&self, bound: Duration) {
        let _ = tokio::time::timeout(bound, async {
            while self.queued.load(Ordering::Relaxed) > 0 {
                self.drained.notified().await;
            }
        })
        .await;
    }

    /// Notified whenever the writer has drained its queue.
    pub fn drained_handle(&self) -> Arc<Notify> {
        self.drained.clone()
    }

    fn queue(&self, msg: Message) {
        self.queued.fetch_add(msg.len(), Ordering::Relaxed);
        // A closed writer means the connection broke; the reader reports why.
        let _ = self.writer.send(msg);
    }

    pub fn send(&mut self, data: Data, sink: &mut dyn EventSink) {
        self.sent.messages += 1;
        self.sent.bytes += data.len() as u64;
        let msg = match &data {
            Data::Text(t) => Message::Text(t.clone()),
            Data::Binary(b) => Message::Binary(b.clone()),
        };
        if sink.wants_data() {
            self.emit(sink, EventKind::Message { dir: Dir::Out, data });
        }
        self.queue(msg);
    }

    /// Sends a ping whose payload carries a sequence number; its pong yields an RTT.
    pub fn ping(&mut self, sink: &mut dyn EventSink) {
        let seq = self.pings.sent(Instant::now());
        let payload = Bytes::from(format!("{PING_PREFIX}{seq}"));
        self.emit(sink, EventKind::Ping { dir: Dir::Out, payload: payload.clone(), seq: Some(seq) });
        self.queue(Message::Ping(payload));
    }

    /// Counts pings unanswered after `timeout` as lost, reporting each.
    pub fn expire_pings(&mut self, timeout: Duration, sink: &mut dyn EventSink) {
        for seq in self.pings.expire(Instant::now(), timeout) {
            self.emit(sink, EventKind::PingTimeout { seq, after: timeout });
        }
    }

    /// Pings sent so far (across reconnects, when the tracker was handed over).
    pub fn pings_sent(&self) -> u64 {
        self.pings.sent_count()
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

    /// Starts the closing handshake.
    pub fn close(&mut self, code: u16, reason: &str, sink: &mut dyn EventSink) {
        if self.close.is_none() {
            let info = CloseInfo { by: self.local, code: Some(code), reason: reason.to_string() };
            self.close = Some(info.clone());
            self.emit(sink, EventKind::Close { close: info, reply: false });
        }
        let frame = CloseFrame { code: CloseCode::from(code), reason: reason.to_string().into() };
        self.queue(Message::Close(Some(frame)));
    }

    /// Starts the closing handshake (unless the peer already closed) and reads until the peer
    /// answers or `CLOSE_TIMEOUT` passes, so no message that arrived before the close is lost.
    pub async fn close_and_wait(&mut self, code: u16, reason: &str, sink: &mut dyn EventSink) {
        if self.peer_closed {
            return;
        }
        self.close(code, reason, sink);
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
            while !matches!(self.next(sink).await, Incoming::Ended(_)) {}
        })
        .await;
    }

    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Waits for what the peer sends next and reports it. Cancel-safe: the only await is the
    /// stream's own `next`.
    pub async fn next(&mut self, sink: &mut dyn EventSink) -> Incoming {
        let item = self.reader.next().await;
        self.drain_tap(sink);
        match item {
            Some(Ok(Message::Text(t))) => self.received_data(Data::Text(t), sink),
            Some(Ok(Message::Binary(b))) => self.received_data(Data::Binary(b), sink),
            Some(Ok(Message::Ping(payload))) => {
                let seq = parse_seq(&payload);
                self.emit(sink, EventKind::Ping { dir: Dir::In, payload, seq });
                Incoming::Control
            }
            Some(Ok(Message::Pong(payload))) => {
                let seq = parse_seq(&payload);
                let matched = self.pings.pong(seq, Instant::now());
                let (rtt, late) = match matched {
                    PongMatch::Matched { rtt, .. } => (Some(rtt), false),
                    PongMatch::Late { .. } => (None, true),
                    PongMatch::Unmatched => (None, false),
                };
                self.emit(sink, EventKind::Pong { dir: Dir::In, payload, seq, rtt, late });
                if let PongMatch::Matched { seq, rtt } = matched {
                    self.emit(sink, EventKind::Rtt { seq: Some(seq), rtt });
                }
                Incoming::Pong(matched)
            }
            Some(Ok(Message::Close(frame))) => {
                self.peer_closed = true;
                let (code, reason) = match frame {
                    Some(f) => (Some(u16::from(f.code)), f.reason.to_string()),
                    None => (None, String::new()),
                };
                let info = CloseInfo { by: self.local.other(), code, reason };
                let reply = self.close.is_some();
                if !reply {
                    self.close = Some(info.clone());
                }
                self.emit(sink, EventKind::Close { close: info, reply });
                Incoming::Control
            }
            Some(Ok(Message::Frame(_))) => Incoming::Control,
            Some(Err(e)) => Incoming::Ended(self.ended_by(e)),
            None if self.peer_closed => Incoming::Ended(Ok(())),
            None => Incoming::Ended(Err(Error::Lost {
                message: "the connection ended without a close frame (1006)".into(),
            })),
        }
    }

    fn received_data(&mut self, data: Data, sink: &mut dyn EventSink) -> Incoming {
        self.received.messages += 1;
        self.received.bytes += data.len() as u64;
        if sink.wants_data() {
            self.emit(sink, EventKind::Message { dir: Dir::In, data: data.clone() });
        }
        Incoming::Message(data)
    }

    fn ended_by(&self, e: WsError) -> Result<(), Error> {
        use tokio_tungstenite::tungstenite::error::ProtocolError;
        match e {
            WsError::ConnectionClosed | WsError::AlreadyClosed => Ok(()),
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => Err(Error::Lost {
                message: "the server closed the TCP connection without a close frame (1006)".into(),
            }),
            WsError::Io(io) => {
                if let Some(tls) = crate::core::net::tls::classify(&io, "") {
                    return Err(tls);
                }
                let message = match io.kind() {
                    std::io::ErrorKind::ConnectionReset => "the server reset the connection (1006)".into(),
                    std::io::ErrorKind::UnexpectedEof => {
                        "the connection ended in the middle of a frame (1006)".into()
                    }
                    _ => format!("{io} (1006)"),
                };
                Err(Error::Lost { message })
            }
            WsError::Protocol(p) => Err(Error::Protocol { message: p.to_string() }),
            WsError::Capacity(c) => Err(Error::Protocol { message: c.to_string() }),
            WsError::Utf8(u) => {
                Err(Error::Protocol { message: format!("invalid UTF-8 in a text message: {u}") })
            }
            other => Err(Error::Protocol { message: other.to_string() }),
        }
    }

    pub fn ping_stats(&self) -> PingStats {
        self.pings.stats()
    }
}

fn parse_seq(payload: &[u8]) -> Option<u64> {
    std::str::from_utf8(payload).ok()?.strip_prefix(PING_PREFIX)?.parse().ok()
}

/// Feeds queued messages without flushing while more are ready, and flushes when the queue
/// runs dry: a flush per message costs several times the CPU.
async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut rx: tmpsc::UnboundedReceiver<Message>,
    queued: Arc<AtomicUsize>,
    drained: Arc<Notify>,
) {
    while let Some(msg) = rx.recv().await {
        let mut batch = msg.len();
        if sink.feed(msg).await.is_err() {
            return;
        }
        while let Ok(msg) = rx.try_recv() {
            batch += msg.len();
            if sink.feed(msg).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
        queued.fetch_sub(batch, Ordering::Relaxed);
        drained.notify_one();
    }
}

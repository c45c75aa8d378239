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
pub mod upgrade;
pub mod wait;

pub mod ending;
pub mod outgoing;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc as tmpsc, Notify};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::core::event::{
    CloseInfo, Data, Dir, Event, EventKind, EventSink, FrameRecord, PingStats, Side, Traffic,
};
use crate::core::net::socket::SocketHandle;
use crate::core::net::transport::{AnyStream, NetStream};
use crate::core::wire::close;
use crate::core::wire::tap::{drain, Records, Tap, TapConfig, TapRecord};
use stats::{PingTracker, PongMatch};
use wait::until;

pub use ending::{Deadline, End, Ending, Limit};
pub use outgoing::{Outgoing, RawFrame};

type Ws = WebSocketStream<Tap<NetStream>>;

/// The run's time origin; turns instants into event timestamps. Time is tokio's clock, so
/// tests can pause and advance it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn new(start: Instant) -> Self {
        Clock { start }
    }

    /// A clock whose origin is now.
    pub fn now() -> Self {
        Clock { start: Instant::now() }
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Emits an event of connection 0 (a client's run), now.
    pub fn emit(&self, sink: &mut dyn EventSink, kind: EventKind) {
        self.emit_at(sink, Instant::now(), kind);
    }

    /// Emits an event of connection `conn`, now.
    pub fn emit_for(&self, sink: &mut dyn EventSink, conn: u64, kind: EventKind) {
        let t = self.start.elapsed();
        sink.emit(Event { t, conn, kind });
    }

    pub fn emit_at(&self, sink: &mut dyn EventSink, at: Instant, kind: EventKind) {
        self.emit_for_at(sink, 0, at, kind);
    }

    /// Emits an event of connection `conn` that happened at `at`.
    pub fn emit_for_at(&self, sink: &mut dyn EventSink, conn: u64, at: Instant, kind: EventKind) {
        let t = at.saturating_duration_since(self.start);
        sink.emit(Event { t, conn, kind });
    }
}

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
    /// How the connection ended, once it has.
    pub end: Option<End>,
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

/// State shared with the writer task.
#[derive(Debug, Default)]
struct Shared {
    /// Bytes queued and not yet flushed.
    queued: AtomicUsize,
    /// Notified whenever the writer has drained its queue.
    drained: Arc<Notify>,
    /// The first write failure.
    failure: Mutex<Option<Ending>>,
    /// Notified when a write failed.
    failed: Notify,
}

/// One open connection, split into a reader (this task) and a writer task.
pub struct Session {
    reader: SplitStream<Ws>,
    writer: tmpsc::UnboundedSender<Message>,
    shared: Arc<Shared>,
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
    close_timeout: Duration,
    /// When the closing handshake must be over; set by the first close frame either way.
    close_deadline: Option<Instant>,
    /// The payload of the peer's last close frame as the tap saw it.
    wire_close: Option<Vec<u8>>,
    /// A rule the peer broke while the closing handshake goes on (e.g. a bad close code).
    violation: Option<Ending>,
    /// The local message size limit, for reporting (None: no limit).
    max_message: Option<usize>,
    /// The tap saw the peer's FIN inside a frame.
    eof_mid_frame: bool,
    end: Option<End>,
}

impl Session {
    /// A session for the `local` end of an upgraded connection; `tap_cfg` is the tap's, so
    /// that frames the session crafts are reported when the tap does not record frames.
    pub fn new(ws: Ws, tap: Records, tap_cfg: TapConfig, clock: Clock, conn: u64, local: Side) -> Self {
        let max_message = ws.get_config().max_message_size;
        let (sink, reader) = ws.split();
        let (writer, rx) = tmpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        tokio::spawn(write_loop(sink, rx, shared.clone()));
        Session {
            reader,
            writer,
            shared,
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
            close_timeout: CLOSE_TIMEOUT,
            close_deadline: None,
            wire_close: None,
            violation: None,
            max_message,
            eof_mid_frame: false,
            end: None,
        }
    }

    /// A session over any stream whose opening handshake is already done (for example one
    /// end of `tokio::io::duplex`): the in-process form of the core, with the same tap,
    /// events and endings as a TCP connection.
    pub async fn over(
        stream: impl AnyStream,
        local: Side,
        config: WebSocketConfig,
        tap_cfg: TapConfig,
        clock: Clock,
        conn: u64,
    ) -> Self {
        let (tap, records) = Tap::upgraded(NetStream::Other(Box::new(stream)), tap_cfg);
        let role = if local == Side::Client { Role::Client } else { Role::Server };
        let ws = WebSocketStream::from_raw_socket(tap, role, Some(config)).await;
        Session::new(ws, records, tap_cfg, clock, conn, local)
    }

    /// Traffic, close and ending so far.
    pub fn totals(&self) -> SessionTotals {
        SessionTotals {
            sent: self.sent,
            received: self.received,
            close: self.close.clone(),
            end: self.end.clone(),
        }
    }

    /// The connection id events carry.
    pub fn conn(&self) -> u64 {
        self.conn
    }

    /// Which end this session is.
    pub fn local(&self) -> Side {
        self.local
    }

    /// How the connection ended, once it has.
    pub fn end(&self) -> Option<&End> {
        self.end.as_ref()
    }

    /// Sets how long the closing handshake may take (default `CLOSE_TIMEOUT`).
    pub fn set_close_timeout(&mut self, timeout: Duration) {
        self.close_timeout = timeout;
    }

    /// Keeps a second handle on the TCP socket (TCP_INFO, keepalive, reset, bare FIN).
    pub fn attach_socket(&mut self, socket: Option<SocketHandle>) {
        self.socket = socket;
    }

    /// The second handle on the TCP socket, when one was attached.
    pub fn socket(&self) -> Option<&SocketHandle> {
        self.socket.as_ref()
    }

    /// Ends the connection with a TCP reset (SO_LINGER 0), no close frame.
    pub fn reset(self) {
        if let Some(s) = &self.socket {
            s.reset();
        }
        drop(self);
    }

    /// Ends the connection with a TCP FIN and no close frame, like a proxy's idle timeout.
    pub fn close_silently(self) {
        if let Some(s) = &self.socket {
            s.shutdown();
        }
        drop(self);
    }

    fn emit(&self, sink: &mut dyn EventSink, kind: EventKind) {
        let t = self.clock.elapsed();
        sink.emit(Event { t, conn: self.conn, kind });
    }

    /// Emits frame events the tap recorded since the last call, and keeps the payload of the
    /// peer's close frame as it crossed the wire.
    pub fn drain_tap(&mut self, sink: &mut dyn EventSink) {
        for rec in drain(&mut self.tap) {
            match rec {
                TapRecord::Frame(f) => self.observe_frame(f, sink),
                TapRecord::Eof { mid_frame } => self.eof_mid_frame = mid_frame,
                _ => {}
            }
        }
    }

    /// Takes a frame the tap recorded (also one that arrived with the 101, before the
    /// session existed).
    pub fn observe_frame(&mut self, f: FrameRecord, sink: &mut dyn EventSink) {
        if f.dir == Dir::In && f.opcode == 0x8 {
            self.wire_close = Some(f.preview.clone());
        }
        if self.tap_cfg.frames {
            let t = f.at.saturating_duration_since(self.clock.start);
            sink.emit(Event { t, conn: self.conn, kind: EventKind::Frame(f) });
        }
    }

    /// True while the writer can take another message without exceeding its queue budget.
    pub fn can_queue(&self) -> bool {
        self.shared.queued.load(Ordering::Relaxed) < QUEUE_BYTES
    }

    /// Waits (at most `bound`) until everything queued has been written and flushed.
    pub async fn flushed(&self, bound: Duration) {
        let _ = tokio::time::timeout(bound, async {
            while self.shared.queued.load(Ordering::Relaxed) > 0 && self.write_failure().is_none() {
                self.shared.drained.notified().await;
            }
        })
        .await;
    }

    /// Notified whenever the writer has drained its queue.
    pub fn drained_handle(&self) -> Arc<Notify> {
        self.shared.drained.clone()
    }

    fn queue(&self, msg: Message) {
        self.shared.queued.fetch_add(msg.len(), Ordering::Relaxed);
        // A closed writer means the connection broke; `next` reports how.
        let _ = self.writer.send(msg);
    }

    fn write_failure(&self) -> Option<Ending> {
        self.shared.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Sends anything a driver can ask for, and reports it as events.
    pub fn submit(&mut self, out: Outgoing, sink: &mut dyn EventSink) {
        match out {
            Outgoing::Data(data) => self.send(data, sink),
            Outgoing::Ping(payload) => {
                let seq = parse_seq(&payload);
                self.emit(sink, EventKind::Ping { dir: Dir::Out, payload: payload.clone(), seq });
                self.queue(Message::Ping(payload));
            }
            Outgoing::Pong(payload) => {
                let pong = EventKind::Pong {
                    dir: Dir::Out,
                    payload: payload.clone(),
                    seq: None,
                    rtt: None,
                    late: false,
                };
                self.emit(sink, pong);
                self.queue(Message::Pong(payload));
            }
            Outgoing::Close(status) => self.close_with(status, sink),
            Outgoing::Frame(raw) => {
                if !self.tap_cfg.frames {
                    // The tap records no frames here: report the crafted one ourselves.
                    let preview_max =
                        if raw.opcode >= 0x8 { raw.payload.len() } else { self.tap_cfg.preview };
                    let record = FrameRecord {
                        dir: Dir::Out,
                        at: Instant::now(),
                        fin: raw.fin,
                        rsv: raw.rsv,
                        opcode: raw.opcode & 0x0F,
                        masked: self.local == Side::Client,
                        len: raw.payload.len() as u64,
                        preview: raw.payload[..raw.payload.len().min(preview_max)].to_vec(),
                    };
                    self.emit(sink, EventKind::Frame(record));
                }
                self.queue(Message::Frame(raw.to_frame()));
            }
        }
    }

    /// Sends a whole data message.
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

    /// Starts the closing handshake with a status code and reason.
    pub fn close(&mut self, code: u16, reason: &str, sink: &mut dyn EventSink) {
        self.close_with(Some((code, reason.to_string())), sink);
    }

    /// Starts the closing handshake; `None` sends a close frame with no status code.
    pub fn close_with(&mut self, status: Option<(u16, String)>, sink: &mut dyn EventSink) {
        if self.close.is_none() {
            let (code, reason) = match &status {
                Some((code, reason)) => (Some(*code), reason.clone()),
                None => (None, String::new()),
            };
            let info = CloseInfo { by: self.local, code, reason };
            self.close = Some(info.clone());
            self.emit(sink, EventKind::Close { close: info, reply: false });
        }
        self.close_deadline.get_or_insert(Instant::now() + self.close_timeout);
        let frame =
            status.map(|(code, reason)| CloseFrame { code: CloseCode::from(code), reason: reason.into() });
        self.queue(Message::Close(frame));
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

    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Waits for what the peer sends next and reports it. Cancel-safe: the stream's own
    /// `next`, a notification and a sleep are all it awaits before something is returned.
    pub async fn next(&mut self, sink: &mut dyn EventSink) -> Incoming {
        if let Some(end) = &self.end {
            return Incoming::Ended(end.clone());
        }
        if let Some(ending) = self.write_failure() {
            return self.finish(ending, sink);
        }
        let item = tokio::select! {
            biased;
            item = self.reader.next() => item,
            _ = self.shared.failed.notified() => {
                let ending = self.write_failure().unwrap_or(Ending::Reset { on_write: true });
                return self.finish(ending, sink);
            }
            _ = until(self.close_deadline), if self.close_deadline.is_some() => {
                self.drain_tap(sink);
                let ending = match self.violation.take() {
                    Some(v) => v,
                    None if self.peer_closed => self.closed_ending(),
                    None => Ending::TimedOut(Deadline::Close),
                };
                return self.finish(ending, sink);
            }
        };
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
                self.peer_close(frame, sink);
                Incoming::Control
            }
            Some(Ok(Message::Frame(_))) => Incoming::Control,
            Some(Err(e)) => {
                let ending = self.ending_of(e);
                if let Ending::LocalLimit(_) = ending {
                    // Our limit, not the peer's fault: say so with 1009 before dropping TCP.
                    if self.close.is_none() {
                        self.close(1009, "message too big", sink);
                    }
                    self.flushed(self.close_timeout).await;
                }
                self.finish(ending, sink)
            }
            None => {
                let ending = self.stream_ended();
                self.finish(ending, sink)
            }
        }
    }

    /// The peer's close frame: report the code and reason that crossed the wire (the
    /// protocol layer replaces a code that must not be sent with 1002).
    fn peer_close(&mut self, frame: Option<CloseFrame>, sink: &mut dyn EventSink) {
        self.peer_closed = true;
        let (code, reason, bytes) = match self.wire_close.take() {
            Some(p) if p.len() >= 2 => {
                let code = u16::from_be_bytes([p[0], p[1]]);
                (Some(code), String::from_utf8_lossy(&p[2..]).into_owned(), p)
            }
            Some(p) => (None, String::new(), p),
            None => match frame {
                Some(f) => (Some(u16::from(f.code)), f.reason.to_string(), Vec::new()),
                None => (None, String::new(), Vec::new()),
            },
        };
        if let Some(c) = code.filter(|c| !close::sendable(*c)) {
            self.violation = Some(Ending::Violation {
                rule: format!(
                    "close code {c} ({}) must not be sent in a close frame (RFC 6455 §7.4)",
                    close::name(c)
                ),
                bytes,
            });
        }
        let info = CloseInfo { by: self.local.other(), code, reason };
        let reply = self.close.is_some();
        if !reply {
            self.close = Some(info.clone());
        }
        self.emit(sink, EventKind::Close { close: info, reply });
        // Our answer goes out with the next read; then the TCP close may take this long.
        self.close_deadline = Some(Instant::now() + self.close_timeout);
    }

    /// The ending of a completed close handshake: who closed first, with what.
    fn closed_ending(&self) -> Ending {
        match &self.close {
            Some(c) => Ending::Closed { code: c.code, reason: c.reason.clone() },
            None => Ending::Closed { code: None, reason: String::new() },
        }
    }

    /// The stream ended (TCP closed, or the protocol layer finished the handshake).
    fn stream_ended(&mut self) -> Ending {
        if let Some(v) = self.violation.take() {
            return v;
        }
        if self.peer_closed {
            return self.closed_ending();
        }
        Ending::PeerFin { mid_frame: self.eof_mid_frame }
    }

    fn ending_of(&mut self, e: WsError) -> Ending {
        use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
        match e {
            WsError::ConnectionClosed | WsError::AlreadyClosed => self.stream_ended(),
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                Ending::PeerFin { mid_frame: self.eof_mid_frame }
            }
            WsError::Protocol(ProtocolError::InvalidCloseSequence) => Ending::Violation {
                rule: "a close frame with a 1-byte payload (RFC 6455 §5.5.1)".into(),
                bytes: self.wire_close.take().unwrap_or_default(),
            },
            WsError::Io(io) => io_ending(&io),
            WsError::Protocol(p) => Ending::Violation { rule: p.to_string(), bytes: Vec::new() },
            WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                Ending::LocalLimit(Limit::MessageSize { size, max: max_size })
            }
            WsError::Capacity(c) => Ending::Violation { rule: c.to_string(), bytes: Vec::new() },
            WsError::Utf8(_) => Ending::Violation {
                rule: "invalid UTF-8 in a text message or close reason (RFC 6455 §8.1)".into(),
                bytes: self.wire_close.take().unwrap_or_default(),
            },
            other => Ending::Violation { rule: other.to_string(), bytes: Vec::new() },
        }
    }

    /// Records and reports the ending.
    fn finish(&mut self, ending: Ending, sink: &mut dyn EventSink) -> Incoming {
        let party = match &ending {
            Ending::Closed { .. } => self.close.as_ref().map_or(self.local.other(), |c| c.by),
            Ending::LocalLimit(_) | Ending::Local => self.local,
            _ => self.local.other(),
        };
        let end = End { ending, party, t: self.clock.elapsed() };
        self.end = Some(end.clone());
        self.emit(sink, EventKind::Ended(end.clone()));
        Incoming::Ended(end)
    }

    fn received_data(&mut self, data: Data, sink: &mut dyn EventSink) -> Incoming {
        self.received.messages += 1;
        self.received.bytes += data.len() as u64;
        if sink.wants_data() {
            self.emit(sink, EventKind::Message { dir: Dir::In, data: data.clone() });
        }
        Incoming::Message(data)
    }

    pub fn ping_stats(&self) -> PingStats {
        self.pings.stats()
    }

    /// The local message size limit in bytes (None: no limit).
    pub fn max_message(&self) -> Option<usize> {
        self.max_message
    }
}

/// The ending an I/O error means.
fn io_ending(io: &std::io::Error) -> Ending {
    use std::io::ErrorKind;
    if let Some(tls) = crate::core::net::tls::classify(io, "") {
        return Ending::TlsFailure { message: tls.to_string() };
    }
    match io.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            Ending::Reset { on_write: false }
        }
        ErrorKind::UnexpectedEof => Ending::PeerFin { mid_frame: true },
        ErrorKind::TimedOut => Ending::TimedOut(Deadline::TcpUserTimeout),
        _ => Ending::IoFailure { message: io.to_string() },
    }
}

fn parse_seq(payload: &[u8]) -> Option<u64> {
    std::str::from_utf8(payload).ok()?.strip_prefix(PING_PREFIX)?.parse().ok()
}

/// Feeds queued messages without flushing while more are ready, and flushes when the queue
/// runs dry: a flush per message costs several times the CPU. A write that fails is
/// reported to the reader (`Session::next`), not dropped.
async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut rx: tmpsc::UnboundedReceiver<Message>,
    shared: Arc<Shared>,
) {
    while let Some(msg) = rx.recv().await {
        let mut batch = msg.len();
        let mut result = sink.feed(msg).await;
        while result.is_ok() {
            let Ok(msg) = rx.try_recv() else { break };
            batch += msg.len();
            result = sink.feed(msg).await;
        }
        if result.is_ok() {
            result = sink.flush().await;
        }
        shared.queued.fetch_sub(batch, Ordering::Relaxed);
        if let Err(e) = result {
            let ending = match e {
                // After the closing handshake: nothing more may be sent, nothing broke.
                WsError::ConnectionClosed
                | WsError::AlreadyClosed
                | WsError::Protocol(tokio_tungstenite::tungstenite::error::ProtocolError::SendAfterClosing) => {
                    None
                }
                WsError::Io(io) => Some(match io_ending(&io) {
                    Ending::Reset { .. } => Ending::Reset { on_write: true },
                    other => other,
                }),
                other => Some(Ending::IoFailure { message: other.to_string() }),
            };
            if let Some(ending) = ending {
                if let Ok(mut slot) = shared.failure.lock() {
                    slot.get_or_insert(ending);
                }
                shared.failed.notify_one();
                shared.drained.notify_waiters();
                return;
            }
        }
        shared.drained.notify_one();
    }
}

#[cfg(test)]
mod tests;

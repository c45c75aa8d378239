//! The event stream: the one contract between the core and everything that shows or counts.
//!
//! This room is the floor of the core: plain data (events, endings, frames, close codes, proxy
//! and probe reports) that imports no other room. Behaviour on these types lives in the rooms
//! that produce them (inherent `impl` blocks there); see `core/mod.rs` for the layer order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

pub mod backlog;
pub mod close;
pub mod deflate;
pub mod ending;
pub mod endpoint;
pub mod frame;
pub mod http2;
pub mod outcome;
pub mod probe;
pub mod proxy;
pub mod served;

pub use backlog::Backlog;
pub use ending::{Deadline, End, Ending, Limit};
pub use endpoint::{Endpoint, UnixPath};
pub use frame::{Dir, FrameRecord};
pub use outcome::{ConnOutcome, ReconnectReason};
pub use served::{Carrier, HttpProtocol, StreamOf};

/// Something that happened on a connection, `t` after the run started.
#[derive(Debug, Clone)]
pub struct Event {
    pub t: Duration,
    /// Connection id: 0 for a client's connection; servers number their clients.
    pub conn: u64,
    pub kind: EventKind,
}

/// Which end of the connection did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// A data message's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Text(Utf8Bytes),
    Binary(Bytes),
}

impl Data {
    pub fn len(&self) -> usize {
        match self {
            Data::Text(t) => t.len(),
            Data::Binary(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// TLS session facts.
#[derive(Debug, Clone, Default)]
pub struct TlsInfo {
    pub version: String,
    pub cipher: String,
    pub alpn: Option<String>,
    pub sni: Option<String>,
    pub took: Duration,
}

/// How long each phase of opening a connection took (None: the phase did not happen).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub dns: Option<Duration>,
    pub tcp: Option<Duration>,
    /// The proxy's tunnel (TLS to an `https://` proxy included), after TCP to the proxy.
    pub proxy: Option<Duration>,
    pub tls: Option<Duration>,
    /// HTTP/2 (RFC 8441): from the connection preface to the server's SETTINGS.
    pub http2: Option<Duration>,
    /// The upgrade: the HTTP/1.1 request to the 101, or over HTTP/2 the extended CONNECT
    /// request to its `:status 200`.
    pub upgrade: Option<Duration>,
}

/// Counts for one direction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Traffic {
    pub messages: u64,
    /// Message payload bytes (inflated, for compressed messages).
    pub bytes: u64,
    /// With permessage-deflate agreed: the payload bytes that crossed the wire (compressed);
    /// None without it.
    pub wire_bytes: Option<u64>,
}

impl Traffic {
    /// Adds another connection's traffic (wire bytes count as message bytes where a
    /// connection had no permessage-deflate).
    pub fn add(&mut self, t: Traffic) {
        if self.wire_bytes.is_some() || t.wire_bytes.is_some() {
            self.wire_bytes = Some(self.wire_bytes.unwrap_or(self.bytes) + t.wire_bytes.unwrap_or(t.bytes));
        }
        self.messages += t.messages;
        self.bytes += t.bytes;
    }
}

/// The open connection's traffic so far, for a `stats` event.
#[derive(Debug, Clone, Copy)]
pub struct LinkStats {
    /// Data messages handed to the protocol layer, with their bytes on the wire under
    /// permessage-deflate (as far as they have been written).
    pub sent: Traffic,
    pub received: Traffic,
    /// Since the upgrade.
    pub connected: Duration,
}

/// Round-trip statistics (of pings, or of application echoes).
#[derive(Debug, Clone, Copy, Default)]
pub struct PingStats {
    pub sent: u64,
    pub received: u64,
    /// Pongs that arrived after their ping had timed out.
    pub late: u64,
    /// Pongs that answered no ping of ours.
    pub unmatched: u64,
    pub timeouts: u64,
    pub min: Option<Duration>,
    pub avg: Option<Duration>,
    pub max: Option<Duration>,
    pub stddev: Option<Duration>,
    pub p50: Option<Duration>,
    pub p90: Option<Duration>,
    pub p99: Option<Duration>,
}

impl PingStats {
    /// Percentage of pings sent that got no timely answer.
    pub fn loss_pct(&self) -> f64 {
        if self.sent == 0 {
            return 0.0;
        }
        100.0 * self.sent.saturating_sub(self.received) as f64 / self.sent as f64
    }
}

/// How the connection was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    pub by: Side,
    pub code: Option<u16>,
    pub reason: String,
}

/// The end-of-run account.
#[derive(Debug, Clone)]
pub struct Summary {
    pub exit: u8,
    pub duration: Duration,
    pub sent: Traffic,
    pub received: Traffic,
    pub pings: PingStats,
    /// Application echo round trips (--echo-rtt).
    pub echo: Option<PingStats>,
    pub close: Option<CloseInfo>,
    /// Connections served (servers only).
    pub connections: Option<u64>,
}

/// The account of one server-side connection when it ends.
#[derive(Debug, Clone)]
pub struct ConnReport {
    pub peer: Endpoint,
    pub duration: Duration,
    pub sent: Traffic,
    pub received: Traffic,
    pub close: Option<CloseInfo>,
    /// How it ended.
    pub outcome: ConnOutcome,
    /// What carried it (None when it ended before that was known, e.g. in the TLS handshake).
    pub carrier: Option<Carrier>,
}

#[derive(Debug, Clone)]
pub enum EventKind {
    /// A server is ready (servers only).
    Listening {
        addr: Endpoint,
        tls: bool,
        fingerprint: Option<String>,
    },
    /// A client's TCP connection was accepted (servers only).
    Accepted {
        peer: Endpoint,
    },
    /// A server-side connection ended.
    Disconnected(ConnReport),
    /// A client's connection turned out to be HTTP/2 (ALPN `h2`, or the h2c preface): the
    /// server sent its SETTINGS, extended CONNECT enabled (RFC 8441 §3), and takes up to
    /// `max_streams` WebSocket streams on it at once (servers only).
    Http2Connection {
        protocol: HttpProtocol,
        max_streams: u32,
    },
    /// An HTTP/2 stream opened on connection `connection`; this event's own connection id is
    /// the stream's from now on (servers only).
    Stream {
        peer: Endpoint,
        protocol: HttpProtocol,
        connection: u64,
        stream_id: u32,
    },
    Resolved {
        host: String,
        addrs: Vec<SocketAddr>,
        took: Duration,
    },
    TcpConnected {
        addr: SocketAddr,
        took: Duration,
    },
    /// Connected to a Unix-domain socket (`--unix-socket`, `--abstract-unix-socket`).
    UnixConnected {
        path: UnixPath,
        took: Duration,
    },
    /// A proxy was configured: which one this connection takes, and why (or why none).
    Proxy(proxy::Selection),
    /// The proxy's tunnel: the CONNECT exchange or the SOCKS5 steps; `open` says if it opened.
    Tunnel(proxy::TunnelInfo),
    Tls(TlsInfo),
    /// An HTTP/2 frame of the connection carrying the WebSocket (RFC 8441): SETTINGS, PING,
    /// GOAWAY, WINDOW_UPDATE on stream 0, and the stream's HEADERS and RST_STREAM (DATA
    /// frames carry the WebSocket frames, reported as `Frame`).
    Http2Frame {
        dir: Dir,
        frame: http2::Frame,
    },
    /// The opening handshake request, exact bytes; `dir` is Out for a client, In for a server.
    HandshakeRequest {
        dir: Dir,
        raw: Vec<u8>,
    },
    /// An interim response head (`100 Continue`, `103 Early Hints`: any 1xx but 101), exact
    /// bytes, received before the final response and skipped (RFC 9110 §15.2).
    InterimResponse {
        dir: Dir,
        raw: Vec<u8>,
        status: u16,
    },
    /// The handshake response head, exact bytes, its status code as parsed from the status
    /// line (None when the head is no HTTP response), and the body of a non-101 reply.
    HandshakeResponse {
        dir: Dir,
        raw: Vec<u8>,
        status: Option<u16>,
        body: Vec<u8>,
    },
    /// The upgrade completed: the subprotocol selected, how long each phase took, and
    /// permessage-deflate when it was agreed.
    Open {
        subprotocol: Option<String>,
        timings: Timings,
        deflate: Option<deflate::Agreement>,
    },
    Frame(FrameRecord),
    Message {
        dir: Dir,
        data: Data,
    },
    Ping {
        dir: Dir,
        payload: Bytes,
        seq: Option<u64>,
    },
    Pong {
        dir: Dir,
        payload: Bytes,
        seq: Option<u64>,
        rtt: Option<Duration>,
        /// It answered a ping that had already timed out.
        late: bool,
        /// For a received pong that answers no ping (and is not late): the payloads of the
        /// pings still waiting for their pong, oldest first, at most [`EXPECTED_SHOWN`]. A pong
        /// echoes its ping's payload (RFC 6455 §5.5.3), so a mismatch shows what came against
        /// what was due; empty when none was waiting (an unsolicited pong, which §5.5.3 allows).
        expected: Vec<Bytes>,
    },
    /// A ping got no pong within the ping timeout.
    PingTimeout {
        seq: u64,
        after: Duration,
    },
    /// A round-trip time: a pong matched to its ping (`seq`), or an application echo matched
    /// to the message sent (`seq` None, --echo-rtt).
    Rtt {
        seq: Option<u64>,
        rtt: Duration,
    },
    /// A heartbeat went unanswered.
    HeartbeatMissed {
        misses: u32,
        limit: u32,
    },
    /// Waiting before reconnecting: after which attempt, for how long, why, and the failure's
    /// message.
    Reconnecting {
        attempt: u32,
        delay: Duration,
        reason: ReconnectReason,
        message: String,
    },
    /// Statistics so far (on SIGQUIT, or the REPL's `/stats`); `link` is None between
    /// `--reconnect` attempts.
    Stats {
        pings: PingStats,
        echo: Option<PingStats>,
        link: Option<LinkStats>,
    },
    /// A close frame; `reply` when it answers the other side's close.
    Close {
        close: CloseInfo,
        reply: bool,
    },
    /// Something worth knowing about how the command line was read (shown with -v).
    Note {
        message: String,
    },
    Warning {
        message: String,
    },
    /// The connection ended, and how (one per connection).
    Ended(End),
    /// A `heartbeat-probe` trial finished; `phase` is the search round it belonged to.
    Trial {
        phase: &'static str,
        report: probe::TrialReport,
    },
    /// `heartbeat-probe`'s conclusion.
    ProbeResult(probe::ProbeResult),
    /// `heartbeat-probe --verify`: whether the heartbeat kept the connection alive.
    Verify(probe::VerifyReport),
    Summary(Summary),
}

/// How many waiting pings' payloads an unmatched pong lists.
pub const EXPECTED_SHOWN: usize = 8;

/// Where events go. Implemented by the output printer (and by anything that counts events).
pub trait EventSink: Send {
    fn emit(&mut self, event: Event);
    /// Whether data-message events are wanted at all: a busy server that shows none skips
    /// building them.
    fn wants_data(&self) -> bool {
        true
    }

    /// True once the consumer is gone (e.g. stdout closed): commands stop early, quietly.
    fn closed(&self) -> bool {
        false
    }

    /// The sink's backlog of events not yet written out, for sinks that queue: sessions stop
    /// reading while it is over its limit (`Session::gate_reads`).
    fn backlog(&self) -> Option<Arc<Backlog>> {
        None
    }
}

/// Lowercase hex of `bytes`, two digits a byte (how binary payloads are matched and shown).
pub fn hex(bytes: &[u8]) -> String {
    const_hex::encode(bytes)
}

/// A sink that discards every event and asks for no data-message events (the built-in echo
/// server, probe trials nobody watches).
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl EventSink for Discard {
    fn emit(&mut self, _event: Event) {}

    fn wants_data(&self) -> bool {
        false
    }
}

/// A sink that keeps every event in order (for drivers that inspect what happened, and tests).
#[derive(Debug, Default)]
pub struct Collect {
    pub events: Vec<Event>,
}

impl EventSink for Collect {
    fn emit(&mut self, event: Event) {
        self.events.push(event);
    }
}

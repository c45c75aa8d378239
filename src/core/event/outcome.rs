//! How a connection ends from the point of view of a server and of a reconnecting client: the
//! typed outcomes the `disconnected` and `reconnecting` events carry.

use crate::core::event::End;

/// Why a client reconnects (JSON `reconnecting.reason`, docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconnectReason {
    /// The connection could not be opened: the name did not resolve, TCP was refused or timed
    /// out.
    ConnectFailed,
    /// The server accepted TCP but did not finish the upgrade in time.
    HandshakeTimeout,
    /// The server refused the upgrade with this status (408, 429 or 5xx).
    Rejected { status: u16 },
    /// The server closed with this code (1001, 1006, 1011 to 1014).
    Closed { code: u16 },
    /// The connection ended abnormally after the upgrade.
    Lost(End),
    /// Heartbeats went unanswered.
    HeartbeatDead,
    /// Another I/O failure of the connection.
    Io,
}

impl ReconnectReason {
    /// A stable name for JSON (`connect_failed`, `handshake_timeout`, `rejected`, `closed`,
    /// `lost`, `heartbeat_dead`, `io`).
    pub fn name(&self) -> &'static str {
        match self {
            ReconnectReason::ConnectFailed => "connect_failed",
            ReconnectReason::HandshakeTimeout => "handshake_timeout",
            ReconnectReason::Rejected { .. } => "rejected",
            ReconnectReason::Closed { .. } => "closed",
            ReconnectReason::Lost(_) => "lost",
            ReconnectReason::HeartbeatDead => "heartbeat_dead",
            ReconnectReason::Io => "io",
        }
    }
}

/// How a server-side connection ended (JSON `disconnected.outcome`, docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnOutcome {
    /// The close handshake completed.
    Closed,
    /// The server shut down and closed it with 1001.
    Shutdown,
    /// The echo server's close-after fault closed it.
    ClosedAfter,
    /// The echo server's idle-timeout fault closed TCP without a close frame.
    IdleTimeout,
    /// The echo server's drop-after fault reset it.
    Dropped,
    /// It ended abnormally after the upgrade (FIN or reset without a close, a violation, a
    /// deadline, a local limit).
    Ended(End),
    /// It failed a check of the server's after the upgrade (a close code, an expectation);
    /// `message` is the error's.
    Failed { message: String },
    /// The upgrade did not complete; `message` says what the client did and what it got,
    /// from the server's side.
    HandshakeFailed { message: String },
    /// It was upgraded while `limit` others were open, and closed at once with 1013 (the
    /// limit on connections).
    OverLimit { limit: usize },
    /// Its unfinished handshake was dropped because `newer` connections arrived meanwhile
    /// (the limit on pending handshakes).
    Evicted { newer: usize },
    /// An HTTP/2 connection ended after carrying `streams` streams (each logged under its own
    /// id); `error` names the GOAWAY or connection error when it did not end cleanly.
    Http2Closed { streams: u64, error: Option<String> },
}

impl ConnOutcome {
    /// A stable name for JSON (`closed`, `shutdown`, `closed_after`, `idle_timeout`,
    /// `dropped`, `ended`, `failed`, `handshake_failed`, `over_limit`, `evicted`,
    /// `http2_closed`).
    pub fn name(&self) -> &'static str {
        match self {
            ConnOutcome::Closed => "closed",
            ConnOutcome::Shutdown => "shutdown",
            ConnOutcome::ClosedAfter => "closed_after",
            ConnOutcome::IdleTimeout => "idle_timeout",
            ConnOutcome::Dropped => "dropped",
            ConnOutcome::Ended(_) => "ended",
            ConnOutcome::Failed { .. } => "failed",
            ConnOutcome::HandshakeFailed { .. } => "handshake_failed",
            ConnOutcome::OverLimit { .. } => "over_limit",
            ConnOutcome::Evicted { .. } => "evicted",
            ConnOutcome::Http2Closed { .. } => "http2_closed",
        }
    }
}

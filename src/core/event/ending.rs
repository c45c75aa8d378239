//! How a connection ends, as a type: a completed close handshake, a FIN or reset without one,
//! a deadline, a protocol violation by the peer, a local limit, or a local decision. One event
//! (`EventKind::Ended`) carries it; `Error::Ended` carries it out of a run, and its exit status
//! is decided in one place (`exit.rs`).

use std::time::Duration;

use crate::core::event::{close, Side};

/// Which deadline expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// Sent data stayed unacknowledged past TCP_USER_TIMEOUT (the kernel gave up).
    TcpUserTimeout,
    /// A ping got no pong in time.
    Pong,
    /// The peer did not answer our close frame within the close timeout (RFC 6455 §7.1.1).
    Close,
}

impl Deadline {
    /// A stable name for JSON (`tcp_user_timeout`, `pong`, `close`).
    pub fn name(self) -> &'static str {
        match self {
            Deadline::TcpUserTimeout => "tcp_user_timeout",
            Deadline::Pong => "pong",
            Deadline::Close => "close",
        }
    }
}

/// A limit of this end that the peer's traffic exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A message or frame of `size` bytes arrived; at most `max` bytes are accepted
    /// (`--max-message`). Answered with close code 1009 (RFC 6455 §7.4.1).
    MessageSize { size: usize, max: usize },
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The close handshake completed (RFC 6455 §7.1.2): the party closed first with this code
    /// (`None`: a close frame without a status code). Also when the peer then kept TCP open
    /// past the close timeout and this end dropped it.
    Closed { code: Option<u16>, reason: String },
    /// The party closed TCP (FIN) without a close frame; `mid_frame` when it cut a frame short.
    PeerFin { mid_frame: bool },
    /// The party reset the connection (RST); `on_write` when a write, not a read, saw it.
    Reset { on_write: bool },
    /// A deadline expired waiting for the party.
    TimedOut(Deadline),
    /// The party broke a rule of RFC 6455; `bytes` are the offending bytes as received
    /// (for a close frame: its payload).
    Violation { rule: String, bytes: Vec<u8> },
    /// The party's traffic exceeded a limit of this end.
    LocalLimit(Limit),
    /// TLS failed after the upgrade (an alert, a bad record).
    TlsFailure { message: String },
    /// Any other I/O failure of the socket.
    IoFailure { message: String },
    /// This end dropped the connection on purpose, without a close handshake.
    Local,
}

/// An ending, the party it concerns and when it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    pub ending: Ending,
    /// Who did it: the side that closed first, sent the FIN or RST, broke the rule or let the
    /// deadline pass; the local side for `LocalLimit` and `Local`.
    pub party: Side,
    /// When it was seen, since the run started (monotonic clock).
    pub t: Duration,
}

impl Ending {
    /// A stable name for JSON (`closed`, `peer_fin`, `reset`, `timed_out`, `violation`,
    /// `local_limit`, `tls`, `io`, `local`).
    pub fn name(&self) -> &'static str {
        match self {
            Ending::Closed { .. } => "closed",
            Ending::PeerFin { .. } => "peer_fin",
            Ending::Reset { .. } => "reset",
            Ending::TimedOut(_) => "timed_out",
            Ending::Violation { .. } => "violation",
            Ending::LocalLimit(_) => "local_limit",
            Ending::TlsFailure { .. } => "tls",
            Ending::IoFailure { .. } => "io",
            Ending::Local => "local",
        }
    }

    /// True for the close handshake: the run may still succeed.
    pub fn is_clean(&self) -> bool {
        matches!(self, Ending::Closed { .. })
    }

    /// Whether this ending fails a run by itself: every abnormal ending does; a completed
    /// close handshake, a local drop and a peer that did not answer our close in time do not
    /// (the close code is judged by the command). `exit.rs` maps the failures to codes.
    pub fn is_failure(&self) -> bool {
        !matches!(self, Ending::Closed { .. } | Ending::Local | Ending::TimedOut(Deadline::Close))
    }
}

fn side(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

impl End {
    /// One sentence, from the point of view of the local end.
    pub fn describe(&self) -> String {
        let who = side(self.party);
        match &self.ending {
            Ending::Closed { code, reason } => {
                let code = match code {
                    Some(c) => format!("{c} ({})", close::name(*c)),
                    None => "no status code".into(),
                };
                let reason = if reason.is_empty() { String::new() } else { format!(" \"{reason}\"") };
                format!("close handshake completed; the {who} closed first with {code}{reason}")
            }
            Ending::PeerFin { mid_frame: false } => {
                format!("the {who} closed the TCP connection without a close frame (1006)")
            }
            Ending::PeerFin { mid_frame: true } => {
                format!("the {who} closed the TCP connection in the middle of a frame (1006)")
            }
            Ending::Reset { on_write: false } => format!("the {who} reset the connection (1006)"),
            Ending::Reset { on_write: true } => {
                format!("the {who} reset the connection, seen on write (1006)")
            }
            Ending::TimedOut(Deadline::TcpUserTimeout) => format!(
                "data sent to the {who} stayed unacknowledged past TCP_USER_TIMEOUT; the path is silent (1006)"
            ),
            Ending::TimedOut(Deadline::Pong) => format!("the {who} did not answer a ping in time"),
            Ending::TimedOut(Deadline::Close) => {
                format!("the {who} did not answer the close frame in time; the connection was dropped")
            }
            Ending::Violation { rule, .. } => format!("the {who} violated the protocol: {rule}"),
            Ending::LocalLimit(Limit::MessageSize { size, max }) => format!(
                "a message of {size} bytes exceeds the limit of {max} bytes; closed with 1009 (message too big)"
            ),
            Ending::TlsFailure { message } => format!("TLS failed after the upgrade: {message}"),
            Ending::IoFailure { message } => format!("{message} (1006)"),
            Ending::Local => "ended locally without a close handshake".into(),
        }
    }
}

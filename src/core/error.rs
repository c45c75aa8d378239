//! Typed failures of the core, each knowing its exit status, cause and hint.

use std::fmt;
use std::time::Duration;

use crate::core::session::{End, Ending};
use crate::exit::ExitStatus;

/// A failure that ends a run. `Display` is the one-line message; `cause` and `hint` add lines.
#[derive(Debug)]
pub enum Error {
    /// The command line or an input message could not be used.
    Usage {
        message: String,
        hint: Option<String>,
    },
    Resolve {
        host: String,
        source: std::io::Error,
    },
    NoAddress {
        host: String,
    },
    Refused {
        addr: String,
        source: std::io::Error,
    },
    /// A server could not listen on its address.
    Bind {
        addr: String,
        source: std::io::Error,
    },
    ConnectTimeout {
        host: String,
        after: Duration,
    },
    /// The proxy could not be reached or would not open a tunnel to the server.
    Proxy {
        message: String,
        /// The system error underneath, if any (e.g. `Connection refused`).
        cause: Option<String>,
        hint: Option<String>,
        /// The refusal's header lines (HTTP proxies).
        headers: Vec<(String, String)>,
        /// The refusal's body (HTTP proxies; at most 64 KiB).
        body: Vec<u8>,
    },
    TlsConfig {
        message: String,
    },
    Tls {
        message: String,
        hint: Option<String>,
    },
    HandshakeTimeout {
        after: Duration,
    },
    /// The server answered the upgrade with something other than 101.
    Rejected {
        status: u16,
        reason: String,
        body: Vec<u8>,
        /// Retry-After in seconds, on 429 and 503 replies.
        retry_after: Option<Duration>,
    },
    /// The server answered 101 but the reply breaks RFC 6455 (accept key, negotiation).
    BadHandshake {
        message: String,
    },
    /// A server's client did not complete the upgrade (`listen --once`): what went wrong, said
    /// from the server's side.
    ClientHandshake {
        message: String,
    },
    /// The server closed or reset the connection without answering the upgrade request.
    UpgradeUnanswered {
        detail: String,
    },
    /// The connection ended abnormally after the upgrade: FIN or reset without a close
    /// frame, a deadline, a protocol violation by the peer, a local limit (see `Ending`).
    Ended(End),
    /// The peer closed with a code other than 1000/1005.
    UnexpectedClose {
        code: u16,
        reason: String,
        /// Who closed: "server" (for a client) or "client" (for a server).
        peer: &'static str,
    },
    /// The peer closed before `--count` messages arrived.
    CountNotMet {
        expected: u64,
        got: u64,
        peer: &'static str,
    },
    /// An expectation (--expect, --count) was not met in time.
    ExpectFailed {
        message: String,
        /// The last messages received, for the report.
        recent: Vec<String>,
    },
    /// Heartbeats went unanswered: the connection is presumed dead.
    HeartbeatDead {
        misses: u32,
        /// Time since the last sign of life (a pong, or the upgrade).
        silent_for: Duration,
    },
    RunTimeout {
        after: Duration,
    },
    /// `--reconnect --max-retries` ran out: `last` is how the last connection failed, and its
    /// message, exit status and details are this error's.
    RetriesExhausted {
        retries: u32,
        last: Box<Error>,
    },
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage { message: message.into(), hint: None }
    }

    /// A proxy failure without a system cause or a refusal's headers and body.
    pub fn proxy(message: impl Into<String>, hint: Option<&str>) -> Self {
        Error::Proxy {
            message: message.into(),
            cause: None,
            hint: hint.map(str::to_string),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::RetriesExhausted { last, .. } => last.exit_status(),
            Error::Usage { .. } | Error::TlsConfig { .. } => ExitStatus::Usage,
            Error::Resolve { .. }
            | Error::NoAddress { .. }
            | Error::Refused { .. }
            | Error::Bind { .. }
            | Error::ConnectTimeout { .. }
            | Error::Proxy { .. } => ExitStatus::Connect,
            Error::Tls { .. } => ExitStatus::Tls,
            Error::Rejected { .. }
            | Error::BadHandshake { .. }
            | Error::ClientHandshake { .. }
            | Error::UpgradeUnanswered { .. } => ExitStatus::Handshake,
            Error::Ended(end) => match end.ending.exit_status() {
                // An ending that is no failure by itself still ended the run abnormally.
                ExitStatus::Success => ExitStatus::Lost,
                status => status,
            },
            Error::Io { .. } => ExitStatus::Lost,
            Error::UnexpectedClose { .. } | Error::CountNotMet { .. } | Error::ExpectFailed { .. } => {
                ExitStatus::CheckFailed
            }
            Error::HandshakeTimeout { .. } | Error::RunTimeout { .. } | Error::HeartbeatDead { .. } => {
                ExitStatus::Timeout
            }
        }
    }

    /// The underlying cause, if it adds information to the message.
    pub fn cause(&self) -> Option<String> {
        match self {
            Error::RetriesExhausted { last, .. } => last.cause(),
            Error::Resolve { source, .. }
            | Error::Refused { source, .. }
            | Error::Bind { source, .. }
            | Error::Io { source, .. } => Some(source.to_string()),
            Error::Proxy { cause, .. } => cause.clone(),
            _ => None,
        }
    }

    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            Error::Usage { hint, .. } | Error::Tls { hint, .. } | Error::Proxy { hint, .. } => {
                return hint.clone()
            }
            // The usual hint for dead heartbeats is --reconnect, which was given and ran out.
            Error::RetriesExhausted { retries: 0, last } if matches!(**last, Error::HeartbeatDead { .. }) => {
                "the path or the server stopped answering; --max-retries 0 allows no reconnect"
            }
            Error::RetriesExhausted { retries, last } if matches!(**last, Error::HeartbeatDead { .. }) => {
                let s = if *retries == 1 { "" } else { "s" };
                return Some(format!(
                    "the path or the server stopped answering, also after {retries} reconnect{s}; \
                     raise --max-retries, or check the server and the network path"
                ));
            }
            Error::RetriesExhausted { last, .. } => return last.hint(),
            Error::Resolve { .. } => "check the host name in the URL",
            Error::Refused { .. } => "is the server running, and on this port?",
            Error::Bind { .. } => "another process may hold the port: pick another --port, or --port 0 for a free one",
            Error::ConnectTimeout { .. } => {
                "the host did not answer; raise --connect-timeout or check firewalls"
            }
            Error::HandshakeTimeout { .. } => {
                "the server accepted TCP but did not complete the upgrade; is it a WebSocket \
                 endpoint (and does it speak TLS if you used wss://)?"
            }
            Error::Rejected { status: 426, .. } => {
                "the server wants another protocol version (see Sec-WebSocket-Version above with -v)"
            }
            Error::Rejected { status: 301..=308, .. } => "the endpoint moved; see Location with -v",
            Error::Rejected { status: 401 | 403, .. } => {
                "the server refused the request; check -H, --auth, --bearer and --origin"
            }
            Error::Rejected { status: 404, .. } => "check the path in the URL",
            Error::Rejected { status: 200, .. } => {
                "the server answered like a plain HTTP endpoint; is this the WebSocket path?"
            }
            Error::RunTimeout { .. } => "raise --timeout, or use --wait or --count to end sooner",
            Error::UpgradeUnanswered { .. } => {
                "is this a WebSocket endpoint? if the port expects TLS, try wss://; use handshake-inspect to see more"
            }
            Error::Ended(End { ending: Ending::LocalLimit(_), .. }) => {
                "raise --max-message (0 for no limit) to accept larger messages"
            }
            Error::HeartbeatDead { .. } => {
                "the path or the server stopped answering; --reconnect re-establishes the connection"
            }
            _ => return None,
        };
        Some(hint.to_string())
    }

    /// Whether line breaks in the message are wsdiag's own (a regex error's diagram of where
    /// the pattern broke) and should be shown as lines. Elsewhere a line break may come from
    /// the peer (a close reason, an error text) and stays escaped.
    pub fn has_own_lines(&self) -> bool {
        match self {
            Error::RetriesExhausted { last, .. } => last.has_own_lines(),
            _ => matches!(self, Error::Usage { .. } | Error::TlsConfig { .. }),
        }
    }

    /// Recent messages that did not satisfy an expectation, for display.
    pub fn recent(&self) -> &[String] {
        match self {
            Error::RetriesExhausted { last, .. } => last.recent(),
            Error::ExpectFailed { recent, .. } => recent,
            _ => &[],
        }
    }

    /// The header lines of a proxy's refusal, for display.
    pub fn headers(&self) -> &[(String, String)] {
        match self {
            Error::RetriesExhausted { last, .. } => last.headers(),
            Error::Proxy { headers, .. } => headers,
            _ => &[],
        }
    }

    /// The body of a rejected handshake, for display.
    pub fn body(&self) -> Option<&[u8]> {
        match self {
            Error::RetriesExhausted { last, .. } => last.body(),
            Error::Rejected { body, .. } | Error::Proxy { body, .. } if !body.is_empty() => Some(body),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage { message, .. } => write!(f, "{message}"),
            Error::Resolve { host, .. } => write!(f, "could not resolve host {host}"),
            Error::NoAddress { host } => write!(f, "host {host} has no address"),
            Error::Refused { addr, .. } => write!(f, "could not connect to {addr}"),
            Error::Bind { addr, .. } => write!(f, "cannot listen on {addr}"),
            Error::ConnectTimeout { host, after } => {
                write!(f, "connecting to {host} timed out after {}", fmt_dur(*after))
            }
            Error::TlsConfig { message }
            | Error::Proxy { message, .. }
            | Error::ClientHandshake { message } => {
                write!(f, "{message}")
            }
            Error::Tls { message, .. } => write!(f, "TLS failed: {message}"),
            Error::HandshakeTimeout { after } => {
                write!(f, "handshake timed out after {}", fmt_dur(*after))
            }
            Error::Rejected { status, reason, .. } => {
                write!(f, "handshake rejected: HTTP {status} {reason}")
            }
            Error::BadHandshake { message } => write!(f, "invalid handshake response: {message}"),
            Error::UpgradeUnanswered { detail } if detail.is_empty() => {
                write!(f, "the server closed the connection without answering the upgrade")
            }
            Error::UpgradeUnanswered { detail } => {
                write!(f, "the server closed the connection without answering the upgrade: {detail}")
            }
            Error::Ended(end) => match &end.ending {
                Ending::Violation { .. } => write!(f, "protocol error: {}", end.describe()),
                Ending::LocalLimit(_) => write!(f, "message too big: {}", end.describe()),
                Ending::TlsFailure { message } => write!(f, "TLS failed after the upgrade: {message}"),
                _ => write!(f, "connection lost: {}", end.describe()),
            },
            Error::UnexpectedClose { code, reason, peer } => {
                let name = crate::core::wire::close::name(*code);
                if reason.is_empty() {
                    write!(f, "{peer} closed the connection with {code} ({name})")
                } else {
                    write!(f, "{peer} closed the connection with {code} ({name}): {reason}")
                }
            }
            Error::CountNotMet { expected, got, peer } => {
                write!(f, "the {peer} closed after {got} of {expected} expected messages")
            }
            Error::ExpectFailed { message, .. } => write!(f, "{message}"),
            Error::RunTimeout { after } => write!(f, "timed out after {}", fmt_dur(*after)),
            // "No answer", not "silent": other messages may have kept arriving meanwhile.
            Error::HeartbeatDead { misses, silent_for } => write!(
                f,
                "the connection is dead: {misses} heartbeats in a row went unanswered (no answer for {})",
                fmt_dur(Duration::from_millis(silent_for.as_millis() as u64))
            ),
            Error::RetriesExhausted { last, .. } => write!(f, "{last}"),
            Error::Io { context, .. } => write!(f, "{context}"),
        }
    }
}

fn fmt_dur(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

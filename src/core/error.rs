//! Typed failures of the core, each with its message and cause. Which exit status a failure
//! means is decided in `exit.rs`, and the advice shown with it (which names CLI flags) is
//! worded in `hints.rs`: the core names no flag, it says which advice applies ([`Hint`]).

use std::fmt;
use std::time::Duration;

use crate::core::event::{close, End, Ending};

/// A failure that ends a run. `Display` is the one-line message; `cause` and `hint` add lines.
#[derive(Debug)]
pub enum Error {
    /// The command line or an input message could not be used.
    Usage {
        message: String,
        hint: Option<Hint>,
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
    /// A Unix-domain socket could not be connected to (`listen`: false) or served on.
    UnixSocket {
        path: String,
        listen: bool,
        problem: UnixProblem,
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
        hint: Option<Hint>,
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
        hint: Option<Hint>,
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
    /// WebSockets over HTTP/2 (RFC 8441) could not start: the server did not select h2, did
    /// not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL, reset the CONNECT stream, sent GOAWAY,
    /// or broke HTTP/2 (a handshake failure, like a refused upgrade).
    Http2 {
        message: String,
        hint: Option<Hint>,
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
    pub fn proxy(message: impl Into<String>, hint: Option<Hint>) -> Self {
        Error::Proxy { message: message.into(), cause: None, hint, headers: Vec::new(), body: Vec::new() }
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
            Error::UnixSocket { problem: UnixProblem::Io(source), .. } => Some(source.to_string()),
            _ => None,
        }
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
            Error::UnixSocket { path, listen, problem } => match (problem, listen) {
                (UnixProblem::Missing, _) => write!(f, "no Unix socket at {path}: no such file"),
                (UnixProblem::NotASocket, _) => write!(f, "{path} is not a socket"),
                (UnixProblem::InUse, _) => write!(f, "cannot listen on {path}: a server is listening on it"),
                (UnixProblem::Io(_), false) => write!(f, "could not connect to Unix socket {path}"),
                (UnixProblem::Io(_), true) => write!(f, "cannot listen on Unix socket {path}"),
            },
            Error::ConnectTimeout { host, after } => {
                write!(f, "connecting to {host} timed out after {}", fmt_dur(*after))
            }
            Error::TlsConfig { message }
            | Error::Proxy { message, .. }
            | Error::ClientHandshake { message } => {
                write!(f, "{message}")
            }
            Error::Http2 { message, .. } => write!(f, "HTTP/2: {message}"),
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
                let name = close::name(*code);
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

impl crate::core::event::ConnOutcome {
    /// The outcome of a server connection that failed with `e` after the upgrade.
    pub fn after_upgrade(e: &Error) -> Self {
        match e {
            Error::Ended(end) => crate::core::event::ConnOutcome::Ended(end.clone()),
            e => crate::core::event::ConnOutcome::Failed { message: e.to_string() },
        }
    }
}

impl End {
    /// `Ok` for an ending a run can succeed with (a completed close handshake), else the
    /// error that carries it.
    pub fn result(&self) -> Result<(), Error> {
        if self.ending.is_failure() {
            Err(Error::Ended(self.clone()))
        } else {
            Ok(())
        }
    }
}

/// What went wrong with a Unix-domain socket's path.
#[derive(Debug)]
pub enum UnixProblem {
    /// Nothing at the path.
    Missing,
    /// The path is a file of another kind (regular file, directory, …).
    NotASocket,
    /// A server answers on it (when asked to serve there).
    InUse,
    /// The system's error (refused, permission denied, …).
    Io(std::io::Error),
}

/// Advice that goes with an error, as a kind: the core says which applies, `hints.rs` words
/// it (naming the CLI flags to use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Advice worded by a layer above the core.
    Text(String),
    /// The proxy accepted TCP but did not finish its part in time.
    ProxyTimeout,
    /// The proxy accepted no TCP connection in time.
    ProxyUnanswered,
    /// The TLS handshake with an `https://` proxy did not finish in time.
    ProxyTlsTimeout,
    /// The proxy URL (from the command line or a variable) is unusable.
    ProxyUrl,
    /// An HTTP proxy answered 407 without credentials having been sent.
    ProxyCredentialsWanted,
    /// An HTTP proxy refused the credentials sent (407).
    ProxyCredentialsRejected,
    /// A SOCKS5 proxy wants a user name and password.
    SocksCredentialsWanted,
    /// A SOCKS5 proxy refused the user name and password.
    SocksCredentialsRejected,
    /// The certificate's issuer is not trusted: pass a CA, or skip verification.
    CaCert,
    /// The certificate does not name the host: check it against another name (SNI).
    Sni,
    /// The server asked for a client certificate and none was sent.
    ClientCert,
    /// The server rejected the client certificate sent.
    CheckClientCert,
    /// The server closed TLS without answering, as servers that require a client certificate
    /// do.
    ClientCertMaybeRequired,
    /// TLS advice about the proxy's certificate rather than the server's.
    ForProxy(Box<Hint>),
    /// The server did not select h2 in ALPN: it serves WebSockets over HTTP/1.1 only here.
    Http2NotSelected,
    /// The server speaks h2 but does not advertise extended CONNECT (RFC 8441 §3): browsers
    /// that reach it over h2 cannot open a WebSocket on that connection.
    ExtendedConnectMissing,
}

impl From<String> for Hint {
    fn from(text: String) -> Self {
        Hint::Text(text)
    }
}

impl From<&str> for Hint {
    fn from(text: &str) -> Self {
        Hint::Text(text.to_string())
    }
}

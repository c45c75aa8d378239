//! The advice shown with an error (`hint: …`), worded here, outside the core, because it names
//! the CLI flags to use: the core's errors say which advice applies ([`Hint`]) or are typed
//! enough to choose it from.

use crate::core::error::{Error, Hint, UnixProblem};
use crate::core::event::{End, Ending};

impl Error {
    /// The advice shown under this error (`hint: …`), if any: the error's own [`Hint`]
    /// worded, or the advice that follows from its kind.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            Error::Usage { hint: Some(h), .. }
            | Error::Tls { hint: Some(h), .. }
            | Error::Proxy { hint: Some(h), .. }
            | Error::Http2 { hint: Some(h), .. } => {
                return Some(word(h))
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
            Error::UnixSocket { problem: UnixProblem::Missing, .. } => {
                "is the server running? it creates the socket file when it starts listening"
            }
            Error::UnixSocket { problem: UnixProblem::NotASocket, .. } => {
                "give the path of the socket the server listens on, not a file or directory"
            }
            Error::UnixSocket { problem: UnixProblem::InUse, .. } => {
                "another server holds this socket: stop it, or pick another --unix-socket path"
            }
            Error::UnixSocket { problem: UnixProblem::Io(e), listen: false, .. }
                if e.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                "nobody listens on the socket: a stale file left by a server that stopped?"
            }
            Error::UnixSocket { problem: UnixProblem::Io(e), .. }
                if e.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                "connecting needs write permission on the socket file (and search permission on its directories)"
            }
            Error::UnixSocket { .. } => return None,
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
}

/// The words of a hint the core chose.
pub fn word(hint: &Hint) -> String {
    let text = match hint {
        Hint::Text(text) => return text.clone(),
        Hint::ForProxy(inner) => {
            // The same advice, for the proxy's certificate: the proxy's flags.
            return word(inner)
                .replace("--cacert", "--proxy-cacert")
                .replace("--insecure", "--proxy-insecure")
                .replace(" -k", " --proxy-insecure");
        }
        Hint::ProxyTimeout => "raise --connect-timeout, or check the proxy",
        Hint::ProxyUnanswered => {
            "the proxy did not answer; raise --connect-timeout or check the proxy address"
        }
        Hint::ProxyTlsTimeout => "raise --connect-timeout, or check that the proxy speaks TLS",
        Hint::ProxyUrl => "check the proxy URL (--proxy or the proxy variable -v names)",
        Hint::ProxyCredentialsWanted => {
            "the proxy wants credentials: pass --proxy-user USER:PASS (or put them in the proxy URL)"
        }
        Hint::ProxyCredentialsRejected => {
            "the proxy did not accept the credentials: check --proxy-user (or USER:PASS in the proxy URL)"
        }
        Hint::SocksCredentialsWanted => "pass --proxy-user USER:PASS (or put them in the proxy URL)",
        Hint::SocksCredentialsRejected => "check --proxy-user (or USER:PASS in the proxy URL)",
        Hint::CaCert => "pass the issuing CA with --cacert FILE, or skip verification with -k",
        Hint::Sni => "use --sni NAME to check the certificate against another name",
        Hint::ClientCert => "pass --cert FILE --key FILE",
        Hint::CheckClientCert => "check --cert and --key, and that the server trusts their issuer",
        Hint::ClientCertMaybeRequired => {
            "servers that require a client certificate do this: pass --cert FILE --key FILE"
        }
        Hint::Http2NotSelected => {
            "the server speaks HTTP/1.1 here, as browsers will too: drop --http2 (--http2-prior-knowledge) to test that"
        }
        Hint::ExtendedConnectMissing => {
            "browsers that reach this origin over HTTP/2 cannot open WebSockets on that connection \
             (they fall back to HTTP/1.1 only on a new connection): enable RFC 8441 extended \
             CONNECT in the server or proxy that speaks h2, or stop offering h2 there"
        }
    };
    text.to_string()
}

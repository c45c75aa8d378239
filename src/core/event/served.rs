//! How a server's client reached its WebSocket: an HTTP/1.1 upgrade on its own connection, or
//! an extended-CONNECT stream (RFC 8441) on an HTTP/2 connection that may carry several.

use std::fmt;

/// The HTTP version a server-side connection spoke (JSON `protocol`: `http/1.1`, `h2`, `h2c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpProtocol {
    /// HTTP/1.1, with the Upgrade mechanism (RFC 6455 §4).
    Http11,
    /// HTTP/2 over TLS, chosen by ALPN `h2` (RFC 9113 §3.2).
    H2,
    /// Cleartext HTTP/2 with prior knowledge: the client opened with the connection preface
    /// (RFC 9113 §3.3).
    H2c,
}

impl HttpProtocol {
    /// The ALPN-style name: `http/1.1`, `h2` or `h2c`.
    pub fn name(self) -> &'static str {
        match self {
            HttpProtocol::Http11 => "http/1.1",
            HttpProtocol::H2 => "h2",
            HttpProtocol::H2c => "h2c",
        }
    }

    /// HTTP/2 either way.
    pub fn is_http2(self) -> bool {
        self != HttpProtocol::Http11
    }
}

impl fmt::Display for HttpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What carried a server-side connection: the protocol, and for a WebSocket over HTTP/2 the
/// stream and the id of the HTTP/2 connection that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carrier {
    pub protocol: HttpProtocol,
    /// The HTTP/2 stream (RFC 9113 §5.1.1; odd, opened by the client) and its connection's id.
    pub stream: Option<StreamOf>,
}

/// An HTTP/2 stream of a connection the server logged under its own id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOf {
    /// The id of the connection (its `accepted` event) the stream belongs to.
    pub connection: u64,
    /// The HTTP/2 stream identifier.
    pub stream_id: u32,
}

impl Carrier {
    /// An HTTP/1.1 connection.
    pub const HTTP11: Carrier = Carrier { protocol: HttpProtocol::Http11, stream: None };
}

//! WebSockets over HTTP/2 (RFC 8441): an extended-CONNECT stream as a byte stream.
//!
//! Client and server hold the same pair of halves for a stream (`h2::SendStream` and
//! `h2::RecvStream`), so one adapter, [`H2Stream`], serves both. The h2 connection itself is
//! driven elsewhere (a task polling `h2::client::Connection` or `h2::server::Connection`); the
//! adapter only moves one stream's DATA frames.

pub mod error;
pub mod frames;
pub mod stream;
pub mod tap;

pub use error::{H2Error, H2ErrorFrame};
pub use stream::H2Stream;
pub use tap::{FrameLog, FrameTap};

/// How a client speaks HTTP/2 to the server (curl's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http2Mode {
    /// Over TLS, offering ALPN `h2` (beside `http/1.1`); the server must select `h2`.
    Alpn,
    /// HTTP/2 from the first byte, without asking: cleartext h2c for `ws://`, or h2 over TLS
    /// for `wss://` whatever ALPN selects.
    PriorKnowledge,
}

/// The ALPN protocol identifier of HTTP/2 over TLS (RFC 9113 §3.2).
pub const ALPN_H2: &str = "h2";

#[cfg(test)]
mod tests;

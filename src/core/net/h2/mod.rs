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

#[cfg(test)]
mod tests;

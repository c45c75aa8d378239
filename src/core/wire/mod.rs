//! What crosses the wire: the tap that records it, the frame parser, the opening handshake and
//! its RFC 6455 checks, and close codes.

pub mod close;
pub mod deflate;
pub mod frame_log;
pub mod handshake;
pub mod once;
pub mod pong_filter;
pub mod tap;
pub mod verdict;

//! What crosses the wire: the tap that records it, the frame parser, the opening handshake and
//! its RFC 6455 checks (over HTTP/1.1, or over HTTP/2 per RFC 8441), and close codes.

pub mod close;
pub mod deflate;
pub mod frame_log;
pub mod h2_upgrade;
pub mod handshake;
pub mod pong_filter;
pub mod tap;
pub mod verdict;
pub mod verdict_h2;

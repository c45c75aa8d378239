//! The connection core shared by every subcommand. It knows nothing about terminals, and it is
//! read as layers, from the network up:
//!
//! - `net`: where to connect and how to get a byte stream there (target, DNS/TCP, TLS);
//! - `wire`: what crosses the wire (the tap, the frame parser, the upgrade and its RFC 6455
//!   checks, close codes);
//! - `session`: a live connection (client or server side), its typed input and endings, its
//!   statistics, heartbeats and backoff;
//! - `probe`: the idle-timeout search of `heartbeat-probe` and its trial connections;
//! - `builtin`: the embedded echo server behind `builtin:echo`;
//! - `event` and `error`: the typed contract with everything above the core.

pub mod builtin;
pub mod error;
pub mod event;
pub mod net;
pub mod probe;
pub mod session;
pub mod wire;

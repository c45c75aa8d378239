//! The connection core shared by every subcommand: targets, transport (TCP, TLS), the wire tap,
//! the handshake, sessions and the event stream. It knows nothing about terminals.

pub mod backoff;
pub mod certs;
pub mod client;
pub mod close;
pub mod echo;
pub mod echo_server;
pub mod error;
pub mod event;
pub mod expect;
pub mod frame_log;
pub mod handshake;
pub mod heartbeat;
pub mod inspect;
pub mod server;
pub mod session;
pub mod stats;
pub mod tap;
pub mod target;
pub mod tls;
pub mod tls_server;
pub mod transport;
pub mod verdict;
pub mod wait;

//! The connection core shared by every subcommand. It knows nothing about terminals, exit codes
//! or CLI flags, and its rooms are layers: each imports only the rooms below it (a test,
//! `core/tests.rs`, reads the source and fails on an import that points up or sideways).
//!
//! From the floor up ([`LAYERS`]):
//!
//! 1. `event`: the contract, plain data: events, connection endings, frames, close codes,
//!    proxy and probe reports. It imports no room.
//! 2. `error`: typed failures (and the kind of advice that goes with them, worded by
//!    `hints.rs` outside the core; exit codes are chosen by `exit.rs`).
//! 3. `net`: where to connect and how to get a byte stream there (target, DNS/TCP, proxies,
//!    TLS, HTTP head helpers).
//! 4. `wire`: what crosses the wire (the tap, the frame parser, the upgrade and its RFC 6455
//!    checks, close codes).
//! 5. `session`: a live connection (client or server side), its typed input, statistics,
//!    heartbeats and backoff.
//! 6. `builtin` (the embedded echo server behind `builtin:echo`), `inspect` (the
//!    handshake-inspect client) and `replay` (a recorded session played again and judged):
//!    drivers over sessions.
//! 7. `probe`: the idle-timeout search of `heartbeat-probe` and its trial connections (which
//!    speak to the echo server's companion).

pub mod builtin;
pub mod error;
pub mod event;
pub mod inspect;
pub mod net;
pub mod probe;
pub mod replay;
pub mod session;
pub mod wire;

#[cfg(test)]
mod tests;

/// The rooms of the core by layer, floor first: a room may import the rooms of lower layers
/// only.
pub const LAYERS: [&[&str]; 7] = [
    &["event"],
    &["error"],
    &["net"],
    &["wire"],
    &["session"],
    &["builtin", "inspect", "replay"],
    &["probe"],
];

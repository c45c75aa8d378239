//! The faults the echo server injects, from `wsdiag echo` flags or `builtin:echo?…` query
//! parameters: plain data (the settings layer parses and checks it).

use std::time::Duration;

use crate::core::session::upgrade::Rejection;
use crate::core::wire::deflate::DeflateFault;

/// Faults to inject, from `wsdiag echo` flags or `builtin:echo?…` query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EchoFaults {
    pub delay: Option<Duration>,
    pub drop_after: Option<u64>,
    pub close_after: Option<Duration>,
    pub close_code: u16,
    pub close_reason: String,
    pub no_pong: bool,
    pub idle_timeout: Option<Duration>,
    pub ping_interval: Option<Duration>,
    pub push_every: Option<Duration>,
    /// Answer `heartbeat-probe`'s in-band push requests (`companion::Request`).
    pub companion: bool,
    /// Break permessage-deflate on purpose (`--deflate-fault`).
    pub deflate_fault: Option<DeflateFault>,
    /// Refuse every upgrade (`--reject STATUS`).
    pub reject: Option<Rejection>,
    pub subprotocols: Vec<String>,
}

impl EchoFaults {
    pub fn none() -> Self {
        EchoFaults { close_code: 1000, ..Default::default() }
    }
}

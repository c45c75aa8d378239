//! permessage-deflate as the contract reports it: what both ends agreed (RFC 7692 §7.1).

/// What both ends agreed to: the parameters in force for the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// The server's compression window, bits (15 when not limited).
    pub server_max_window_bits: u8,
    /// The client's compression window, bits (15 when not limited).
    pub client_max_window_bits: u8,
}

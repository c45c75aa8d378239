//! One WebSocket frame as it crossed the wire (RFC 6455 §5.2), as the tap records it.

use tokio::time::Instant;

/// Which way bytes travelled, seen from this end of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Sent by this end.
    Out,
    /// Received from the peer.
    In,
}

/// One frame as it crossed the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameRecord {
    pub dir: Dir,
    pub at: Instant,
    pub fin: bool,
    pub rsv: [bool; 3],
    pub opcode: u8,
    pub masked: bool,
    /// Payload length from the header (the whole frame, not the preview).
    pub len: u64,
    /// The first bytes of the payload, unmasked.
    pub preview: Vec<u8>,
    /// The last frame of a message compressed by permessage-deflate (RSV1): the message's
    /// inflated size, bytes (RFC 7692). None for every other frame.
    pub inflated: Option<u64>,
}

impl FrameRecord {
    pub fn truncated(&self) -> bool {
        (self.preview.len() as u64) < self.len
    }

    /// Close code and reason, for a close frame whose payload carries them.
    pub fn close_payload(&self) -> Option<(u16, String)> {
        if self.opcode != 0x8 || self.preview.len() < 2 {
            return None;
        }
        let code = u16::from_be_bytes([self.preview[0], self.preview[1]]);
        Some((code, String::from_utf8_lossy(&self.preview[2..]).into_owned()))
    }
}

/// Name of an opcode as shown to users.
pub fn opcode_name(opcode: u8) -> &'static str {
    match opcode {
        0x0 => "continuation",
        0x1 => "text",
        0x2 => "binary",
        0x8 => "close",
        0x9 => "ping",
        0xA => "pong",
        0x3..=0x7 => "reserved-data",
        _ => "reserved-control",
    }
}

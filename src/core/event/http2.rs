//! HTTP/2 frames as they crossed the wire (RFC 9113 §4, §6), for reports of WebSockets over
//! HTTP/2 (RFC 8441). Parsed by `net::h2::frames`.

use bytes::Bytes;

/// One frame's header and, for connection-level frames, its parsed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Frame type (RFC 9113 §6): 0 DATA … 9 CONTINUATION.
    pub kind: u8,
    /// Flags byte (END_STREAM 0x1, ACK 0x1 on SETTINGS/PING, END_HEADERS 0x4, …).
    pub flags: u8,
    /// Stream identifier (0 for the connection).
    pub stream: u32,
    /// Payload length in bytes.
    pub len: u32,
    /// What the payload says, for the types that are parsed.
    pub body: Body,
}

/// A parsed frame payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// SETTINGS parameters in wire order: (identifier, value) (RFC 9113 §6.5.1).
    Settings(Vec<(u16, u32)>),
    /// PING opaque data (RFC 9113 §6.7).
    Ping([u8; 8]),
    /// GOAWAY (RFC 9113 §6.8): last stream id, error code, debug data (at most
    /// [`DEBUG_DATA_KEPT`] bytes).
    GoAway { last_stream: u32, code: u32, debug: Bytes },
    /// RST_STREAM error code (RFC 9113 §6.4).
    RstStream(u32),
    /// WINDOW_UPDATE increment (RFC 9113 §6.9).
    WindowUpdate(u32),
    /// Any other frame, or a parsed type with a malformed length: not parsed.
    Opaque,
}

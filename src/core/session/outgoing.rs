//! What a driver asks a session to send: the one input type that `connect`'s messages,
//! listen's inboxes, REPL commands, heartbeats and crafted test frames all feed a `Session` with.

use tokio_tungstenite::tungstenite::protocol::frame::coding::OpCode;
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::tungstenite::Bytes;

use crate::core::event::Data;

/// One thing to send (RFC 6455 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A whole text or binary message, in one frame.
    Data(Data),
    /// A ping with this payload (at most 125 bytes for a conformant peer; not checked here).
    /// Its pong is not timed; `TimedPing` is.
    Ping(Bytes),
    /// A ping whose pong is timed: `None` carries a sequence number and counts in the ping
    /// statistics; a chosen payload reports its RTT on the matching `Pong` event only.
    TimedPing(Option<Bytes>),
    /// An unsolicited pong with this payload (RFC 6455 §5.5.3 allows it as a heartbeat).
    Pong(Bytes),
    /// Starts the closing handshake: a status code and reason, or `None` for a close frame
    /// with no payload at all (the peer then sees 1005, "no status").
    Close(Option<(u16, String)>),
    /// A frame exactly as given, for testing how peers handle broken ones.
    Frame(RawFrame),
}

/// A frame to send as is: any opcode (reserved ones included), FIN and RSV bits, any payload
/// (also a control frame over 125 bytes). It is masked when the local end is a client, as
/// every client frame must be (RFC 6455 §5.3); nothing else is checked or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    pub fin: bool,
    /// RSV1, RSV2, RSV3.
    pub rsv: [bool; 3],
    /// The 4-bit opcode (0x0–0xF).
    pub opcode: u8,
    pub payload: Bytes,
}

impl RawFrame {
    /// A final frame with no RSV bits.
    pub fn new(opcode: u8, payload: impl Into<Bytes>) -> Self {
        RawFrame { fin: true, rsv: [false; 3], opcode: opcode & 0x0F, payload: payload.into() }
    }

    /// The frame for tungstenite's raw-frame path (masked later, for clients, by tungstenite).
    pub(crate) fn to_frame(&self) -> Frame {
        let header = FrameHeader {
            is_final: self.fin,
            rsv1: self.rsv[0],
            rsv2: self.rsv[1],
            rsv3: self.rsv[2],
            opcode: OpCode::from(self.opcode & 0x0F),
            mask: None,
        };
        Frame::from_payload(header, self.payload.clone())
    }
}

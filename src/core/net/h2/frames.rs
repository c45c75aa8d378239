//! The HTTP/2 frames a connection exchanged, as far as a diagnosis needs them (RFC 9113 §4,
//! §6): each frame's type, flags, stream and length, and the payload of the connection-level
//! frames (SETTINGS, PING, GOAWAY, RST_STREAM, WINDOW_UPDATE). The h2 library hides these; the
//! [`super::tap::FrameTap`] under it reads them off the bytes with [`FrameReader`].
//!
//! HEADERS payloads stay opaque here (HPACK state lives in the library); requests and
//! responses are recorded from the library's decoded view instead.

use bytes::Bytes;

pub use crate::core::event::http2::{Body, Frame};

/// The client connection preface (RFC 9113 §3.4), sent before any frame.
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Bytes of a GOAWAY frame's debug data kept (the rest is counted, not stored).
pub const DEBUG_DATA_KEPT: usize = 256;

impl Frame {
    /// The frame type's name as RFC 9113 writes it, or `0x…` for an extension type.
    pub fn type_name(&self) -> String {
        let name = match self.kind {
            0 => "DATA",
            1 => "HEADERS",
            2 => "PRIORITY",
            3 => "RST_STREAM",
            4 => "SETTINGS",
            5 => "PUSH_PROMISE",
            6 => "PING",
            7 => "GOAWAY",
            8 => "WINDOW_UPDATE",
            9 => "CONTINUATION",
            other => return format!("{other:#04x}"),
        };
        name.to_string()
    }

    /// True for a SETTINGS or PING acknowledgement (flag ACK, 0x1).
    pub fn is_ack(&self) -> bool {
        matches!(self.kind, 4 | 6) && self.flags & 1 != 0
    }
}

/// The name of a SETTINGS parameter (RFC 9113 §6.5.2, RFC 8441 §3, RFC 9218 §2.1), or `0x…`
/// for one no RFC defines.
pub fn setting_name(id: u16) -> String {
    let name = match id {
        1 => "SETTINGS_HEADER_TABLE_SIZE",
        2 => "SETTINGS_ENABLE_PUSH",
        3 => "SETTINGS_MAX_CONCURRENT_STREAMS",
        4 => "SETTINGS_INITIAL_WINDOW_SIZE",
        5 => "SETTINGS_MAX_FRAME_SIZE",
        6 => "SETTINGS_MAX_HEADER_LIST_SIZE",
        8 => "SETTINGS_ENABLE_CONNECT_PROTOCOL",
        9 => "SETTINGS_NO_RFC7540_PRIORITIES",
        other => return format!("{other:#06x}"),
    };
    name.to_string()
}

/// SETTINGS_ENABLE_CONNECT_PROTOCOL's identifier (RFC 8441 §3).
pub const ENABLE_CONNECT_PROTOCOL: u16 = 8;

/// An incremental reader of one direction's frames: bytes go in as they cross the wire, in
/// any split, and whole frames come out.
#[derive(Debug)]
pub struct FrameReader {
    /// Preface bytes still to skip before the first frame.
    preface_left: usize,
    /// The frame header being gathered.
    head: Vec<u8>,
    /// The frame whose payload is being read: its header and the payload bytes kept so far.
    current: Option<(Frame, Vec<u8>)>,
    /// Payload bytes of the current frame still to come.
    payload_left: u32,
}

impl FrameReader {
    /// A reader of the direction that starts with the client preface (client to server) when
    /// `preface` is true, or straight with frames (server to client).
    pub fn new(preface: bool) -> Self {
        FrameReader {
            preface_left: if preface { PREFACE.len() } else { 0 },
            head: Vec::new(),
            current: None,
            payload_left: 0,
        }
    }

    /// Reads `bytes`, calling `out` for each frame completed.
    pub fn feed(&mut self, mut bytes: &[u8], out: &mut dyn FnMut(Frame)) {
        while !bytes.is_empty() {
            if self.preface_left > 0 {
                let n = self.preface_left.min(bytes.len());
                self.preface_left -= n;
                bytes = &bytes[n..];
                continue;
            }
            if let Some((frame, kept)) = &mut self.current {
                let n = (self.payload_left as usize).min(bytes.len());
                let keep = keep_limit(frame.kind).saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&bytes[..keep]);
                self.payload_left -= n as u32;
                bytes = &bytes[n..];
                if self.payload_left == 0 {
                    let (frame, kept) = self.current.take().expect("a frame is being read");
                    out(finish(frame, &kept));
                }
                continue;
            }
            let n = (9 - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.head.len() == 9 {
                let h = std::mem::take(&mut self.head);
                let len = u32::from_be_bytes([0, h[0], h[1], h[2]]);
                let stream = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
                let frame = Frame { kind: h[3], flags: h[4], stream, len, body: Body::Opaque };
                if len == 0 {
                    out(finish(frame, &[]));
                } else {
                    self.payload_left = len;
                    self.current = Some((frame, Vec::new()));
                }
            }
        }
    }
}

/// Payload bytes worth keeping for a frame type.
fn keep_limit(kind: u8) -> usize {
    match kind {
        // SETTINGS: a peer sends a handful of parameters; a flood is cut, not stored.
        4 => 6 * 64,
        6 => 8,
        7 => 8 + DEBUG_DATA_KEPT,
        3 | 8 => 4,
        _ => 0,
    }
}

/// Parses the kept payload of a completed frame.
fn finish(mut frame: Frame, p: &[u8]) -> Frame {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    frame.body = match (frame.kind, frame.len) {
        (4, len) if len % 6 == 0 => Body::Settings(
            p.chunks_exact(6).map(|c| (u16::from_be_bytes([c[0], c[1]]), be32(&c[2..]))).collect(),
        ),
        (6, 8) => Body::Ping(p[..8].try_into().expect("eight bytes")),
        (7, len) if len >= 8 => Body::GoAway {
            last_stream: be32(p) & 0x7fff_ffff,
            code: be32(&p[4..]),
            debug: Bytes::copy_from_slice(&p[8..]),
        },
        (3, 4) => Body::RstStream(be32(p)),
        (8, 4) => Body::WindowUpdate(be32(p) & 0x7fff_ffff),
        _ => Body::Opaque,
    };
    frame
}

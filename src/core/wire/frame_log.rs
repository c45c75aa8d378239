//! Incremental WebSocket frame-header parser for the wire tap: copes with frames split across
//! reads, copies at most a bounded, unmasked payload preview, and never allocates per byte.

use tokio::time::Instant;

pub use crate::core::event::frame::{opcode_name, Dir, FrameRecord};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub(crate) fin: bool,
    pub(crate) rsv: [bool; 3],
    pub(crate) opcode: u8,
    pub(crate) mask: Option<[u8; 4]>,
    pub(crate) len: u64,
}

#[derive(Debug)]
enum State {
    Header {
        buf: [u8; 14],
        have: usize,
    },
    /// Inside a frame's payload: `keep` bytes of it go to the preview (0 for a frame that is
    /// not reported), and `emitted` once its record went out.
    Payload {
        head: Header,
        seen: u64,
        keep: usize,
        preview: Vec<u8>,
        emitted: bool,
    },
}

/// Parses one direction of a WebSocket byte stream.
#[derive(Debug)]
pub struct FrameParser {
    dir: Dir,
    preview_max: usize,
    /// Report close frames only: every other payload is skipped without a copy or a record.
    close_only: bool,
    state: State,
}

const CONTROL_MAX: usize = 125;

impl FrameParser {
    /// True between the first byte of a frame and its last.
    pub fn mid_frame(&self) -> bool {
        !matches!(self.state, State::Header { have: 0, .. })
    }

    /// A parser that reports every frame, with up to `preview_max` bytes of each data frame's
    /// payload (control frames: their whole payload, at most 125 bytes).
    pub fn new(dir: Dir, preview_max: usize) -> Self {
        FrameParser { dir, preview_max, close_only: false, state: State::Header { buf: [0; 14], have: 0 } }
    }

    /// A parser that reports close frames only (with their whole payload) and skips the rest:
    /// what a session needs when nobody asked for frames (the close code that crossed the wire,
    /// whether the peer stopped inside a frame), at the cost of a header parse per frame.
    pub fn close_frames_only(dir: Dir) -> Self {
        FrameParser { close_only: true, ..FrameParser::new(dir, 0) }
    }

    /// Feeds bytes in wire order; calls `out` once per frame (once per close frame for a
    /// [`FrameParser::close_frames_only`] parser), as soon as its preview is known.
    pub fn feed(&mut self, data: &[u8], at: Instant, out: &mut impl FnMut(FrameRecord)) {
        self.feed_inner(data, at, out);
    }

    fn feed_inner(&mut self, mut data: &[u8], at: Instant, out: &mut impl FnMut(FrameRecord)) {
        while !data.is_empty() {
            match &mut self.state {
                State::Header { have: 0, .. } if data.len() >= 2 && data.len() >= header_len(data) => {
                    // The whole header is in this read (the usual case): parsed in place.
                    let need = header_len(data);
                    let head = parse_header(&data[..need]);
                    data = &data[need..];
                    self.start_payload(head, at, out);
                }
                State::Header { buf, have } => {
                    let need = header_len(&buf[..*have]);
                    let take = (need - *have).min(data.len());
                    buf[*have..*have + take].copy_from_slice(&data[..take]);
                    *have += take;
                    data = &data[take..];
                    if *have == header_len(&buf[..*have]) && *have >= 2 {
                        let head = parse_header(&buf[..*have]);
                        self.start_payload(head, at, out);
                    }
                }
                State::Payload { head, seen, keep, preview, .. } => {
                    let remaining = head.len - *seen;
                    let take = (remaining.min(data.len() as u64)) as usize;
                    let room = keep.saturating_sub(preview.len()).min(take);
                    if room > 0 {
                        let from = preview.len();
                        preview.extend_from_slice(&data[..room]);
                        if let Some(m) = head.mask {
                            // The mask key cycles over the payload from its first byte.
                            let start = *seen as usize;
                            for (i, b) in preview[from..].iter_mut().enumerate() {
                                *b ^= m[(start + i) % 4];
                            }
                        }
                    }
                    *seen += take as u64;
                    data = &data[take..];
                    self.progress(at, out);
                }
            }
        }
    }

    /// Enters a frame's payload; what a close-frames-only parser does not report is skipped.
    fn start_payload(&mut self, head: Header, at: Instant, out: &mut impl FnMut(FrameRecord)) {
        let reported = !self.close_only || head.opcode == 0x8;
        let keep =
            if reported { preview_limit(head.opcode, self.preview_max).min(head.len as usize) } else { 0 };
        let preview = Vec::with_capacity(keep);
        self.state = State::Payload { head, seen: 0, keep, preview, emitted: !reported };
        self.progress(at, out);
    }

    /// Emits the current frame once its preview is complete; returns to header state at its end.
    fn progress(&mut self, at: Instant, out: &mut impl FnMut(FrameRecord)) {
        let State::Payload { head, seen, keep, preview, emitted } = &mut self.state else {
            return;
        };
        let done = *seen == head.len;
        if !*emitted && (done || preview.len() >= *keep) {
            *emitted = true;
            out(FrameRecord {
                dir: self.dir,
                at,
                fin: head.fin,
                rsv: head.rsv,
                opcode: head.opcode,
                masked: head.mask.is_some(),
                len: head.len,
                preview: std::mem::take(preview),
                inflated: None,
            });
        }
        if done {
            self.state = State::Header { buf: [0; 14], have: 0 };
        }
    }
}

fn preview_limit(opcode: u8, preview_max: usize) -> usize {
    if opcode >= 0x8 {
        preview_max.max(CONTROL_MAX)
    } else {
        preview_max
    }
}

/// The length of a frame header whose first bytes are `seen`, bytes (2 until two bytes are
/// known; RFC 6455 §5.2).
pub(crate) fn header_len(seen: &[u8]) -> usize {
    if seen.len() < 2 {
        return 2;
    }
    let ext = match seen[1] & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if seen[1] & 0x80 != 0 { 4 } else { 0 };
    2 + ext + mask
}

/// Parses a complete frame header (`header_len` bytes).
pub(crate) fn parse_header(b: &[u8]) -> Header {
    let (len, mut pos) = match b[1] & 0x7F {
        126 => (u16::from_be_bytes([b[2], b[3]]) as u64, 4),
        127 => (u64::from_be_bytes(b[2..10].try_into().expect("8 bytes")), 10),
        n => (n as u64, 2),
    };
    let mask = (b[1] & 0x80 != 0).then(|| {
        let m = [b[pos], b[pos + 1], b[pos + 2], b[pos + 3]];
        pos += 4;
        m
    });
    debug_assert_eq!(pos, b.len());
    Header {
        fin: b[0] & 0x80 != 0,
        rsv: [b[0] & 0x40 != 0, b[0] & 0x20 != 0, b[0] & 0x10 != 0],
        opcode: b[0] & 0x0F,
        mask,
        len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(fin: bool, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![(if fin { 0x80 } else { 0 }) | opcode];
        let m = if mask.is_some() { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => v.push(m | n as u8),
            n if n <= 0xFFFF => {
                v.push(m | 126);
                v.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                v.push(m | 127);
                v.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        if let Some(k) = mask {
            v.extend_from_slice(&k);
            v.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        } else {
            v.extend_from_slice(payload);
        }
        v
    }

    fn parse_in_chunks(bytes: &[u8], chunk: usize, preview: usize) -> Vec<FrameRecord> {
        let mut p = FrameParser::new(Dir::In, preview);
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            p.feed(c, Instant::now(), &mut |f| out.push(f));
        }
        out
    }

    #[test]
    fn frames_split_at_every_byte_boundary_parse_the_same() {
        let mut wire = frame(true, 0x1, Some([1, 2, 3, 4]), b"hello");
        wire.extend(frame(false, 0x2, None, &[7u8; 300]));
        wire.extend(frame(true, 0x0, None, &[8u8; 70_000]));
        let mut close = vec![0x03, 0xF0];
        close.extend_from_slice(b"policy");
        wire.extend(frame(true, 0x8, Some([9, 9, 9, 9]), &close));
        let whole = parse_in_chunks(&wire, wire.len(), 64);
        for chunk in [1, 2, 3, 7, 13, 1000] {
            let split = parse_in_chunks(&wire, chunk, 64);
            let strip = |v: &[FrameRecord]| {
                v.iter().map(|f| (f.fin, f.opcode, f.masked, f.len, f.preview.clone())).collect::<Vec<_>>()
            };
            assert_eq!(strip(&split), strip(&whole), "chunk size {chunk}");
        }
        assert_eq!(whole.len(), 4);
        assert_eq!(whole[0].preview, b"hello");
        assert!(whole[0].masked && whole[0].fin);
        assert_eq!((whole[1].len, whole[1].preview.len(), whole[1].fin), (300, 64, false));
        assert!(whole[1].truncated());
        assert_eq!(whole[2].len, 70_000);
        assert_eq!(whole[3].close_payload(), Some((1008, "policy".to_string())));
    }

    #[test]
    fn rsv_bits_and_empty_frames() {
        let wire = [0xC1, 0x00, 0x89, 0x00];
        let f = parse_in_chunks(&wire, 1, 16);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].rsv, [true, false, false]);
        assert_eq!((f[0].opcode, f[0].len), (1, 0));
        assert_eq!((f[1].opcode, opcode_name(f[1].opcode)), (9, "ping"));
    }

    #[test]
    fn close_frames_only_skips_other_frames_but_keeps_the_close_payload_and_the_position() {
        let mut wire = frame(true, 0x2, Some([1, 2, 3, 4]), &[5u8; 1000]);
        wire.extend(frame(true, 0x9, None, b"ping"));
        wire.extend(frame(true, 0x8, Some([7, 7, 7, 7]), &[0x03, 0xE8, b'b', b'y', b'e']));
        for chunk in [1, 3, 64, wire.len()] {
            let mut p = FrameParser::close_frames_only(Dir::In);
            let mut out = Vec::new();
            for c in wire.chunks(chunk) {
                p.feed(c, Instant::now(), &mut |f| out.push(f));
            }
            assert_eq!(out.len(), 1, "chunk size {chunk}");
            assert_eq!(out[0].close_payload(), Some((1000, "bye".to_string())));
            assert!(!p.mid_frame());
        }
        let mut p = FrameParser::close_frames_only(Dir::In);
        p.feed(&wire[..500], Instant::now(), &mut |_| panic!("a data frame was reported"));
        assert!(p.mid_frame(), "the peer stopped inside a frame");
    }

    #[test]
    fn control_frames_keep_their_whole_payload_even_with_a_tiny_preview() {
        let mut close = vec![0x03, 0xE8];
        close.extend_from_slice(&[b'r'; 100]);
        let f = parse_in_chunks(&frame(true, 0x8, None, &close), 5, 4);
        assert_eq!(f[0].preview.len(), 102);
        assert_eq!(f[0].close_payload().unwrap().0, 1000);
    }
}

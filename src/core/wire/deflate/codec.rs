//! The DEFLATE side of permessage-deflate (RFC 7692 §7.2): a message's payload compressed with
//! a sync flush and its trailing `00 00 ff ff` removed, and inflated back with that tail
//! appended, by flate2 (zlib-rs). A context is kept across messages unless the agreement says
//! `*_no_context_takeover`, in which case none is held between messages (an idle connection
//! then costs no window).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The tail a sync flush ends with, removed on the wire (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Compresses messages for one direction.
#[derive(Debug)]
pub struct Deflater {
    ctx: Option<Compress>,
    bits: u8,
    takeover: bool,
}

impl Deflater {
    /// A compressor with a window of 2^`bits` bytes (9 to 15: zlib has no 8-bit window for raw
    /// DEFLATE, so an agreement of 8 is served by sending messages uncompressed, see
    /// [`Deflater::can_compress`]); `takeover` keeps the context between messages.
    pub fn new(bits: u8, takeover: bool) -> Self {
        Deflater { ctx: None, bits: bits.clamp(9, 15), takeover }
    }

    /// Whether this end can honour a window of 2^`bits` bytes when compressing.
    pub fn can_compress(bits: u8) -> bool {
        bits >= 9
    }

    /// One message's payload, compressed at zlib's fastest level (a diagnostic tool spends its CPU
    /// on looking, not on the last percent of ratio), in the wire form: without the sync-flush
    /// tail.
    pub fn compress(&mut self, payload: &[u8]) -> Vec<u8> {
        let bits = self.bits;
        let ctx =
            self.ctx.get_or_insert_with(|| Compress::new_with_window_bits(Compression::fast(), false, bits));
        let mut out = Vec::with_capacity(payload.len() / 2 + 64);
        let mut input = payload;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let before = ctx.total_in();
            // An in-memory compressor with room to write cannot fail.
            let _ = ctx.compress_vec(input, &mut out, FlushCompress::Sync);
            input = &input[(ctx.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if out.is_empty() {
            // Nothing new to flush: the empty stored block's first byte (RFC 7692 §7.2.3.6).
            out.push(0x00);
        }
        if !self.takeover {
            self.ctx = None;
        }
        out
    }
}

/// Why a compressed message could not be inflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InflateError {
    /// The data is not valid DEFLATE; `back_reference` when it refers to bytes outside the
    /// window the agreement allows (or to an earlier message under no context takeover).
    Corrupt { message: String, back_reference: bool },
    /// The inflated message reached `size` bytes, over the limit of `max`.
    TooBig { size: usize, max: usize },
}

/// Inflates messages for one direction.
#[derive(Debug)]
pub struct Inflater {
    ctx: Option<Decompress>,
    bits: u8,
    takeover: bool,
}

impl Inflater {
    /// A decompressor for a window of 2^`bits` bytes; `takeover` keeps the context between
    /// messages.
    pub fn new(bits: u8, takeover: bool) -> Self {
        // zlib inflates 8-bit windows with a 9-bit one.
        Inflater { ctx: None, bits: bits.clamp(9, 15), takeover }
    }

    /// One compressed message's payload, inflated, stopping as soon as it would pass `max`
    /// bytes (so a decompression bomb costs no more than the limit).
    pub fn inflate(&mut self, payload: &[u8], max: Option<usize>) -> Result<Vec<u8>, InflateError> {
        let bits = self.bits;
        let ctx = self.ctx.get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        // An empty payload stands for an empty message, whose own form is one 0x00 byte.
        let payload = if payload.is_empty() { &[0x00][..] } else { payload };
        let mut out = Vec::with_capacity((payload.len() * 3).clamp(256, 1 << 20));
        let result =
            inflate_into(ctx, payload, &mut out, max).and_then(|()| inflate_into(ctx, &TAIL, &mut out, max));
        if result.is_err() || !self.takeover {
            self.ctx = None;
        }
        result.map(|()| out)
    }
}

fn inflate_into(
    ctx: &mut Decompress,
    mut input: &[u8],
    out: &mut Vec<u8>,
    max: Option<usize>,
) -> Result<(), InflateError> {
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(4096));
        }
        let (in_before, out_before) = (ctx.total_in(), out.len());
        let status = ctx.decompress_vec(input, out, FlushDecompress::Sync).map_err(|e| {
            let message = e.to_string();
            let back_reference = message.contains("too far back");
            InflateError::Corrupt { message, back_reference }
        })?;
        if let Some(max) = max.filter(|m| out.len() > *m) {
            return Err(InflateError::TooBig { size: out.len(), max });
        }
        input = &input[(ctx.total_in() - in_before) as usize..];
        let stuck = out.len() == out_before && ctx.total_in() == in_before;
        match status {
            Status::StreamEnd => return Ok(()),
            _ if input.is_empty() && out.len() < out.capacity() => return Ok(()),
            _ if stuck && out.len() < out.capacity() => {
                return Err(InflateError::Corrupt {
                    message: "the data ends inside a block".into(),
                    back_reference: false,
                })
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_with_and_without_context_takeover() {
        for takeover in [true, false] {
            for bits in [9, 10, 15] {
                let (mut d, mut i) = (Deflater::new(bits, takeover), Inflater::new(bits, takeover));
                for text in ["Hello", "Hello", "", &"ab".repeat(5000)] {
                    let wire = d.compress(text.as_bytes());
                    assert!(!wire.ends_with(&TAIL));
                    assert_eq!(
                        i.inflate(&wire, None).unwrap(),
                        text.as_bytes(),
                        "bits {bits} takeover {takeover}"
                    );
                }
            }
        }
        // RFC 7692 §7.2.3.1: "Hello" compressed without context.
        assert_eq!(Deflater::new(15, false).compress(b"Hello"), [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    }

    #[test]
    fn context_takeover_shrinks_a_repeated_message_and_its_absence_is_detected() {
        let mut d = Deflater::new(15, true);
        let first = d.compress(b"a message that repeats itself");
        let second = d.compress(b"a message that repeats itself");
        assert!(second.len() < first.len() / 2, "{} vs {}", second.len(), first.len());
        // A receiver without the context cannot follow the back-reference into the first.
        let err = Inflater::new(15, false).inflate(&second, None).unwrap_err();
        assert!(matches!(err, InflateError::Corrupt { back_reference: true, .. }), "{err:?}");
    }

    #[test]
    fn a_bomb_stops_at_the_limit_and_garbage_is_corrupt() {
        let bomb = Deflater::new(15, false).compress(&vec![0u8; 10 << 20]);
        assert!(bomb.len() * 100 < 10 << 20, "{}", bomb.len());
        let err = Inflater::new(15, false).inflate(&bomb, Some(1 << 20)).unwrap_err();
        assert!(matches!(err, InflateError::TooBig { max: 1048576, size } if size < 3 << 20), "{err:?}");
        let err = Inflater::new(15, false).inflate(&[0xff, 0xff, 0xff, 0x00], None).unwrap_err();
        assert!(matches!(err, InflateError::Corrupt { back_reference: false, .. }), "{err:?}");
    }
}

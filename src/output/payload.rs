//! How payloads look: text escaped, binary as hex for people and base64 for machines.

use std::io::{self, Write};

use base64::Engine;
use serde_json::{json, Value};

use crate::core::event::Data;
use crate::output::sanitize;

pub use crate::core::event::hex;

pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Payload bytes rendered per piece by `write_message`: 32 KiB.
const PIECE: usize = 32 << 10;

/// A message as `connect` prints it, written in pieces: binary as lowercase hex, text escaped
/// (`sanitize::escape`, so no newline), no line end. The output equals `hex` or `escape` of the
/// whole payload; at most 64 KiB of it exists at a time.
pub fn write_message(data: &Data, w: &mut dyn Write) -> io::Result<()> {
    match data {
        Data::Binary(b) => {
            let mut buf = vec![0u8; 2 * PIECE];
            for piece in b.chunks(PIECE) {
                let out = &mut buf[..2 * piece.len()];
                const_hex::encode_to_slice(piece, out).map_err(io::Error::other)?;
                w.write_all(out)?;
            }
        }
        Data::Text(t) => {
            let mut rest: &str = t;
            while !rest.is_empty() {
                // A piece ends on a character boundary, at most 3 bytes short of PIECE.
                let mut end = rest.len().min(PIECE);
                while !rest.is_char_boundary(end) {
                    end -= 1;
                }
                w.write_all(sanitize::escape(&rest[..end]).as_bytes())?;
                rest = &rest[end..];
            }
        }
    }
    Ok(())
}

/// `{"text": …}` for UTF-8, `{"bytes": base64}` otherwise.
pub fn json_data(bytes: &[u8], is_text: bool) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) if is_text => json!({ "text": s }),
        _ => json!({ "bytes": base64(bytes) }),
    }
}

/// A short quoted preview for a frame line: text escaped, binary as hex, cut at `max` chars.
pub fn preview(bytes: &[u8], as_text: bool, more: bool, max: usize) -> String {
    if as_text {
        let text = sanitize::escape_bytes(bytes);
        let (shown, cut) = sanitize::truncate(&text, max);
        let ellipsis = if more && !cut { "…" } else { "" };
        format!("\"{}{ellipsis}\"", shown.replace('"', "\\\""))
    } else {
        let h = hex(bytes);
        let (shown, cut) = sanitize::truncate(&h, max);
        let ellipsis = if more && !cut { "…" } else { "" };
        format!("hex={shown}{ellipsis}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews() {
        assert_eq!(preview(b"hi \"x\"", true, false, 20), "\"hi \\\"x\\\"\"");
        assert_eq!(preview(b"abcdef", true, false, 3), "\"abc…\"");
        assert_eq!(preview(&[1, 2, 255], false, true, 20), "hex=0102ff…");
        assert_eq!(json_data(b"\xff", true), json!({"bytes": "/w=="}));
    }

    #[test]
    fn a_message_written_in_pieces_is_the_message_rendered_whole() {
        let bytes: Vec<u8> = (0..3 * PIECE + 5).map(|i| (i * 7 % 251) as u8).collect();
        let mut out = Vec::new();
        write_message(&Data::Binary(bytes.clone().into()), &mut out).unwrap();
        assert_eq!(out, hex(&bytes).into_bytes());
        // Multi-byte characters straddle every piece boundary; controls are escaped.
        let text = "é\x1b✓\n".repeat(PIECE / 2);
        let mut out = Vec::new();
        write_message(&Data::Text(text.clone().into()), &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), sanitize::escape(&text));
    }
}

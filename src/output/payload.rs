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
            let mut buf = vec![0u8; 2 * b.len().min(PIECE)];
            for piece in b.chunks(PIECE) {
                let out = &mut buf[..2 * piece.len()];
                const_hex::encode_to_slice(piece, out).map_err(io::Error::other)?;
                w.write_all(out)?;
            }
        }
        Data::Text(t) => {
            for piece in char_pieces(t) {
                w.write_all(sanitize::escape(piece).as_bytes())?;
            }
        }
    }
    Ok(())
}

/// A payload's contents inside a JSON string, written in pieces: binary as base64, text with
/// JSON's escapes, no quotes. Equal to what `json_data` and `serde_json` give for the whole
/// payload; at most 64 KiB of it exists at a time.
pub fn write_json_contents(data: &Data, w: &mut dyn Write) -> io::Result<()> {
    match data {
        Data::Binary(b) => {
            // Whole 3-byte groups per piece: only the last one is padded.
            let mut buf = vec![0u8; b.len().min(PIECE) / 3 * 4 + 4];
            for piece in b.chunks(PIECE / 3 * 3) {
                let n = base64::engine::general_purpose::STANDARD
                    .encode_slice(piece, &mut buf)
                    .map_err(io::Error::other)?;
                w.write_all(&buf[..n])?;
            }
        }
        Data::Text(t) => {
            for piece in char_pieces(t) {
                let quoted = serde_json::to_string(piece).map_err(io::Error::other)?;
                w.write_all(&quoted.as_bytes()[1..quoted.len() - 1])?;
            }
        }
    }
    Ok(())
}

/// `text` in pieces of at most PIECE bytes, each ending on a character boundary.
fn char_pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        // At most 3 bytes short of PIECE: a character is at most 4 bytes long.
        let mut end = rest.len().min(PIECE);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (piece, after) = rest.split_at(end);
        rest = after;
        Some(piece)
    })
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

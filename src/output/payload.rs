//! How payloads look: text escaped, binary as hex for people and base64 for machines.

use base64::Engine;
use serde_json::{json, Value};

use crate::output::sanitize;

pub use crate::core::event::hex;

pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
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
}

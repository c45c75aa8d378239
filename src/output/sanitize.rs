//! Escaping untrusted text before it reaches a terminal: control characters and bidirectional
//! overrides become visible escapes, everything else passes through.

use std::fmt::Write;

/// Escapes C0/C1 controls, DEL and bidi controls; keeps all other characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes bytes that may not be UTF-8: invalid sequences become `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// C1 controls and characters that reorder or hide text.
fn is_hidden(c: char) -> bool {
    matches!(c as u32,
        0x80..=0x9f | 0x061c | 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn truncate(s: &str, max: usize) -> (String, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (format!("{}…", &s[..i]), true),
        None => (s.to_string(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_bidi() {
        assert_eq!(escape("a\x1b[31mb\n\u{202e}x\u{9b}"), "a\\x1b[31mb\\n\\u{202e}x\\u{9b}");
        assert_eq!(escape("héllo ✓"), "héllo ✓");
        assert_eq!(escape_bytes(b"ok\xff\x00"), "ok\\xff\\x00");
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("ééééé", 3), ("ééé…".to_string(), true));
        assert_eq!(truncate("abc", 3), ("abc".to_string(), false));
    }
}

//! HTTP/1.1 head helpers shared by the proxy tunnel and the upgrade: bytes from a peer's head
//! made safe to quote (escaped as `\xNN`), the control byte that makes a head unparsable named
//! with its place, and Basic credentials.

use base64::Engine;

/// Bytes as text for a message: printable ASCII as is (`\\` and `"` escaped), everything else
/// as `\xNN`, so nothing from the peer reaches a terminal raw.
pub fn escape_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// What makes an HTTP head that starts like one unparsable: a control byte in the status line
/// or in a header, named with its place ("header X-Y contains byte \x1b at column 4"). None
/// when no such byte is found.
pub fn head_defect(head: &[u8]) -> Option<String> {
    if !head.starts_with(b"HTTP/") {
        return None;
    }
    for (i, line) in head.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(col) = line.iter().position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) else { continue };
        let byte = line[col];
        let place = if i == 0 {
            "the status line".to_string()
        } else {
            match line.iter().position(|&b| b == b':') {
                Some(colon) if colon < col => format!("header {}", escape_hex(&line[..colon])),
                _ => format!("line {}", i + 1),
            }
        };
        return Some(format!("{place} contains byte \\x{byte:02x} at column {}", col + 1));
    }
    None
}

/// The status code of an HTTP response head (`HTTP/1.1 101 Switching Protocols`), or None
/// when the head is no complete HTTP response.
pub fn status_code(head: &[u8]) -> Option<u16> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(head) {
        Ok(httparse::Status::Complete(_)) => response.code,
        // A head with more headers than the array holds still has a status line.
        Err(httparse::Error::TooManyHeaders) => status_line_code(head),
        _ => None,
    }
}

/// The code from a status line alone: `HTTP/1.x NNN`.
fn status_line_code(head: &[u8]) -> Option<u16> {
    let line = head.split(|&b| b == b'\n').next()?;
    let mut parts = line.split(|&b| b == b' ');
    let version = parts.next()?;
    let code = parts.next()?;
    if !version.starts_with(b"HTTP/") || code.len() != 3 {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// Basic credentials as an Authorization value.
pub fn basic_auth(userpass: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(userpass))
}

/// The end of an HTTP head: after the first empty line, CRLF or bare LF (RFC 9112 §2.2 lets a
/// recipient accept a bare LF as a line end).
pub fn find_head_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(p) = buf[i..].iter().position(|&b| b == b'\n') {
        let at = i + p;
        match buf.get(at + 1) {
            Some(b'\n') => return Some(at + 2),
            Some(b'\r') if buf.get(at + 2) == Some(&b'\n') => return Some(at + 3),
            _ => i = at + 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::status_code;

    #[test]
    fn the_status_code_comes_from_the_status_line() {
        assert_eq!(status_code(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"), Some(101));
        assert_eq!(status_code(b"HTTP/1.0 403 Forbidden\r\n\r\n"), Some(403));
        let many: String = (0..100).map(|i| format!("x-{i}: v\r\n")).collect();
        assert_eq!(status_code(format!("HTTP/1.1 200 OK\r\n{many}\r\n").as_bytes()), Some(200));
        assert_eq!(status_code(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(status_code(b""), None);
    }
}

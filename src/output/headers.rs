//! Handshake heads for display: split into lines, headers parsed, secrets masked.

/// Header names whose values are credentials.
const SECRET: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// The lines of an HTTP head without the terminating blank line, secrets masked unless `show`.
pub(super) fn lines(raw: &[u8], show: bool) -> Vec<Vec<u8>> {
    let text = raw.strip_suffix(b"\r\n\r\n").unwrap_or(raw);
    text.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .map(|l| if show { l.to_vec() } else { mask_line(l) })
        .collect()
}

/// The whole head with secrets masked.
pub(super) fn masked(raw: &[u8], show: bool) -> Vec<u8> {
    if show {
        return raw.to_vec();
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, line) in raw.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        let (body, cr) = match line.strip_suffix(b"\r") {
            Some(b) => (b, true),
            None => (line, false),
        };
        out.extend_from_slice(&mask_line(body));
        if cr {
            out.push(b'\r');
        }
    }
    out
}

/// `Authorization: Bearer abc` → `Authorization: Bearer ***`; `Cookie: a=b` → `Cookie: ***`.
fn mask_line(line: &[u8]) -> Vec<u8> {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return line.to_vec();
    };
    let name = String::from_utf8_lossy(&line[..colon]);
    if !SECRET.contains(&name.trim().to_ascii_lowercase().as_str()) {
        return line.to_vec();
    }
    let value = String::from_utf8_lossy(&line[colon + 1..]);
    let value = value.trim();
    let keep_scheme = name.to_ascii_lowercase().ends_with("authorization");
    let masked = match value.split_once(' ') {
        Some((scheme, _)) if keep_scheme => format!("{scheme} ***"),
        _ => "***".to_string(),
    };
    let mut out = line[..colon].to_vec();
    out.extend_from_slice(b": ");
    out.extend_from_slice(masked.as_bytes());
    out
}

/// Header (name, value) pairs after the start line, in wire order.
pub(super) fn pairs(lines: &[Vec<u8>]) -> Vec<(String, String)> {
    all_pairs(&lines[lines.len().min(1)..])
}

/// (name, value) pairs of every line: an HTTP/2 head (no start line), whose pseudo-header
/// names begin with a colon (`:status: 200`).
pub(super) fn all_pairs(lines: &[Vec<u8>]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let from = usize::from(l.first() == Some(&b':'));
            let colon = from + l[from..].iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&l[..colon]).into_owned();
            let value = String::from_utf8_lossy(&l[colon + 1..]).trim().to_string();
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_credentials_but_keeps_the_scheme() {
        let raw = b"GET / HTTP/1.1\r\nAuthorization: Bearer s3cret\r\ncookie: a=b\r\nX: y\r\n\r\n";
        let l = lines(raw, false);
        assert_eq!(l[1], b"Authorization: Bearer ***");
        assert_eq!(l[2], b"cookie: ***");
        assert_eq!(l[3], b"X: y");
        assert!(!String::from_utf8_lossy(&masked(raw, false)).contains("s3cret"));
        assert!(String::from_utf8_lossy(&masked(raw, true)).contains("s3cret"));
        assert_eq!(pairs(&l)[2], ("X".to_string(), "y".to_string()));
    }
}

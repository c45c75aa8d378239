//! The body of a refusal (a non-101 reply to the upgrade, or a proxy's refusal of CONNECT):
//! how its end is known (RFC 9112 §6.3) and its transfer coding removed, so what a user reads
//! is what the peer meant to send, while handshake-inspect's wire view keeps the bytes as they
//! crossed the wire. Chunk sizes are parsed by httparse.

use crate::core::net::http::find_head_end;

/// How a reply's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length: N` bytes.
    Length(usize),
    /// `Transfer-Encoding: chunked` (RFC 9112 §7.1), which wins over a Content-Length.
    Chunked,
    /// Neither: the body runs until the server closes (or, here, pauses).
    Close,
}

impl Framing {
    /// The framing a reply's headers announce.
    pub fn of(headers: &[(String, String)]) -> Framing {
        let value = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        let chunked = value("Transfer-Encoding")
            .and_then(|v| v.split(',').next_back())
            .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
        if chunked {
            return Framing::Chunked;
        }
        match value("Content-Length").and_then(|v| v.trim().parse::<usize>().ok()) {
            Some(n) => Framing::Length(n),
            None => Framing::Close,
        }
    }

    /// Whether `wire` holds the whole body.
    pub fn complete(self, wire: &[u8]) -> bool {
        match self {
            Framing::Length(n) => wire.len() >= n,
            Framing::Chunked => dechunk(wire).complete,
            Framing::Close => false,
        }
    }

    /// How many of the bytes read belong to the body (a server may send more after it).
    pub fn wire_len(self, wire: &[u8]) -> usize {
        match self {
            Framing::Length(n) => n.min(wire.len()),
            Framing::Chunked => {
                let d = dechunk(wire);
                if d.complete {
                    d.consumed
                } else {
                    wire.len()
                }
            }
            Framing::Close => wire.len(),
        }
    }

    /// The body with its transfer coding removed. A chunked body that does not parse as chunks
    /// is kept as it came (past the chunks that did parse).
    pub fn decode(self, wire: &[u8]) -> Vec<u8> {
        match self {
            Framing::Chunked => {
                let d = dechunk(wire);
                let mut out = d.data;
                if !d.complete && d.broken {
                    out.extend_from_slice(&wire[d.consumed..]);
                }
                out
            }
            Framing::Length(n) => wire[..n.min(wire.len())].to_vec(),
            Framing::Close => wire.to_vec(),
        }
    }
}

/// A walk over chunks.
struct Dechunked {
    data: Vec<u8>,
    /// Bytes of the wire walked over: whole chunks (and, when complete, the trailer section).
    consumed: usize,
    /// The last chunk and the end of the trailer section were seen.
    complete: bool,
    /// A chunk size did not parse (rather than: the bytes ran out).
    broken: bool,
}

fn dechunk(wire: &[u8]) -> Dechunked {
    let mut d = Dechunked { data: Vec::new(), consumed: 0, complete: false, broken: false };
    loop {
        let at = &wire[d.consumed..];
        let (used, size) = match httparse::parse_chunk_size(at) {
            Ok(httparse::Status::Complete((used, size))) => (used, size),
            Ok(httparse::Status::Partial) => return d,
            Err(_) => {
                d.broken = true;
                return d;
            }
        };
        let Ok(size) = usize::try_from(size) else {
            d.broken = true;
            return d;
        };
        if size == 0 {
            // Trailer fields, then an empty line.
            let trailer = &at[used..];
            let end = if trailer.starts_with(b"\r\n") { Some(2) } else { find_head_end(trailer) };
            if let Some(end) = end {
                d.consumed += used + end;
                d.complete = true;
            }
            return d;
        }
        let data = &at[used..];
        if data.len() < size {
            // A cut chunk: keep what came of it.
            d.data.extend_from_slice(data);
            return d;
        }
        d.data.extend_from_slice(&data[..size]);
        match &data[size..] {
            [b'\r', b'\n', ..] => d.consumed += used + size + 2,
            [] | [b'\r'] => return d,
            _ => {
                d.consumed += used + size;
                d.broken = true;
                return d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn chunked_wins_over_a_length() {
        let both = h(&[("Content-Length", "3"), ("Transfer-Encoding", "gzip, chunked")]);
        assert_eq!(Framing::of(&both), Framing::Chunked);
        assert_eq!(Framing::of(&h(&[("content-length", " 12 ")])), Framing::Length(12));
        assert_eq!(Framing::of(&h(&[("Transfer-Encoding", "chunked, gzip")])), Framing::Close);
    }

    #[test]
    fn a_chunked_body_is_dechunked_and_its_end_found() {
        let wire = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
        let f = Framing::Chunked;
        assert!(f.complete(wire));
        assert_eq!(f.wire_len(wire), wire.len() - 4);
        assert_eq!(f.decode(wire), b"hello, world");
        assert!(f.complete(b"0\r\n\r\n"));
        assert!(!f.complete(b"5\r\nhel"));
        assert_eq!(f.decode(b"5\r\nhel"), b"hel");
        // Not chunks after all: the bytes are kept.
        assert_eq!(f.decode(b"<html>"), b"<html>");
        assert_eq!(f.decode(b"2\r\nokXX"), b"okXX");
    }
}

//! `--hex` and `--base64` message lines decoded in place: the decoded bytes are written over
//! the line they come from, a chunk at a time, so a 64 MiB message never exists twice (the
//! line, a whitespace-free copy and the decoded bytes were three buffers). const-hex and
//! base64-simd decode; the base64 crate words base64's errors.

use base64::engine::general_purpose::STANDARD;
use base64::{DecodeError, Engine};

use crate::output::sanitize::escape_bytes;

/// Hex digits decoded per step (an even number): 64 KiB.
const CHUNK: usize = 64 * 1024;

/// Hex digits, any case, with ASCII whitespace (and the vertical tab) anywhere between them, decoded into the same
/// buffer. Errors (one line): the first character that is neither a hex digit nor whitespace,
/// with its byte offset in the line; an odd number of digits.
pub(super) fn hex_in_place(mut buf: Vec<u8>) -> Result<Vec<u8>, String> {
    // Offsets in errors are the line's: whitespace goes (after the check) only when there is any.
    let spaced = buf.iter().fold(false, |any, b| any | is_space(b));
    if spaced {
        if let Some(at) = buf.iter().position(|b| !b.is_ascii_hexdigit() && !is_space(b)) {
            return Err(not_hex(&buf, at));
        }
        buf.retain(|b| !is_space(b));
    }
    if !buf.len().is_multiple_of(2) {
        return Err("hex needs an even number of digits".into());
    }
    let mut tmp = vec![0u8; CHUNK / 2];
    let (mut read, mut written) = (0, 0);
    while read < buf.len() {
        let end = (read + CHUNK).min(buf.len());
        let n = (end - read) / 2;
        if const_hex::decode_to_slice(&buf[read..end], &mut tmp[..n]).is_err() {
            // Only without whitespace (checked above otherwise): the line from `read` on is
            // untouched, and its first non-digit is the one to name.
            let at = buf[read..].iter().position(|b| !b.is_ascii_hexdigit()).map_or(read, |i| read + i);
            return Err(not_hex(&buf, at));
        }
        // `written + n` is half of `end`: only bytes already decoded are overwritten.
        buf[written..written + n].copy_from_slice(&tmp[..n]);
        (read, written) = (end, written + n);
    }
    buf.truncate(written);
    buf.shrink_to_fit();
    Ok(buf)
}

/// Whether `buf` has ASCII whitespace (a pass the compiler vectorizes; `retain` is slower).
fn has_whitespace(buf: &[u8]) -> bool {
    buf.iter().fold(false, |any, b| any | b.is_ascii_whitespace())
}

/// The error for the character at byte `at`, escaped as the terminal output escapes it
/// (`\x1b`, `\xff` for a byte that is no UTF-8).
fn not_hex(buf: &[u8], at: usize) -> String {
    let rest = &buf[at..buf.len().min(at + 4)];
    let len = match rest.utf8_chunks().next() {
        Some(chunk) => chunk.valid().chars().next().map_or(1, char::len_utf8),
        None => 1,
    };
    format!("'{}' at byte {at} is not a hex digit", escape_bytes(&rest[..len.min(rest.len())]))
}

/// Whitespace between hex digits: ASCII whitespace and the vertical tab (as C's `isspace`).
fn is_space(b: &u8) -> bool {
    b.is_ascii_whitespace() || *b == 0x0b
}

/// Standard base64 with padding (RFC 4648 §4), ASCII whitespace anywhere ignored, decoded into
/// the same buffer. Errors are the base64 crate's, with offsets counted in the line without its
/// whitespace, as a decoding of the whole line gives them.
pub(super) fn base64_in_place(mut buf: Vec<u8>) -> Result<Vec<u8>, DecodeError> {
    if has_whitespace(&buf) {
        buf.retain(|b| !b.is_ascii_whitespace());
    }
    // base64-simd checks and decodes (SIMD, in place); the base64 crate, which names what is
    // wrong and where, judges what it refuses, and the last quantum, whose unused bits it
    // requires to be zero as RFC 4648 §3.5 allows.
    if base64_simd::STANDARD.check(&buf).is_err() {
        return Err(STANDARD.decode(&buf).err().unwrap_or(DecodeError::InvalidPadding));
    }
    let last = buf.len().saturating_sub(4);
    if let Err(e) = STANDARD.decode(&buf[last..]) {
        return Err(shift(e, last));
    }
    let n = match base64_simd::STANDARD.decode_inplace(&mut buf) {
        Ok(decoded) => decoded.len(),
        Err(_) => return Err(DecodeError::InvalidPadding),
    };
    buf.truncate(n);
    buf.shrink_to_fit();
    Ok(buf)
}

/// An error found in the line from offset `by` on, as offsets in the whole line.
fn shift(e: DecodeError, by: usize) -> DecodeError {
    match e {
        DecodeError::InvalidByte(at, b) => DecodeError::InvalidByte(at + by, b),
        DecodeError::InvalidLastSymbol(at, b) => DecodeError::InvalidLastSymbol(at + by, b),
        DecodeError::InvalidLength(len) => DecodeError::InvalidLength(len + by),
        DecodeError::InvalidPadding => DecodeError::InvalidPadding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes of every value, in an order that is not a pattern, `len` long.
    fn sample(len: usize) -> Vec<u8> {
        let mut x: u32 = 0x9E37_79B9;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    #[test]
    fn decodes_across_chunk_boundaries_as_the_libraries_do() {
        for len in [0, 1, 2, 3, CHUNK / 4 * 3 - 1, CHUNK / 4 * 3, CHUNK / 4 * 3 + 1, CHUNK, 3 * CHUNK + 7] {
            let data = sample(len);
            let mut b64 = STANDARD.encode(&data).into_bytes();
            // Whitespace inside, as wrapped base64 has it.
            if b64.len() > 100 {
                b64.insert(76, b'\n');
                b64.insert(20, b' ');
            }
            assert_eq!(base64_in_place(b64).unwrap(), data, "base64, {len} bytes");
            let mut hex = const_hex::encode_upper(&data).into_bytes();
            if hex.len() > 10 {
                hex.insert(4, b'\t');
            }
            assert_eq!(hex_in_place(hex).unwrap(), data, "hex, {len} bytes");
        }
    }

    #[test]
    fn base64_errors_name_the_offset_in_the_whole_line() {
        // A bad byte far past the first chunk, and one in it.
        let mut line = STANDARD.encode(sample(CHUNK)).into_bytes();
        line[CHUNK + 5] = b'!';
        assert_eq!(base64_in_place(line).unwrap_err(), DecodeError::InvalidByte(CHUNK + 5, b'!'));
        assert_eq!(base64_in_place(b"AA!A".to_vec()).unwrap_err(), DecodeError::InvalidByte(2, b'!'));
        assert!(base64_in_place(b"AAE".to_vec()).is_err());
        // Unused bits that are not zero, in the last quantum only.
        let mut line = STANDARD.encode(sample(3 * CHUNK)).into_bytes();
        line.extend_from_slice(b"QR==");
        let at = line.len() - 3;
        assert_eq!(base64_in_place(line).unwrap_err(), DecodeError::InvalidLastSymbol(at, b'R'));
    }

    #[test]
    fn padding_before_the_end_is_refused_as_the_whole_line_decoding_refuses_it() {
        // "AA==" in the middle, more base64 after it.
        let mut line = STANDARD.encode(sample(CHUNK / 4 * 3)).into_bytes();
        line.truncate(CHUNK - 4);
        line.extend_from_slice(b"AA==");
        line.extend_from_slice(b"AAAA");
        let whole = STANDARD.decode(&line).unwrap_err();
        assert_eq!(base64_in_place(line).unwrap_err(), whole);
    }

    #[test]
    fn hex_errors_name_the_character_and_its_byte() {
        assert_eq!(hex_in_place(b"de ad zz".to_vec()).unwrap_err(), "'z' at byte 6 is not a hex digit");
        assert_eq!(
            hex_in_place("00é11".as_bytes().to_vec()).unwrap_err(),
            "'é' at byte 2 is not a hex digit"
        );
        assert_eq!(hex_in_place(b"abc".to_vec()).unwrap_err(), "hex needs an even number of digits");
        assert_eq!(hex_in_place(b"ab\xffcde".to_vec()).unwrap_err(), "'\\xff' at byte 2 is not a hex digit");
        assert_eq!(hex_in_place(b"ab\x0bcd\x0c".to_vec()).unwrap(), [0xab, 0xcd], "VT and FF are spaces");
        // Far into the line, past the first chunk, with and without whitespace before it.
        let mut line = vec![b'a'; 3 * CHUNK];
        line[2 * CHUNK + 1] = b'g';
        assert_eq!(
            hex_in_place(line.clone()).unwrap_err(),
            format!("'g' at byte {} is not a hex digit", 2 * CHUNK + 1)
        );
        line[0] = b' ';
        line[1] = b' ';
        assert_eq!(
            hex_in_place(line).unwrap_err(),
            format!("'g' at byte {} is not a hex digit", 2 * CHUNK + 1)
        );
        assert_eq!(hex_in_place(b"\x1b[".to_vec()).unwrap_err(), "'\\x1b' at byte 0 is not a hex digit");
    }
}

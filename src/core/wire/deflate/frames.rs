//! Frame bytes the deflate layer writes: headers in wire form, masking, and buffers released once
//! passed on.

/// Empties a buffer, freeing it when it grew past a few KiB (idle connections hold nothing).
pub(super) fn release(buf: &mut Vec<u8>) {
    if buf.capacity() > 4096 {
        *buf = Vec::new();
    } else {
        buf.clear();
    }
}

/// A frame header in wire form.
pub(super) fn header_bytes(fin: bool, rsv1: bool, opcode: u8, mask: Option<[u8; 4]>, len: usize) -> Vec<u8> {
    let mut h = Vec::with_capacity(14);
    h.push(u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode);
    let m = if mask.is_some() { 0x80 } else { 0 };
    match len {
        0..=125 => h.push(m | len as u8),
        126..=0xFFFF => {
            h.push(m | 126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            h.push(m | 127);
            h.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    if let Some(key) = mask {
        h.extend_from_slice(&key);
    }
    h
}

/// XORs `data` with the frame's masking key (RFC 6455 §5.3), in place, eight bytes at a time.
pub(super) fn apply_mask(data: &mut [u8], mask: Option<[u8; 4]>) {
    let Some(key) = mask.filter(|k| *k != [0; 4]) else { return };
    let wide = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let mut chunks = data.chunks_exact_mut(8);
    for c in &mut chunks {
        let v = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ wide;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= key[i & 3];
    }
}

//! Property-based tests of the parsers that read untrusted input: the tap's frame parser
//! (against tungstenite's own frame-header decoding), the handshake heads (response and
//! request), the `builtin:echo` query, the REPL command line and `--from-curl`. They never
//! panic, and the frame parser agrees with the reference byte for byte however the stream is
//! split.
//!
//! A bounded run (64 cases each) is part of `cargo test`; a longer run:
//! `PROPTEST_CASES=20000 cargo test --lib props`.

use std::io::Cursor;

use proptest::prelude::*;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

use crate::core::event::Dir;
use crate::core::wire::frame_log::{FrameParser, FrameRecord};

fn config() -> ProptestConfig {
    // PROPTEST_CASES, when set, wins (proptest reads it into the default).
    let default = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { default.cases } else { 64 };
    ProptestConfig { cases, failure_persistence: None, ..default }
}

/// One frame to put on the wire.
#[derive(Debug, Clone)]
struct WireFrame {
    fin: bool,
    rsv: [bool; 3],
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload: Vec<u8>,
}

impl WireFrame {
    /// The frame's bytes: the shortest length encoding, or a longer one when `wide` (legal
    /// on the wire, if not minimal).
    fn encode(&self, wide: bool) -> Vec<u8> {
        let mut b0 = self.opcode & 0x0F;
        if self.fin {
            b0 |= 0x80;
        }
        for (i, r) in self.rsv.iter().enumerate() {
            if *r {
                b0 |= 0x40 >> i;
            }
        }
        let mut out = vec![b0];
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        let n = self.payload.len();
        if n < 126 && !wide {
            out.push(m | n as u8);
        } else if n <= 0xFFFF && !(wide && n >= 126) {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
            out.extend(self.payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        } else {
            out.extend_from_slice(&self.payload);
        }
        out
    }
}

fn wire_frame() -> impl Strategy<Value = WireFrame> {
    let payload = prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..130),
        1 => proptest::collection::vec(any::<u8>(), 126..70_000),
    ];
    (any::<bool>(), any::<[bool; 3]>(), 0u8..16, proptest::option::of(any::<[u8; 4]>()), payload)
        .prop_map(|(fin, rsv, opcode, mask, payload)| WireFrame { fin, rsv, opcode, mask, payload })
}

/// What tungstenite's decoder reads from `bytes`: a record per frame, as the tap would make it.
/// tungstenite refuses reserved opcodes, which the tap must report as they are: such a frame
/// is decoded as binary and reported with its own opcode.
fn reference(bytes: &[u8], preview_max: usize, at: Instant) -> Vec<FrameRecord> {
    let mut patched = bytes.to_vec();
    let mut out = Vec::new();
    let mut pos = 0usize;
    loop {
        let original = patched.get(pos).map(|b| b & 0x0F);
        if let Some(code) = original.filter(|c| matches!(c, 3..=7 | 11..=15)) {
            patched[pos] = (patched[pos] & 0xF0) | if code >= 8 { 0x9 } else { 0x2 };
        }
        let mut cursor = Cursor::new(&patched[..]);
        cursor.set_position(pos as u64);
        let Ok(Some((head, len))) = FrameHeader::parse(&mut cursor) else { break };
        let start = cursor.position() as usize;
        let end = start + len as usize;
        pos = end;
        let opcode: u8 = original.unwrap_or_else(|| head.opcode.into());
        let limit = if opcode >= 0x8 { preview_max.max(125) } else { preview_max };
        let shown = &bytes[start..end.min(start + limit)];
        let preview = match head.mask {
            Some(key) => shown.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect(),
            None => shown.to_vec(),
        };
        out.push(FrameRecord {
            dir: Dir::In,
            at,
            fin: head.is_final,
            rsv: [head.rsv1, head.rsv2, head.rsv3],
            opcode,
            masked: head.mask.is_some(),
            len,
            preview,
            inflated: None,
        });
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// However the stream is cut, the tap reports the frames tungstenite decodes.
    #[test]
    fn the_frame_parser_agrees_with_tungstenite(
        frames in proptest::collection::vec(wire_frame(), 1..6),
        wide in any::<bool>(),
        cuts in proptest::collection::vec(1usize..600, 0..40),
        preview_max in 0usize..200,
    ) {
        let bytes: Vec<u8> = frames.iter().flat_map(|f| f.encode(wide)).collect();
        let at = Instant::now();
        let expected = reference(&bytes, preview_max, at);
        prop_assert_eq!(expected.len(), frames.len());
        let mut parser = FrameParser::new(Dir::In, preview_max);
        let mut got = Vec::new();
        let mut rest = &bytes[..];
        for cut in cuts.iter().copied().chain(std::iter::repeat(usize::MAX)) {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(cut.min(rest.len()));
            parser.feed(now, at, &mut |r| got.push(r));
            rest = later;
        }
        prop_assert!(!parser.mid_frame());
        prop_assert_eq!(got, expected);
    }

    /// Bytes that are no frames at all: no panic, and never a record past what was fed.
    #[test]
    fn the_frame_parser_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut parser = FrameParser::new(Dir::Out, 64);
        let mut total = 0u64;
        parser.feed(&bytes, Instant::now(), &mut |r| total += 1 + r.preview.len() as u64);
        prop_assert!(total <= bytes.len() as u64 + 1);
    }

    /// Response heads: the parser answers (a response or an error), never panics.
    #[test]
    fn response_heads_never_panic(
        start in prop_oneof![Just(b"HTTP/1.1 ".to_vec()), Just(b"HTTP/1.0 1".to_vec()), Just(Vec::new())],
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        end in any::<bool>(),
    ) {
        let mut head = start;
        head.extend_from_slice(&bytes);
        if end {
            head.extend_from_slice(b"\r\n\r\n");
        }
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _ = rt.block_on(crate::core::wire::handshake::read_response(&mut head.as_slice()));
        let _ = crate::core::net::http::head_defect(&head);
    }

    /// Request heads, as a server reads them: always an answer (101 or a refusal).
    #[test]
    fn request_heads_never_panic(
        lines in proptest::collection::vec("[ -~\t\u{80}-\u{10ffff}]{0,40}", 0..8),
        raw in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let mut head = b"GET / HTTP/1.1\r\n".to_vec();
        for l in &lines {
            head.extend_from_slice(l.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(&raw);
        head.extend_from_slice(b"\r\n\r\n");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (mut client, mut server) = tokio::io::duplex(1 << 16);
            use tokio::io::AsyncWriteExt;
            client.write_all(&head).await.unwrap();
            let subprotocols = vec!["chat".to_string()];
            let policy =
                crate::core::session::upgrade::Policy { reject: None, subprotocols: &subprotocols, headers: &[], deflate: None };
            let _ = crate::core::session::upgrade::answer(&mut server, policy).await;
        });
    }

    /// `builtin:echo?…` queries: parsed or refused with a usage error.
    #[test]
    fn builtin_queries_never_panic(query in "[a-z=&%0-9._-]{0,60}|\\PC{0,40}") {
        let _ = crate::core::builtin::faults::EchoFaults::from_query(&query);
    }

    /// REPL command lines, in both modes.
    #[test]
    fn repl_lines_never_panic(line in "/[a-z]{0,8}( [ -~\u{80}-\u{10ffff}]{0,20}){0,4}|\\PC{0,60}") {
        let _ = crate::repl::parse::parse(&line, crate::repl::parse::Mode::Connect);
        let _ = crate::repl::parse::parse(&line, crate::repl::parse::Mode::Listen);
    }

    /// `--from-curl` commands, including quoting of every kind.
    #[test]
    fn curl_commands_never_panic(rest in "( (-[A-Za-z]|--[a-z-]{1,12}|'[^']{0,12}'|\\$'[ -~]{0,12}'|\"[ -~]{0,12}\"|[ -~]{1,12}))*") {
        let _ = crate::settings::curl::parse(&format!("curl{rest}"));
    }
}

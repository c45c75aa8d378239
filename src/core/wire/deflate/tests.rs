//! The permessage-deflate layer under real sessions over `tokio::io::duplex`: both ends
//! compressing at every window size with and without context takeover, a raw peer sending
//! fragmented compressed messages with a ping between the fragments, and every fault a peer
//! can cause, each ending the connection as RFC 7692 and RFC 6455 §7.4.1 say.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::codec::Deflater;
use super::Agreement;
use crate::core::event::{Collect, Data, End, Ending, EventKind, Limit, Side};
use crate::core::session::{Clock, Incoming, Session};
use crate::core::wire::tap::TapConfig;

const TAP: TapConfig = TapConfig { frames: true, preview: 64 };

fn agreement(bits: u8, takeover: bool) -> Agreement {
    Agreement {
        server_no_context_takeover: !takeover,
        client_no_context_takeover: !takeover,
        server_max_window_bits: bits,
        client_max_window_bits: bits,
    }
}

async fn session(io: DuplexStream, local: Side, agreed: Option<Agreement>, max: Option<usize>) -> Session {
    let config = WebSocketConfig::default().max_message_size(max).max_frame_size(max);
    Session::over_with_deflate(io, local, config, TAP, Clock::now(), 1, agreed).await
}

async fn next(s: &mut Session, sink: &mut Collect) -> Incoming {
    tokio::time::timeout(Duration::from_secs(30), s.next(sink)).await.expect("something must arrive")
}

async fn ended(s: &mut Session, sink: &mut Collect) -> End {
    tokio::time::timeout(Duration::from_secs(30), s.wait_end(sink)).await.expect("the session must end")
}

/// A frame as a peer writes it (a client's frames masked with a fixed key).
fn frame(fin: bool, rsv1: bool, opcode: u8, masked: bool, payload: &[u8]) -> Vec<u8> {
    let key = [0x12, 0x34, 0x56, 0x78];
    let mut out = vec![u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode];
    let m = if masked { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(m | n as u8),
        n @ 126..=0xFFFF => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        out.extend_from_slice(&key);
    }
    out.extend(payload.iter().enumerate().map(|(i, b)| if masked { b ^ key[i % 4] } else { *b }));
    out
}

/// The frames a raw peer received, as (first byte, payload) pairs, until `n` arrived.
async fn read_frames(peer: &mut DuplexStream, n: usize) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    while out.len() < n {
        let mut head = [0u8; 2];
        peer.read_exact(&mut head).await.unwrap();
        let mut len = usize::from(head[1] & 0x7F);
        if len == 126 {
            let mut l = [0u8; 2];
            peer.read_exact(&mut l).await.unwrap();
            len = usize::from(u16::from_be_bytes(l));
        }
        let mut mask = [0u8; 4];
        if head[1] & 0x80 != 0 {
            peer.read_exact(&mut mask).await.unwrap();
        }
        let mut payload = vec![0u8; len];
        peer.read_exact(&mut payload).await.unwrap();
        payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
        out.push((head[0], payload));
    }
    out
}

fn violation(end: &End) -> &str {
    match &end.ending {
        Ending::Violation { rule, .. } => rule,
        other => panic!("expected a violation, got {other:?}"),
    }
}

#[tokio::test]
async fn both_ends_compress_at_every_window_size_with_and_without_context_takeover() {
    for bits in 9..=15 {
        for takeover in [true, false] {
            let (a, b) = tokio::io::duplex(256 << 10);
            let agreed = Some(agreement(bits, takeover));
            let (mut client, mut server) =
                tokio::join!(session(a, Side::Client, agreed, None), session(b, Side::Server, agreed, None));
            let (mut cs, mut ss) = (Collect::default(), Collect::default());
            let texts = ["hello", "hello", "", &"a repeated phrase ".repeat(3000)];
            for text in texts {
                client.send(Data::Text(text.into()), &mut cs);
                client.flushed(Duration::from_secs(5)).await;
                let Incoming::Message(got) = next(&mut server, &mut ss).await else { panic!("no message") };
                assert_eq!(got, Data::Text(text.into()), "bits {bits} takeover {takeover}");
                server.send(got, &mut ss);
                server.flushed(Duration::from_secs(5)).await;
                let Incoming::Message(back) = next(&mut client, &mut cs).await else { panic!("no echo") };
                assert_eq!(back, Data::Text(text.into()));
            }
            // Every data frame crossed the wire compressed, with its inflated size reported.
            let frames: Vec<_> = cs
                .events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::Frame(f) if f.opcode == 0x1 => Some(f.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(frames.len(), 8, "bits {bits}");
            assert!(frames.iter().all(|f| f.rsv[0]), "{frames:?}");
            assert!(frames.iter().any(|f| f.inflated == Some(54000) && f.len * 10 < 54000), "{frames:?}");
            let sent = client.totals().sent;
            assert!(sent.wire_bytes.is_some_and(|w| w * 10 < sent.bytes), "{sent:?}");
        }
    }
}

#[tokio::test]
async fn a_fragmented_compressed_message_with_a_ping_between_fragments_is_inflated_whole() {
    let (a, mut peer) = tokio::io::duplex(64 << 10);
    let mut client = session(a, Side::Client, Some(agreement(15, true)), None).await;
    let mut sink = Collect::default();
    let text = "fragments of one compressed message, ".repeat(20);
    let wire = Deflater::new(15, true).compress(text.as_bytes());
    let (first, rest) = wire.split_at(wire.len() / 3);
    let (second, third) = rest.split_at(rest.len() / 2);
    let mut bytes = frame(false, true, 0x1, false, first);
    bytes.extend(frame(false, false, 0x0, false, second));
    bytes.extend(frame(true, false, 0x9, false, b"between"));
    bytes.extend(frame(true, false, 0x0, false, third));
    peer.write_all(&bytes).await.unwrap();
    // The ping is answered (it overtakes the reassembled message), then the message arrives.
    let mut got = None;
    for _ in 0..3 {
        if let Incoming::Message(m) = next(&mut client, &mut sink).await {
            got = Some(m);
            break;
        }
    }
    assert_eq!(got, Some(Data::Text(text.as_str().into())));
    let frames = read_frames(&mut peer, 1).await;
    assert_eq!((frames[0].0, frames[0].1.as_slice()), (0x8A, &b"between"[..]), "the pong, uncompressed");
}

#[tokio::test]
async fn a_server_inflates_a_masked_client_message_and_its_echo_goes_out_compressed() {
    let (a, mut peer) = tokio::io::duplex(64 << 10);
    let mut server = session(a, Side::Server, Some(agreement(15, false)), None).await;
    let mut sink = Collect::default();
    // RFC 7692 §7.2.3.1: "Hello", compressed, from a client.
    peer.write_all(&frame(true, true, 0x1, true, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])).await.unwrap();
    let Incoming::Message(got) = next(&mut server, &mut sink).await else { panic!("no message") };
    assert_eq!(got, Data::Text("Hello".into()));
    server.send(got, &mut sink);
    let _ = tokio::time::timeout(Duration::from_millis(100), server.next(&mut sink)).await;
    let frames = read_frames(&mut peer, 1).await;
    assert_eq!(
        frames[0],
        (0xC1, vec![0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
        "FIN, RSV1, text, unmasked"
    );
}

/// A peer's bytes, and what the client session's ending says of them, with the close code
/// the client sent back (if any).
async fn peer_breaks(agreed: Option<Agreement>, max: Option<usize>, bytes: Vec<u8>) -> (End, Option<u16>) {
    // Room for every byte at once: the session reads only once they are written.
    let (a, mut peer) = tokio::io::duplex(bytes.len() + (64 << 10));
    let mut client = session(a, Side::Client, agreed, max).await;
    let mut sink = Collect::default();
    peer.write_all(&bytes).await.unwrap();
    let end = ended(&mut client, &mut sink).await;
    drop(client);
    let frames =
        tokio::time::timeout(Duration::from_secs(5), read_frames(&mut peer, 1)).await.unwrap_or_default();
    let code = frames
        .iter()
        .find(|(b, _)| b & 0x0F == 0x8)
        .and_then(|(_, p)| p.get(..2))
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
    (end, code)
}

#[tokio::test]
async fn rsv1_on_a_control_or_continuation_frame_is_a_protocol_error() {
    let agreed = Some(agreement(15, true));
    let (end, code) = peer_breaks(agreed, None, frame(true, true, 0x9, false, b"x")).await;
    assert!(violation(&end).contains("RSV1 set on a control frame (RFC 7692 §6.1)"), "{end:?}");
    assert_eq!(code, Some(1002));
    let mut bytes = frame(false, false, 0x1, false, b"plain ");
    bytes.extend(frame(true, true, 0x0, false, b"then rsv1"));
    let (end, _) = peer_breaks(agreed, None, bytes).await;
    assert!(violation(&end).contains("continuation frame (RFC 7692 §6.1)"), "{end:?}");
}

#[tokio::test]
async fn rsv1_without_an_agreement_names_the_extension() {
    let wire = Deflater::new(15, false).compress(b"Hello");
    let (end, code) = peer_breaks(None, None, frame(true, true, 0x1, false, &wire)).await;
    assert!(violation(&end).contains("RFC 7692 §6"), "{end:?}");
    assert_eq!(code, Some(1002));
}

#[tokio::test]
async fn data_that_does_not_inflate_closes_with_1007_and_shows_the_bytes() {
    let (end, code) =
        peer_breaks(Some(agreement(15, true)), None, frame(true, true, 0x1, false, &[0xff, 1, 2])).await;
    assert!(violation(&end).contains("does not inflate"), "{end:?}");
    let Ending::Violation { bytes, .. } = &end.ending else { unreachable!() };
    assert_eq!(bytes, &[0xff, 1, 2]);
    assert_eq!(code, Some(1007));
}

#[tokio::test]
async fn a_back_reference_into_an_earlier_message_under_no_context_takeover_is_named() {
    // The peer keeps its context although the agreement says it must not.
    let mut deflater = Deflater::new(15, true);
    let mut bytes = frame(true, true, 0x1, false, &deflater.compress(b"the same words twice"));
    bytes.extend(frame(true, true, 0x1, false, &deflater.compress(b"the same words twice")));
    let (end, _) = peer_breaks(Some(agreement(15, false)), None, bytes).await;
    assert!(violation(&end).contains("refers back beyond the agreed window"), "{end:?}");
}

#[tokio::test]
async fn a_decompression_bomb_ends_with_1009_at_the_limit() {
    let bomb = Deflater::new(15, false).compress(&vec![b'a'; 8 << 20]);
    assert!(bomb.len() * 100 < 8 << 20, "{}", bomb.len());
    let (end, code) =
        peer_breaks(Some(agreement(15, true)), Some(1 << 20), frame(true, true, 0x2, false, &bomb)).await;
    assert!(matches!(end.ending, Ending::LocalLimit(Limit::MessageSize { max: 1048576, .. })), "{end:?}");
    assert_eq!(code, Some(1009));
}

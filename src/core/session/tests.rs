//! In-process tests of the session contract: sessions over `tokio::io::duplex` (paused clock)
//! and over loopback TCP, against a peer session or a raw peer that reads and writes bytes.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Bytes;

use super::*;
use crate::core::event::Collect;

trait Ends {
    fn ends(&self) -> Vec<End>;
}

impl Ends for Collect {
    fn ends(&self) -> Vec<End> {
        self.events
            .iter()
            .filter_map(|e| if let EventKind::Ended(end) = &e.kind { Some(end.clone()) } else { None })
            .collect()
    }
}

const TAP: TapConfig = TapConfig { frames: false, preview: 64 };

async fn session(io: DuplexStream, local: Side, config: WebSocketConfig) -> Session {
    Session::over(io, local, config, TAP, Clock::now(), 7).await
}

/// A client and a server session joined by an in-memory pipe.
async fn pair() -> (Session, Session) {
    let (a, b) = tokio::io::duplex(64 << 10);
    let client = session(a, Side::Client, WebSocketConfig::default()).await;
    let server = session(b, Side::Server, WebSocketConfig::default()).await;
    (client, server)
}

/// A session on one end, raw bytes on the other.
async fn raw(local: Side, config: WebSocketConfig) -> (Session, DuplexStream) {
    let (a, b) = tokio::io::duplex(64 << 10);
    (session(a, local, config).await, b)
}

/// Reads one frame from a raw peer: (first byte, payload unmasked, was masked).
async fn read_frame(peer: &mut DuplexStream) -> (u8, Vec<u8>, bool) {
    let mut head = [0u8; 2];
    peer.read_exact(&mut head).await.unwrap();
    let masked = head[1] & 0x80 != 0;
    let len = match head[1] & 0x7F {
        126 => {
            let mut l = [0u8; 2];
            peer.read_exact(&mut l).await.unwrap();
            u64::from(u16::from_be_bytes(l))
        }
        127 => {
            let mut l = [0u8; 8];
            peer.read_exact(&mut l).await.unwrap();
            u64::from_be_bytes(l)
        }
        n => u64::from(n),
    };
    let mut mask = [0u8; 4];
    if masked {
        peer.read_exact(&mut mask).await.unwrap();
    }
    let mut payload = vec![0u8; len as usize];
    peer.read_exact(&mut payload).await.unwrap();
    for (i, b) in payload.iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
    (head[0], payload, masked)
}

async fn ended(s: &mut Session, sink: &mut Collect) -> End {
    tokio::time::timeout(Duration::from_secs(60), s.wait_end(sink)).await.expect("the session must end")
}

#[tokio::test(start_paused = true)]
async fn close_handshake_client_first_and_server_first() {
    for client_first in [true, false] {
        let (mut client, mut server) = pair().await;
        let (mut cs, mut ss) = (Collect::default(), Collect::default());
        let first = if client_first { &mut client } else { &mut server };
        first.submit(Outgoing::Close(Some((4001, "bye".into()))), &mut Collect::default());
        let (c, s) = tokio::join!(ended(&mut client, &mut cs), ended(&mut server, &mut ss));
        let party = if client_first { Side::Client } else { Side::Server };
        for end in [&c, &s] {
            assert_eq!(end.ending, Ending::Closed { code: Some(4001), reason: "bye".into() }, "{end:?}");
            assert_eq!(end.party, party);
        }
        assert_eq!(cs.ends().len(), 1, "one Ended event per session");
        assert!(c.result().is_ok());
    }
}

#[tokio::test(start_paused = true)]
async fn a_fin_without_a_close_frame_is_peer_fin() {
    let (mut s, peer) = raw(Side::Client, WebSocketConfig::default()).await;
    drop(peer);
    let end = ended(&mut s, &mut Collect::default()).await;
    assert_eq!((end.ending.clone(), end.party), (Ending::PeerFin { mid_frame: false }, Side::Server));
    assert_eq!(end.result().unwrap_err().exit_status().code(), 6);
}

#[tokio::test(start_paused = true)]
async fn a_fin_in_the_middle_of_a_frame_says_so() {
    let (mut s, mut peer) = raw(Side::Server, WebSocketConfig::default()).await;
    peer.write_all(&[0x82, 0x85, 1, 2, 3, 4, 0xAA]).await.unwrap();
    drop(peer);
    let end = ended(&mut s, &mut Collect::default()).await;
    assert_eq!((end.ending, end.party), (Ending::PeerFin { mid_frame: true }, Side::Client));
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_close_times_out_after_the_close_timeout() {
    let (mut s, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
    let start = Instant::now();
    s.close(1000, "", &mut Collect::default());
    let reader = tokio::spawn(async move {
        // Reads our close frame, then stays silent with TCP open.
        let frame = read_frame(&mut peer).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        frame
    });
    let end = ended(&mut s, &mut Collect::default()).await;
    assert_eq!((end.ending.clone(), end.party), (Ending::TimedOut(Deadline::Close), Side::Server));
    assert_eq!(start.elapsed(), CLOSE_TIMEOUT, "bounded by the close timeout, on the paused clock");
    assert!(end.result().is_ok(), "our close was sent; the peer's silence is no failure of the run");
    reader.abort();
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_closes_first_and_keeps_tcp_open_is_dropped_after_the_close_timeout() {
    let (mut s, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
    peer.write_all(&[0x88, 0x02, 0x03, 0xE8]).await.unwrap();
    let mut sink = Collect::default();
    let end = ended(&mut s, &mut sink).await;
    assert_eq!(end.ending, Ending::Closed { code: Some(1000), reason: String::new() });
    assert_eq!(end.party, Side::Server);
    // Our answer went out before we gave up waiting for the TCP close.
    let (first, payload, masked) = read_frame(&mut peer).await;
    assert_eq!((first, payload, masked), (0x88, vec![0x03, 0xE8], true));
}

#[tokio::test(start_paused = true)]
async fn close_codes_that_may_not_be_sent_are_violations_with_the_code_on_the_wire() {
    for code in [0u16, 999, 1005, 1006, 1015, 2999, 5000] {
        let (mut s, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
        let [hi, lo] = code.to_be_bytes();
        peer.write_all(&[0x88, 0x02, hi, lo]).await.unwrap();
        let mut sink = Collect::default();
        let end = ended(&mut s, &mut sink).await;
        let Ending::Violation { rule, bytes } = &end.ending else { panic!("{code}: {end:?}") };
        assert!(rule.contains(&format!("close code {code} ")), "{rule}");
        assert_eq!(bytes, &vec![hi, lo]);
        assert_eq!(s.close.as_ref().and_then(|c| c.code), Some(code), "the code that crossed the wire");
        assert_eq!(end.result().unwrap_err().exit_status().code(), 6);
    }
}

#[tokio::test(start_paused = true)]
async fn a_reserved_opcode_is_the_peers_protocol_violation() {
    let (mut s, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
    peer.write_all(&[0x83, 0x00]).await.unwrap();
    let end = ended(&mut s, &mut Collect::default()).await;
    assert!(matches!(end.ending, Ending::Violation { .. }), "{end:?}");
    assert_eq!(end.party, Side::Server);
}

#[tokio::test(start_paused = true)]
async fn a_message_over_the_local_limit_is_our_limit_answered_with_1009() {
    let config = WebSocketConfig::default().max_message_size(Some(10)).max_frame_size(Some(10));
    let (mut s, mut peer) = raw(Side::Server, config).await;
    let mut frame = vec![0x82, 0x80 | 20, 0, 0, 0, 0];
    frame.extend_from_slice(&[b'x'; 20]);
    peer.write_all(&frame).await.unwrap();
    let end = ended(&mut s, &mut Collect::default()).await;
    assert_eq!(end.ending, Ending::LocalLimit(Limit::MessageSize { size: 20, max: 10 }));
    assert_eq!(end.party, Side::Server, "the limit is this end's");
    let (first, payload, _) = read_frame(&mut peer).await;
    assert_eq!(first, 0x88);
    assert_eq!(&payload[..2], &1009u16.to_be_bytes());
}

#[tokio::test(start_paused = true)]
async fn raw_frames_cross_the_wire_byte_exact() {
    // Server side: unmasked, so the bytes are exactly what was asked for.
    let (mut s, mut peer) = raw(Side::Server, WebSocketConfig::default()).await;
    let mut sink = Collect::default();
    let frames = [
        (
            RawFrame {
                fin: false,
                rsv: [true, false, true],
                opcode: 0x3,
                payload: Bytes::from_static(b"abc"),
            },
            0x53u8,
        ),
        (RawFrame::new(0x9, vec![7u8; 200]), 0x89),
        (RawFrame { fin: false, rsv: [false; 3], opcode: 0x1, payload: Bytes::from_static(b"he") }, 0x01),
        (RawFrame::new(0x9, Bytes::from_static(b"between")), 0x89),
        (RawFrame::new(0x0, Bytes::from_static(b"llo")), 0x80),
        (RawFrame::new(0xB, Bytes::new()), 0x8B),
    ];
    for (f, _) in &frames {
        s.submit(Outgoing::Frame(f.clone()), &mut sink);
    }
    // Writes happen while the session is polled: here, nothing is read.
    s.flushed(Duration::from_secs(1)).await;
    for (f, first) in &frames {
        let (b0, payload, masked) = read_frame(&mut peer).await;
        assert_eq!((b0, payload.as_slice(), masked), (*first, f.payload.as_ref(), false));
    }
    let crafted =
        sink.events.iter().filter(|e| matches!(&e.kind, EventKind::Frame(r) if r.dir == Dir::Out)).count();
    assert_eq!(crafted, frames.len(), "each crafted frame is reported even when the tap records none");

    // Client side: the same frame, masked.
    let (mut c, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
    c.submit(Outgoing::Frame(RawFrame::new(0x2, Bytes::from_static(b"bin"))), &mut sink);
    c.flushed(Duration::from_secs(1)).await;
    assert_eq!(read_frame(&mut peer).await, (0x82, b"bin".to_vec(), true));
}

#[tokio::test(start_paused = true)]
async fn pings_with_chosen_payloads_unsolicited_pongs_and_a_close_without_status() {
    let (mut s, mut peer) = raw(Side::Server, WebSocketConfig::default()).await;
    let mut sink = Collect::default();
    s.submit(Outgoing::Ping(Bytes::from_static(b"hello")), &mut sink);
    s.submit(Outgoing::Pong(Bytes::from_static(b"beat")), &mut sink);
    s.submit(Outgoing::Close(None), &mut sink);
    s.flushed(Duration::from_secs(1)).await;
    assert_eq!(read_frame(&mut peer).await, (0x89, b"hello".to_vec(), false));
    assert_eq!(read_frame(&mut peer).await, (0x8A, b"beat".to_vec(), false));
    assert_eq!(read_frame(&mut peer).await, (0x88, Vec::new(), false));
    assert_eq!(s.close.as_ref().map(|c| c.code), Some(None));

    // A peer session answers our chosen payload with the same payload.
    let (mut client, mut server) = pair().await;
    client.submit(Outgoing::Ping(Bytes::from_static(b"any bytes")), &mut sink);
    let server_task = tokio::spawn(async move {
        let mut ss = Collect::default();
        while !matches!(server.next(&mut ss).await, Incoming::Ended(_)) {}
        ss
    });
    let mut cs = Collect::default();
    let pong = loop {
        if let Incoming::Pong(m) = client.next(&mut cs).await {
            break m;
        }
    };
    client.close_and_wait(1000, "", &mut cs).await;
    let ss = server_task.await.unwrap();
    assert_eq!(pong, PongMatch::Unmatched, "not one of our sequence-numbered pings");
    let got = ss.events.iter().find_map(|e| match &e.kind {
        EventKind::Ping { dir: Dir::In, payload, .. } => Some(payload.clone()),
        _ => None,
    });
    assert_eq!(got.as_deref(), Some(&b"any bytes"[..]));
}

#[tokio::test]
async fn a_reset_is_told_apart_from_a_fin_and_a_failed_write_is_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    for write_first in [false, true] {
        let (tcp, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        let (tcp, peer) = (tcp.unwrap(), accepted.unwrap().0);
        let handle = SocketHandle::duplicate(&tcp).unwrap();
        let own = socket2::SockRef::from(&tcp).try_clone().unwrap();
        let mut s = Session::over(tcp, Side::Client, WebSocketConfig::default(), TAP, Clock::now(), 1).await;
        s.attach_socket(Some(handle));
        let mut sink = Collect::default();
        if write_first {
            // Our own write side shut: the next write fails, and the session says so.
            own.shutdown(std::net::Shutdown::Write).unwrap();
            s.send(Data::Text("x".into()), &mut sink);
            let end = ended(&mut s, &mut sink).await;
            assert_eq!(end.ending, Ending::Reset { on_write: true }, "{end:?}");
            drop(peer);
        } else {
            socket2::SockRef::from(&peer).set_linger(Some(Duration::ZERO)).unwrap();
            drop(peer);
            let end = ended(&mut s, &mut sink).await;
            assert_eq!((end.ending, end.party), (Ending::Reset { on_write: false }, Side::Server));
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_keeps_sending_cannot_hold_the_closing_handshake_open() {
    let (mut s, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
    let mut sink = Collect::default();
    s.close(1000, "", &mut sink);
    for _ in 0..50 {
        peer.write_all(&[0x81, 0x01, b'x']).await.unwrap();
    }
    // Data is still waiting to be read when the close timeout has passed.
    tokio::time::advance(CLOSE_TIMEOUT + Duration::from_millis(1)).await;
    match s.next(&mut sink).await {
        Incoming::Ended(end) => assert_eq!(end.ending, Ending::TimedOut(Deadline::Close)),
        other => panic!("the close deadline must win over waiting data: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_violation_is_stamped_when_it_was_seen_not_when_tcp_closed() {
    let (mut s, mut peer) = raw(Side::Client, WebSocketConfig::default()).await;
    peer.write_all(&[0x88, 0x02, 0x03, 0xE7]).await.unwrap();
    let end = ended(&mut s, &mut Collect::default()).await;
    assert!(matches!(end.ending, Ending::Violation { .. }), "{end:?}");
    assert!(end.t < CLOSE_TIMEOUT, "seen at once, reported after the TCP close wait: {:?}", end.t);
}

#[tokio::test(start_paused = true)]
async fn timed_pings_are_timed_a_sequence_numbered_one_in_the_statistics() {
    let (mut client, mut server) = pair().await;
    let mut cs = Collect::default();
    client.submit(Outgoing::TimedPing(None), &mut cs);
    client.submit(Outgoing::TimedPing(Some(Bytes::from_static(b"mine"))), &mut cs);
    let server_task = tokio::spawn(async move {
        let mut ss = Collect::default();
        while !matches!(server.next(&mut ss).await, Incoming::Ended(_)) {}
    });
    let mut pongs = Vec::new();
    while pongs.len() < 2 {
        if let Incoming::Pong(m) = client.next(&mut cs).await {
            pongs.push(m);
        }
    }
    client.close_and_wait(1000, "", &mut cs).await;
    server_task.await.unwrap();
    assert!(matches!(pongs[0], PongMatch::Matched { .. }), "{pongs:?}");
    let stats = client.ping_stats();
    assert_eq!((stats.sent, stats.received), (1, 1), "only the sequence-numbered ping counts");
    let chosen_rtt = cs.events.iter().find_map(|e| match &e.kind {
        EventKind::Pong { dir: Dir::In, payload, rtt, .. } if payload.as_ref() == b"mine" => Some(*rtt),
        _ => None,
    });
    assert!(matches!(chosen_rtt, Some(Some(_))), "the chosen payload's pong carries its RTT: {chosen_rtt:?}");
}

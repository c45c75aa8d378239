//! Under pressure from hostile or hurried peers, observed byte for byte by raw TCP peers:
//! protocol violations are answered with the close code RFC 6455 §7.4.1 names before TCP
//! closes (server and client side), and nothing queued is lost at the end (an echo before the
//! client's half-close, or before a close frame in the same segment).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::crafted::{upgrade_head, CraftedServer};
use crate::support::served::serve;
use crate::support::{connect, Output};

/// Longest a raw peer waits for anything.
const WAIT: Duration = Duration::from_secs(10);

/// Opens a WebSocket connection by hand: the upgrade request, the 101 head read and checked.
async fn upgrade(port: u16) -> TcpStream {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("send the upgrade");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n =
            tokio::time::timeout(WAIT, tcp.read(&mut byte)).await.expect("the 101 in time").expect("read");
        assert_eq!(n, 1, "the server closed during the upgrade: {}", String::from_utf8_lossy(&head));
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    tcp
}

/// A client frame: FIN and `opcode` in the first byte, masked with a zero key (so the payload
/// is sent as is).
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![first];
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    f.extend_from_slice(&[0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// The frames a server sends until it closes TCP: (first byte, payload).
async fn frames_until_eof(tcp: &mut TcpStream) -> Vec<(u8, Vec<u8>)> {
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut bytes)).await.expect("the server closes in time");
    let mut frames = Vec::new();
    let mut rest = &bytes[..];
    while rest.len() >= 2 {
        let (first, len7) = (rest[0], (rest[1] & 0x7F) as usize);
        let (len, at) = match len7 {
            126 => (u16::from_be_bytes([rest[2], rest[3]]) as usize, 4),
            127 => (u64::from_be_bytes(rest[2..10].try_into().unwrap()) as usize, 10),
            n => (n, 2),
        };
        frames.push((first, rest[at..at + len].to_vec()));
        rest = &rest[at + len..];
    }
    frames
}

fn close_code(frames: &[(u8, Vec<u8>)]) -> Option<u16> {
    frames
        .iter()
        .find(|(b, _)| b & 0x0F == 0x8)
        .and_then(|(_, p)| (p.len() >= 2).then(|| u16::from_be_bytes([p[0], p[1]])))
}

#[tokio::test]
async fn a_server_names_each_violation_with_its_close_code() {
    let server = serve(["echo", "--max-runtime", "30s", "--max-message", "100", "-v"]).await;
    let cases: [(&str, Vec<u8>, u16); 4] = [
        ("a reserved opcode", masked(0x83, b""), 1002),
        ("RSV1 without an extension", masked(0xC1, b"x"), 1002),
        ("invalid UTF-8 in a text message", masked(0x81, &[0xff, 0xfe]), 1007),
        ("a message over --max-message", masked(0x82, &[0u8; 200]), 1009),
    ];
    for (what, frame, code) in cases {
        let mut tcp = upgrade(server.port).await;
        tcp.write_all(&frame).await.unwrap();
        let frames = frames_until_eof(&mut tcp).await;
        assert_eq!(close_code(&frames), Some(code), "{what}: {frames:?}");
    }
    let out: Output = server.interrupt().await;
    // The server's log says who sent what.
    assert!(out.stderr.contains("Closed by server: 1007"), "{out}");
}

#[tokio::test]
async fn a_client_names_each_violation_with_its_close_code() {
    for (what, frame, code) in [
        ("a reserved opcode", vec![0x83u8, 0x00], 1002),
        ("a masked server frame", vec![0x81u8, 0x81, 0, 0, 0, 0, b'x'], 1002),
        ("invalid UTF-8 in a text message", vec![0x81u8, 0x02, 0xff, 0xfe], 1007),
    ] {
        let server = CraftedServer::start(move |req| [upgrade_head(req, ""), frame.clone()].concat()).await;
        let out = connect(&server.url()).args(["-v", "--no-stdin", "--timeout", "10s"]).run().await;
        out.expect_code(6).expect_stderr_contains(&format!("* Closed by client: {code}"));
        // The server records the close frame as it reads it, maybe after the client exited.
        let deadline = tokio::time::Instant::now() + WAIT;
        while server.closes().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(server.closes(), vec![Some(code)], "{what}\n{out}");
    }
}

#[tokio::test]
async fn an_echo_before_a_half_close_is_always_delivered() {
    let server = serve(["echo", "--max-runtime", "60s"]).await;
    for run in 0..100 {
        let mut tcp = upgrade(server.port).await;
        let text = format!("last words {run}");
        tcp.write_all(&masked(0x81, text.as_bytes())).await.unwrap();
        tcp.shutdown().await.unwrap();
        let frames = frames_until_eof(&mut tcp).await;
        assert_eq!(frames.first(), Some(&(0x81, text.into_bytes())), "run {run}: {frames:?}");
    }
    server.interrupt().await;
}

#[tokio::test]
async fn an_echo_is_not_overtaken_by_a_close_in_the_same_segment() {
    let server = serve(["echo", "--max-runtime", "60s"]).await;
    for run in 0..100 {
        let mut tcp = upgrade(server.port).await;
        let text = format!("hello {run}");
        let bytes = [masked(0x81, text.as_bytes()), masked(0x88, &1000u16.to_be_bytes())].concat();
        tcp.write_all(&bytes).await.unwrap();
        let frames = frames_until_eof(&mut tcp).await;
        assert_eq!(frames.first(), Some(&(0x81, text.into_bytes())), "run {run}: {frames:?}");
        assert_eq!(close_code(&frames), Some(1000), "run {run}: {frames:?}");
    }
    let out = server.interrupt().await;
    // Each echo counts as sent: it was written.
    assert!(out.stderr.contains("Sent 100 messages"), "{out}");
}

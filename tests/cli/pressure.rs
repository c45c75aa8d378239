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
    for (what, frame, code, rule) in [
        ("a reserved opcode", vec![0x83u8, 0x00], 1002, "a frame with reserved opcode 0x3 (RFC 6455 §5.2)"),
        (
            "a masked server frame",
            vec![0x81u8, 0x81, 0, 0, 0, 0, b'x'],
            1002,
            "a masked frame from the server",
        ),
        ("invalid UTF-8 in a text message", vec![0x81u8, 0x02, 0xff, 0xfe], 1007, "invalid UTF-8"),
    ] {
        let server = CraftedServer::start(move |req| [upgrade_head(req, ""), frame.clone()].concat()).await;
        let out = connect(&server.url()).args(["-v", "--no-stdin", "--timeout", "10s"]).run().await;
        out.expect_code(6)
            .expect_stderr_contains(&format!("* Closed by client: {code}"))
            .expect_stderr_contains(&format!("the server violated the protocol: {rule}"));
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
async fn echoes_still_queued_at_a_half_close_are_written_and_counted_before_the_report() {
    // More echoes than the socket buffers hold, then a half-close, with the client reading
    // slowly: the server reads the FIN while its echoes still wait for room, and must write
    // them all before it reports the connection (and count them in the report).
    const N: usize = 200;
    const SIZE: usize = 60_000;
    let server = serve(["echo", "--max-runtime", "60s"]).await;
    let tcp = upgrade(server.port).await;
    let (mut rx, mut tx) = tcp.into_split();
    let writer = tokio::spawn(async move {
        for i in 0..N {
            tx.write_all(&masked(0x82, &vec![i as u8; SIZE])).await.expect("send");
        }
        tx.shutdown().await.expect("half-close");
    });
    // A slow reader: the server's echoes wait for room all along, also when the FIN comes.
    let read = async {
        let (mut total, mut chunk) = (0, vec![0u8; 64 << 10]);
        loop {
            match rx.read(&mut chunk).await.expect("read") {
                0 => return total,
                n => total += n,
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    let total = tokio::time::timeout(WAIT, read).await.expect("the server closes in time");
    writer.await.expect("the writer");
    let out = server.interrupt().await;
    assert_eq!(total, N * (4 + SIZE), "every echo arrives\n{out}");
    assert!(out.stderr.contains(&format!("out {N} messages")), "{out}");
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

/// The resident memory of a process, KiB (from /proc).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_server_whose_stdout_nobody_reads_slows_its_client_and_loses_nothing() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    const MESSAGES: usize = 40_000;
    let port = crate::support::free_port();
    // Every frame is an event on stdout; stdout is a pipe this test does not read (yet).
    let mut server = tokio::process::Command::new(crate::support::run::bin())
        .args(["echo", "--port", &port.to_string(), "--json", "--frames", "--max-runtime", "60s"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start wsdiag echo");
    let pid = server.id().expect("pid");
    let mut stdout = server.stdout.take().expect("stdout");
    let deadline = tokio::time::Instant::now() + WAIT;
    let ws = loop {
        match crate::support::served::try_client(&format!("ws://127.0.0.1:{port}/"), &[]).await {
            Ok((ws, _)) => break ws,
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("wsdiag echo did not accept: {e}"),
        }
    };
    let (mut tx, mut rx) = ws.split();
    let sender = tokio::spawn(async move {
        for i in 0..MESSAGES {
            if tx.send(Message::text(format!("{i:0>1000}"))).await.is_err() {
                break;
            }
        }
        tx
    });
    let echoed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = {
        let echoed = echoed.clone();
        tokio::spawn(async move {
            while let Some(Ok(m)) = rx.next().await {
                if m.is_text() {
                    echoed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        })
    };
    // Wait until the echoes stop coming (at most 10 s): the server stopped reading.
    let mut last = usize::MAX;
    let until = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = echoed.load(std::sync::atomic::Ordering::Relaxed);
        if now == last {
            break;
        }
        last = now;
    }
    let stalled = echoed.load(std::sync::atomic::Ordering::Relaxed);
    let rss = rss_kib(pid);
    assert!(stalled < MESSAGES, "the client was not slowed down: all {stalled} echoes came back");
    assert!(rss < 96 * 1024, "the server grew to {rss} KiB while its output stalled");
    // Reading stdout again lets everything through: every echo arrives.
    let drain = tokio::spawn(async move {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink).await;
        sink.len()
    });
    let until = tokio::time::Instant::now() + Duration::from_secs(30);
    while echoed.load(std::sync::atomic::Ordering::Relaxed) < MESSAGES && tokio::time::Instant::now() < until
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        echoed.load(std::sync::atomic::Ordering::Relaxed),
        MESSAGES,
        "echoes were lost (stalled at {stalled})"
    );
    let _ = sender.await;
    counter.abort();
    let _ = server.start_kill();
    let _ = server.wait().await;
    let _ = drain.await;
}

#[tokio::test]
async fn a_slow_header_flood_does_not_lock_out_a_real_client() {
    let server =
        serve(["echo", "--max-runtime", "30s", "--max-connections", "20", "--max-pending", "10"]).await;
    // 100 clients that start a request head and never finish it.
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut tcp = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect");
        tcp.write_all(b"GET / HTTP/1.1\r\nHost: slow\r\n").await.expect("write");
        slow.push(tcp);
    }
    // A second later (the flood still holding), a real client gets in at once, not after the
    // 10 s handshake timeout.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let out = connect(&server.url()).args(["-x", "real", "-n", "1", "--timeout", "5s"]).run().await;
    out.expect_code(0).expect_stdout("real\n");
    drop(slow);
    let out = server.interrupt().await;
    assert!(out.stderr.contains("handshake dropped"), "the oldest handshakes made room\n{out}");
}

/// A reply whose body and one header try to drive the terminal: a title, a screen clear,
/// colours, U+202E (right-to-left override) and U+009B (a C1 CSI).
fn hostile_reply() -> Vec<u8> {
    let body = "owned\x1b]0;pwned\x07\x1b[2J\x1b[31mred\u{202e}evil\u{9b}31m\n";
    format!("HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[tokio::test]
async fn raw_output_on_a_terminal_is_escaped_and_raw_on_a_pipe() {
    use crate::support::{handshake_inspect, wsdiag, RawServer, Reply};
    let available = wsdiag(["--version"]).on_pty().run().await;
    if available.code() != Some(0) || !available.stdout().contains("wsdiag") {
        crate::support::skip::not_possible_here("util-linux `script` cannot allocate a pseudo-terminal here");
        return;
    }
    let server = RawServer::start(Reply::Canned(hostile_reply())).await;
    let out = handshake_inspect(&server.url()).arg("--raw").on_pty().run().await;
    out.expect_code(5);
    let shown = out.stdout();
    assert!(!shown.contains('\x1b') && !shown.contains('\u{202e}') && !shown.contains('\u{9b}'), "{out}");
    assert!(shown.contains("\\x1b]0;pwned") && shown.contains("HTTP/1.1 403 Forbidden"), "{out}");
    // To a pipe, --raw keeps the bytes as they came.
    let out = handshake_inspect(&server.url()).arg("--raw").run().await;
    assert!(out.stdout_bytes.windows(5).any(|w| w == b"\x1b[2J\x1b"), "{out}");
}

#[tokio::test]
async fn a_control_byte_in_a_response_header_is_named() {
    use crate::support::{handshake_inspect, RawServer, Reply};
    let reply =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Evil: a\x1b[2Jb\r\n\r\n".to_vec();
    let server = RawServer::start(Reply::Canned(reply)).await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(5).expect_stdout_contains("header X-Evil contains byte \\x1b at column 10");
    // With --raw the bytes alone do not say what went wrong: stderr does.
    let out = handshake_inspect(&server.url()).arg("--raw").run().await;
    out.expect_code(5)
        .expect_stderr_contains("error: invalid handshake response: header X-Evil contains byte \\x1b");
    let out = connect(&server.url()).arg("--no-stdin").run().await;
    out.expect_code(5)
        .expect_stderr_contains("invalid handshake response: header X-Evil contains byte \\x1b");
    assert!(!out.stderr.contains('\x1b'), "{out}");
}

#[tokio::test]
async fn a_server_logs_from_its_own_side() {
    let server = serve(["echo", "--max-runtime", "30s", "--handshake-timeout", "300ms"]).await;
    // An oversized head, a plain GET, a client that never finishes its request.
    let mut big = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    let _ = big.write_all(format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(70_000)).as_bytes()).await;
    let mut plain = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    plain.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    server.wait_for("the slow client's timeout", |_, err| err.contains("did not finish the handshake")).await;
    let out = server.interrupt().await;
    for said in [
        "invalid handshake request, answered 431 Request Header Fields Too Large: the request head is larger than 64 KiB",
        "invalid handshake request, answered 426 Upgrade Required",
        "the client did not finish the handshake within 300ms (--handshake-timeout)",
    ] {
        assert!(out.stderr.contains(said), "lacks {said:?}\n{out}");
    }
    for library in ["Attack attempt", "handshake rejected"] {
        assert!(!out.stderr.contains(library), "{library:?} leaked\n{out}");
    }
    drop((big, plain, slow));
}

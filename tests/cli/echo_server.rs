//! `wsdiag echo` as a server: conformance seen from a tokio-tungstenite client (text, binary,
//! fragments, pings, close codes), 1,000 concurrent clients, Ctrl-C with clients connected,
//! and TLS (self-signed and with given certificate files).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::support::pki::Pki;
use crate::support::served::{client, close_code, next_data, next_within, send, serve, WAIT};
use crate::support::{connect, json_lines};

const BOUNDED: [&str; 3] = ["echo", "--max-runtime", "20s"];

#[tokio::test]
async fn text_stays_text_and_binary_stays_binary() {
    let server = serve(BOUNDED).await;
    let mut ws = client(&server.url()).await;
    send(&mut ws, Message::text("héllo")).await;
    assert_eq!(next_data(&mut ws).await, Message::text("héllo"));
    send(&mut ws, Message::binary(vec![0u8, 1, 0xff, 0x80])).await;
    assert_eq!(next_data(&mut ws).await, Message::binary(vec![0u8, 1, 0xff, 0x80]));
    send(&mut ws, Message::text("")).await;
    assert_eq!(next_data(&mut ws).await, Message::text(""));
    drop(ws);
    server.interrupt().await.expect_code(130);
}

#[tokio::test]
async fn a_burst_read_at_once_echoes_every_message_in_order() {
    use futures_util::SinkExt;
    // Thousands of small messages in a few writes: the server reads many at once and handles
    // them in bursts, and none may be lost or reordered at a burst's edge.
    const N: usize = 5_000;
    let server = serve(BOUNDED).await;
    let mut ws = client(&server.url()).await;
    for i in 0..N {
        ws.feed(Message::binary(format!("{i:06}").into_bytes())).await.expect("queue a message");
    }
    ws.flush().await.expect("write the burst");
    for i in 0..N {
        assert_eq!(next_data(&mut ws).await, Message::binary(format!("{i:06}").into_bytes()), "echo {i}");
    }
    drop(ws);
    server.interrupt().await.expect_code(130);
}

/// A masked client frame: `first` is the FIN bit and opcode byte; the mask key is zero, so
/// the payload goes as is.
fn client_frame(first: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut frame = vec![first, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

/// Reads one unmasked server frame with a short payload: (first byte, payload).
async fn server_frame(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
    let read = async {
        let mut head = [0u8; 2];
        tcp.read_exact(&mut head).await.expect("frame header");
        assert!(head[1] < 126, "short unmasked payload expected, got length byte {:#x}", head[1]);
        let mut payload = vec![0u8; head[1] as usize];
        tcp.read_exact(&mut payload).await.expect("frame payload");
        (head[0], payload)
    };
    tokio::time::timeout(WAIT, read).await.expect("a frame within the bound")
}

#[tokio::test]
async fn fragmented_message_echoes_whole_in_one_frame() {
    let server = serve(BOUNDED).await;
    let mut tcp = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect");
    let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    tcp.write_all(request.as_bytes()).await.expect("send upgrade");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tokio::time::timeout(WAIT, tcp.read_exact(&mut byte)).await.expect("response in time").expect("read");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));

    // text "frag" (FIN=0), a ping between the fragments, then "men" and "ted" (FIN=1).
    let mut bytes = client_frame(0x01, b"frag");
    bytes.extend(client_frame(0x89, b"mid"));
    bytes.extend(client_frame(0x00, b"men"));
    bytes.extend(client_frame(0x80, b"ted"));
    tcp.write_all(&bytes).await.expect("send fragments");
    assert_eq!(server_frame(&mut tcp).await, (0x8a, b"mid".to_vec()), "the ping is answered at once");
    assert_eq!(server_frame(&mut tcp).await, (0x81, b"fragmented".to_vec()), "one final text frame");

    // binary in two fragments comes back as one binary frame.
    let mut bytes = client_frame(0x02, &[1, 2]);
    bytes.extend(client_frame(0x80, &[3]));
    tcp.write_all(&bytes).await.expect("send fragments");
    assert_eq!(server_frame(&mut tcp).await, (0x82, vec![1, 2, 3]));

    tcp.write_all(&client_frame(0x88, &4001u16.to_be_bytes())).await.expect("send close");
    assert_eq!(server_frame(&mut tcp).await, (0x88, 4001u16.to_be_bytes().to_vec()));
    drop(tcp);
    server.interrupt().await.expect_code(130);
}

#[tokio::test]
async fn fragments_sent_by_tungstenite_echo_as_one_message() {
    let server = serve(BOUNDED).await;
    let mut ws = client(&server.url()).await;
    let parts = [("frag", OpCode::Data(Data::Text), false), ("men", OpCode::Data(Data::Continue), false)];
    for (text, opcode, fin) in parts {
        send(&mut ws, Message::Frame(Frame::message(text.as_bytes().to_vec(), opcode, fin))).await;
    }
    send(&mut ws, Message::Frame(Frame::message(b"ted".to_vec(), OpCode::Data(Data::Continue), true))).await;
    assert_eq!(next_data(&mut ws).await, Message::text("fragmented"));
    send(&mut ws, Message::text("after")).await;
    assert_eq!(next_data(&mut ws).await, Message::text("after"));
    drop(ws);
    server.interrupt().await;
}

#[tokio::test]
async fn pings_are_answered_with_the_same_payload() {
    let server = serve(BOUNDED).await;
    let mut ws = client(&server.url()).await;
    for payload in [&b"ping-1"[..], b"", b"\x00\xff"] {
        send(&mut ws, Message::Ping(payload.to_vec().into())).await;
        match next_within(&mut ws, WAIT).await {
            Some(Ok(Message::Pong(got))) => assert_eq!(&got[..], payload),
            other => panic!("expected a pong for {payload:?}, got {other:?}"),
        }
    }
    drop(ws);
    server.interrupt().await;
}

#[tokio::test]
async fn client_close_code_is_echoed_and_reported() {
    let server = serve(BOUNDED).await;
    let mut ws = client(&server.url()).await;
    let frame = CloseFrame { code: CloseCode::from(4001), reason: "done here".into() };
    ws.close(Some(frame)).await.expect("send close");
    assert_eq!(close_code(&mut ws).await, Some(4001), "the close reply carries the client's code");
    server.wait_for("the disconnect", |_, err| err.contains("Disconnected")).await;
    let out = server.interrupt().await;
    let line = out.stderr_lines_starting("[1] * Disconnected");
    assert_eq!(line.len(), 1, "{out}");
    assert!(line[0].contains("close 4001") && line[0].ends_with("by client"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_clients_get_their_own_echoes() {
    const CLIENTS: usize = 1000;
    const MESSAGES: usize = 3;
    rlimit::increase_nofile_limit(u64::MAX).expect("raise the descriptor limit");
    let server = serve(["echo", "--max-runtime", "30s", "--json"]).await;
    let url = server.url();
    let all_open = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut clients = tokio::task::JoinSet::new();
    for id in 0..CLIENTS {
        let (url, all_open) = (url.clone(), all_open.clone());
        clients.spawn(async move {
            let mut ws = client(&url).await;
            for n in 0..MESSAGES {
                let msg = format!("client {id} message {n}");
                send(&mut ws, Message::text(msg.clone())).await;
                assert_eq!(next_data(&mut ws).await, Message::text(msg));
            }
            // Every connection stays open until all of them are.
            all_open.wait().await;
            ws.close(None).await.expect("close");
            let reply = next_within(&mut ws, WAIT).await;
            assert!(matches!(reply, Some(Ok(Message::Close(None)))), "client {id}: close reply {reply:?}");
        });
    }
    let all = async {
        while let Some(done) = clients.join_next().await {
            done.expect("client task");
        }
    };
    tokio::time::timeout(Duration::from_secs(20), all).await.expect("1,000 clients within 20 s");
    server
        .wait_for("1,000 disconnects", |out, _| out.matches("\"type\":\"disconnected\"").count() == CLIENTS)
        .await;
    let out = server.interrupt().await;
    out.expect_code(130);
    let events = json_lines(&out);
    let summary = events.last().expect("events");
    assert_eq!(summary["type"], "summary", "{out}");
    assert_eq!(summary["connections"], CLIENTS, "{summary}");
    assert_eq!(summary["received"]["messages"], CLIENTS * MESSAGES, "{summary}");
    assert_eq!(summary["sent"]["messages"], CLIENTS * MESSAGES, "{summary}");
    let mut conns: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "disconnected")
        .map(|e| e["conn"].as_u64().expect("conn id"))
        .collect();
    conns.sort_unstable();
    conns.dedup();
    assert_eq!(conns.len(), CLIENTS, "each connection has its own id");
}

#[tokio::test]
async fn sigint_closes_every_client_with_1001_and_exits_130() {
    let server = serve(BOUNDED).await;
    let mut clients = Vec::new();
    for n in 0..3 {
        let mut ws = client(&server.url()).await;
        // An echo proves the server's session for this client is running.
        send(&mut ws, Message::text(format!("hi {n}"))).await;
        assert_eq!(next_data(&mut ws).await, Message::text(format!("hi {n}")));
        clients.push(ws);
    }
    server.sigint().await;
    for (n, ws) in clients.iter_mut().enumerate() {
        assert_eq!(close_code(ws).await, Some(1001), "client {n}");
    }
    let out = server.finish().await;
    out.expect_code(130);
    assert_eq!(out.stderr_lines_starting("[").len(), 3, "a disconnect line per client\n{out}");
    out.expect_stderr_contains("Served 3 connections");
}

#[tokio::test]
async fn max_runtime_stops_the_server_with_exit_0() {
    let server = serve(["echo", "--max-runtime", "300ms"]).await;
    let out = server.finish().await;
    out.expect_code(0).expect_stderr_contains("Served 0 connections");
    assert!(out.elapsed < Duration::from_secs(5), "{out}");
}

#[tokio::test]
async fn self_signed_tls_prints_a_fingerprint_and_serves_wss() {
    let server = serve(["echo", "--max-runtime", "20s", "--tls-self-signed"]).await;
    server.wait_for("a fingerprint", |_, err| err.contains("fingerprint")).await;
    let stderr = server.stderr();
    assert!(stderr.contains(&format!("Listening on wss://127.0.0.1:{}/", server.port)), "{stderr}");
    let fingerprint = stderr
        .lines()
        .find_map(|l| l.split("SHA-256 fingerprint ").nth(1))
        .unwrap_or_else(|| panic!("no fingerprint line\n{stderr}"));
    let hex: String = fingerprint.chars().filter(|c| *c != ':').collect();
    assert!(hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()), "{fingerprint}");

    connect(&server.wss_url())
        .args(["-k", "-x", "hi", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("hi\n");
    // Without -k the certificate is not trusted.
    connect(&server.wss_url()).args(["-x", "hi", "-n", "1"]).run().await.expect_code(4);
    server.interrupt().await.expect_code(130);
}

#[tokio::test]
async fn tls_with_certificate_files_is_trusted_through_cacert() {
    let pki = Pki::generate();
    let (cert, key) = (pki.server_pem(), pki.server_key());
    let args = ["echo", "--max-runtime", "20s", "--json", "--cert", path(&cert), "--key", path(&key)];
    let server = serve(args).await;
    let listening = json_lines_of(&server.stdout());
    assert_eq!(listening[0]["type"], "listening");
    assert_eq!(listening[0]["tls"], true);
    assert_eq!(listening[0]["url"], server.wss_url());

    connect(&server.wss_url())
        .args(["--cacert", path(&pki.ca_pem()), "-x", "over tls", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("over tls\n");
    server.interrupt().await.expect_code(130);
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json_lines_of(text: &str) -> Vec<serde_json::Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// A client still in its handshake does not hold the server's stop for the grace period meant
/// for closing handshakes: it is given up at once, and logged and counted like any other.
#[tokio::test]
async fn a_handshake_under_way_is_given_up_at_once_when_the_server_stops() {
    for cmd in ["echo", "listen"] {
        let server = serve([cmd, "-v", "--max-runtime", "60s"]).await;
        let mut tcp = TcpStream::connect(("127.0.0.1", server.port)).await.expect("connect");
        tcp.write_all(b"GET / HTTP/1.1\r\n").await.expect("write");
        server.wait_for("the accept", |_, err| err.contains("[1] * Accepted")).await;
        let stopped = std::time::Instant::now();
        let out = server.interrupt().await;
        out.expect_code(130)
            .expect_stderr_contains("[1] * Disconnected")
            .expect_stderr_contains("server shutting down before the upgrade completed")
            .expect_stderr_contains("* Served 1 connection");
        assert!(
            stopped.elapsed() < std::time::Duration::from_secs(3),
            "{cmd} waited for the handshake\n{out}"
        );
        drop(tcp);
    }
}

/// A wss:// client on a ws:// port: the server refuses the ClientHello at once (400, as nginx
/// does) instead of both sides waiting out their handshake timeouts, and the client says the
/// port is not TLS (exit 4).
#[tokio::test]
async fn a_tls_client_on_a_plain_port_is_refused_at_once() {
    let server = serve(["echo", "--max-runtime", "30s"]).await;
    let started = std::time::Instant::now();
    let out = connect(&server.wss_url()).args(["-x", "a", "-n", "1"]).run().await;
    out.expect_code(4)
        .expect_stderr_contains("error: TLS failed: the server's answer is not TLS")
        .expect_stderr_contains("try ws://");
    assert!(started.elapsed() < Duration::from_secs(5), "not a handshake timeout\n{out}");
    let out = server.interrupt().await;
    out.expect_stderr_contains(
        "answered 400 Bad Request: this port speaks plain HTTP (ws://), and a TLS ClientHello arrived",
    );
}

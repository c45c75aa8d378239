//! `echo` and `listen` answer every upgrade they refuse with an HTTP status, headers and a
//! short body (RFC 6455 §4.2.2), instead of dropping the connection.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::handshake_inspect;
use crate::support::served::serve;

/// Sends `request` to the server at `url` and returns everything it answers (bounded).
async fn exchange(url: &str, request: &str) -> String {
    let addr = url.trim_start_matches("ws://").trim_end_matches('/');
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the server must answer and close within 10 s");
    String::from_utf8_lossy(&reply).into_owned()
}

const KEY: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

#[tokio::test]
async fn refused_upgrades_get_a_status_headers_and_a_body() {
    for command in ["echo", "listen"] {
        let server = serve([command, "--max-runtime", "30s"]).await;
        let url = server.url();
        let plain = exchange(&url, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(plain.starts_with("HTTP/1.1 426 Upgrade Required\r\n"), "{command}: {plain}");
        assert!(plain.contains("\r\nupgrade: websocket\r\n"), "{command}: {plain}");
        assert!(plain.ends_with("send Upgrade: websocket\n"), "{command}: {plain}");

        let base = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
        let v8 = exchange(&url, &format!("{base}{KEY}Sec-WebSocket-Version: 8\r\n\r\n")).await;
        assert!(v8.starts_with("HTTP/1.1 426 "), "{command}: {v8}");
        assert!(v8.contains("\r\nsec-websocket-version: 13\r\n"), "{command}: {v8}");

        let no_key = exchange(&url, &format!("{base}Sec-WebSocket-Version: 13\r\n\r\n")).await;
        assert!(no_key.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{command}: {no_key}");
        assert!(no_key.contains("Sec-WebSocket-Key"), "{command}: {no_key}");
    }
}

#[tokio::test]
async fn handshake_inspect_shows_the_426_of_the_builtin_echo() {
    let out = handshake_inspect("builtin:echo").args(["--version", "8"]).run().await;
    out.expect_code(5);
    assert!(out.stdout().contains("< HTTP/1.1 426 Upgrade Required"), "{out}");
    assert!(out.stdout().contains("< sec-websocket-version: 13"), "{out}");
}

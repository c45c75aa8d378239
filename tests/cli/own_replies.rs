//! wsdiag's own replies pass wsdiag's own checks: every reply the built-in servers (`echo`,
//! `listen`, `builtin:echo`) can send, to every kind of request, judged by handshake-inspect's
//! checks.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use wsdiag::core::builtin::echo_server::spawn_loopback;
use wsdiag::core::builtin::faults::EchoFaults;
use wsdiag::core::session::upgrade::Rejection;
use wsdiag::core::wire::handshake::read_response;
use wsdiag::core::wire::verdict::{judge, Level, Offer};

use crate::support::served::serve;

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// One request of each kind the server answers differently, with the status it gets.
fn requests() -> Vec<(&'static str, String, Vec<String>, u16)> {
    let ok = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"
    );
    let end = |head: String| head + "\r\n";
    vec![
        ("an upgrade", end(ok.clone()), vec![], 101),
        (
            "an upgrade offering chat",
            end(ok.clone() + "Sec-WebSocket-Protocol: chat\r\n"),
            vec!["chat".into()],
            101,
        ),
        ("a plain GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n".into(), vec![], 426),
        (
            "no Connection: upgrade",
            end(ok.replace("Connection: Upgrade", "Connection: keep-alive")),
            vec![],
            400,
        ),
        ("version 8", end(ok.replace("Version: 13", "Version: 8")), vec![], 426),
        ("no key", end(ok.replace(&format!("Sec-WebSocket-Key: {KEY}\r\n"), "")), vec![], 400),
        ("POST", end(ok.replace("GET", "POST")), vec![], 400),
        ("HTTP/1.0", end(ok.replace("HTTP/1.1", "HTTP/1.0")), vec![], 400),
        ("no Host", end(ok.replace("Host: a\r\n", "")), vec![], 400),
        ("not HTTP", "hello\r\n\r\n".into(), vec![], 400),
        ("a huge head", end(ok.clone() + &"X-Pad: 0123456789abcdef\r\n".repeat(3000)), vec![], 431),
        ("an unknown subprotocol", end(ok + "Sec-WebSocket-Protocol: other\r\n"), vec!["other".into()], 400),
    ]
}

/// Sends `request` and judges the reply; returns its status and every check that did not pass
/// (the status check aside: a refusal fails it by design).
async fn judged(addr: &str, request: &str, subprotocols: &[String]) -> (u16, Vec<String>) {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    // A server may answer a huge head before reading all of it.
    let _ = tcp.write_all(request.as_bytes()).await;
    let reply = tokio::time::timeout(Duration::from_secs(10), read_response(&mut tcp)).await;
    let resp = reply.expect("a reply within 10 s").expect("an HTTP reply");
    let offer = Offer { key: KEY.into(), subprotocols: subprotocols.to_vec(), deflate: false };
    let failed = judge(&offer, &resp)
        .into_iter()
        .filter(|c| c.level != Level::Pass && c.id != "status")
        .map(|c| format!("{}: {}", c.id, c.message))
        .collect();
    (resp.status, failed)
}

/// Judges every request's reply from the server at `addr`; `reject` when it refuses every
/// well-formed upgrade so.
async fn all_pass(who: &str, addr: &str, reject: Option<u16>) {
    for (what, request, subprotocols, status) in requests() {
        let expected = match (status, reject) {
            (101, Some(r)) => r,
            // The subprotocol is judged after the rejection policy.
            (400, Some(r)) if what == "an unknown subprotocol" => r,
            _ => status,
        };
        let (got, failed) = judged(addr, &request, &subprotocols).await;
        assert_eq!(got, expected, "{who}, {what}: status");
        assert!(failed.is_empty(), "{who}, {what} ({got}): its own checks fail: {failed:?}");
    }
}

#[tokio::test]
async fn every_reply_of_the_built_in_servers_passes_handshake_inspect_checks() {
    let builtin =
        spawn_loopback(EchoFaults { subprotocols: vec!["chat".into()], ..EchoFaults::none() }).await.unwrap();
    all_pass("builtin:echo", &builtin.addr.to_string(), None).await;
    let rejection = Rejection { status: 403, body: "go away\n".into() };
    let builtin = spawn_loopback(EchoFaults { reject: Some(rejection), ..EchoFaults::none() }).await.unwrap();
    all_pass("builtin:echo?reject=403", &builtin.addr.to_string(), Some(403)).await;

    for (who, args, reject) in [
        ("echo", vec!["echo", "-s", "chat", "-H", "X-Extra: 1"], None),
        ("echo --reject 503", vec!["echo", "--reject", "503"], Some(503)),
        ("listen", vec!["listen", "-s", "chat"], None),
    ] {
        let server = serve(args.into_iter().chain(["--max-runtime", "30s"])).await;
        all_pass(who, &format!("127.0.0.1:{}", server.port), reject).await;
        server.interrupt().await;
    }
}

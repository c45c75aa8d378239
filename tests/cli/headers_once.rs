//! Headers RFC 6455 allows once (§4.1, §11.3): one rule for `connect`, `handshake-inspect`,
//! `heartbeat-probe` and the servers, each naming the header with every value received.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::crafted::{upgrade_head, CraftedServer, Request};
use crate::support::served::serve;
use crate::support::{check_line, connect, handshake_inspect, wsdiag};

/// A 101 that selects two subprotocols, as a misconfigured proxy chain sends it.
async fn two_subprotocols() -> CraftedServer {
    CraftedServer::start(|req: &Request| {
        upgrade_head(req, "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: superchat\r\n")
    })
    .await
}

const NAMED: &str = "Sec-WebSocket-Protocol appears 2 times (\"chat\", \"superchat\")";

#[tokio::test]
async fn connect_and_handshake_inspect_agree_on_a_repeated_subprotocol() {
    let server = two_subprotocols().await;
    let out = connect(&server.url()).args(["-s", "chat", "-s", "superchat", "-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains(&format!("error: invalid handshake response: {NAMED}"));

    let out = handshake_inspect(&server.url()).args(["-s", "chat", "-s", "superchat"]).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "duplicates");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains(NAMED), "{out}");
}

#[tokio::test]
async fn heartbeat_probe_applies_the_same_rule() {
    let server = two_subprotocols().await;
    let out = wsdiag(["heartbeat-probe", &server.url(), "-s", "chat", "--max", "5s"]).run().await;
    out.expect_code(5).expect_stderr_contains(NAMED);
}

#[tokio::test]
async fn an_extension_accepted_twice_fails_connect() {
    let server = CraftedServer::start(|req: &Request| {
        upgrade_head(
            req,
            "Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n",
        )
    })
    .await;
    let out = connect(&server.url()).args(["--deflate", "-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains(
        "Sec-WebSocket-Extensions accepts permessage-deflate 2 times (\"permessage-deflate\", \
         \"permessage-deflate; server_no_context_takeover\")",
    );
}

#[tokio::test]
async fn servers_refuse_a_request_with_two_keys_naming_both() {
    for command in ["echo", "listen"] {
        let server = serve([command, "--max-runtime", "30s"]).await;
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
        let request = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\
                       Sec-WebSocket-Version: 13\r\n\r\n";
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut reply = Vec::new();
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read_to_end(&mut reply)).await;
        assert!(read.is_ok(), "{command}: the server must answer and close within 10 s");
        let reply = String::from_utf8_lossy(&reply);
        assert!(reply.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{command}: {reply}");
        assert!(
            reply.contains(
                "Sec-WebSocket-Key appears 2 times (\"dGhlIHNhbXBsZSBub25jZQ==\", \"AAAAAAAAAAAAAAAAAAAAAA==\")"
            ),
            "{command}: {reply}"
        );
        server.interrupt().await;
    }
}

//! What a peer sent is shown as sent: a close reason that is not UTF-8 is named and shown with
//! `\xNN` escapes, a chunked refusal body is de-chunked (handshake-inspect keeps the wire
//! bytes), and a redirect's Location is in the error itself, with no hint to ask for -v.

use crate::support::{connect, handshake_inspect, json_lines, RawServer, Reply};

#[tokio::test]
async fn a_close_reason_that_is_not_utf8_is_named_and_escaped() {
    let server = RawServer::start(Reply::UpgradeThenSend(b"\x88\x08\x03\xe8bye \xff\xfe".to_vec())).await;
    let out = connect(&server.url()).args(["-n", "1", "-vv"]).run().await;
    out.expect_code(6)
        .expect_stderr_contains(
            "error: protocol error: the server violated the protocol: a close reason that is not UTF-8: \
             \"bye \\xff\\xfe\" (RFC 6455 §5.5.1, §8.1)",
        )
        .expect_stderr_contains("<< close fin=1 rsv=000 len=8 code=1000 (normal) reason=\"bye \\xff\\xfe\"");
    assert!(!out.stderr.contains('\u{fffd}'), "no replacement characters\n{out}");

    let server = RawServer::start(Reply::UpgradeThenSend(b"\x81\x03a\xffb".to_vec())).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(6).expect_stderr_contains("invalid UTF-8 in a text message (RFC 6455 §8.1)");
    assert!(!out.stderr.contains("close reason"), "{out}");
}

const PAGE: &str = "<!doctype html><title>no</title><p>forbidden</p>";

fn chunked_403() -> Vec<u8> {
    let (a, b) = PAGE.split_at(20);
    format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    )
    .into_bytes()
}

#[tokio::test]
async fn a_chunked_refusal_body_is_dechunked() {
    let server = RawServer::start(Reply::Canned(chunked_403())).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains(&format!("  body: {PAGE}\n"));

    let out = connect(&server.url()).args(["-n", "1", "-v"]).run().await;
    out.expect_code(5).expect_stderr_contains(&format!("<\n< {PAGE}\n"));
    assert!(!out.stderr.contains("< 14"), "no chunk sizes\n{out}");

    let out = connect(&server.url()).args(["-n", "1", "--json"]).run().await;
    let all = json_lines(&out);
    let response = all.iter().find(|e| e["type"] == "handshake_response").expect("handshake_response");
    assert_eq!(response["body"]["text"], PAGE, "{out}");

    // The wire view keeps the bytes as they came; its JSON has both.
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(5).expect_stdout_contains("< 14\n< <!doctype html><titl\n");
    let out = handshake_inspect(&server.url()).arg("--json").run().await;
    let doc: serde_json::Value = serde_json::from_str(out.stdout().trim()).expect("one JSON document");
    let response = &doc["hops"][0]["response"];
    assert!(response["body"]["text"].as_str().is_some_and(|b| b.starts_with("14\r\n")), "{out}");
    assert_eq!(response["decoded_body"]["text"], PAGE, "{out}");
}

#[tokio::test]
async fn a_redirect_names_its_location_and_never_asks_for_v() {
    let reply = b"HTTP/1.1 302 Found\r\nLocation: /new?x=1\r\nContent-Length: 0\r\n\r\n".to_vec();
    let server = RawServer::start(Reply::Canned(reply)).await;
    for verbose in [false, true] {
        let out = connect(&server.url()).args(["-n", "1"]).args(verbose.then_some("-v")).run().await;
        out.expect_code(5).expect_stderr_contains("error: handshake rejected: HTTP 302 Found → /new?x=1\n");
        let hint = out.stderr_lines_starting("  hint: ");
        assert_eq!(hint.len(), 1, "{out}");
        assert!(!hint[0].contains("-v"), "the hint must not ask for -v: {}", hint[0]);
    }
    let reply = b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13, 8\r\nContent-Length: 0\r\n\r\n"
        .to_vec();
    let server = RawServer::start(Reply::Canned(reply)).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains(
        "  hint: the server wants another protocol version: it speaks 13, 8 (Sec-WebSocket-Version)",
    );
}

#[tokio::test]
async fn a_proxys_chunked_refusal_is_dechunked_too() {
    let reply =
        b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nnot you\r\n0\r\n\r\n".to_vec();
    let proxy = RawServer::start(Reply::Canned(reply)).await;
    let proxy_url = proxy.url().replace("ws://", "http://");
    let out = connect("ws://127.0.0.1:9/")
        .args(["--proxy", proxy_url.trim_end_matches('/'), "-n", "1"])
        .run()
        .await;
    out.expect_stderr_contains("HTTP 403 Forbidden").expect_stderr_contains("  body: not you\n");
    assert!(!out.stderr.contains("7\\r\\n"), "{out}");
}

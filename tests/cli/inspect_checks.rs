//! `handshake-inspect` against loopback servers that answer the upgrade with crafted bytes:
//! each RFC 6455 rule the report judges, rejections, redirects, and the exit codes.

use crate::support::crafted::{upgrade_head, CraftedServer, Request};
use crate::support::CHECKS_OF_A_101;
use crate::support::{check_line, checks, handshake_inspect, http_response};

/// The RFC 6455 sample key and its accept value.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// A `101` whose head is exactly these lines (each ending in CRLF), with the right accept key
/// substituted for `{accept}`.
async fn crafted_101(lines: &'static str) -> CraftedServer {
    CraftedServer::start(move |req: &Request| {
        format!("{}\r\n", lines.replace("{accept}", &req.accept)).into_bytes()
    })
    .await
}

#[tokio::test]
async fn a_correct_101_passes_every_check_with_a_deterministic_accept() {
    let server = CraftedServer::start(|req: &Request| upgrade_head(req, "")).await;
    let out = handshake_inspect(&server.url()).args(["--ws-key", KEY]).run().await;
    out.expect_code(0)
        .expect_stdout_contains(&format!("> Sec-WebSocket-Key: {KEY}\n"))
        .expect_stdout_contains("< HTTP/1.1 101 Switching Protocols\n")
        .expect_stdout_contains(&format!("< Sec-WebSocket-Accept: {ACCEPT}\n"))
        .expect_stdout_contains("\nTimings: ")
        .expect_stdout_contains("Close: the server answered our close with 1000");
    let all = checks(&out);
    let ids: Vec<&str> = all.iter().map(|(_, id, _)| id.as_str()).collect();
    assert_eq!(ids, CHECKS_OF_A_101, "{out}");
    assert!(all.iter().all(|(level, _, _)| level == "pass"), "{out}");
    assert_eq!(check_line(&out, "accept").1, "Sec-WebSocket-Accept matches the key");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert_eq!(last, "Verdict: PASS: 8 passed, 0 warnings, 0 failed", "{out}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("Sec-WebSocket-Key").as_deref(), Some(KEY));
    assert_eq!(server.closes(), vec![Some(1000)], "{out}");
}

#[tokio::test]
async fn a_wrong_accept_key_fails_showing_expected_and_received() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).args(["--ws-key", KEY]).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "accept");
    assert_eq!(level, "fail", "{out}");
    assert_eq!(
        message,
        format!(
            "Sec-WebSocket-Accept mismatch: expected \"{ACCEPT}\", received \
             \"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\""
        ),
        "{out}"
    );
    assert_eq!(check_line(&out, "connection").0, "pass", "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: FAIL: "), "{out}");
    assert!(last.ends_with(" 1 failed"), "{out}");
}

#[tokio::test]
async fn a_connection_header_without_the_upgrade_token_fails() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\
         Sec-WebSocket-Accept: {accept}\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "connection");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("keep-alive"), "{out}");
    assert!(message.contains("upgrade token"), "{out}");
    assert_eq!(check_line(&out, "accept").0, "pass", "{out}");
}

#[tokio::test]
async fn an_unrequested_subprotocol_fails() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat.v1\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "subprotocol");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("\"chat.v1\""), "{out}");
    assert!(message.contains("none was offered"), "{out}");
    let requests = server.requests();
    assert_eq!(requests[0].header("Sec-WebSocket-Protocol"), None);
}

#[tokio::test]
async fn a_subprotocol_other_than_the_offered_ones_fails() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: chat.v3\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).args(["-s", "chat.v1", "-s", "chat.v2"]).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "subprotocol");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("\"chat.v3\""), "{out}");
    assert!(message.contains("chat.v1, chat.v2"), "{out}");
}

#[tokio::test]
async fn an_unrequested_extension_fails() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "extensions");
    assert_eq!(level, "fail", "{out}");
    assert_eq!(message, "server enabled permessage-deflate without an offer", "{out}");
    assert_eq!(
        server.requests()[0].header("Sec-WebSocket-Extensions"),
        None,
        "nothing was offered without --offer-deflate"
    );
}

#[tokio::test]
async fn offered_deflate_accepted_with_parameters_passes_and_shows_them() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate; \
         server_no_context_takeover; client_max_window_bits=10\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).arg("--offer-deflate").run().await;
    out.expect_code(0);
    let (level, message) = check_line(&out, "extensions");
    assert_eq!(level, "pass", "{out}");
    assert_eq!(
        message, "permessage-deflate accepted: server_no_context_takeover, client_max_window_bits=10",
        "{out}"
    );
    assert_eq!(
        server.requests()[0].header("Sec-WebSocket-Extensions").as_deref(),
        Some("permessage-deflate; client_max_window_bits")
    );
}

#[tokio::test]
async fn a_403_with_a_body_is_rejected_and_shows_the_body() {
    let server =
        CraftedServer::start(|_: &Request| http_response("403 Forbidden", "go away: no token\nsecond line"))
            .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(5)
        .expect_stdout_contains("< HTTP/1.1 403 Forbidden\n")
        .expect_stdout_contains("< go away: no token\n< second line\n");
    let (level, message) = check_line(&out, "status");
    assert_eq!(level, "fail", "{out}");
    assert!(message.starts_with("403 Forbidden"), "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert_eq!(last, "Verdict: REJECTED: the server answered 403, not 101", "{out}");
}

#[tokio::test]
async fn version_8_gets_a_426_listing_13() {
    let server = CraftedServer::start(|req: &Request| {
        let version = req.header("Sec-WebSocket-Version").unwrap_or_default();
        if version == "13" {
            upgrade_head(req, "")
        } else {
            b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\
              Content-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec()
        }
    })
    .await;
    let out = handshake_inspect(&server.url()).args(["--version", "8"]).run().await;
    out.expect_code(5)
        .expect_stdout_contains("> Sec-WebSocket-Version: 8\n")
        .expect_stdout_contains("< HTTP/1.1 426 Upgrade Required\n");
    let (level, message) = check_line(&out, "status");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("the server supports version(s) 13"), "{out}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("Sec-WebSocket-Version").as_deref(), Some("8"));
}

#[tokio::test]
async fn an_http_1_0_101_fails_the_http_version_check() {
    let server = crafted_101(
        "HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "http_version");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("HTTP/1.0"), "{out}");
    assert_eq!(check_line(&out, "accept").0, "pass", "{out}");
}

/// `/one` → 301 `/two` (relative) → 301 `http://HOST/final` (absolute, http scheme) → 101.
async fn redirect_chain() -> CraftedServer {
    CraftedServer::start(|req: &Request| match req.target.as_str() {
        "/one" => b"HTTP/1.1 301 Moved Permanently\r\nLocation: /two\r\n\
                    Content-Length: 0\r\n\r\n"
            .to_vec(),
        "/two" => format!(
            "HTTP/1.1 301 Moved Permanently\r\nLocation: http://{}/final\r\n\
             Content-Length: 0\r\n\r\n",
            req.header("Host").unwrap_or_default()
        )
        .into_bytes(),
        "/final" => upgrade_head(req, ""),
        _ => http_response("404 Not Found", "no such path"),
    })
    .await
}

#[tokio::test]
async fn follow_shows_every_redirect_hop_and_passes_on_the_final_101() {
    let server = redirect_chain().await;
    let out = handshake_inspect(&server.url_path("/one")).arg("-L").run().await;
    out.expect_code(0)
        .expect_stdout_contains(&format!("== hop 1 of 3: {}\n", server.url_path("/one")))
        .expect_stdout_contains(&format!("== hop 2 of 3: {}\n", server.url_path("/two")))
        .expect_stdout_contains(&format!("== hop 3 of 3: {}\n", server.url_path("/final")))
        .expect_stdout_contains("< Location: /two\n")
        .expect_stdout_contains("> GET /final HTTP/1.1\n");
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/one", "/two", "/final"], "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: PASS"), "{out}");
}

#[tokio::test]
async fn without_follow_a_redirect_is_rejected_showing_the_location() {
    let server = redirect_chain().await;
    let out = handshake_inspect(&server.url_path("/one")).run().await;
    out.expect_code(5)
        .expect_stdout_contains("< HTTP/1.1 301 Moved Permanently\n")
        .expect_stdout_contains("< Location: /two\n");
    assert!(!out.stdout().contains("== hop"), "{out}");
    let (level, message) = check_line(&out, "status");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("redirect to /two"), "{out}");
    assert!(message.contains("-L"), "{out}");
    assert_eq!(server.requests().len(), 1, "{out}");
}

#[tokio::test]
async fn a_101_announcing_a_body_only_warns_and_exits_0() {
    let server = crafted_101(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\nContent-Length: 5\r\n",
    )
    .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(0);
    assert_eq!(check_line(&out, "body").0, "warn", "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: WARN: "), "{out}");
}

#[tokio::test]
async fn bytes_after_the_101_that_are_not_a_frame_fail() {
    let server = CraftedServer::start(|req: &Request| {
        let mut reply = upgrade_head(req, "");
        reply.extend_from_slice(b"<html>");
        reply
    })
    .await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(1);
    let (level, message) = check_line(&out, "early_data");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("<html>"), "{out}");
}

#[tokio::test]
async fn a_redirect_loop_stops_after_the_limit() {
    let server = CraftedServer::start(|_: &Request| {
        b"HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n".to_vec()
    })
    .await;
    let out = handshake_inspect(&server.url()).arg("-L").run().await;
    out.expect_code(5).expect_stdout_contains("more than 10 redirects");
    assert!(server.requests().len() <= 11, "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: ERROR: "), "{out}");
}

//! The opening handshake: what the request carries, and rejected or invalid replies (exit 5).

use crate::support::{connect, http_response, json_lines, skip, RawServer, Reply, Script, WsServer};

#[tokio::test]
async fn forbidden_reply_exits_5_and_shows_the_body() {
    let body = "forbidden: token expired\n";
    let server = RawServer::start(Reply::Canned(http_response("403 Forbidden", body))).await;
    let out = connect(&server.url()).args(["-x", "a", "-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains("error: handshake rejected: HTTP 403 Forbidden");
    let body_line = out.stderr_lines_starting("  body: ");
    assert_eq!(body_line.len(), 1, "one `  body:` line expected\n{out}");
    assert!(body_line[0].contains("forbidden: token expired"), "body not shown\n{out}");
    assert!(out.stdout().is_empty(), "{out}");
}

#[tokio::test]
async fn body_with_control_characters_is_escaped() {
    let body = "denied\x1b[2J\x07";
    let server = RawServer::start(Reply::Canned(http_response("403 Forbidden", body))).await;
    let out = connect(&server.url()).arg("-n").arg("1").run().await;
    out.expect_code(5).expect_stderr_contains("  body: ");
    assert!(!out.stderr.contains('\x1b'), "raw ESC reached stderr\n{out}");
    assert!(!out.stderr.contains('\x07'), "raw BEL reached stderr\n{out}");
}

#[tokio::test]
async fn huge_body_is_bounded() {
    let body = "x".repeat(1024 * 1024);
    let server = RawServer::start(Reply::Canned(http_response("500 Internal Server Error", &body))).await;
    let out = connect(&server.url()).arg("-n").arg("1").run().await;
    out.expect_code(5).expect_stderr_contains("error: handshake rejected: HTTP 500 Internal Server Error");
    assert!(out.stderr.len() < 64 * 1024, "a 1 MiB body printed {} bytes of stderr", out.stderr.len());
}

#[tokio::test]
async fn a_long_body_is_cut_on_its_line_with_its_length() {
    // A plain HTTP server's page: 900 characters, one line, or many.
    for body in ["<html>".to_string() + &"p".repeat(894), "<p>line</p>\n".repeat(75)] {
        let server = RawServer::start(Reply::Canned(http_response("200 OK", &body))).await;
        let out = connect(&server.url()).arg("-n").arg("1").run().await;
        out.expect_code(5);
        let line = out.stderr_lines_starting("  body: ");
        assert_eq!(line.len(), 1, "{out}");
        assert!(line[0].chars().count() < 220, "cut: {}", line[0]);
        assert!(line[0].ends_with(&format!("… ({} bytes; -v shows it)", body.len())), "{}", line[0]);
    }
}

#[tokio::test]
async fn wrong_accept_key_exits_5() {
    let server = RawServer::start(Reply::BadAccept).await;
    connect(&server.url())
        .args(["-x", "a", "-n", "1"])
        .run()
        .await
        .expect_code(5)
        .expect_stderr_contains("error:");
}

#[tokio::test]
async fn subprotocol_not_offered_exits_5() {
    let server = RawServer::start(Reply::ForcedSubprotocol("evil.v9".into())).await;
    connect(&server.url())
        .args(["-s", "chat.v1", "-x", "a", "-n", "1"])
        .run()
        .await
        .expect_code(5)
        .expect_stderr_contains("error:");
}

#[tokio::test]
async fn request_carries_path_query_headers_origin_and_subprotocols() {
    let server = Script::echo().subprotocols(&["chat.v2"]).start().await;
    let url = format!("ws://{}/chat/room?id=7&x=%41", server.addr);
    let out = connect(&url)
        .args(["-H", "X-Trace: abc 123", "--origin", "https://app.example"])
        .args(["-s", "chat.v1", "-s", "chat.v2", "-x", "hi", "-n", "1", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let seen = server.finished().await;
    let req = &seen.requests[0];
    assert_eq!(req.target, "/chat/room?id=7&x=%41", "path and query kept byte for byte");
    assert_eq!(req.header("x-trace"), Some("abc 123"));
    assert_eq!(req.header("origin"), Some("https://app.example"));
    let offered: Vec<&str> =
        req.header("sec-websocket-protocol").unwrap_or_default().split(',').map(str::trim).collect();
    assert_eq!(offered, ["chat.v1", "chat.v2"], "offered in order of preference");
    let open = json_lines(&out)
        .into_iter()
        .find(|e| e["type"] == "open")
        .unwrap_or_else(|| panic!("no open event\n{out}"));
    assert_eq!(open["subprotocol"], "chat.v2", "{open}");
}

#[tokio::test]
async fn basic_auth_is_sent() {
    let server = WsServer::echo().await;
    connect(&server.url()).args(["--auth", "user:pa ss", "-x", "a", "-n", "1"]).run().await.expect_code(0);
    let seen = server.finished().await;
    assert_eq!(seen.requests[0].header("authorization"), Some("Basic dXNlcjpwYSBzcw=="));
}

#[tokio::test]
async fn ipv6_literal_url_connects() {
    let server = match Script::echo().start_on("[::1]:0").await {
        Ok(server) => server,
        Err(e) => {
            skip::not_possible_here(&format!("cannot bind [::1]: {e}"));
            return;
        }
    };
    connect(&format!("ws://[::1]:{}/v6", server.port()))
        .args(["-x", "six", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("six\n");
    assert_eq!(server.finished().await.requests[0].target, "/v6");
}

//! `--from-curl`: a browser's "Copy as cURL" of a WebSocket request, replayed; `-H @FILE`.

use crate::support::{connect, handshake_inspect, wsdiag, Script};

/// What a browser copies for a WebSocket request, with its own handshake headers.
fn copied(url: &str) -> String {
    format!(
        "curl '{url}' \\\n  -H 'Upgrade: websocket' \\\n  -H 'Origin: https://app.example' \\\n  \
         -H 'Cache-Control: no-cache' \\\n  -H 'Connection: Upgrade' \\\n  \
         -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \\\n  \
         -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64)' \\\n  -H 'Sec-WebSocket-Version: 13' \\\n  \
         -H 'Sec-WebSocket-Protocol: chat.v2, chat.v1' \\\n  \
         -H 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits' \\\n  \
         -b 'session=abc123; theme=dark' \\\n  --compressed"
    )
}

#[tokio::test]
async fn a_copied_browser_request_is_replayed_with_a_fresh_handshake() {
    let server = Script::echo().subprotocols(&["chat.v1"]).start().await;
    let http_url = format!("http://127.0.0.1:{}/socket?room=7", server.port());
    let out = wsdiag(["connect", "--color", "never", "--from-curl", &copied(&http_url)])
        .args(["-x", "hello", "-n", "1", "-v"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout("hello\n")
        .expect_stderr_contains(
            "--from-curl: dropped Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version, \
             Sec-WebSocket-Extensions (wsdiag makes its own)",
        )
        .expect_stderr_contains("--from-curl: ignored --compressed")
        .expect_stderr_contains("* Subprotocol: chat.v1");
    let req = &server.seen().requests[0];
    assert_eq!(req.target, "/socket?room=7");
    assert_eq!(req.header("Origin"), Some("https://app.example"));
    assert_eq!(req.header("Cookie"), Some("session=abc123; theme=dark"));
    assert_eq!(req.header("User-Agent"), Some("Mozilla/5.0 (X11; Linux x86_64)"));
    assert_eq!(req.header("Sec-WebSocket-Protocol"), Some("chat.v2, chat.v1"));
    assert_ne!(req.header("Sec-WebSocket-Key"), Some("dGhlIHNhbXBsZSBub25jZQ=="));
    // The copy offered permessage-deflate: so does the replay, made anew (RFC 7692).
    assert_eq!(req.header("Sec-WebSocket-Extensions"), Some("permessage-deflate; client_max_window_bits"));
    // Without -v the run is as quiet as any other.
    let out = wsdiag(["connect", "--from-curl", &copied(&http_url), "-x", "q", "-n", "1"]).run().await;
    out.expect_code(0);
    assert_eq!(out.stderr, "", "{out}");
}

#[tokio::test]
async fn handshake_inspect_takes_the_copy_and_offers_its_deflate() {
    let server = Script::echo().start().await;
    let url = format!("ws://127.0.0.1:{}/", server.port());
    let out = wsdiag(["handshake-inspect", "--color", "never", "--from-curl", &copied(&url)]).run().await;
    out.expect_code(0)
        .expect_stdout_contains("> Origin: https://app.example")
        .expect_stdout_contains("> Cookie: ***")
        .expect_stdout_contains("> Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
}

#[tokio::test]
async fn bad_curl_input_is_a_usage_error() {
    for (command, says) in [
        ("wget ws://h/", "not curl"),
        ("curl", "no URL"),
        ("curl ws://a/ --proxy-anyauth", "unknown curl option '--proxy-anyauth'"),
        ("curl ws://a/ --data x=1", "no body"),
        ("curl 'ws://a/", "cannot split"),
        ("curl ws://a/ -b cookies.txt", "cookie file"),
    ] {
        let out = wsdiag(["connect", "--from-curl", command]).run().await;
        out.expect_code(2).expect_stderr_contains(says);
    }
    let out = wsdiag(["connect", "ws://a/", "--from-curl", "curl ws://b/"]).run().await;
    out.expect_code(2).expect_stderr_contains("not both");
    let out = wsdiag(["connect"]).run().await;
    out.expect_code(2);
}

#[tokio::test]
async fn headers_from_a_file() {
    let server = Script::echo().start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("headers.txt");
    std::fs::write(&file, "X-One: 1\r\n\r\nX-Two: two words\n").unwrap();
    let at = format!("@{}", file.display());
    connect(&server.url())
        .args(["-H", &at, "-H", "X-Three: 3", "-x", "h", "-n", "1"])
        .run()
        .await
        .expect_code(0);
    let req = &server.seen().requests[0];
    assert_eq!(req.header("X-One"), Some("1"));
    assert_eq!(req.header("X-Two"), Some("two words"));
    assert_eq!(req.header("X-Three"), Some("3"));

    let missing = format!("@{}", dir.path().join("nope").display());
    handshake_inspect(&server.url())
        .args(["-H", &missing])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("cannot read the header file");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "X-One: 1\nno colon here\n").unwrap();
    connect(&server.url())
        .args(["-H", &format!("@{}", bad.display())])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("line 2: invalid header 'no colon here'");
}

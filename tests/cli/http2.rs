//! WebSockets over HTTP/2 (RFC 8441) from the client side: `--http2` (TLS, ALPN h2) and
//! `--http2-prior-knowledge` (h2c) against real HTTP/2 peers on loopback: HAProxy in front of
//! `wsdiag echo` (HTTP/1.1 behind it), a HAProxy that does not advertise extended CONNECT,
//! node's built-in `http2` module as an RFC 8441 server (tests/interop/h2_server.mjs), an
//! HTTP/1.1-only server and a TLS server that selects no ALPN protocol.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::support::haproxy::{haproxy, Haproxy};
use crate::support::pki::Pki;
use crate::support::proxies::{program, tinyproxy};
use crate::support::run::connect;
use crate::support::served::{serve, Served};
use crate::support::ws_server::Script;
use crate::support::{json_lines, skip};

/// HAProxy (h2c and TLS frontends) in front of a running `wsdiag echo`.
async fn haproxy_in_front(pki: &Pki, no_extended_connect: bool) -> Option<(Haproxy, Served)> {
    let Some(bin) = haproxy() else {
        skip::missing_peer("haproxy is not installed (.ci/run installs it)");
        return None;
    };
    let echo = serve(["echo"]).await;
    let proxy = Haproxy::start(&bin, pki, echo.port, no_extended_connect).await;
    Some((proxy, echo))
}

/// node's http2 module serving RFC 8441 (tests/interop/h2_server.mjs), and its port.
async fn node_h2_server() -> Option<(Child, u16)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/h2_server.mjs");
    let spawned = Command::new("node")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = spawned else {
        skip::missing_peer("node is not installed (.ci/run installs it)");
        return None;
    };
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("node printed its port within 10 s")
        .expect("read node's stdout")
        .expect("a port line");
    Some((child, line.trim().parse().expect("a port number")))
}

#[tokio::test]
async fn h2c_through_haproxy_shows_the_extended_connect_and_echoes() {
    let pki = Pki::generate();
    let Some((proxy, _echo)) = haproxy_in_front(&pki, false).await else { return };
    let url = format!("ws://127.0.0.1:{}/chat?room=1", proxy.h2c_port);
    let out =
        connect(&url).args(["--http2-prior-knowledge", "-v", "--send", "hello", "--count", "1"]).run().await;
    out.expect_code(0).expect_stdout("hello\n");
    for line in [
        "* HTTP/2 < SETTINGS stream=0 SETTINGS_ENABLE_CONNECT_PROTOCOL=1",
        "* HTTP/2 > HEADERS stream=1",
        "> :method: CONNECT",
        "> :scheme: http",
        &format!("> :authority: 127.0.0.1:{}", proxy.h2c_port),
        "> :path: /chat?room=1",
        "> :protocol: websocket",
        "> sec-websocket-version: 13",
        "* HTTP/2 < HEADERS stream=1",
        "< :status: 200",
    ] {
        out.expect_stderr_contains(line);
    }
    assert!(!out.stderr.contains("sec-websocket-key"), "RFC 8441 §5: no key\n{}", out.stderr);
    let upgraded = out.stderr_lines_starting("* Upgraded:");
    assert!(upgraded.iter().any(|l| l.contains("http2 ") && l.contains("upgrade ")), "{}", out.stderr);
}

#[tokio::test]
async fn http2_over_tls_through_haproxy_with_alpn_h2_and_deflate() {
    let pki = Pki::generate();
    let Some((proxy, _echo)) = haproxy_in_front(&pki, false).await else { return };
    let url = format!("wss://localhost:{}/", proxy.tls_port);
    let big = "z".repeat(100_000);
    let out = connect(&url)
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["--http2", "--deflate", "-v", "--send", "small", "--send", &big, "--count", "2"])
        .run()
        .await;
    out.expect_code(0).expect_stdout(&format!("small\n{big}\n"));
    out.expect_stderr_contains("ALPN h2,")
        .expect_stderr_contains("> :scheme: https")
        .expect_stderr_contains("> sec-websocket-extensions: permessage-deflate")
        .expect_stderr_contains("* Compression: permessage-deflate");
}

#[tokio::test]
async fn json_carries_the_http2_frames_heads_and_timings() {
    let pki = Pki::generate();
    let Some((proxy, _echo)) = haproxy_in_front(&pki, false).await else { return };
    let url = format!("ws://127.0.0.1:{}/", proxy.h2c_port);
    let out =
        connect(&url).args(["--http2-prior-knowledge", "--json", "--send", "x", "--count", "1"]).run().await;
    out.expect_code(0);
    let events = json_lines(&out);
    let settings = events
        .iter()
        .find(|e| {
            e["type"] == "http2_frame" && e["dir"] == "in" && e["frame"] == "SETTINGS" && e["ack"] == false
        })
        .expect("the server's SETTINGS");
    let named: Vec<&str> =
        settings["settings"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(named.contains(&"SETTINGS_ENABLE_CONNECT_PROTOCOL"), "{settings}");
    let request = events.iter().find(|e| e["type"] == "handshake_request").expect("request");
    assert_eq!(
        (&request["version"], &request["method"], &request["protocol"], &request["path"]),
        (&"HTTP/2".into(), &"CONNECT".into(), &"websocket".into(), &"/".into()),
        "{request}"
    );
    assert!(request["headers"].as_array().unwrap().iter().any(|h| h[0] == ":authority"), "{request}");
    let response = events.iter().find(|e| e["type"] == "handshake_response").expect("response");
    assert_eq!(response["status"], 200, "{response}");
    let headers =
        events.iter().find(|e| e["type"] == "http2_frame" && e["frame"] == "HEADERS").expect("HEADERS");
    assert_eq!(headers["stream"], 1, "{headers}");
    let open = events.iter().find(|e| e["type"] == "open").expect("open");
    assert!(open["timings"]["http2_ms"].is_number() && open["timings"]["upgrade_ms"].is_number(), "{open}");
}

#[tokio::test]
async fn haproxy_without_extended_connect_is_exit_5_naming_the_setting() {
    let pki = Pki::generate();
    let Some((proxy, _echo)) = haproxy_in_front(&pki, true).await else { return };
    let url = format!("wss://localhost:{}/", proxy.tls_port);
    let out =
        connect(&url).arg("--cacert").arg(pki.ca_pem()).args(["--http2", "-v", "--send", "x"]).run().await;
    out.expect_code(5)
        .expect_stderr_contains(
            "error: HTTP/2: the server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL",
        )
        .expect_stderr_contains("hint: browsers that reach this origin over HTTP/2 cannot open WebSockets")
        .expect_stderr_contains("new connection");
    assert!(!out.stderr.contains("SETTINGS_ENABLE_CONNECT_PROTOCOL=1"), "{}", out.stderr);
    // The same proxy carries WebSockets over HTTP/1.1: the difference is HTTP/2 alone.
    let h1 =
        connect(&url).arg("--cacert").arg(pki.ca_pem()).args(["--send", "x", "--count", "1"]).run().await;
    h1.expect_code(0).expect_stdout("x\n");
}

#[tokio::test]
async fn node_http2_server_subprotocol_and_a_1_mib_message() {
    let Some((_node, port)) = node_h2_server().await else { return };
    let url = format!("ws://127.0.0.1:{port}/echo");
    // 1 MiB: sixteen times HTTP/2's default flow-control window, so both windows must turn.
    let big = "m".repeat(1 << 20);
    let out = connect(&url)
        .args(["--http2-prior-knowledge", "-v", "--subprotocol", "chat", "--count", "1"])
        .stdin(format!("{big}\n"))
        .run()
        .await;
    out.expect_code(0).expect_stderr_contains("< sec-websocket-protocol: chat");
    assert_eq!(out.stdout().trim_end().len(), 1 << 20);
}

#[tokio::test]
async fn node_http2_refusal_shows_status_headers_and_body() {
    let Some((_node, port)) = node_h2_server().await else { return };
    let out = connect(&format!("ws://127.0.0.1:{port}/forbidden"))
        .args(["--http2-prior-knowledge", "-v", "--send", "x"])
        .run()
        .await;
    out.expect_code(5)
        .expect_stderr_contains("< :status: 403")
        .expect_stderr_contains("< content-type: text/plain")
        .expect_stderr_contains("< no entry")
        .expect_stderr_contains("error: handshake rejected: HTTP 403 Forbidden");
}

#[tokio::test]
async fn node_http2_rst_stream_and_goaway_are_named_by_error_code() {
    let Some((_node, port)) = node_h2_server().await else { return };
    let reset = connect(&format!("ws://127.0.0.1:{port}/reset"))
        .args(["--http2-prior-knowledge", "--send", "x"])
        .run()
        .await;
    reset.expect_code(5).expect_stderr_contains("RST_STREAM INTERNAL_ERROR sent by the peer");
    let goaway = connect(&format!("ws://127.0.0.1:{port}/goaway"))
        .args(["--http2-prior-knowledge", "--send", "x", "--count", "1"])
        .run()
        .await;
    goaway.expect_code(6).expect_stderr_contains("GOAWAY ENHANCE_YOUR_CALM sent by the peer");
}

#[tokio::test]
async fn an_http1_only_server_is_exit_5() {
    let echo = serve(["echo", "--no-http2"]).await;
    let out = connect(&echo.url()).args(["--http2-prior-knowledge", "--send", "x"]).run().await;
    out.expect_code(5).expect_stderr_contains(
        "error: HTTP/2: the server answered the HTTP/2 connection preface with HTTP/1.1 (\"HTTP/1.1 400 Bad Request\")",
    );
}

#[tokio::test]
async fn a_tls_server_that_does_not_select_h2_is_exit_5() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = connect(&server.wss_url())
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["--http2", "--send", "x"])
        .run()
        .await;
    out.expect_code(5)
        .expect_stderr_contains("error: HTTP/2: the server selected \"http/1.1\" in TLS (ALPN), not \"h2\"")
        .expect_stderr_contains("hint: the server speaks HTTP/1.1 here");
}

#[tokio::test]
async fn h2c_through_an_http_proxy_tunnel() {
    let pki = Pki::generate();
    let Some(bin) = program("tinyproxy") else { return };
    let Some((proxy, _echo)) = haproxy_in_front(&pki, false).await else { return };
    let tunnel = tinyproxy(&bin, None, &[proxy.h2c_port]).await;
    let url = format!("ws://127.0.0.1:{}/", proxy.h2c_port);
    let out = connect(&url)
        .args([
            "--http2-prior-knowledge",
            "-v",
            "--proxy",
            &tunnel.url("http"),
            "--send",
            "via",
            "--count",
            "1",
        ])
        .run()
        .await;
    out.expect_code(0).expect_stdout("via\n").expect_stderr_contains("< :status: 200");
}

#[tokio::test]
async fn heartbeat_probe_over_h2_says_which_pings_keep_haproxy_open() {
    let pki = Pki::generate();
    let Some(bin) = haproxy() else {
        skip::missing_peer("haproxy is not installed (.ci/run installs it)");
        return;
    };
    let echo = serve(["echo"]).await;
    let proxy = Haproxy::start_with_idle_timeout(&bin, &pki, echo.port, false, "3s").await;
    let url = format!("ws://127.0.0.1:{}/", proxy.h2c_port);
    let out = crate::support::run::wsdiag(["heartbeat-probe", &url])
        .args(["--http2-prior-knowledge", "--kind", "h2-ping", "--min", "1s", "--max", "8s"])
        .args(["--pong-timeout", "2s", "--classify", "--confirm", "1"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout_contains("Idle timeout: between 2.")
        .expect_stdout_contains("Keepalive ws-ping: keeps it alive")
        // HAProxy answers HTTP/2 PINGs itself and does not count them as activity.
        .expect_stdout_contains("Keepalive h2-ping: does not");
}

#[tokio::test]
async fn h2_ping_probes_need_http2() {
    crate::support::run::wsdiag(["heartbeat-probe", "ws://127.0.0.1:1/", "--kind", "h2-ping"])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("--kind h2-ping needs an HTTP/2 connection");
}

#[tokio::test]
async fn handshake_inspect_judges_rfc_8441() {
    let pki = Pki::generate();
    let Some((proxy, _echo)) = haproxy_in_front(&pki, false).await else { return };
    let url = format!("ws://127.0.0.1:{}/", proxy.h2c_port);
    let out = crate::support::handshake_inspect(&url).arg("--http2-prior-knowledge").run().await;
    out.expect_code(0)
        .expect_stdout_contains("* HTTP/2 server SETTINGS: SETTINGS_ENABLE_CONNECT_PROTOCOL=1")
        .expect_stdout_contains("* HTTP/2 extended CONNECT on stream 1")
        .expect_stdout_contains("pass  settings")
        .expect_stdout_contains("pass  status        :status 200 OK (RFC 8441 §5: 200, not 101)")
        // HAProxy turns the backend's 101 into a 200 and keeps its Sec-WebSocket-Accept.
        .expect_stdout_contains("warn  accept")
        .expect_stdout_contains("Verdict: WARN");
    let json =
        crate::support::handshake_inspect(&url).args(["--http2-prior-knowledge", "--json"]).run().await;
    let doc = crate::support::json_doc(&json);
    assert_eq!(doc["hops"][0]["http2"]["stream"], 1, "{doc}");
    assert_eq!(doc["hops"][0]["response"]["version"], "HTTP/2", "{doc}");

    let Some((node, port)) = node_h2_server().await else { return };
    let forbidden = crate::support::handshake_inspect(&format!("ws://127.0.0.1:{port}/forbidden"))
        .arg("--http2-prior-knowledge")
        .run()
        .await;
    forbidden.expect_code(5).expect_stdout_contains("Verdict: REJECTED: the server answered 403, not 200");
    let clean = crate::support::handshake_inspect(&format!("ws://127.0.0.1:{port}/"))
        .args(["--http2-prior-knowledge", "--subprotocol", "chat"])
        .run()
        .await;
    clean.expect_code(0).expect_stdout_contains("pass  accept").expect_stdout_contains("Verdict: PASS");
    drop(node);

    let Some((bare, _echo)) = haproxy_in_front(&pki, true).await else { return };
    let missing = crate::support::handshake_inspect(&format!("ws://127.0.0.1:{}/", bare.h2c_port))
        .arg("--http2-prior-knowledge")
        .run()
        .await;
    missing.expect_code(5).expect_stdout_contains("SETTINGS_ENABLE_CONNECT_PROTOCOL");
}

#[tokio::test]
async fn http2_flags_are_checked_against_the_url() {
    connect("ws://127.0.0.1:1/")
        .arg("--http2")
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("error: --http2 negotiates HTTP/2 in TLS, so it needs a wss:// URL")
        .expect_stderr_contains("hint: for cleartext HTTP/2 (h2c) use --http2-prior-knowledge");
    connect("builtin:echo")
        .arg("--http2-prior-knowledge")
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("HTTP/1.1 only");
    connect("wss://127.0.0.1:1/").args(["--http2", "--http2-prior-knowledge"]).run().await.expect_code(2);
}

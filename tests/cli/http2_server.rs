//! wsdiag's servers over HTTP/2 (RFC 8441), against node's own `http2` module as the client
//! (tests/interop/h2client.mjs: extended CONNECT, WebSocket frames written by hand): h2c with
//! prior knowledge beside HTTP/1.1 on one port, ALPN h2 over TLS, several streams on one
//! connection, the refusals, `--no-http2`, and the logs.

use std::process::Output;

use serde_json::Value;
use tokio::process::Command;

use crate::server_interop::{args, run, show};
use crate::support::served::{client, next_data, send, serve, Served};
use crate::support::skip;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `node h2client.mjs`, or None when node is missing.
fn h2_client() -> Option<Command> {
    let found =
        std::process::Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        skip::missing_peer("no node on PATH (its built-in http2 module is the RFC 8441 client)");
        return None;
    }
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/interop/h2client.mjs"));
    Some(cmd)
}

fn http_url(s: &Served) -> String {
    format!("http://127.0.0.1:{}/chat?room=1", s.port)
}

fn https_url(s: &Served) -> String {
    format!("https://127.0.0.1:{}/", s.port)
}

fn lines(out: &Output) -> Vec<String> {
    let mut l: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    l.sort();
    l
}

fn events(stdout: &str) -> Vec<Value> {
    stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn of_type<'a>(evs: &'a [Value], t: &str) -> Vec<&'a Value> {
    evs.iter().filter(|e| e["type"] == t).collect()
}

#[tokio::test]
async fn h2c_prior_knowledge_carries_two_websockets_on_one_connection_beside_http1() {
    let Some(node) = h2_client() else { return };
    let server = serve(["echo", "--json", "--max-runtime", "30s"]).await;
    let out = run(node, &args(&http_url(&server), &["--streams", "2", "hello", "wörld"])).await;
    assert!(out.status.success(), "{}", show(&out));
    let expected = [
        "s1 closed 1000",
        "s1 s1:hello",
        "s1 s1:wörld",
        "s1 status 200",
        "s2 closed 1000",
        "s2 s2:hello",
        "s2 s2:wörld",
        "s2 status 200",
        "settings enableConnectProtocol=true",
    ];
    assert_eq!(lines(&out), expected, "{}", show(&out));

    // The same port still upgrades HTTP/1.1.
    let mut ws = client(&server.url()).await;
    send(&mut ws, "plain".into()).await;
    assert_eq!(next_data(&mut ws).await, "plain".into());
    drop(ws);

    server.wait_for("three ends", |out, _| out.matches("\"disconnected\"").count() >= 4).await;
    let out = server.interrupt().await;
    let evs = events(&out.stdout());
    let h2 = of_type(&evs, "http2_connection");
    assert_eq!(h2.len(), 1, "{}", out.stdout());
    assert_eq!(h2[0]["protocol"], "h2c");
    assert_eq!(h2[0]["enable_connect_protocol"], true);
    let parent = h2[0]["conn"].clone();
    let streams = of_type(&evs, "stream");
    assert_eq!(streams.len(), 2, "{}", out.stdout());
    let mut ids: Vec<u64> = streams.iter().map(|s| s["stream_id"].as_u64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, [1, 3], "client-opened streams are odd");
    for s in &streams {
        assert_eq!(s["connection"], parent);
        assert_ne!(s["conn"], parent, "each stream is a connection of its own in the log");
    }
    let request = of_type(&evs, "handshake_request")[0];
    assert_eq!(request["version"], "HTTP/2");
    assert_eq!(request["method"], "CONNECT");
    assert_eq!(request["protocol"], "websocket");
    assert_eq!(request["path"], "/chat?room=1");
    let response = of_type(&evs, "handshake_response")[0];
    assert_eq!(response["status"], 200, "{response}");
    let gone = of_type(&evs, "disconnected");
    let by_protocol = |p: &str| gone.iter().filter(|d| d["protocol"] == p).count();
    assert_eq!(by_protocol("h2c"), 3, "two streams and their connection: {}", out.stdout());
    assert_eq!(by_protocol("http/1.1"), 1);
    let conn_end = gone.iter().find(|d| d["outcome"] == "http2_closed").expect("the connection's end");
    assert_eq!(conn_end["conn"], parent);
    assert_eq!(conn_end["stream_id"], Value::Null);
    let stream_end = gone.iter().find(|d| d["stream_id"] == 1).expect("stream 1's end");
    assert_eq!(stream_end["received"]["messages"], 2, "{stream_end}");
    assert_eq!(stream_end["close"]["code"], 1000);
    // Served: the WebSockets, not the HTTP/2 connection that carried two of them.
    let summary = of_type(&evs, "summary")[0];
    assert_eq!(summary["connections"], 3, "{summary}");
}

#[tokio::test]
async fn tls_offers_alpn_h2_and_negotiates_as_over_http1() {
    let Some(node) = h2_client() else { return };
    let server = serve(["echo", "--tls-self-signed", "-s", "chat", "-v", "--max-runtime", "30s"]).await;
    let alpn = run(h2_client().unwrap(), &args(&https_url(&server), &["--alpn"])).await;
    assert_eq!(String::from_utf8_lossy(&alpn.stdout), "alpn h2\n", "{}", show(&alpn));
    let out =
        run(node, &args(&https_url(&server), &["--subprotocol", "other, chat", "--deflate", "hi"])).await;
    assert!(out.status.success(), "{}", show(&out));
    let got = lines(&out);
    assert!(got.contains(&"s1 status 200".to_string()), "{}", show(&out));
    assert!(got.contains(&"s1 header sec-websocket-protocol: chat".to_string()), "{}", show(&out));
    assert!(
        got.contains(
            &"s1 header sec-websocket-extensions: permessage-deflate; client_no_context_takeover".to_string()
        ),
        "{}",
        show(&out)
    );
    assert!(got.iter().any(|l| l.starts_with("s1 compressed ")), "the echo is compressed: {}", show(&out));
    assert!(got.contains(&"s1 closed 1000".to_string()), "{}", show(&out));
    server.wait_for("the stream's end", |_, err| err.contains("(stream 1 of connection")).await;
    let out = server.interrupt().await;
    out.expect_stderr_contains("HTTP/2 (ALPN h2): SETTINGS_ENABLE_CONNECT_PROTOCOL=1")
        .expect_stderr_contains("< :method: CONNECT")
        .expect_stderr_contains("< :protocol: websocket")
        .expect_stderr_contains("> :status: 200")
        .expect_stderr_contains("> sec-websocket-protocol: chat")
        .expect_stderr_contains("Compression: permessage-deflate")
        .expect_stderr_contains(", h2) after");
}

#[tokio::test]
async fn requests_that_are_no_websocket_get_the_status_rfc_8441_calls_for() {
    if h2_client().is_none() {
        return;
    }
    let server = serve(["echo", "--max-runtime", "30s"]).await;
    let url = http_url(&server);
    let cases: [(&[&str], &str, &str); 4] = [
        (&["--method", "GET", "--no-protocol"], "405", "allow: CONNECT"),
        (&["--no-protocol"], "405", "allow: CONNECT"),
        (&["--protocol", "chat"], "501", "only :protocol websocket"),
        (&["--no-version"], "400", "sec-websocket-version: 13"),
    ];
    for (flags, status, detail) in cases {
        let out = run(h2_client().expect("node was found"), &args(&url, flags)).await;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains(&format!("s1 status {status}\n")), "{flags:?}: {}", show(&out));
        assert!(text.contains(detail), "{flags:?}: {}", show(&out));
    }
    server.wait_for("four refusals", |_, err| err.matches("invalid handshake request").count() >= 3).await;
    let out = server.interrupt().await;
    out.expect_stderr_contains("answered 405 Method Not Allowed")
        .expect_stderr_contains("refused the handshake with 501 Not Implemented")
        .expect_stderr_contains("answered 400 Bad Request");
}

#[tokio::test]
async fn no_http2_offers_only_http1_over_tls_and_refuses_the_h2c_preface() {
    let Some(node) = h2_client() else { return };
    let tls = serve(["echo", "--tls-self-signed", "--no-http2", "--max-runtime", "30s"]).await;
    let alpn = run(node, &args(&https_url(&tls), &["--alpn"])).await;
    assert_eq!(String::from_utf8_lossy(&alpn.stdout), "alpn http/1.1\n", "{}", show(&alpn));
    drop(tls);

    let plain = serve(["echo", "--no-http2", "--max-runtime", "30s"]).await;
    let out = run(h2_client().unwrap(), &args(&http_url(&plain), &["hi"])).await;
    assert!(!out.status.success(), "{}", show(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("settings"), "{}", show(&out));
    plain.wait_for("the refusal", |_, err| err.contains("Disconnected")).await;
    let out = plain.interrupt().await;
    out.expect_stderr_contains("invalid handshake request, answered 400 Bad Request");
}

#[tokio::test]
async fn listen_once_serves_one_websocket_over_h2c() {
    let Some(node) = h2_client() else { return };
    let server = serve(["listen", "--once", "--expect", "hello", "--no-stdin", "--max-runtime", "30s"]).await;
    let out = run(node, &args(&http_url(&server), &["hello"])).await;
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("s1 closed 1000"), "{}", show(&out));
    let out = server.finish().await;
    out.expect_code(0)
        .expect_stdout("[2] s1:hello\n")
        .expect_stderr_contains("(stream 1 of connection 1, h2c)");
}

/// HAProxy (Debian's package) on a free port, taking HTTP/1.1 and speaking HTTP/2 to the
/// server at `backend`: `proto h2` over cleartext (prior knowledge), or over TLS with ALPN h2.
/// HAProxy carries a WebSocket upgrade to such a backend as an extended CONNECT (RFC 8441)
/// when the backend advertises SETTINGS_ENABLE_CONNECT_PROTOCOL. Killed when dropped.
struct Haproxy {
    port: u16,
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

async fn haproxy(backend: u16, tls: bool) -> Option<Haproxy> {
    let bin = crate::support::proxies::program("haproxy")?;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = crate::support::free_port();
    let server = if tls { "ssl verify none alpn h2" } else { "proto h2" };
    let config = format!(
        "defaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  \
         timeout tunnel 30s\nfrontend fe\n  bind 127.0.0.1:{port}\n  default_backend be\n\
         backend be\n  server s1 127.0.0.1:{backend} {server}\n"
    );
    let path = dir.path().join("haproxy.cfg");
    std::fs::write(&path, config).expect("write haproxy.cfg");
    let child = Command::new(bin)
        .arg("-f")
        .arg(&path)
        .arg("-db")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start haproxy");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "haproxy did not listen on {port} within 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    Some(Haproxy { port, _child: child, _dir: dir })
}

#[tokio::test]
async fn haproxy_carries_websockets_to_the_echo_server_over_h2c_and_h2() {
    for tls in [false, true] {
        let mut flags = vec!["echo", "-v", "--max-runtime", "30s"];
        if tls {
            flags.push("--tls-self-signed");
        }
        let server = serve(flags).await;
        let Some(proxy) = haproxy(server.port, tls).await else { return };
        let mut ws = client(&format!("ws://127.0.0.1:{}/via-haproxy", proxy.port)).await;
        for text in ["one", "two"] {
            send(&mut ws, text.into()).await;
            assert_eq!(next_data(&mut ws).await, text.into(), "tls {tls}");
        }
        drop(ws);
        let protocol = if tls { "h2" } else { "h2c" };
        let end = format!("(stream 1 of connection 1, {protocol})");
        server.wait_for("the stream's end", |_, err| err.contains(&end)).await;
        let out = server.interrupt().await;
        out.expect_stderr_contains("< :method: CONNECT")
            .expect_stderr_contains("< :protocol: websocket")
            .expect_stderr_contains("< :path: /via-haproxy")
            .expect_stderr_contains("> :status: 200");
    }
}

#[tokio::test]
async fn stopping_closes_every_stream_with_1001_then_the_connection() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let Some(mut node) = h2_client() else { return };
    let server = serve(["echo", "--max-runtime", "30s"]).await;
    node.args(args(&http_url(&server), &["--streams", "2", "--hold", "hi"]));
    node.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null()).kill_on_drop(true);
    let mut child = node.spawn().expect("start node");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut seen = Vec::new();
    // Both WebSockets are open (their echoes came back) before the server is stopped.
    let opened = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while seen.iter().filter(|l: &&String| l.ends_with(" open")).count() < 2 {
            match lines.next_line().await.expect("read the client") {
                Some(line) => seen.push(line),
                None => break,
            }
        }
    })
    .await;
    assert!(opened.is_ok(), "both streams open: {seen:?}");
    let out = server.interrupt().await;
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(line) = lines.next_line().await.expect("read the client") {
            seen.push(line);
        }
    })
    .await
    .expect("the client ended");
    assert!(seen.contains(&"s1 closed 1001".to_string()), "{seen:?}");
    assert!(seen.contains(&"s2 closed 1001".to_string()), "{seen:?}");
    out.expect_code(130)
        .expect_stderr_contains("(stream 1 of connection 1, h2c) after")
        .expect_stderr_contains("server shutting down")
        .expect_stderr_contains("HTTP/2 connection closed after 2 streams");
}

#[tokio::test]
async fn messages_far_larger_than_the_flow_control_windows_cross_two_streams_at_once() {
    let Some(node) = h2_client() else { return };
    let server = serve(["echo", "--max-runtime", "30s"]).await;
    // 1 MiB and 3 MB against 64 KiB stream windows, both streams writing at once.
    let out =
        run(node, &args(&http_url(&server), &["--streams", "2", "big:1048576", "big:3000000", "after"]))
            .await;
    assert!(out.status.success(), "{}", show(&out));
    let got = String::from_utf8_lossy(&out.stdout).into_owned();
    for s in ["s1", "s2"] {
        let mine: Vec<&str> = got.lines().filter(|l| l.starts_with(&format!("{s} "))).collect();
        let want = [
            format!("{s} status 200"),
            format!("{s} big 1048576"),
            format!("{s} big 3000000"),
            format!("{s} {s}:after"),
            format!("{s} closed 1000"),
        ];
        assert_eq!(mine, want, "{}", show(&out));
    }
    server.wait_for("both ends", |_, err| err.contains("after 2 streams")).await;
    server
        .interrupt()
        .await
        .expect_stderr_contains("in 3 messages (4048584 bytes), out 3 messages (4048584 bytes)");
}

#[tokio::test]
async fn a_connection_that_carries_no_stream_is_sent_goaway_after_the_handshake_timeout() {
    let Some(node) = h2_client() else { return };
    let server = serve(["echo", "--handshake-timeout", "300ms", "--max-runtime", "30s"]).await;
    let out = run(node, &args(&http_url(&server), &["--streams", "0"])).await;
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "settings enableConnectProtocol=true\ngoaway 0\n",
        "{}",
        show(&out)
    );
    server.wait_for("the connection's end", |_, err| err.contains("after 0 streams")).await;
    server.interrupt().await;
}

#[tokio::test]
async fn wsdiag_connect_over_http2_talks_to_wsdiag_echo_in_cleartext_and_over_tls() {
    let plain = serve(["echo", "--max-runtime", "30s"]).await;
    let out = crate::support::run::connect(&plain.url())
        .args(["--http2-prior-knowledge", "--deflate", "-x", "over h2c", "-n", "1", "-v"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout("over h2c\n")
        .expect_stderr_contains("< :status: 200")
        .expect_stderr_contains("Compression: permessage-deflate");
    plain.wait_for("the stream's end", |_, err| err.contains("(stream 1 of connection 1, h2c)")).await;
    plain.interrupt().await;

    let tls = serve(["echo", "--tls-self-signed", "--max-runtime", "30s"]).await;
    let out = crate::support::run::connect(&tls.wss_url())
        .args(["--http2", "-k", "-x", "over h2", "-n", "1"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("over h2\n");
    tls.wait_for("the stream's end", |_, err| err.contains("(stream 1 of connection 1, h2)")).await;
    tls.interrupt().await;
}

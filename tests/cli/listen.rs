//! `wsdiag listen`: printing what clients send, --once, --expect, --count, stdin lines to all
//! clients or one (`@ID`), response headers and subprotocols, JSON events, and the exit codes
//! scripts rely on.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::served::{client, close_code, next_data, send, serve, serve_with_stdin, try_client, Ws};
use crate::support::{connect, json_lines, wsdiag};

/// Sends `texts` and waits until `listen` printed each one as `[conn] text`.
async fn say(server: &crate::support::served::Served, ws: &mut Ws, conn: u64, texts: &[&str]) {
    for text in texts {
        send(ws, Message::text(*text)).await;
        let line = format!("[{conn}] {text}\n");
        server.wait_for(&line, |out, _| out.contains(&line)).await;
    }
}

#[tokio::test]
async fn once_prints_the_message_and_exits_0_when_the_client_leaves() {
    let server = serve(["listen", "--once", "--max-runtime", "20s"]).await;
    connect(&server.url()).args(["-x", "hello", "-w", "300ms"]).run().await.expect_code(0);
    let out = server.finish().await;
    out.expect_code(0).expect_stdout("[1] hello\n");
    out.expect_stderr_contains("close 1000 (normal) by client");
}

#[tokio::test]
async fn expectations_met_in_order_exit_0() {
    let server = serve(["listen", "--expect", "hel+o", "--expect", "bye", "--max-runtime", "20s"]).await;
    let mut ws = client(&server.url()).await;
    for text in ["helllo", "in between", "bye"] {
        send(&mut ws, Message::text(text)).await;
    }
    // Once satisfied, listen closes the client normally and exits.
    assert_eq!(close_code(&mut ws).await, Some(1000));
    let out = server.finish().await;
    out.expect_code(0).expect_stdout("[1] helllo\n[1] in between\n[1] bye\n");
}

#[tokio::test]
async fn expectations_out_of_order_fail() {
    let args = ["listen", "--expect", "hello", "--expect", "bye", "--expect-timeout", "500ms"];
    let server = serve(args.iter().chain(&["--max-runtime", "20s"])).await;
    let mut ws = client(&server.url()).await;
    say(&server, &mut ws, 1, &["bye", "hello"]).await;
    let out = server.finish().await;
    out.expect_code(1).expect_stderr_contains("/bye/");
}

#[tokio::test]
async fn expectation_timeout_exits_1_and_shows_what_arrived() {
    let args = ["listen", "--expect", "nope", "--expect-timeout", "500ms", "--max-runtime", "20s"];
    let server = serve(args).await;
    let mut ws = client(&server.url()).await;
    say(&server, &mut ws, 1, &["first thing", "second thing"]).await;
    let out = server.finish().await;
    out.expect_code(1).expect_stderr_contains("/nope/");
    out.expect_stderr_contains("first thing").expect_stderr_contains("second thing");
    assert!(out.elapsed < Duration::from_secs(5), "{out}");
}

#[tokio::test]
async fn once_client_leaving_before_the_expectation_exits_1() {
    let server = serve(["listen", "--once", "--expect", "never", "--max-runtime", "20s"]).await;
    connect(&server.url()).args(["-x", "something else", "-w", "200ms"]).run().await.expect_code(0);
    let out = server.finish().await;
    out.expect_code(1).expect_stderr_contains("/never/").expect_stderr_contains("something else");
    assert!(out.elapsed < Duration::from_secs(5), "exits when the client leaves, not at a timeout\n{out}");
}

#[tokio::test]
async fn count_spans_clients() {
    let server = serve(["listen", "--count", "2", "--max-runtime", "20s"]).await;
    let mut first = client(&server.url()).await;
    say(&server, &mut first, 1, &["from one"]).await;
    let mut second = client(&server.url()).await;
    send(&mut second, Message::text("from two")).await;
    let out = server.finish().await;
    out.expect_code(0).expect_stdout("[1] from one\n[2] from two\n");
    assert_eq!(close_code(&mut first).await, Some(1000));
    assert_eq!(close_code(&mut second).await, Some(1000));
}

#[tokio::test]
async fn once_client_reset_exits_6() {
    let server = serve(["listen", "--once", "--max-runtime", "20s"]).await;
    let mut ws = client(&server.url()).await;
    say(&server, &mut ws, 1, &["about to vanish"]).await;
    // SO_LINGER 0: closing the socket sends a TCP reset.
    socket2::SockRef::from(ws.get_ref()).set_linger(Some(Duration::ZERO)).expect("linger");
    drop(ws);
    let out = server.finish().await;
    out.expect_code(6);
}

#[tokio::test]
async fn stdin_lines_reach_every_client_or_one() {
    let mut server = serve_with_stdin(["listen", "--max-runtime", "20s"]).await;
    let mut one = client(&server.url()).await;
    say(&server, &mut one, 1, &["one here"]).await;
    let mut two = client(&server.url()).await;
    say(&server, &mut two, 2, &["two here"]).await;

    let mut stdin = server.stdin.take().expect("stdin");
    stdin.write_all(b"to everyone\n@2 just two\n@1 just one\n").await.expect("write stdin");
    stdin.flush().await.expect("flush stdin");
    assert_eq!(next_data(&mut one).await, Message::text("to everyone"));
    assert_eq!(next_data(&mut two).await, Message::text("to everyone"));
    assert_eq!(next_data(&mut two).await, Message::text("just two"));
    assert_eq!(next_data(&mut one).await, Message::text("just one"), "client 1 never got client 2's line");

    stdin.write_all(b"@7 nobody\n").await.expect("write stdin");
    server.wait_for("a warning", |_, err| err.contains("no client 7")).await;
    drop(stdin);
    let out = server.interrupt().await;
    out.expect_code(130);
    assert_eq!(close_code(&mut one).await, Some(1001));
}

#[tokio::test]
async fn headers_and_subprotocol_in_the_101() {
    let args = ["listen", "-H", "X-Test: 1", "-s", "chat", "--max-runtime", "20s"];
    let server = serve(args).await;
    let (_ws, response) = try_client(&server.url(), &["superchat", "chat"]).await.expect("upgrade");
    assert_eq!(response.status(), 101);
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().expect("ascii").to_owned());
    assert_eq!(header("x-test").as_deref(), Some("1"));
    assert_eq!(header("sec-websocket-protocol").as_deref(), Some("chat"));

    let out = connect(&server.url()).args(["-s", "chat", "-v", "-w", "100ms"]).run().await;
    out.expect_code(0);
    // Header names are case-insensitive; the value must be as given.
    let response: Vec<String> =
        out.stderr_lines_starting("< ").iter().map(|l| l.to_ascii_lowercase()).collect();
    assert!(response.contains(&"< x-test: 1".to_owned()), "{out}");
    server.interrupt().await.expect_code(130);
}

#[tokio::test]
async fn json_events_parse_and_tell_the_story() {
    let server = serve(["listen", "--once", "--json", "--max-runtime", "20s"]).await;
    connect(&server.url()).args(["-x", "hello", "-w", "200ms"]).run().await.expect_code(0);
    let out = server.finish().await;
    out.expect_code(0);
    let events = json_lines(&out);
    for ev in &events {
        assert!(ev["type"].is_string() && ev["t"].is_number() && ev["conn"].is_u64(), "{ev}");
    }
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    let pos = |t: &str| types.iter().position(|x| *x == t).unwrap_or_else(|| panic!("no {t} in {types:?}"));
    assert!(pos("listening") < pos("accepted") && pos("accepted") < pos("open"), "{types:?}");
    assert!(pos("open") < pos("message") && pos("message") < pos("disconnected"), "{types:?}");
    assert_eq!(types.last(), Some(&"summary"), "{types:?}");

    let listening = &events[pos("listening")];
    assert_eq!(listening["url"], server_url(listening));
    assert_eq!(listening["tls"], false);
    let message = &events[pos("message")];
    assert_eq!(
        (message["conn"].as_u64(), &message["dir"], &message["data"]["text"]),
        (Some(1), &"in".into(), &"hello".into())
    );
    let gone = &events[pos("disconnected")];
    assert_eq!(gone["received"]["messages"], 1);
    assert_eq!(gone["close"]["code"], 1000);
    assert_eq!(gone["close"]["by"], "client");
    let summary = &events[pos("summary")];
    assert_eq!((summary["connections"].as_u64(), summary["exit"].as_u64()), (Some(1), Some(0)));
}

fn server_url(listening: &serde_json::Value) -> String {
    format!("ws://{}/", listening["addr"].as_str().expect("addr"))
}

#[tokio::test]
async fn once_without_a_client_fails_when_max_runtime_ends() {
    let out = wsdiag(["listen", "--once", "--max-runtime", "400ms", "--no-stdin"]).run().await;
    out.expect_code(1).expect_stderr_contains("error: no client connected within 400ms (--max-runtime)");
    assert!(out.stdout().is_empty(), "{out}");
    // Without --once, a server stopped by --max-runtime with nobody served is a normal stop.
    wsdiag(["listen", "--max-runtime", "200ms", "--no-stdin"]).run().await.expect_code(0);
}

#[tokio::test]
async fn once_without_a_client_reports_the_failure_in_json() {
    let out = wsdiag(["listen", "--once", "--max-runtime", "300ms", "--no-stdin", "--json"]).run().await;
    out.expect_code(1);
    let events = json_lines(&out);
    let error =
        events.iter().find(|e| e["type"] == "error").unwrap_or_else(|| panic!("no error event\n{out}"));
    assert_eq!(error["message"], "no client connected within 300ms (--max-runtime)", "{out}");
    assert_eq!(error["exit"], 1, "{out}");
}

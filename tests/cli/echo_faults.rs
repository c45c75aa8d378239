//! `wsdiag echo` fault injection, observed from the client side with `wsdiag connect` and a
//! tokio-tungstenite client; a few of the same faults through `builtin:echo?…` options.

use std::time::{Duration, Instant};

use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::support::connect;
use crate::support::served::{client, next_data, next_within, send, serve, try_client, Served};

async fn echo_with(faults: &[&str]) -> Served {
    serve(["echo", "--max-runtime", "20s"].iter().chain(faults)).await
}

#[tokio::test]
async fn drop_after_resets_the_connection_after_n_echoes() {
    let server = echo_with(&["--drop-after", "2"]).await;
    let out = connect(&server.url()).args(["-x", "a", "-x", "b", "-x", "c", "-w", "3s"]).run().await;
    out.expect_code(6).expect_stdout("a\nb\n").expect_stderr_contains("reset");
    server.wait_for("the reset", |_, err| err.contains("reset by --drop-after; in 2 messages")).await;
    server.interrupt().await;
}

#[tokio::test]
async fn drop_after_seen_by_a_tungstenite_client() {
    let server = echo_with(&["--drop-after", "2"]).await;
    let mut ws = client(&server.url()).await;
    for text in ["one", "two"] {
        send(&mut ws, Message::text(text)).await;
        assert_eq!(next_data(&mut ws).await, Message::text(text));
    }
    // No third message is needed: the reset follows the second echo.
    match next_within(&mut ws, Duration::from_secs(5)).await {
        Some(Err(WsError::Io(e))) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
        other => panic!("expected a TCP reset after two echoes, got {other:?}"),
    }
    server.interrupt().await;
}

#[tokio::test]
async fn close_after_closes_with_the_given_code_and_reason() {
    let server =
        echo_with(&["--close-after", "300ms", "--close-code", "4000", "--close-reason", "bye"]).await;
    let started = Instant::now();
    let out = connect(&server.url()).run().await;
    out.expect_code(1).expect_stderr_contains("4000").expect_stderr_contains("bye");
    assert!(started.elapsed() >= Duration::from_millis(300), "closed too early\n{out}");
    server.wait_for("the close", |_, err| err.contains("close 4000 (private) by server")).await;
    server.interrupt().await;
}

#[tokio::test]
async fn no_pong_ignores_pings() {
    let server = echo_with(&["--no-pong"]).await;
    let out = connect(&server.url()).args(["--ping-interval", "100ms", "-w", "500ms"]).run().await;
    let stats = out.stderr_lines_starting("--- ");
    assert_eq!(stats.len(), 1, "{out}");
    assert!(stats[0].contains(" pings sent, 0 pongs received, 100.0% loss"), "{out}");
    assert!(!stats[0].starts_with("--- 0 pings"), "some pings were sent\n{out}");

    // A tungstenite client's ping gets no pong, but messages are still echoed.
    let mut ws = client(&server.url()).await;
    send(&mut ws, Message::Ping(b"anyone?".to_vec().into())).await;
    send(&mut ws, Message::text("still here")).await;
    assert_eq!(
        next_within(&mut ws, Duration::from_secs(5)).await.map(Result::ok),
        Some(Some(Message::text("still here")))
    );
    let more = tokio::time::timeout(Duration::from_millis(400), futures_util::StreamExt::next(&mut ws)).await;
    assert!(more.is_err(), "nothing else arrives, in particular no pong: {more:?}");
    server.interrupt().await;
}

#[tokio::test]
async fn idle_timeout_ends_tcp_without_a_close_frame() {
    let server = echo_with(&["--idle-timeout", "300ms"]).await;
    let started = Instant::now();
    let out = connect(&server.url()).run().await;
    out.expect_code(6).expect_stderr_contains("1006").expect_stderr_contains("without a close frame");
    let took = out.elapsed;
    assert!(took >= Duration::from_millis(300) && started.elapsed() < Duration::from_secs(5), "{out}");
    server.interrupt().await;
}

#[tokio::test]
async fn idle_timeout_spares_a_busy_client() {
    let server = echo_with(&["--idle-timeout", "300ms"]).await;
    let mut ws = client(&server.url()).await;
    for n in 0..6 {
        send(&mut ws, Message::text(format!("tick {n}"))).await;
        assert_eq!(next_data(&mut ws).await, Message::text(format!("tick {n}")));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Once the client falls silent the server goes away without a close frame.
    let quiet = Instant::now();
    match next_within(&mut ws, Duration::from_secs(5)).await {
        None | Some(Err(WsError::Protocol(_))) => {}
        other => panic!("expected the TCP connection to end without a close frame, got {other:?}"),
    }
    assert!(quiet.elapsed() >= Duration::from_millis(150), "cut {:?} after the last echo", quiet.elapsed());
    server.interrupt().await;
}

#[tokio::test]
async fn delay_holds_each_echo_back() {
    let server = echo_with(&["--delay", "300ms"]).await;
    let mut ws = client(&server.url()).await;
    for text in ["slow", "slower"] {
        let sent = Instant::now();
        send(&mut ws, Message::text(text)).await;
        assert_eq!(next_data(&mut ws).await, Message::text(text));
        let took = sent.elapsed();
        assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "echo after {took:?}");
    }
    server.interrupt().await;
}

#[tokio::test]
async fn push_every_sends_numbered_messages() {
    let server = echo_with(&["--push-every", "100ms"]).await;
    connect(&server.url())
        .args(["-n", "3"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("push 1\npush 2\npush 3\n");
    server.interrupt().await;
}

#[tokio::test]
async fn ping_interval_pings_the_client() {
    let server = echo_with(&["--ping-interval", "100ms"]).await;
    let mut ws = client(&server.url()).await;
    let started = Instant::now();
    let mut pings = 0;
    while pings < 3 {
        match next_within(&mut ws, Duration::from_secs(2)).await {
            Some(Ok(Message::Ping(_))) => pings += 1,
            other => panic!("expected pings, got {other:?}"),
        }
    }
    assert!(started.elapsed() >= Duration::from_millis(150), "3 pings in {:?}", started.elapsed());
    server.interrupt().await;
}

#[tokio::test]
async fn reject_refuses_the_upgrade_with_the_status() {
    let server = echo_with(&["--reject", "503"]).await;
    let out = connect(&server.url()).run().await;
    out.expect_code(5).expect_stderr_contains("503");
    match try_client(&server.url(), &[]).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected HTTP 503, got {other:?}", other = other.map(|(_, r)| r)),
    }
    server.interrupt().await;
}

#[tokio::test]
async fn subprotocol_selected_or_upgrade_refused() {
    let server = echo_with(&["-s", "b"]).await;
    let (_ws, response) = try_client(&server.url(), &["a", "b"]).await.expect("upgrade offering a, b");
    assert_eq!(response.headers().get("sec-websocket-protocol").map(|v| v.as_bytes()), Some(&b"b"[..]));
    match try_client(&server.url(), &["x"]).await {
        Err(WsError::Http(response)) => assert_eq!(response.status(), 400),
        other => panic!("expected HTTP 400, got {other:?}", other = other.map(|(_, r)| r)),
    }
    let out = connect(&server.url()).args(["-s", "x"]).run().await;
    out.expect_code(5).expect_stderr_contains("400");
    server.interrupt().await;
}

#[tokio::test]
async fn builtin_echo_drop_after() {
    let out =
        connect("builtin:echo?drop-after=2").args(["-x", "a", "-x", "b", "-x", "c", "-w", "3s"]).run().await;
    out.expect_code(6).expect_stdout("a\nb\n").expect_stderr_contains("reset");
}

#[tokio::test]
async fn builtin_echo_close_after_with_code_and_reason() {
    let out = connect("builtin:echo?close-after=300ms&close-code=4000&close-reason=bye%20now").run().await;
    out.expect_code(1).expect_stderr_contains("4000").expect_stderr_contains("bye now");
}

#[tokio::test]
async fn builtin_echo_reject_and_idle_timeout() {
    connect("builtin:echo?reject=503").run().await.expect_code(5).expect_stderr_contains("503");
    connect("builtin:echo?idle-timeout=300ms").run().await.expect_code(6).expect_stderr_contains("1006");
}

#[tokio::test]
async fn builtin_echo_no_pong_and_push_every() {
    let out = connect("builtin:echo?no-pong").args(["--ping-interval", "100ms", "-w", "500ms"]).run().await;
    assert!(out.stderr.contains(" pings sent, 0 pongs received"), "{out}");
    connect("builtin:echo?push-every=100ms")
        .args(["-n", "2"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("push 1\npush 2\n");
}

#[tokio::test]
async fn delay_does_not_stop_pings_or_the_close_handshake() {
    // The ping is answered while the echo is still held back.
    let out = connect("builtin:echo?delay=3s")
        .args(["-x", "held", "--ping-count", "1", "--no-stdin", "--json", "--timeout", "20s"])
        .run()
        .await;
    out.expect_code(0);
    let lines = crate::support::json_lines(&out);
    let rtt = lines.iter().position(|l| l["type"] == "rtt").unwrap_or_else(|| panic!("no rtt\n{out}"));
    let echo = lines.iter().position(|l| l["type"] == "message" && l["dir"] == "in");
    assert!(echo.is_none_or(|e| e > rtt), "the pong waited for the delayed echo\n{out}");

    // A close during the delay is answered at once, not after it.
    let out = connect("builtin:echo?delay=10s")
        .args(["-x", "held", "--no-stdin", "-v", "--timeout", "500ms"])
        .run()
        .await;
    out.expect_code(7).expect_stderr_contains("* Close acknowledged by server: 1000 (normal)");
}

#[tokio::test]
async fn no_pong_is_a_fault_of_the_server_and_its_tap_records_the_real_ping() {
    let server = echo_with(&["--no-pong", "-vv"]).await;
    let out = connect(&server.url())
        .args(["--ping-count", "1", "--ping-timeout", "300ms", "--no-stdin"])
        .run()
        .await;
    out.expect_code(0);
    server.wait_for("the ping frame", |_, err| err.contains("<< ping fin=1")).await;
    let err = server.interrupt().await.stderr;
    assert!(err.contains("[1] * Ping from client"), "the server's session saw a ping:\n{err}");
    assert!(!err.contains("<< pong"), "the tap saw the ping as it crossed the wire, not rewritten:\n{err}");
    assert!(!err.contains(">> pong"), "no pong crossed the wire, so none is recorded:\n{err}");
}

#[tokio::test]
async fn json_outcomes_of_server_connections_are_typed() {
    let server = echo_with(&["--json", "--drop-after", "1"]).await;
    let out = connect(&server.url()).args(["-x", "a", "-w", "2s"]).run().await;
    out.expect_code(6);
    server.wait_for("the reset", |out, _| out.contains("\"type\":\"disconnected\"")).await;
    let stdout = server.stdout();
    let line =
        stdout.lines().find(|l| l.contains("\"type\":\"disconnected\"")).expect("a disconnected event");
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["outcome"], "dropped", "{line}");
    assert_eq!(event["message"], "reset by --drop-after", "{line}");
    server.interrupt().await;
}

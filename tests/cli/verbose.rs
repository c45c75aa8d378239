//! Human diagnostics on stderr: -v (connection, handshake, timings), -vv / --frames (every
//! frame both ways) and --ping-interval (pong round trips).

use tokio_tungstenite::tungstenite::Message;

use crate::support::{connect, Script, WsServer};

#[tokio::test]
async fn v_shows_connection_and_handshake_lines() {
    let server = WsServer::echo().await;
    let url = format!("ws://{}/path?q=1", server.addr);
    let out = connect(&url).args(["-v", "-H", "X-Demo: yes", "-x", "hello", "-n", "1"]).run().await;
    out.expect_code(0)
        .expect_stdout("hello\n")
        .expect_stderr_contains(&format!("* Connected to {}", server.addr))
        .expect_stderr_contains("> GET /path?q=1 HTTP/1.1")
        .expect_stderr_contains("> X-Demo: yes")
        .expect_stderr_contains("< HTTP/1.1 101 Switching Protocols")
        .expect_stderr_contains("* Upgraded: ");
    // Header names appear as on the wire, so their case is the peer's.
    let header_lines =
        |prefix: &str| out.stderr.lines().filter(|l| l.to_ascii_lowercase().starts_with(prefix)).count();
    assert_eq!(header_lines("> sec-websocket-key: "), 1, "request header lines are shown\n{out}");
    assert_eq!(header_lines("< sec-websocket-accept: "), 1, "response header lines are shown\n{out}");
    assert!(out.stderr_lines_starting(">> ").is_empty(), "frames are shown only from -vv on\n{out}");
    assert!(!out.stderr.contains("* Sent text"), "sends are not announced at -v\n{out}");
}

#[tokio::test]
async fn v_shows_who_closed() {
    let server = Script::new().close(1000, "").start().await;
    connect(&server.url())
        .arg("-v")
        .run()
        .await
        .expect_code(0)
        .expect_stderr_contains("* Closed by server: 1000 (normal)");
    let server = WsServer::echo().await;
    connect(&server.url())
        .args(["-v", "-x", "a", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stderr_contains("* Closed by client: 1000 (normal)");
}

#[tokio::test]
async fn vv_shows_frames_both_ways() {
    let out = connect("builtin:echo").args(["-vv", "-x", "hello", "-n", "1"]).run().await;
    out.expect_code(0)
        .expect_stdout("hello\n")
        .expect_stderr_contains(">> text fin=1 rsv=000 masked len=5 \"hello\"")
        .expect_stderr_contains("<< text fin=1 rsv=000 len=5 \"hello\"");
    let closes = out.stderr_lines_starting(">> close ");
    assert_eq!(closes.len(), 1, "the client's close frame is shown\n{out}");
    assert!(closes[0].contains("code=1000"), "{out}");
}

#[tokio::test]
async fn vv_shows_server_pings_and_the_automatic_pong() {
    let server = Script::new()
        .send(Message::Ping(b"hb".to_vec().into()))
        .send_text("after ping")
        .close(1000, "")
        .start()
        .await;
    let out = connect(&server.url()).arg("-vv").run().await;
    out.expect_code(0).expect_stdout("after ping\n");
    let ping = out.stderr_lines_starting("<< ping ");
    let pong = out.stderr_lines_starting(">> pong ");
    assert_eq!(ping.len(), 1, "{out}");
    assert_eq!(pong.len(), 1, "the client answers the ping\n{out}");
    assert!(ping[0].contains("len=2") && pong[0].contains("len=2"), "{out}");
}

#[tokio::test]
async fn frames_flag_equals_vv_for_frames() {
    let out = connect("builtin:echo")
        .args(["--frames", "--binary", "-x", "\u{1}\u{2}\u{3}", "-n", "1"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout("010203\n")
        .expect_stderr_contains("<< binary fin=1 rsv=000 len=3 hex=010203");
}

#[tokio::test]
async fn vv_shows_the_servers_close_frame_with_code_and_reason() {
    let server = Script::new().close(1008, "bad").start().await;
    connect(&server.url())
        .arg("-vv")
        .run()
        .await
        .expect_code(1)
        .expect_stderr_contains("<< close fin=1 rsv=000 len=5 code=1008 (policy violation) reason=\"bad\"");
}

#[tokio::test]
async fn long_frame_payloads_are_truncated_in_frame_lines() {
    let long = "y".repeat(5000);
    let out = connect("builtin:echo").args(["-vv", "-x", &long, "-n", "1"]).run().await;
    out.expect_code(0).expect_stdout(&format!("{long}\n"));
    let frames = out.stderr_lines_starting("<< text ");
    assert_eq!(frames.len(), 1, "{out}");
    assert!(frames[0].contains("len=5000"), "full length shown\n{out}");
    assert!(frames[0].contains('…'), "payload truncated with …\n{out}");
    assert!(frames[0].len() < 1000, "payload truncated\n{out}");
}

#[tokio::test]
async fn ping_interval_prints_pong_round_trips() {
    let out = connect("builtin:echo").args(["--ping-interval", "100ms", "-w", "1s"]).run().await;
    out.expect_code(0);
    let pongs = out.stderr_lines_starting("* pong seq=");
    assert!(pongs.len() >= 2, "expected several pongs in 1 s\n{out}");
    assert!(pongs[0].starts_with("* pong seq=1 rtt="), "{out}");
    assert!(pongs[0].ends_with(" ms"), "{out}");
    assert!(out.stdout().is_empty(), "pongs are diagnostics, not data\n{out}");
}

#[tokio::test]
async fn ping_interval_against_a_server_shows_ping_and_pong_frames() {
    let server = Script::new().start().await;
    let out = connect(&server.url()).args(["-vv", "--ping-interval", "100ms", "-w", "500ms"]).run().await;
    out.expect_code(0);
    assert!(!out.stderr_lines_starting(">> ping ").is_empty(), "{out}");
    assert!(!out.stderr_lines_starting("<< pong ").is_empty(), "{out}");
    assert!(!out.stderr_lines_starting("* pong seq=").is_empty(), "{out}");
}

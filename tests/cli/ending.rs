//! How a session ends: --count, --wait, --timeout, the peer's close code, --close-code.

use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;

use crate::support::{connect, Script, WsServer};

#[tokio::test]
async fn count_prints_exactly_n_messages_then_closes_normally() {
    let server = Script::new().send_text("one").send_text("two").send_text("three").start().await;
    connect(&server.url()).args(["-n", "2"]).run().await.expect_code(0).expect_stdout("one\ntwo\n");
    let close = server.client_close().await;
    assert_eq!(close.map(|c| c.0), Some(1000));
}

#[tokio::test]
async fn peer_normal_close_without_count_exits_0() {
    let server = Script::new().send_text("bye soon").close(1000, "done").start().await;
    connect(&server.url()).run().await.expect_code(0).expect_stdout("bye soon\n");
}

#[tokio::test]
async fn peer_close_without_a_code_exits_0() {
    let server = Script::new().send_text("quiet").send(Message::Close(None)).start().await;
    connect(&server.url()).run().await.expect_code(0).expect_stdout("quiet\n");
}

#[tokio::test]
async fn peer_close_before_count_is_met_exits_1() {
    let server = Script::new().send_text("only one").close(1000, "").start().await;
    connect(&server.url())
        .args(["-n", "2"])
        .run()
        .await
        .expect_code(1)
        .expect_stdout("only one\n")
        .expect_stderr_contains("error:");
}

#[tokio::test]
async fn peer_close_with_policy_violation_exits_1_with_code_and_reason() {
    let server = Script::new().close(1008, "bad token").start().await;
    connect(&server.url()).run().await.expect_code(1).expect_stderr_contains(
        "error: server closed the connection with 1008 (policy violation): bad token",
    );
}

#[tokio::test]
async fn peer_close_with_an_application_code_exits_1() {
    let server = Script::new().close(4001, "app says no").start().await;
    connect(&server.url())
        .run()
        .await
        .expect_code(1)
        .expect_stderr_contains("4001")
        .expect_stderr_contains("app says no");
}

#[tokio::test]
async fn wait_closes_after_the_delay_and_exits_0() {
    let server = WsServer::echo().await;
    let out = connect(&server.url()).args(["-x", "ping me", "-w", "400ms"]).run().await;
    out.expect_code(0).expect_stdout("ping me\n");
    assert!(out.elapsed >= Duration::from_millis(400), "--wait 400ms ended after {:?}", out.elapsed);
    assert_eq!(server.client_close().await.map(|c| c.0), Some(1000));
}

#[tokio::test]
async fn timeout_closes_cleanly_and_exits_7() {
    let server = Script::new().start().await;
    let out = connect(&server.url()).args(["--timeout", "500ms"]).run().await;
    out.expect_code(7).expect_stderr_contains("error:");
    assert!(out.elapsed < Duration::from_secs(5), "--timeout 500ms ended after {:?}", out.elapsed);
    assert!(server.client_close().await.is_some(), "a timed-out session closes with a close frame");
}

#[tokio::test]
async fn timeout_bounds_a_count_that_is_never_met() {
    let server = Script::new().send_text("just one").start().await;
    connect(&server.url())
        .args(["-n", "5", "--timeout", "500ms"])
        .run()
        .await
        .expect_code(7)
        .expect_stdout("just one\n");
}

#[tokio::test]
async fn close_code_and_reason_are_sent() {
    let server = WsServer::echo().await;
    connect(&server.url())
        .args(["-x", "a", "-n", "1", "--close-code", "4000", "--close-reason", "bye"])
        .run()
        .await
        .expect_code(0);
    assert_eq!(server.client_close().await, Some((4000, "bye".to_owned())));
}

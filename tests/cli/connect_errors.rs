//! Failures to connect and connections lost: refused (3), unresolvable name (3), a server that
//! never answers the TLS or upgrade handshake (7), a reset or an invalid frame after the
//! handshake (6).

use std::time::Duration;

use crate::support::{closed_port_url, connect, skip, RawServer, Reply};

#[tokio::test]
async fn refused_port_exits_3() {
    let url = closed_port_url();
    let out = connect(&url).args(["-x", "a", "-n", "1"]).run().await;
    out.expect_code(3).expect_stderr_contains("error:");
    assert!(out.stdout().is_empty(), "{out}");
}

/// Whether this machine lets us run a command in a fresh, empty network namespace.
async fn can_unshare_network() -> bool {
    let probe = tokio::process::Command::new("unshare")
        .args(["-n", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    matches!(
        tokio::time::timeout(Duration::from_secs(10), probe).await,
        Ok(Ok(status)) if status.success()
    )
}

#[tokio::test]
async fn unresolvable_name_exits_3() {
    // Inside an empty network namespace no resolver is reachable, so resolution fails on
    // this machine and no DNS query leaves it.
    if !can_unshare_network().await {
        skip::not_possible_here("`unshare -n` is not permitted here");
        return;
    }
    let out = connect("ws://wsdiag-no-such-host.invalid/")
        .args(["-x", "a", "-n", "1", "--connect-timeout", "5s"])
        .wrapped_in(["unshare", "-n"])
        .run()
        .await;
    out.expect_code(3).expect_stderr_contains("error:");
}

#[tokio::test]
async fn server_that_never_answers_the_upgrade_times_out_with_7() {
    let server = RawServer::start(Reply::Silence).await;
    let out = connect(&server.url()).args(["-x", "a", "-n", "1", "--handshake-timeout", "500ms"]).run().await;
    out.expect_code(7).expect_stderr_contains("error:");
    assert!(out.elapsed < Duration::from_secs(5), "--handshake-timeout 500ms ended after {:?}", out.elapsed);
}

#[tokio::test]
async fn server_that_never_starts_tls_times_out_with_7() {
    let server = RawServer::start(Reply::Silence).await;
    let out = connect(&format!("wss://{}/", server.addr))
        .args(["-x", "a", "-n", "1", "--handshake-timeout", "500ms"])
        .run()
        .await;
    out.expect_code(7).expect_stderr_contains("error:");
    assert!(out.elapsed < Duration::from_secs(5), "{out}");
}

#[tokio::test]
async fn reset_in_the_middle_of_a_message_exits_6() {
    // A text frame header announcing 200 bytes, followed by only 11 of them.
    let mut partial = vec![0x81, 0x7e, 0x00, 0xc8];
    partial.extend_from_slice(b"hello, worl");
    let server = RawServer::start(Reply::UpgradeThenReset(partial)).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(6).expect_stderr_contains("error:");
    assert!(out.stdout().is_empty(), "a partial message is not printed\n{out}");
}

#[tokio::test]
async fn reset_after_the_handshake_exits_6() {
    let server = RawServer::start(Reply::UpgradeThenReset(Vec::new())).await;
    connect(&server.url()).run().await.expect_code(6).expect_stderr_contains("error:");
}

#[tokio::test]
async fn invalid_frames_from_the_server_exit_6() {
    let cases: [(&str, Vec<u8>); 3] = [
        ("RSV1 without an extension", vec![0xc1, 0x01, b'a']),
        ("a masked server frame", vec![0x81, 0x81, 1, 2, 3, 4, b'a' ^ 1]),
        ("a reserved opcode", vec![0x83, 0x01, b'a']),
    ];
    for (what, frame) in cases {
        let server = RawServer::start(Reply::UpgradeThenSend(frame)).await;
        let out = connect(&server.url()).args(["-n", "1"]).run().await;
        assert_eq!(out.code(), Some(6), "{what}\n{out}");
        out.expect_stderr_contains("error:");
    }
}

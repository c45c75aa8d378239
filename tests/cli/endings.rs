//! How connections end, as `connect` reports them against servers that misbehave exactly so:
//! close codes that may not cross the wire, a 1-byte close payload, a server that closes first
//! and keeps TCP open, a message over `--max-message`, and the `end` event in JSON and `-v`.

use crate::support::crafted::{upgrade_head, CraftedServer};
use crate::support::{connect, json_lines, RawServer, Reply};

/// A server close frame (unmasked) with this payload.
fn close_frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x88, payload.len() as u8];
    f.extend_from_slice(payload);
    f
}

#[tokio::test]
async fn a_close_code_that_may_not_be_sent_is_the_servers_violation_with_the_code_it_sent() {
    let codes = [0u16, 999, 1004, 1005, 1006, 1015, 2999, 5000];
    let runs = codes.map(|code| async move {
        let server = RawServer::start(Reply::UpgradeThenSend(close_frame(&code.to_be_bytes()))).await;
        (code, connect(&server.url()).args(["--no-stdin", "-v", "--timeout", "8s"]).run().await)
    });
    for (code, out) in futures_util::future::join_all(runs).await {
        out.expect_code(6)
            .expect_stderr_contains(&format!("close code {code} "))
            .expect_stderr_contains("protocol error: the server violated the protocol");
        assert!(
            out.stderr.contains(&format!("Closed by server: {code} ")),
            "the close line must show the code on the wire, not a substitute:\n{out}"
        );
        assert!(!out.stderr.contains("Closed by server: 1002"), "{out}");
    }
}

#[tokio::test]
async fn expect_close_1002_does_not_pass_on_a_substituted_code() {
    let server = RawServer::start(Reply::UpgradeThenSend(close_frame(&999u16.to_be_bytes()))).await;
    let out =
        connect(&server.url()).args(["--no-stdin", "--expect-close", "1002", "--timeout", "8s"]).run().await;
    out.expect_code(6).expect_stderr_contains("999");
}

#[tokio::test]
async fn a_one_byte_close_payload_is_a_violation() {
    let server = RawServer::start(Reply::UpgradeThenSend(close_frame(&[0x03]))).await;
    let out = connect(&server.url()).args(["--no-stdin", "--json", "--timeout", "8s"]).run().await;
    out.expect_code(6);
    let lines = json_lines(&out);
    let end = lines.iter().find(|l| l["type"] == "end").unwrap_or_else(|| panic!("no end event\n{out}"));
    assert_eq!(end["ending"], "violation", "{end}");
    assert_eq!(end["party"], "server", "{end}");
    assert!(end["rule"].as_str().unwrap().contains("1-byte"), "{end}");
    assert_eq!(end["bytes"], "Aw==", "the offending payload, base64: {end}");
}

#[tokio::test]
async fn invalid_utf8_names_the_close_frames_bytes_only_when_its_reason_is_what_broke_the_rule() {
    // A text message with invalid UTF-8, then a valid close frame, in one write: the client
    // reads both at once, and the violation is the message's, not the close frame's.
    let bad_text = vec![0x81, 0x02, 0xff, 0xfe];
    let valid_close = close_frame(&[0x03, 0xe8, b'o', b'k']);
    let bad_reason = close_frame(&[0x03, 0xe8, 0xff]);
    for (what, frames, bytes, rule) in [
        (
            "a text message",
            [bad_text, valid_close].concat(),
            "",
            "invalid UTF-8 in a text message (RFC 6455 §8.1)",
        ),
        (
            "a close reason",
            bad_reason,
            "A+j/",
            "a close reason that is not UTF-8: \"\\xff\" (RFC 6455 §5.5.1, §8.1)",
        ),
    ] {
        let server = RawServer::start(Reply::UpgradeThenSend(frames)).await;
        let out = connect(&server.url()).args(["--no-stdin", "--json", "--timeout", "8s"]).run().await;
        out.expect_code(6);
        let lines = json_lines(&out);
        let end = lines.iter().find(|l| l["type"] == "end").unwrap_or_else(|| panic!("no end event\n{out}"));
        assert_eq!(end["rule"], rule, "{what} is named: {end}");
        assert_eq!(end["bytes"], bytes, "{what}: {end}");
    }
}

#[tokio::test]
async fn a_server_that_closes_first_and_keeps_tcp_open_does_not_hang_the_client() {
    let server = RawServer::start(Reply::UpgradeThenSend(close_frame(&1000u16.to_be_bytes()))).await;
    // Without a bound on the wait for the TCP close, --timeout would end this with exit 7.
    let out = connect(&server.url()).args(["--no-stdin", "--json", "--timeout", "10s"]).run().await;
    out.expect_code(0);
    let lines = json_lines(&out);
    let end = lines.iter().find(|l| l["type"] == "end").unwrap_or_else(|| panic!("no end event\n{out}"));
    assert_eq!(end["ending"], "closed", "{end}");
    assert_eq!(end["party"], "server", "{end}");
    assert_eq!(end["code"], 1000, "{end}");
}

#[tokio::test]
async fn a_message_over_max_message_is_our_limit_closed_with_1009() {
    let size: usize = 2 << 20;
    let frame = move |req: &_, whole: bool| {
        let mut reply = upgrade_head(req, "");
        reply.extend_from_slice(&[0x82, 127]);
        reply.extend_from_slice(&(size as u64).to_be_bytes());
        // The header alone announces the size; the rest need not come before the client objects.
        reply.extend(std::iter::repeat_n(b'x', if whole { size } else { 0 }));
        reply
    };
    let server = CraftedServer::start(move |req| frame(req, false)).await;
    let out = connect(&server.url())
        .args(["--no-stdin", "--max-message", "1048576", "--timeout", "8s", "-v"])
        .run()
        .await;
    out.expect_code(6)
        .expect_stderr_contains("message too big")
        .expect_stderr_contains("--max-message")
        .expect_stderr_contains("Closed by client: 1009");
    assert!(!out.stderr.contains("protocol error"), "our limit is no protocol error of the server:\n{out}");
    // The server's task logs the close when it gets to read it: wait for that, bounded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.closes().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(server.closes(), vec![Some(1009)], "the server must receive a close with 1009\n{out}");

    // With no limit the same message is received whole.
    let server = CraftedServer::start(move |req| frame(req, true)).await;
    let out = connect(&server.url())
        .args(["--no-stdin", "--max-message", "0", "-n", "1", "--timeout", "8s", "-v"])
        .run()
        .await;
    out.expect_code(0).expect_stderr_contains(&format!("received 1 message ({size} bytes)"));
}

#[tokio::test]
async fn a_reset_and_a_fin_are_told_apart_in_json_and_verbose_output() {
    let server = RawServer::start(Reply::UpgradeThenReset(Vec::new())).await;
    let out = connect(&server.url()).args(["--no-stdin", "--json"]).run().await;
    out.expect_code(6);
    let lines = json_lines(&out);
    let end = lines.iter().find(|l| l["type"] == "end").unwrap_or_else(|| panic!("no end event\n{out}"));
    assert_eq!((end["ending"].as_str(), end["party"].as_str()), (Some("reset"), Some("server")), "{end}");

    // The built-in echo's idle timeout ends TCP with a FIN and no close frame.
    let out =
        connect("builtin:echo?idle-timeout=300ms").args(["--no-stdin", "-v", "--timeout", "20s"]).run().await;
    out.expect_code(6)
        .expect_stderr_contains("* Ended: the server closed the TCP connection without a close frame (1006)");
}

#[tokio::test]
async fn dead_heartbeats_end_the_connection_with_a_pong_deadline() {
    let out =
        connect("builtin:echo?no-pong").args(["--heartbeat", "100ms", "--json", "--no-stdin"]).run().await;
    out.expect_code(7);
    let lines = json_lines(&out);
    let end = lines.iter().find(|l| l["type"] == "end").unwrap_or_else(|| panic!("no end event\n{out}"));
    assert_eq!(
        (end["ending"].as_str(), end["deadline"].as_str()),
        (Some("timed_out"), Some("pong")),
        "{end}"
    );
    assert_eq!(end["party"], "server", "{end}");
}

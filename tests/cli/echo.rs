//! Sending and receiving: text, binary, --hex and --base64 round trips through `builtin:echo`
//! and a test echo server, stdin lines, 10 MiB messages, a 6 MiB base64 line and what large
//! lines print.

use tokio_tungstenite::tungstenite::Message;

use crate::support::{connect, WsServer};

#[tokio::test]
async fn builtin_echo_returns_text_messages_in_order() {
    connect("builtin:echo")
        .args(["-x", "hello", "-x", "world", "-n", "2"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("hello\nworld\n");
}

#[tokio::test]
async fn builtin_echo_returns_binary_as_lowercase_hex() {
    connect("builtin:echo")
        .args(["--binary", "-x", "AZ", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("415a\n");
}

#[tokio::test]
async fn builtin_echo_hex_round_trip() {
    connect("builtin:echo")
        .args(["--hex", "-x", "00FF10", "-x", "cafe", "-n", "2"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("00ff10\ncafe\n");
}

#[tokio::test]
async fn builtin_echo_base64_round_trip() {
    connect("builtin:echo")
        .args(["--base64", "-x", "AAEC/w==", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("000102ff\n");
}

#[tokio::test]
async fn text_reaches_the_server_as_text_frames() {
    let server = WsServer::echo().await;
    connect(&server.url())
        .args(["-x", "héllo", "-x", "", "-n", "2"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("héllo\n\n");
    let seen = server.finished().await;
    assert_eq!(seen.messages, vec![Message::text("héllo"), Message::text("")]);
}

#[tokio::test]
async fn binary_hex_and_base64_reach_the_server_as_binary_frames() {
    let cases: [(&[&str], &[u8], &str); 3] = [
        (&["--binary", "-x", "abc"], b"abc", "616263\n"),
        (&["--hex", "-x", "00ff7f"], &[0x00, 0xff, 0x7f], "00ff7f\n"),
        (&["--base64", "-x", "3q2+7w=="], &[0xde, 0xad, 0xbe, 0xef], "deadbeef\n"),
    ];
    for (args, sent, printed) in cases {
        let server = WsServer::echo().await;
        connect(&server.url()).args(args).args(["-n", "1"]).run().await.expect_code(0).expect_stdout(printed);
        let seen = server.finished().await;
        assert_eq!(seen.messages, vec![Message::binary(sent.to_vec())], "{args:?}");
    }
}

#[tokio::test]
async fn stdin_lines_follow_send_arguments() {
    let server = WsServer::echo().await;
    connect(&server.url())
        .args(["-x", "first", "-n", "3"])
        .stdin("second\r\nthird\n")
        .run()
        .await
        .expect_code(0)
        .expect_stdout("first\nsecond\nthird\n");
    let seen = server.finished().await;
    let texts = ["first", "second", "third"].map(Message::text).to_vec();
    assert_eq!(seen.messages, texts, "trailing CR/LF must be stripped");
}

#[tokio::test]
async fn no_stdin_leaves_stdin_unread() {
    let server = WsServer::echo().await;
    connect(&server.url())
        .args(["--no-stdin", "-x", "only", "-w", "300ms"])
        .stdin("not this\n")
        .run()
        .await
        .expect_code(0)
        .expect_stdout("only\n");
    let seen = server.finished().await;
    assert_eq!(seen.messages, vec![Message::text("only")]);
}

/// 10 MiB of printable text, different at every position modulo 26 * 7.
fn big_text() -> String {
    (0..10 * 1024 * 1024).map(|i: usize| (b'a' + ((i / 7 + i) % 26) as u8) as char).collect()
}

#[track_caller]
fn assert_same_large(actual: &[u8], expected: &[u8]) {
    assert_eq!(actual.len(), expected.len(), "output length differs");
    if let Some(at) = actual.iter().zip(expected).position(|(a, b)| a != b) {
        panic!("output differs from byte {at} on");
    }
}

#[tokio::test]
async fn ten_mib_text_message_round_trips_through_builtin_echo() {
    let text = big_text();
    let out = connect("builtin:echo").args(["-n", "1"]).stdin(format!("{text}\n")).run().await;
    out.expect_code(0);
    assert_same_large(&out.stdout_bytes, format!("{text}\n").as_bytes());
}

#[tokio::test]
async fn ten_mib_binary_message_round_trips_through_a_server() {
    let text = big_text();
    let server = WsServer::echo().await;
    let out = connect(&server.url()).args(["--binary", "-n", "1"]).stdin(format!("{text}\n")).run().await;
    out.expect_code(0);
    let seen = server.finished().await;
    match seen.messages.as_slice() {
        [Message::Binary(data)] => assert_same_large(data, text.as_bytes()),
        other => panic!("server expected one binary message, got {} messages", other.len()),
    }
    let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
    assert_same_large(&out.stdout_bytes, format!("{hex}\n").as_bytes());
}

#[tokio::test]
async fn a_six_mib_base64_line_with_whitespace_round_trips_and_prints_as_hex() {
    use base64::Engine;
    // Every byte value, in an order that is not a pattern.
    let mut x: u32 = 0x9E37_79B9;
    let data: Vec<u8> = (0..6 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let mut line = base64::engine::general_purpose::STANDARD.encode(&data).into_bytes();
    // Spaces and tabs inside the line (as wrapped base64 pasted onto one line has them).
    for at in [3 << 20, 1 << 20, 76] {
        line.insert(at, if at == 76 { b'\t' } else { b' ' });
    }
    line.push(b'\n');
    let server = WsServer::echo().await;
    let out = connect(&server.url()).args(["--base64", "-n", "1"]).stdin(line).run().await;
    out.expect_code(0);
    let seen = server.finished().await;
    match seen.messages.as_slice() {
        [Message::Binary(sent)] => assert_same_large(sent, &data),
        other => panic!("server expected one binary message, got {} messages", other.len()),
    }
    let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
    assert_same_large(&out.stdout_bytes, format!("{hex}\n").as_bytes());
}

#[tokio::test]
async fn a_large_text_message_is_printed_escaped_across_its_pieces() {
    // Multi-byte characters and controls at every offset, so that some straddle the points
    // where the output is cut into pieces.
    let text = "\r✓é\u{1b}[31m".repeat(200_000);
    let out = connect("builtin:echo").args(["-n", "1"]).stdin(format!("{text}\n")).run().await;
    out.expect_code(0);
    let shown = "\\r✓é\\x1b[31m".repeat(200_000);
    assert_same_large(&out.stdout_bytes, format!("{shown}\n").as_bytes());
}

#[tokio::test]
async fn a_bad_digit_far_into_a_hex_line_is_named_with_its_offset() {
    let mut line = "ab".repeat(100_000);
    line.replace_range(150_001..150_002, "x");
    let out = connect("builtin:echo").args(["--hex", "-n", "1"]).stdin(format!("{line}\n")).run().await;
    out.expect_code(2).expect_stderr_contains("stdin line 1: 'x' at byte 150001 is not a hex digit");
    assert!(out.stdout().is_empty(), "{out}");
}

//! Untrusted text from the server never reaches the terminal raw: control and bidi characters
//! are escaped, one message per line.

use crate::support::{connect, Script};

#[tokio::test]
async fn control_characters_in_received_text_are_escaped() {
    let server = Script::new()
        .send_text("a\x1b[31mb")
        .send_text("two\nlines\r")
        .send_text("tab\there")
        .send_text("\u{202e}evil")
        .close(1000, "")
        .start()
        .await;
    let out = connect(&server.url()).run().await;
    out.expect_code(0);
    assert!(!out.stdout_bytes.contains(&0x1b), "raw ESC on stdout\n{out}");
    assert!(!out.stdout().contains('\u{202e}'), "raw bidi override on stdout\n{out}");
    assert_eq!(out.stdout_lines(), [r"a\x1b[31mb", r"two\nlines\r", r"tab\there", r"\u{202e}evil"], "{out}");
}

#[tokio::test]
async fn frame_lines_escape_control_characters_too() {
    let server = Script::new().send_text("x\x1b]0;title\x07y").close(1000, "\x1b[2J").start().await;
    let out = connect(&server.url()).arg("-vv").run().await;
    out.expect_code(0);
    assert!(!out.stderr.contains('\x1b'), "raw ESC on stderr\n{out}");
    assert!(!out.stderr.contains('\x07'), "raw BEL on stderr\n{out}");
    assert!(!out.stdout_bytes.contains(&0x1b), "raw ESC on stdout\n{out}");
}

#[tokio::test]
async fn close_reason_in_errors_is_escaped() {
    let server = Script::new().close(1008, "no\x1b[31mred").start().await;
    let out = connect(&server.url()).run().await;
    out.expect_code(1)
        .expect_stderr_contains("error: server closed the connection with 1008 (policy violation): ");
    assert!(!out.stderr.contains('\x1b'), "raw ESC on stderr\n{out}");
}

#[tokio::test]
async fn a_line_break_in_a_close_reason_stays_escaped_in_the_error() {
    let server = Script::new().close(1008, "one\n  hint: two").start().await;
    let out = connect(&server.url()).run().await;
    out.expect_code(1).expect_stderr_contains("(policy violation): one\\n  hint: two");
    assert_eq!(out.stderr.lines().count(), 1, "the server's text starts no line of its own\n{out}");
}

#[tokio::test]
async fn printable_unicode_is_kept() {
    let server = Script::new().send_text("grüße, 日本, emoji 🎉").close(1000, "").start().await;
    connect(&server.url()).run().await.expect_code(0).expect_stdout("grüße, 日本, emoji 🎉\n");
}

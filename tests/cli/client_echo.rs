//! `connect --echo`: every data message received goes back unchanged, same type, same bytes.
//! (Autobahn's fuzzing server checks the rest in CI: .ci/autobahn-client.)

use tokio_tungstenite::tungstenite::Message;

use crate::support::{connect, Script};

#[tokio::test]
async fn every_message_goes_back_with_its_type_and_bytes() {
    let sent = vec![
        Message::text("one"),
        Message::binary(vec![0u8, 1, 2, 0xff, 0xfe]),
        Message::text("три ✓"),
        Message::binary(vec![7u8; 70_000]),
        Message::text(""),
    ];
    let mut script = Script::new();
    for m in &sent {
        script = script.send(m.clone());
    }
    let server = script.start().await;
    // -n 5: after the fifth message wsdiag closes, behind its five echoes.
    let out = connect(&server.url()).args(["--echo", "-n", "5", "--json"]).run().await;
    out.expect_code(0);
    let seen = server.finished().await;
    assert!(seen.messages == sent, "the echoes differ from what was sent: {:?}", seen.messages.len());
    assert_eq!(seen.closes, vec![Some((1000, String::new()))]);
}

#[tokio::test]
async fn echo_does_not_read_stdin_and_refuses_echo_rtt() {
    let server = Script::new().send_text("ping me").start().await;
    let out = connect(&server.url()).args(["--echo", "-n", "1"]).stdin("not a message\n").run().await;
    out.expect_code(0).expect_stdout("ping me\n");
    let seen = server.finished().await;
    assert_eq!(seen.messages, vec![Message::text("ping me")]);

    connect("builtin:echo")
        .args(["--echo", "--echo-rtt"])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("--echo-rtt");
}

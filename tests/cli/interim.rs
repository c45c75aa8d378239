//! Interim replies before the 101 (RFC 9110 §15.2): a server or CDN that sends `100 Continue`
//! or `103 Early Hints` first is followed to its final response, and each interim head is
//! shown (`-v`, JSON, handshake-inspect's transcript and a check).

use crate::support::crafted::{upgrade_head, CraftedServer, Request};
use crate::support::{check_line, connect, handshake_inspect, json_lines, RawServer, Reply};

const EARLY_HINTS: &str = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";

/// A server that sends `interim` heads, then a correct 101 and a text frame "hello".
async fn interim_then_101(interim: &'static str) -> CraftedServer {
    CraftedServer::start(move |req: &Request| {
        let mut reply = interim.as_bytes().to_vec();
        reply.extend_from_slice(&upgrade_head(req, ""));
        reply.extend_from_slice(b"\x81\x05hello");
        reply
    })
    .await
}

#[tokio::test]
async fn an_interim_103_is_skipped_and_the_101_judged() {
    let server = interim_then_101(EARLY_HINTS).await;
    let out = connect(&server.url()).args(["-n", "1", "-v"]).run().await;
    out.expect_code(0)
        .expect_stderr_contains("< HTTP/1.1 103 Early Hints\n< Link: </style.css>; rel=preload\n")
        .expect_stderr_contains("* Interim reply 103 skipped")
        .expect_stderr_contains("< HTTP/1.1 101 Switching Protocols\n");
    assert_eq!(out.stdout(), "hello\n", "the first frame is a message, not a body\n{out}");
    assert!(!out.stderr.contains("\\x81"), "the frame is not shown as the 103's body\n{out}");
}

#[tokio::test]
async fn each_interim_head_is_an_event_before_the_response() {
    let server =
        interim_then_101("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.js>\r\n\r\n")
            .await;
    let out = connect(&server.url()).args(["-n", "1", "--json"]).run().await;
    out.expect_code(0);
    let all = json_lines(&out);
    let kinds: Vec<&str> =
        all.iter().filter_map(|e| e["type"].as_str()).filter(|t| t.contains("response")).collect();
    assert_eq!(kinds, ["interim_response", "interim_response", "handshake_response"], "{out}");
    let interim: Vec<&serde_json::Value> = all.iter().filter(|e| e["type"] == "interim_response").collect();
    assert_eq!((interim[0]["status"].as_u64(), interim[1]["status"].as_u64()), (Some(100), Some(103)));
    assert_eq!(interim[1]["headers"][0][0], "Link", "{out}");
    assert_eq!(interim[1]["dir"], "in");
    let response = all.iter().find(|e| e["type"] == "handshake_response").unwrap();
    assert_eq!(response["status"], 101, "{out}");
}

#[tokio::test]
async fn handshake_inspect_shows_the_interim_head_and_notes_it() {
    let server = interim_then_101(EARLY_HINTS).await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(0).expect_stdout_contains(
        "< HTTP/1.1 103 Early Hints\n< Link: </style.css>; rel=preload\n<\n< HTTP/1.1 101 Switching Protocols\n",
    );
    let (level, message) = check_line(&out, "interim");
    assert_eq!(level, "warn", "{out}");
    assert!(message.contains("1 interim reply before the final response (103 Early Hints)"), "{out}");
    assert_eq!(check_line(&out, "status").0, "pass", "the final response is judged\n{out}");

    let out = handshake_inspect(&server.url()).arg("--json").run().await;
    let doc: serde_json::Value = serde_json::from_str(out.stdout().trim()).expect("one JSON document");
    let response = &doc["hops"][0]["response"];
    assert_eq!(response["status"], 101, "{out}");
    assert_eq!(response["interim"][0]["status"], 103, "{out}");
}

#[tokio::test]
async fn an_interim_reply_then_a_refusal_is_the_refusal() {
    let reply = format!("{EARLY_HINTS}HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\ngo away");
    let server = RawServer::start(Reply::Canned(reply.into_bytes())).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(5)
        .expect_stderr_contains("error: handshake rejected: HTTP 403 Forbidden\n")
        .expect_stderr_contains("  body: go away");
}

#[tokio::test]
async fn interim_replies_without_an_end_are_bounded() {
    let server = RawServer::start(Reply::Canned(EARLY_HINTS.as_bytes().to_vec())).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains(
        "error: invalid handshake response: the server sent an interim 103 Early Hints and closed before its final response",
    );
    let flood = "HTTP/1.1 100 Continue\r\n\r\n".repeat(40);
    let server = RawServer::start(Reply::Canned(flood.into_bytes())).await;
    let out = connect(&server.url()).args(["-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains("more than 16 interim (1xx) responses before the final one");
}

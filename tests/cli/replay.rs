//! `wsdiag replay`: HAR exports shaped like Chrome's and Firefox's and wsdiag's own record,
//! replayed against the built-in echo server, a Python `websockets` server whose reply
//! changed, and a scripted server that shows what the replay sent; pacing; bad files.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::interop;
use crate::support::served::serve;
use crate::support::{wsdiag, Script};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/replay").join(name).display().to_string()
}

#[tokio::test]
async fn browser_hars_replay_against_the_echo_server() {
    let out = wsdiag(["replay", &fixture("chrome.har"), "builtin:echo"]).run().await;
    out.expect_code(0).expect_stdout(
        "entry 1 (builtin:echo): 4 messages as recorded: 2 sent, 2 matched\n\
         entry 2 (builtin:echo): 2 messages as recorded: 1 sent, 1 matched\n",
    );
    let out = wsdiag(["replay", &fixture("firefox.har"), "builtin:echo"]).run().await;
    out.expect_code(0).expect_stdout("entry 1 (builtin:echo): 4 messages as recorded: 2 sent, 2 matched\n");
    // One entry, by number or by URL.
    let out = wsdiag(["replay", &fixture("chrome.har"), "builtin:echo", "--entry", "2"]).run().await;
    out.expect_code(0).expect_stdout("entry 2 (builtin:echo): 2 messages as recorded: 1 sent, 1 matched\n");
    let out =
        wsdiag(["replay", &fixture("chrome.har"), "builtin:echo", "--url-match", "/socket"]).run().await;
    out.expect_code(0).expect_stdout("entry 1 (builtin:echo): 4 messages as recorded: 2 sent, 2 matched\n");
}

#[tokio::test]
async fn a_har_replays_over_http2_with_the_connection_flags_connect_has() {
    let server = serve(["echo", "--json", "--max-runtime", "30s"]).await;
    let url = server.url();
    let out =
        wsdiag(["replay", &fixture("chrome.har"), &url, "--entry", "1", "--http2-prior-knowledge", "-v"])
            .run()
            .await;
    out.expect_code(0)
        .expect_stdout_contains(&format!("entry 1 ({url}): 4 messages as recorded: 2 sent, 2 matched\n"))
        .expect_stderr_contains(":protocol: websocket")
        .expect_stderr_contains(":status: 200");
    // The server saw an HTTP/2 stream, not an HTTP/1.1 upgrade.
    let log = server.stdout();
    assert!(log.contains(r#""protocol":"h2c""#), "{log}");
}

#[tokio::test]
async fn the_recorded_request_is_sent_again_with_a_fresh_handshake_and_masked_in_output() {
    let server = Script::echo().start().await;
    let url = format!("ws://127.0.0.1:{}/again", server.port());
    let out = wsdiag(["replay", &fixture("firefox.har"), &url, "-v", "--color", "never"]).run().await;
    out.expect_code(0).expect_stderr_contains("> Authorization: Bearer ***").expect_stderr_contains(
        "entry 1: dropped Host, Sec-WebSocket-Version, Sec-WebSocket-Key, Connection, Upgrade",
    );
    assert!(!out.stderr.contains("secret-token"), "{out}");
    let req = &server.seen().requests[0];
    assert_eq!(req.target, "/again");
    assert_eq!(req.header("Authorization"), Some("Bearer secret-token"));
    assert_eq!(req.header("Origin"), Some("https://chat.example.com"));
    assert_ne!(req.header("Sec-WebSocket-Key"), Some("x3JJHMbDL1EzLkh9GBhXDw=="));
    let out = wsdiag(["replay", &fixture("firefox.har"), &url, "-v", "--show-secrets"]).run().await;
    out.expect_code(0).expect_stderr_contains("> Authorization: Bearer secret-token");
}

#[tokio::test]
async fn a_changed_reply_fails_with_the_divergence_unless_ignored() {
    let Some(server) = interop::start_changing(r#"{"op":"time","ts":1}"#, r#"{"op":"time","ts":2}"#).await
    else {
        return;
    };
    let url = server.url();
    let out = wsdiag(["replay", &fixture("chrome.har"), &url, "--entry", "1"]).run().await;
    let head =
        format!("entry 1 ({url}): message 4 of 4 (from the server, 0.061 s into the recording) differs");
    out.expect_code(1)
        .expect_stdout_contains(&head)
        .expect_stdout_contains("  recorded: \"{\\\"op\\\":\\\"time\\\",\\\"ts\\\":1}\"")
        .expect_stdout_contains("  /ts: 1 → 2")
        .expect_stdout_contains("  after it: 0 more messages: 0 sent, 0 matched");
    let out =
        wsdiag(["replay", &fixture("chrome.har"), &url, "--entry", "1", "--report", "json"]).run().await;
    out.expect_code(1);
    let doc: Value = serde_json::from_str(out.stdout().trim()).expect("one JSON document");
    assert_eq!(doc["exit"], 1);
    let entry = &doc["entries"][0];
    assert_eq!((entry["matched"].as_u64(), entry["diverged"].as_u64()), (Some(1), Some(1)));
    let first = &entry["first_divergence"];
    assert_eq!(first["message"], 4);
    assert_eq!(first["why"], "json");
    assert_eq!(first["differences"][0]["pointer"], "/ts");
    assert_eq!(first["received"]["text"], r#"{"op":"time","ts":2}"#);
    for rule in [["--ignore", "/ts"], ["--match-regex", r#""ts":\d+"#]] {
        let out = wsdiag(["replay", &fixture("chrome.har"), &url, "--entry", "1"]).args(rule).run().await;
        out.expect_code(0);
    }
}

#[tokio::test]
async fn a_reply_that_never_comes_fails_after_its_bound() {
    let record = tempfile::NamedTempFile::new().unwrap();
    let text = r#"{"type":"recording","version":1,"url":"builtin:echo","side":"client","t":0,"conn":0}
{"type":"handshake_request","method":"GET","path":"/","headers":[["Host","x"]],"t":0,"conn":0}
{"type":"message","dir":"out","kind":"text","data":{"text":"a"},"t":0.1,"conn":0}
{"type":"message","dir":"in","kind":"text","data":{"text":"a"},"t":0.11,"conn":0}
{"type":"message","dir":"in","kind":"text","data":{"text":"pushed"},"t":0.12,"conn":0}
{"type":"message","dir":"out","kind":"text","data":{"text":"b"},"t":0.2,"conn":0}
"#;
    std::fs::write(record.path(), text).unwrap();
    let path = record.path().to_str().unwrap();
    let out = wsdiag(["replay", path, "--reply-timeout", "300ms"]).run().await;
    out.expect_code(1)
        .expect_stdout_contains("recording (builtin:echo): message 3 of 4 (from the server, 0.020 s into the recording) is missing: nothing came within 0.3")
        .expect_stdout_contains("  recorded: \"pushed\"")
        .expect_stdout_contains("  after it: 1 more messages: 0 sent, 0 matched, 1 not reached");
}

#[tokio::test]
async fn connect_record_then_replay_round_trips_with_secrets_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.ndjson");
    let file = file.to_str().unwrap();
    let out = wsdiag(["connect", "builtin:echo", "-x", "hi", "-x", "{\"n\":1}", "-n", "2", "--record", file])
        .args(["-H", "Cookie: k=v"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("hi\n{\"n\":1}\n");
    let text = std::fs::read_to_string(file).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "recording");
    assert_eq!(first["version"], 1);
    assert_eq!(first["url"], "builtin:echo");
    assert!(text.contains(r#"["Cookie","k=v"]"#), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let out = wsdiag(["replay", file, "-v", "--color", "never"]).run().await;
    out.expect_code(0)
        .expect_stdout_contains("recording (builtin:echo): 4 messages as recorded: 2 sent, 2 matched")
        .expect_stderr_contains("> Cookie: ***");
    // Against a server that shows what was sent.
    let server = Script::echo().start().await;
    let out = wsdiag(["replay", file, &format!("ws://127.0.0.1:{}/", server.port())]).run().await;
    out.expect_code(0);
    assert_eq!(server.seen().requests[0].header("Cookie"), Some("k=v"));
    // Binary messages too.
    let out = wsdiag(["connect", "builtin:echo", "-x", "3q2+7w==", "--base64", "-n", "1", "--record", file])
        .run()
        .await;
    out.expect_code(0);
    let out = wsdiag(["replay", file, "--report", "json"]).run().await;
    out.expect_code(0).expect_stdout_contains(r#""matched":1"#);
}

/// Two client messages recorded 1 s apart.
fn gap_recording() -> tempfile::NamedTempFile {
    let record = tempfile::NamedTempFile::new().unwrap();
    let text = r#"{"type":"recording","version":1,"url":"builtin:echo","side":"client","t":0,"conn":0}
{"type":"handshake_request","method":"GET","path":"/","headers":[],"t":0,"conn":0}
{"type":"message","dir":"out","kind":"text","data":{"text":"a"},"t":0.5,"conn":0}
{"type":"message","dir":"out","kind":"text","data":{"text":"b"},"t":1.5,"conn":0}
"#;
    std::fs::write(record.path(), text).unwrap();
    record
}

#[tokio::test]
async fn the_recorded_gap_is_kept_and_speed_shortens_it() {
    let record = gap_recording();
    let path = record.path().to_str().unwrap();
    let out = wsdiag(["replay", path]).run().await;
    out.expect_code(0);
    assert!(out.elapsed >= Duration::from_secs(1), "{:?}", out.elapsed);
    let out = wsdiag(["replay", path, "--speed", "4"]).run().await;
    out.expect_code(0);
    assert!(out.elapsed >= Duration::from_millis(250), "{:?}", out.elapsed);
    let out = wsdiag(["replay", path, "--speed", "0"]).run().await;
    out.expect_code(0);
    assert!(out.elapsed < Duration::from_secs(1), "{:?}", out.elapsed);
}

#[tokio::test]
async fn bad_recordings_and_flags_are_usage_errors_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    let har = std::fs::read_to_string(fixture("chrome.har")).unwrap();
    let truncated = write("cut.har", &har[..har.len() / 2]);
    let no_ws = write("none.har", r#"{"log":{"entries":[{"request":{"url":"https://a/"}}]}}"#);
    let bad_json = write(
        "bad.ndjson",
        "{\"type\":\"recording\",\"version\":1,\"url\":\"builtin:echo\"}\n{\"type\": nope}\n",
    );
    let cases = [
        (truncated.clone(), vec![], format!("{truncated}: line ")),
        (truncated, vec![], "the JSON ends early (is the file truncated?)".to_string()),
        (no_ws.clone(), vec![], format!("{no_ws}: log.entries: no WebSocket entries among 1")),
        (bad_json.clone(), vec![], format!("{bad_json}: line 2, column 11: not valid JSON")),
        ("/nonexistent/x.har".into(), vec![], "/nonexistent/x.har: cannot read the recording".into()),
        (fixture("chrome.har"), vec!["--entry", "3"], "--entry 3: ".into()),
        (fixture("chrome.har"), vec!["--url-match", "nothing"], "none of the 2 WebSocket entries".into()),
        (fixture("chrome.har"), vec!["--ignore", "ts"], "--ignore 'ts' is not a JSON pointer".into()),
        (fixture("chrome.har"), vec!["--speed", "-1"], "--speed -1 must be 0 or a positive number".into()),
        (fixture("chrome.har"), vec!["--match-regex", "("], "--match-regex '(' is not a valid regex".into()),
    ];
    for (file, extra, says) in cases {
        let out = wsdiag(["replay", &file, "builtin:echo"]).args(extra).run().await;
        out.expect_code(2).expect_stderr_contains(&says);
        assert_eq!(out.stdout(), "", "{out}");
    }
}

/// A recording with a reply, a server-initiated message 1 s later, and a last exchange.
const MOCK: &str = r#"{"type":"recording","version":1,"url":"ws://127.0.0.1:9/","side":"client","t":0,"conn":0}
{"type":"handshake_request","method":"GET","path":"/","headers":[],"t":0,"conn":0}
{"type":"message","dir":"out","kind":"text","data":{"text":"hello"},"t":0.1,"conn":0}
{"type":"message","dir":"in","kind":"text","data":{"text":"{\"hello\":\"client\"}"},"t":0.11,"conn":0}
{"type":"message","dir":"in","kind":"binary","data":{"bytes":"3q2+7w=="},"t":1.11,"conn":0}
{"type":"message","dir":"out","kind":"text","data":{"text":"bye"},"t":1.2,"conn":0}
{"type":"message","dir":"in","kind":"text","data":{"text":"bye"},"t":1.21,"conn":0}
"#;

/// A Python `websockets` client: sends `first`, then prints what comes and answers "bye" to
/// the binary message.
const CLIENT: &str = r#"
import sys
from websockets.sync.client import connect
with connect(sys.argv[1]) as ws:
    ws.send(sys.argv[2])
    for _ in range(3):
        m = ws.recv(timeout=5)
        print(repr(m), flush=True)
        if isinstance(m, bytes):
            ws.send("bye")
"#;

async fn python_client(url: &str, first: &str) -> Option<std::process::Output> {
    let python = interop::python();
    if !python.exists() {
        crate::support::skip::missing_peer(
            "Python with `websockets` (WSDIAG_TEST_PYTHON) for listen --replay",
        );
        return None;
    }
    let run =
        tokio::process::Command::new(python).args(["-c", CLIENT, url, first]).kill_on_drop(true).output();
    Some(tokio::time::timeout(Duration::from_secs(20), run).await.expect("the client finished").expect("ran"))
}

#[tokio::test]
async fn listen_replay_serves_the_recording_to_a_python_client() {
    let record = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(record.path(), MOCK).unwrap();
    let path = record.path().to_str().unwrap();
    let server =
        crate::support::served::serve(["listen", "--replay", path, "--once", "--max-runtime", "20s"]).await;
    let Some(client) = python_client(&server.url(), "hello").await else { return };
    let said = String::from_utf8_lossy(&client.stdout).into_owned();
    assert_eq!(said, "'{\"hello\":\"client\"}'\nb'\\xde\\xad\\xbe\\xef'\n'bye'\n", "{client:?}");
    let out = server.finish().await;
    out.expect_code(0);
    // A client that deviates: logged with the divergence, its outcome a failed check.
    let server =
        crate::support::served::serve(["listen", "--replay", path, "--once", "--max-runtime", "20s"]).await;
    let Some(_) = python_client(&server.url(), "hi").await else { return };
    let out = server.finish().await;
    out.expect_code(1)
        .expect_stderr_contains(
            "message 1 of 5 (to the server, 0.000 s into the recording) differs: other text",
        )
        .expect_stderr_contains("recorded: \"hello\"; received: \"hi\"");
}

#[tokio::test]
async fn listen_record_keeps_the_first_client_for_replay() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.ndjson");
    let file = file.to_str().unwrap();
    let server =
        crate::support::served::serve(["listen", "--record", file, "--once", "--max-runtime", "20s"]).await;
    let url = format!("{}chat?x=1", server.url());
    let out = wsdiag(["connect", &url, "-x", "hello", "-x", "{\"a\":1}", "-H", "Cookie: z=1", "-w", "200ms"])
        .run()
        .await;
    out.expect_code(0);
    server.finish().await.expect_code(0);
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with(r#"{"type":"recording","version":1,"url":null,"side":"server""#), "{text}");
    // The recorded client, replayed against another server: its request and messages again.
    let echo = Script::echo().start().await;
    let out = wsdiag(["replay", file, &format!("ws://127.0.0.1:{}/chat?x=1", echo.port())]).run().await;
    out.expect_code(0).expect_stdout_contains("2 messages as recorded: 2 sent, 0 matched");
    assert_eq!(echo.seen().requests[0].header("Cookie"), Some("z=1"));
    assert_eq!(echo.seen().requests[0].target, "/chat?x=1");
}

#[tokio::test]
async fn json_output_ends_with_the_replay_document_and_usage_errors_with_the_error() {
    let out = wsdiag(["replay", &fixture("firefox.har"), "builtin:echo", "--json"]).run().await;
    out.expect_code(0);
    let lines = out.stdout_lines();
    let last: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!((last["type"].as_str(), last["exit"].as_u64()), (Some("replay"), Some(0)));
    let messages = lines.iter().filter(|l| l.contains(r#""type":"message""#)).count();
    assert_eq!(messages, 4, "{out}");
    let out = wsdiag(["replay", "/nonexistent.har", "--json"]).run().await;
    out.expect_code(2);
    let last: Value = serde_json::from_str(out.stdout_lines().last().unwrap()).unwrap();
    assert_eq!((last["type"].as_str(), last["exit"].as_u64()), (Some("error"), Some(2)));
}

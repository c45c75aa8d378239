//! --json: NDJSON on stdout, every line an event with "type", "t" and "conn", the fields each
//! type promises, and the summary last.

use serde_json::Value;

use crate::support::{
    closed_port_url, connect, http_response, json_lines, wsdiag, Output, RawServer, Reply, Script,
};

/// Checks the fields common to every event and that the summary comes last, exactly once.
#[track_caller]
fn events(out: &Output) -> Vec<Value> {
    let events = json_lines(out);
    assert!(!events.is_empty(), "no JSON on stdout\n{out}");
    let mut last_t = 0.0;
    for e in &events {
        assert!(e["type"].is_string(), "no \"type\": {e}");
        let t = e["t"].as_f64().unwrap_or_else(|| panic!("no numeric \"t\": {e}"));
        assert!(t >= last_t, "\"t\" went backwards at {e}");
        last_t = t;
        assert_eq!(e["conn"].as_u64(), Some(0), "\"conn\" is 0 for connect: {e}");
    }
    let summaries = events.iter().filter(|e| e["type"] == "summary").count();
    assert_eq!(summaries, 1, "one summary expected\n{out}");
    assert_eq!(events.last().unwrap()["type"], "summary", "summary is last\n{out}");
    events
}

#[track_caller]
fn of_type<'a>(events: &'a [Value], ty: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == ty).collect()
}

#[track_caller]
fn position(events: &[Value], ty: &str) -> usize {
    events.iter().position(|e| e["type"] == ty).unwrap_or_else(|| panic!("no {ty} event in {events:#?}"))
}

fn header<'a>(event: &'a Value, name: &str) -> Option<&'a str> {
    event["headers"].as_array()?.iter().find_map(|pair| {
        let pair = pair.as_array()?;
        let n = pair.first()?.as_str()?;
        n.eq_ignore_ascii_case(name).then(|| pair.get(1)?.as_str()).flatten()
    })
}

#[tokio::test]
async fn a_full_session_reports_every_event_with_its_fields() {
    let out = connect("builtin:echo").args(["--json", "--frames", "-x", "hello", "-n", "1"]).run().await;
    out.expect_code(0);
    let events = events(&out);
    let order = ["handshake_request", "handshake_response", "open", "message", "close", "summary"];
    let positions: Vec<usize> = order.iter().map(|ty| position(&events, ty)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "order {order:?}: {positions:?}");

    let req = of_type(&events, "handshake_request")[0];
    assert_eq!(req["method"], "GET");
    assert_eq!(req["path"], "/");
    let raw = req["raw"].as_str().expect("raw is a string");
    assert!(raw.starts_with("GET / HTTP/1.1\r\n") && raw.ends_with("\r\n\r\n"), "{raw:?}");
    assert!(header(req, "sec-websocket-key").is_some(), "{req}");
    assert_eq!(header(req, "upgrade").map(str::to_ascii_lowercase).as_deref(), Some("websocket"));

    let resp = of_type(&events, "handshake_response")[0];
    assert_eq!(resp["status"], 101);
    assert_eq!(resp["reason"], "Switching Protocols");
    assert!(resp["raw"].as_str().unwrap_or_default().starts_with("HTTP/1.1 101 "), "{resp}");
    assert!(header(resp, "sec-websocket-accept").is_some(), "{resp}");
    assert!(resp.get("body").is_none_or(Value::is_null), "no body on 101: {resp}");

    let open = of_type(&events, "open")[0];
    assert!(open["subprotocol"].is_null(), "{open}");
    for key in ["tcp_ms", "upgrade_ms"] {
        assert!(open["timings"][key].is_number(), "open.timings.{key}: {open}");
    }
    // An IP literal needs no DNS and ws:// no TLS: those phases may be null.
    for key in ["dns_ms", "tls_ms"] {
        assert!(open["timings"].get(key).is_some(), "open.timings.{key}: {open}");
    }

    let incoming: Vec<&Value> =
        of_type(&events, "message").into_iter().filter(|m| m["dir"] == "in").collect();
    assert_eq!(incoming.len(), 1, "{events:#?}");
    let msg = incoming[0];
    assert_eq!(msg["kind"], "text");
    assert_eq!(msg["len"], 5);
    assert_eq!(msg["data"]["text"], "hello");

    let frames = of_type(&events, "frame");
    let out_text =
        frames.iter().find(|f| f["dir"] == "out" && f["opcode"] == "text").expect("outgoing text frame");
    assert_eq!(out_text["fin"], true);
    let rsv = out_text["rsv"].as_array().expect("rsv is an array");
    assert_eq!(rsv.len(), 3, "{out_text}");
    assert!(rsv.iter().all(|b| *b == false || *b == 0), "rsv bits clear: {out_text}");
    assert_eq!(out_text["opcode_raw"], 1);
    assert_eq!(out_text["masked"], true);
    assert_eq!(out_text["len"], 5);
    assert_eq!(out_text["data"]["text"], "hello");
    assert_eq!(out_text["truncated"], false);
    let in_text =
        frames.iter().find(|f| f["dir"] == "in" && f["opcode"] == "text").expect("incoming text frame");
    assert_eq!(in_text["masked"], false);
    let out_close = frames.iter().find(|f| f["dir"] == "out" && f["opcode"] == "close").expect("close frame");
    assert_eq!(out_close["opcode_raw"], 8);
    assert_eq!(out_close["code"], 1000);

    let close = of_type(&events, "close")[0];
    assert_eq!(close["by"], "client");
    assert_eq!(close["code"], 1000);
    assert!(close["reason"].is_string() && close["name"].is_string(), "{close}");

    let summary = events.last().unwrap();
    assert_eq!(summary["exit"], 0);
    assert!(summary["duration_s"].is_number(), "{summary}");
    assert_eq!(summary["sent"]["messages"], 1);
    assert_eq!(summary["sent"]["bytes"], 5);
    assert_eq!(summary["received"]["messages"], 1);
    assert_eq!(summary["received"]["bytes"], 5);
    assert!(summary["pings"].is_object(), "{summary}");
    assert!(summary.get("close").is_some(), "{summary}");
}

#[tokio::test]
async fn frames_appear_only_with_frames_or_vv() {
    let out = connect("builtin:echo").args(["--json", "-x", "a", "-n", "1"]).run().await;
    out.expect_code(0);
    assert!(of_type(&events(&out), "frame").is_empty(), "{out}");
    let out = connect("builtin:echo").args(["--json", "-vv", "-x", "a", "-n", "1"]).run().await;
    out.expect_code(0);
    assert!(!of_type(&events(&out), "frame").is_empty(), "{out}");
}

#[tokio::test]
async fn binary_messages_carry_base64_bytes() {
    let out = connect("builtin:echo").args(["--json", "--hex", "-x", "00ff", "-n", "1"]).run().await;
    out.expect_code(0);
    let events = events(&out);
    let msg = of_type(&events, "message").into_iter().find(|m| m["dir"] == "in").expect("incoming message");
    assert_eq!(msg["kind"], "binary");
    assert_eq!(msg["len"], 2);
    assert_eq!(msg["data"]["bytes"], "AP8=");
}

#[tokio::test]
async fn large_messages_are_whole_json_values_both_ways() {
    // Past the size from which payloads are written in pieces: text with characters JSON
    // escapes and multi-byte ones straddling the pieces, and binary of every byte value.
    let text = "\"q\" \\ é ✓ \u{1} ".repeat(50_000);
    let bytes: Vec<u8> = (0..300_001).map(|i: usize| (i * 131 % 256) as u8).collect();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // --record writes them the same way: each is one line of the file, and replays.
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("large.ndjson");
    let record = record.to_str().unwrap();
    let recorded = |out: &Output| {
        let file = std::fs::read_to_string(record).unwrap_or_else(|e| panic!("{record}: {e}\n{out}"));
        let events: Vec<serde_json::Value> = file
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:.200}")))
            .collect();
        events.into_iter().filter(|e| e["type"] == "message").collect::<Vec<_>>()
    };
    let out = connect("builtin:echo")
        .args(["--json", "-n", "1", "--record", record])
        .stdin(format!("{text}\n"))
        .run()
        .await;
    out.expect_code(0);
    let all = events(&out);
    let messages = of_type(&all, "message");
    assert_eq!(messages.len(), 2, "{out}");
    for m in &messages {
        assert_eq!(m["data"]["text"].as_str(), Some(text.as_str()), "the {} message differs", m["dir"]);
        assert_eq!(m["len"], text.len());
    }
    assert_eq!(recorded(&out).iter().collect::<Vec<_>>(), messages, "the recording's messages differ");
    wsdiag(["replay", record]).run().await.expect_code(0).expect_stdout_contains("1 sent, 1 matched");
    let out = connect("builtin:echo")
        .args(["--json", "--hex", "-n", "1", "--record", record])
        .stdin(format!("{hex}\n"))
        .run()
        .await;
    out.expect_code(0);
    use base64::Engine;
    let want = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let all = events(&out);
    let messages = of_type(&all, "message");
    assert_eq!(messages.len(), 2, "{out}");
    for m in &messages {
        assert_eq!(m["data"]["bytes"].as_str(), Some(want.as_str()), "the {} message differs", m["dir"]);
    }
    assert_eq!(recorded(&out).iter().collect::<Vec<_>>(), messages, "the recording's messages differ");
    wsdiag(["replay", record]).run().await.expect_code(0).expect_stdout_contains("1 sent, 1 matched");
}

#[tokio::test]
async fn pings_and_pongs_are_reported() {
    let out = connect("builtin:echo").args(["--json", "--ping-interval", "100ms", "-w", "700ms"]).run().await;
    out.expect_code(0);
    let events = events(&out);
    let pongs = of_type(&events, "pong");
    let pong = pongs.iter().find(|p| p["dir"] == "in").unwrap_or_else(|| panic!("no incoming pong\n{out}"));
    assert!(pong["seq"].is_u64(), "{pong}");
    assert!(pong["rtt_ms"].is_number(), "{pong}");
    assert!(of_type(&events, "ping").iter().any(|p| p["dir"] == "out"), "{out}");
    let pings = &events.last().unwrap()["pings"];
    assert!(pings["sent"].as_u64().unwrap_or(0) >= 1, "{pings}");
    assert!(pings["min_ms"].is_number() && pings["max_ms"].is_number(), "{pings}");
}

#[tokio::test]
async fn server_close_is_reported_with_code_reason_and_name() {
    let server = Script::new().close(1008, "bad").start().await;
    let out = connect(&server.url()).arg("--json").run().await;
    out.expect_code(1).expect_stderr_contains("error: server closed the connection with 1008");
    let events = events(&out);
    let close = of_type(&events, "close")[0];
    assert_eq!(close["by"], "server");
    assert_eq!(close["code"], 1008);
    assert_eq!(close["reason"], "bad");
    assert_eq!(close["name"], "policy violation");
    assert_eq!(events.last().unwrap()["exit"], 1);
}

#[tokio::test]
async fn connect_failure_is_an_error_event_and_human_stderr() {
    let out = connect(&closed_port_url()).args(["--json", "-x", "a", "-n", "1"]).run().await;
    out.expect_code(3).expect_stderr_contains("error:");
    let events = events(&out);
    let error = of_type(&events, "error");
    assert_eq!(error.len(), 1, "{out}");
    assert_eq!(error[0]["exit"], 3);
    assert!(error[0]["message"].is_string(), "{out}");
    assert_eq!(events.last().unwrap()["exit"], 3);
}

#[tokio::test]
async fn rejected_handshake_reports_status_and_body() {
    let reply = http_response("403 Forbidden", "go away");
    let server = RawServer::start(Reply::Canned(reply)).await;
    let out = connect(&server.url()).args(["--json", "-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains("error: handshake rejected: HTTP 403 Forbidden");
    let events = events(&out);
    let resp = of_type(&events, "handshake_response")[0];
    assert_eq!(resp["status"], 403);
    assert_eq!(resp["reason"], "Forbidden");
    // The body is text, either bare or as {"text": ...} like message data.
    let body = resp["body"]["text"].as_str().or(resp["body"].as_str());
    assert!(body.unwrap_or_default().contains("go away"), "{resp}");
    assert_eq!(events.last().unwrap()["exit"], 5);
}

#[tokio::test]
async fn long_frame_payloads_are_truncated_but_messages_are_whole() {
    let long = "z".repeat(5000);
    let out = connect("builtin:echo").args(["--json", "--frames", "-x", &long, "-n", "1"]).run().await;
    out.expect_code(0);
    let events = events(&out);
    let frame = of_type(&events, "frame")
        .into_iter()
        .find(|f| f["dir"] == "in" && f["opcode"] == "text")
        .unwrap_or_else(|| panic!("no incoming text frame\n{out}"));
    assert_eq!(frame["len"], 5000, "full length kept: {frame}");
    assert_eq!(frame["truncated"], true, "{frame}");
    let preview = frame["data"]["text"].as_str().unwrap_or_default();
    assert!(preview.len() < 5000, "frame payload not truncated: {frame}");
    let msg = of_type(&events, "message")
        .into_iter()
        .find(|m| m["dir"] == "in")
        .unwrap_or_else(|| panic!("no incoming message\n{out}"));
    assert_eq!(msg["data"]["text"].as_str(), Some(long.as_str()), "message data is whole");
}

/// Every run ends with a line that carries the exit code: `summary` for `connect`, `listen` and
/// `echo`, the `error` for `handshake-inspect` and `heartbeat-probe`; usage errors (found by
/// wsdiag or by the argument parser) too, whenever `--json` is on the command line.
#[tokio::test]
async fn json_keeps_its_last_line_on_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["connect", "builtin:echo", "--count", "0", "--json"], "summary"),
        (&["connect", "http://127.0.0.1/", "--json"], "summary"),
        (&["connect", "builtin:echo", "-x", "hi", "--hex", "--json"], "summary"),
        (&["connect", "builtin:echo?bogus=1", "--json"], "summary"),
        (&["connect", "builtin:echo", "--timeout", "5", "--json"], "summary"),
        (&["connect", "builtin:echo", "--json", "--no-such-flag"], "summary"),
        (&["connect", "--json"], "summary"),
        (&["--json", "connect", "builtin:echo"], "summary"),
        (&["listen", "--port", "0", "--count", "0", "--json"], "summary"),
        (&["listen", "--json", "--port", "nope"], "summary"),
        (&["echo", "--port", "0", "--json", "--delay", "5"], "summary"),
        (&["handshake-inspect", "http://127.0.0.1/", "--json"], "error"),
        (&["handshake-inspect", "ws://127.0.0.1/", "--json", "--no-such-flag"], "error"),
        (&["heartbeat-probe", "ws://127.0.0.1/", "--json", "--min", "5"], "error"),
        (&["heartbeat-probe", "ws://127.0.0.1/", "--json", "--max", "1s", "--min", "2s"], "error"),
        // No subcommand, or an unknown one: the error event.
        (&["bogus", "--json"], "error"),
        (&["--json"], "error"),
    ];
    for (args, last) in cases {
        let out = crate::support::wsdiag(*args).run().await;
        out.expect_code(2);
        let lines = json_lines(&out);
        let end = lines.last().unwrap_or_else(|| panic!("{args:?}: no JSON\n{out}"));
        assert_eq!(end["type"], *last, "{args:?}: the last line\n{out}");
        assert_eq!(end["exit"], 2, "{args:?}: its exit\n{out}");
        let errors = of_type(&lines, "error");
        assert_eq!(errors.len(), 1, "{args:?}: one error event\n{out}");
        assert!(!errors[0]["message"].as_str().unwrap_or("").is_empty(), "{args:?}: a message\n{out}");
        assert_eq!(lines.iter().filter(|e| e["type"] == "summary").count(), usize::from(*last == "summary"));
        // The human error stays on stderr, once.
        assert_eq!(out.stderr.matches("error:").count(), 1, "{args:?}\n{out}");
    }
    // Without --json, nothing on stdout.
    let out = crate::support::wsdiag(["connect", "builtin:echo", "--timeout", "5"]).run().await;
    out.expect_code(2);
    assert!(out.stdout().is_empty(), "{out}");
}

/// A server that cannot bind ends its JSON with the summary too.
#[tokio::test]
async fn a_server_that_cannot_bind_ends_with_its_summary() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for server in ["echo", "listen"] {
        let out = crate::support::wsdiag([server, "--port", &port, "--json"]).run().await;
        out.expect_code(3);
        let lines = json_lines(&out);
        let types: Vec<&str> = lines.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(types, ["error", "summary"], "{server}\n{out}");
        assert_eq!(lines[1]["exit"], 3);
        assert_eq!(lines[1]["connections"], 0);
    }
}

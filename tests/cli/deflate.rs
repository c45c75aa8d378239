//! permessage-deflate (RFC 7692) end to end: wsdiag's client against python `websockets`
//! (compression on by default) and its own echo server, wsdiag's servers against python's and
//! node's clients, the echo server's deflate faults, a decompression bomb and a response that
//! grants what was never offered.

use crate::server_interop::{args, node_client, python_client, run, show};
use crate::support::crafted::{upgrade_head, CraftedServer};
use crate::support::served::serve;
use crate::support::{connect, json_lines};

#[tokio::test]
async fn a_compressed_python_server_is_shown_frame_by_frame_with_its_text_inflated() {
    let Some(server) = crate::interop::start().await else { return };
    let long = "compressible ".repeat(100);
    let out =
        connect(&server.url()).args(["--deflate", "-vv", "-x", "hello", "-x", &long, "-n", "2"]).run().await;
    out.expect_code(0)
        .expect_stdout(&format!("hello\n{long}\n"))
        .expect_stderr_contains("> Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        .expect_stderr_contains("* Compression: permessage-deflate")
        .expect_stderr_contains("<< text fin=1 rsv=100 len=")
        .expect_stderr_contains("inflated=1300 (compressed)");
    // The summary counts what crossed the wire: the long message shrank.
    let out = connect(&server.url()).args(["--deflate", "--json", "-x", &long, "-n", "1"]).run().await;
    let all = json_lines(&out);
    let summary = all.iter().find(|e| e["type"] == "summary").expect("summary");
    let wire = summary["received"]["wire_bytes"].as_u64().expect("wire_bytes");
    assert!(wire < 200 && summary["received"]["bytes"] == 1300, "{summary}");
    let open = all.iter().find(|e| e["type"] == "open").expect("open");
    assert!(open["deflate"]["server_max_window_bits"].is_u64(), "{open}");
}

#[tokio::test]
async fn deflate_params_are_offered_and_honoured_by_a_python_server() {
    let Some(server) = crate::interop::start().await else { return };
    let params = "server_no_context_takeover; server_max_window_bits=10";
    let out = connect(&server.url())
        .args([
            "--deflate-params",
            params,
            "--json",
            "-vv",
            "-x",
            "same words",
            "-x",
            "same words",
            "-n",
            "2",
        ])
        .run()
        .await;
    out.expect_code(0);
    let all = json_lines(&out);
    let open = all.iter().find(|e| e["type"] == "open").expect("open");
    assert_eq!(open["deflate"]["server_no_context_takeover"], true, "{open}");
    assert_eq!(open["deflate"]["server_max_window_bits"], 10, "{open}");
    // Without context takeover both echoes are compressed alike.
    let lens: Vec<u64> = all
        .iter()
        .filter(|e| e["type"] == "frame" && e["dir"] == "in" && e["opcode"] == "text")
        .map(|e| e["len"].as_u64().unwrap())
        .collect();
    assert_eq!(lens.len(), 2, "{out}");
    assert_eq!(lens[0], lens[1], "{out}");
}

#[tokio::test]
async fn python_and_node_clients_are_answered_compressed_by_echo() {
    let server = serve(["echo", "-vv", "--max-runtime", "20s"]).await;
    if let Some(python) = python_client() {
        let out = run(python, &args(&server.url(), &["hello", &"x".repeat(2000)])).await;
        assert!(out.status.success(), "{}", show(&out));
        server.wait_for("a compressed message from python", |_, err| err.contains("inflated=2000")).await;
    }
    if let Some(node) = node_client() {
        // ws compresses messages of 1 KiB and more.
        let out = run(node, &args(&server.url(), &[&"y".repeat(3000)])).await;
        assert!(out.status.success(), "{}", show(&out));
        server.wait_for("a compressed message from node", |_, err| err.contains("inflated=3000")).await;
    }
    server.interrupt().await.expect_stderr_contains("Compression: permessage-deflate");
}

#[tokio::test]
async fn no_deflate_declines_the_offer() {
    let server = serve(["echo", "--no-deflate", "--max-runtime", "20s"]).await;
    let out = connect(&server.url()).args(["--deflate", "-vv", "-x", "plain", "-n", "1"]).run().await;
    out.expect_code(0).expect_stdout("plain\n").expect_stderr_contains("<< text fin=1 rsv=000 len=5");
    assert!(!out.stderr.contains("Compression:"), "{out}");
    server.interrupt().await;
}

#[tokio::test]
async fn the_echo_servers_deflate_faults_are_named_with_their_rfc_section() {
    let cases = [
        ("builtin:echo?deflate-fault=corrupt", &["--deflate"][..], "does not inflate", "1007"),
        ("builtin:echo?deflate-fault=unnegotiated", &[][..], "RFC 7692 §6", "1002"),
        (
            "builtin:echo?deflate-fault=break-context",
            &["--deflate-params", "server_no_context_takeover"][..],
            "refers back beyond the agreed window",
            "1007",
        ),
    ];
    for (url, flags, rule, code) in cases {
        let out = connect(url)
            .args(flags)
            .args(["-vv", "-x", "twice the same", "-x", "twice the same", "-w", "3s"])
            .run()
            .await;
        out.expect_code(6).expect_stderr_contains(rule);
        assert!(out.stderr.contains(&format!("* Closed by client: {code}")), "{url}: {out}");
    }
    // The same faults from `wsdiag echo` flags.
    let server = serve(["echo", "--deflate-fault", "corrupt", "--max-runtime", "20s"]).await;
    connect(&server.url()).args(["--deflate", "-x", "hi", "-w", "3s"]).run().await.expect_code(6);
    server.interrupt().await;
}

#[tokio::test]
async fn a_decompression_bomb_ends_with_1009_and_exit_6() {
    // The echo of 60,000 compressible bytes inflates past a 10,000-byte limit.
    let bomb = "a".repeat(60_000);
    let out = connect("builtin:echo")
        .args(["--deflate", "--max-message", "10000", "-x", &bomb, "-w", "3s", "-v"])
        .run()
        .await;
    out.expect_code(6)
        .expect_stderr_contains("exceeds the limit of 10000 bytes")
        .expect_stderr_contains("1009");
}

#[tokio::test]
async fn a_response_granting_what_was_not_offered_is_exit_5() {
    let server =
        CraftedServer::start(|req| upgrade_head(req, "Sec-WebSocket-Extensions: permessage-deflate\r\n"))
            .await;
    let out = connect(&server.url())
        .args(["--deflate-params", "server_max_window_bits=10", "-x", "hi", "-n", "1"])
        .run()
        .await;
    out.expect_code(5)
        .expect_stderr_contains("server_max_window_bits=10; the response lacks it (RFC 7692 §7.1.2.1)");
    let server = CraftedServer::start(|req| {
        upgrade_head(req, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10\r\n")
    })
    .await;
    let out = connect(&server.url()).args(["-x", "hi", "-n", "1"]).run().await;
    out.expect_code(5).expect_stderr_contains("were not offered");
}

#[tokio::test]
async fn handshake_inspect_looks_past_the_agreement_at_what_the_server_sends() {
    let out = crate::support::handshake_inspect("builtin:echo").arg("--deflate").run().await;
    out.expect_code(0);
    let (level, message) = crate::support::check_line(&out, "deflate_use");
    assert_eq!(level, "pass", "{out}");
    assert!(message.contains("the server compressed its answers (2)"), "{message}");
    let out = crate::support::handshake_inspect("builtin:echo?deflate-fault=corrupt")
        .arg("--offer-deflate")
        .run()
        .await;
    out.expect_code(1);
    let (level, message) = crate::support::check_line(&out, "deflate_use");
    assert_eq!(level, "fail", "{out}");
    assert!(message.contains("does not inflate"), "{message}");
    // A server that declines is judged by the handshake alone.
    let server = serve(["echo", "--no-deflate", "--max-runtime", "20s"]).await;
    let out = crate::support::handshake_inspect(&server.url()).arg("--deflate").run().await;
    out.expect_code(0).expect_stdout_contains("permessage-deflate offered; the server declined");
    assert!(!out.stdout().contains("deflate_use"), "{out}");
    server.interrupt().await;
}

#[tokio::test]
async fn stats_in_the_repl_show_the_bytes_on_the_wire() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let long = "abc".repeat(400);
    let mut child =
        connect("builtin:echo").args(["--deflate", "--commands", "-w", "300ms"]).spawn_interactive();
    let mut stdin = child.stdin.take().expect("stdin piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout piped"));
    let mut stderr = child.stderr.take().expect("stderr piped");
    let session = async {
        stdin.write_all(format!("{long}\n").as_bytes()).await.expect("write the message");
        // Once the echo is shown, both ways have been counted.
        let mut echo = String::new();
        stdout.read_line(&mut echo).await.expect("read the echo");
        assert_eq!(echo, format!("{long}\n"));
        stdin.write_all(b"/stats\n").await.expect("write /stats");
        drop(stdin);
        let mut notes = String::new();
        stderr.read_to_string(&mut notes).await.expect("read stderr");
        (child.wait().await.expect("wait"), notes)
    };
    let (status, notes) =
        tokio::time::timeout(crate::support::run::RUN_BOUND, session).await.expect("the run ends in time");
    assert_eq!(status.code(), Some(0), "{notes}");
    let line =
        notes.lines().find(|l| l.starts_with("* Sent ")).unwrap_or_else(|| panic!("no /stats line\n{notes}"));
    // "* Sent 1 message (1200 bytes, 17 on the wire, 70.6x), received 1 message (1200 bytes, …"
    let wire: Vec<u64> =
        line.split(" on the wire").filter_map(|part| part.rsplit(' ').next()?.parse().ok()).collect();
    assert_eq!(wire.len(), 2, "the bytes on the wire both ways: {line}");
    assert!(wire.iter().all(|&w| w > 0 && w < 100), "1200 bytes of 'abc' compress well: {line}");
    assert!(line.starts_with("* Sent 1 message (1200 bytes, "), "{line}");
    assert!(line.contains("received 1 message (1200 bytes, "), "{line}");
}

#[tokio::test]
async fn stats_right_after_a_send_count_it_compressed_and_json_keeps_stderr_clean() {
    // `/stats` right behind the message in one batch of input: the message is written first.
    let script = "hello, hello, hello, hello, hello\n/stats\n";
    let out =
        connect("builtin:echo").args(["--deflate", "--commands", "-w", "300ms"]).stdin(script).run().await;
    out.expect_code(0).expect_stderr_contains("* Sent 1 message (33 bytes, 11 on the wire, 3.0x), received ");
    // With --json the same facts are the `stats` event's; stderr holds no human line.
    let out = connect("builtin:echo")
        .args(["--deflate", "--commands", "-w", "300ms", "--json"])
        .stdin(script)
        .run()
        .await;
    out.expect_code(0);
    assert!(!out.stderr.contains("* Sent"), "{out}");
    let all = json_lines(&out);
    let stats = all.iter().find(|e| e["type"] == "stats").unwrap_or_else(|| panic!("no stats event\n{out}"));
    assert_eq!(stats["sent"], serde_json::json!({ "messages": 1, "bytes": 33, "wire_bytes": 11 }), "{stats}");
    assert!(stats["connected_ms"].is_number(), "{stats}");
}

//! Usage errors (exit 2).

use crate::support::{connect, wsdiag, WsServer};

#[tokio::test]
async fn unknown_url_scheme_is_a_usage_error() {
    for url in ["http://127.0.0.1:1/", "ftp://example.invalid/", "builtin:nope"] {
        let out = connect(url).args(["-x", "a", "-n", "1"]).run().await;
        out.expect_code(2).expect_stderr_contains("error:");
        assert!(out.stdout().is_empty(), "nothing belongs on stdout\n{out}");
    }
}

#[tokio::test]
async fn unparsable_url_is_a_usage_error() {
    for url in ["ws://", "not a url", "ws://[::1/"] {
        connect(url).args(["-x", "a", "-n", "1"]).run().await.expect_code(2).expect_stderr_contains("error:");
    }
}

#[tokio::test]
async fn a_url_without_scheme_suggests_a_ws_url_that_works() {
    let server = WsServer::echo().await;
    let port = server.port();
    for typed in [format!("127.0.0.1:{port}"), format!("localhost:{port}/"), format!("ws//127.0.0.1:{port}/")]
    {
        let out = connect(&typed).args(["-x", "a", "-n", "1"]).run().await;
        out.expect_code(2).expect_stderr_contains(&format!(
            "error: invalid URL '{typed}': it does not start with ws:// or wss://"
        ));
        assert!(!out.stderr.contains("relative URL") && !out.stderr.contains("unsupported scheme"), "{out}");
        let hint = out.stderr_lines_starting("  hint: try ");
        assert_eq!(hint.len(), 1, "{out}");
        let suggested = hint[0]["  hint: try ".len()..].split(' ').next().expect("a URL").to_owned();
        assert!(suggested.starts_with("ws://"), "{out}");
        connect(&suggested)
            .args(["-x", "it works", "-n", "1"])
            .run()
            .await
            .expect_code(0)
            .expect_stdout("it works\n");
    }
}

#[tokio::test]
async fn a_regex_error_keeps_its_lines_with_the_caret_under_the_mark() {
    for (command, flag) in [("connect", "--expect"), ("listen", "--expect")] {
        let mut args = vec![command];
        if command == "connect" {
            args.push("builtin:echo");
        }
        let out = wsdiag(args.into_iter().chain([flag, "ab(c", "--no-stdin"])).run().await;
        out.expect_code(2).expect_stderr_contains(&format!("error: {flag} 'ab(c' is not a valid regex"));
        assert!(!out.stderr.contains("\\n"), "a literal \\n in the message\n{out}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        let pattern = lines.iter().position(|l| l.trim() == "ab(c").unwrap_or_else(|| panic!("{out}"));
        let caret = lines.get(pattern + 1).unwrap_or_else(|| panic!("{out}"));
        assert_eq!(caret.find('^'), lines[pattern].find('('), "the caret points at the '('\n{out}");
        assert!(lines.iter().any(|l| l.trim() == "error: unclosed group"), "{out}");
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')), "continuation lines are indented\n{out}");
    }
}

#[tokio::test]
async fn bad_duration_is_a_usage_error() {
    for flag in ["--timeout", "--wait", "--ping-interval", "--handshake-timeout"] {
        connect("builtin:echo")
            .args([flag, "soon", "-x", "a", "-n", "1"])
            .run()
            .await
            .expect_code(2)
            .expect_stderr_contains("soon");
    }
}

#[tokio::test]
async fn bad_hex_argument_is_a_usage_error() {
    let server = WsServer::echo().await;
    for bad in ["zz", "abc", "0g"] {
        let out = connect(&server.url()).args(["--hex", "-x", bad, "-n", "1"]).run().await;
        out.expect_code(2).expect_stderr_contains("error:");
        assert!(out.stdout().is_empty(), "{out}");
    }
    assert!(
        server.seen().messages.is_empty(),
        "a message that failed to decode must not be sent: {:?}",
        server.seen().messages
    );
}

#[tokio::test]
async fn bad_hex_line_on_stdin_is_a_usage_error() {
    connect("builtin:echo")
        .args(["--hex", "-n", "2"])
        .stdin("00ff\nnot-hex\n")
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("error:");
}

#[tokio::test]
async fn bad_base64_argument_is_a_usage_error() {
    connect("builtin:echo")
        .args(["--base64", "-x", "!!!not base64", "-n", "1"])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("error:");
}

#[tokio::test]
async fn hex_and_base64_together_are_refused() {
    connect("builtin:echo").args(["--hex", "--base64", "-x", "00", "-n", "1"]).run().await.expect_code(2);
}

#[tokio::test]
async fn close_code_out_of_range_is_refused() {
    connect("builtin:echo").args(["--close-code", "999", "-x", "a", "-n", "1"]).run().await.expect_code(2);
}

#[tokio::test]
async fn close_codes_that_may_not_be_sent_are_refused_everywhere_by_one_rule() {
    for code in ["1005", "1015", "2000"] {
        connect("builtin:echo")
            .args(["--close-code", code, "-x", "a", "-n", "1"])
            .run()
            .await
            .expect_code(2)
            .expect_stderr_contains(&format!("--close-code {code} "));
        connect(&format!("builtin:echo?close-code={code}"))
            .args(["-x", "a", "-n", "1"])
            .run()
            .await
            .expect_code(2);
        wsdiag(["echo", "--close-after", "1s", "--close-code", code]).run().await.expect_code(2);
    }
}

#[tokio::test]
async fn missing_url_is_a_usage_error() {
    wsdiag(["connect"]).run().await.expect_code(2);
}

#[tokio::test]
async fn every_subcommand_refuses_an_unknown_flag_with_2() {
    for name in ["connect", "listen", "echo", "handshake-inspect", "heartbeat-probe"] {
        let out = wsdiag([name, "builtin:echo", "--no-such-flag"]).run().await;
        out.expect_code(2).expect_stderr_contains("error:");
        assert!(out.stdout().is_empty(), "{out}");
    }
}

#[tokio::test]
async fn help_lists_exit_codes() {
    let out = wsdiag(["connect", "--help"]).run().await;
    out.expect_code(0).expect_stdout_contains("Exit codes");
}

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

/// A negative number or duration is judged as a value of its flag, whatever the flag: not
/// taken for an unknown flag `-1` with a tip to write `-- -1`.
#[tokio::test]
async fn negative_values_are_judged_as_values() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["connect", "builtin:echo", "--timeout", "-1s"],
            "'--timeout <DUR>': a duration cannot be negative",
        ),
        (&["connect", "builtin:echo", "-w", "-500ms"], "'--wait <DUR>': a duration cannot be negative"),
        (&["connect", "builtin:echo", "-n", "-1"], "'--count <N>': it cannot be negative"),
        (
            &["connect", "builtin:echo", "--max-message", "-5"],
            "'--max-message <BYTES>': it cannot be negative",
        ),
        (&["listen", "--port", "0", "-n", "-2"], "'--count <N>': it cannot be negative"),
        (&["echo", "--port", "-1"], "'--port <PORT>': -1 is not in 0..=65535"),
        (
            &["heartbeat-probe", "ws://127.0.0.1/", "--parallel", "-3"],
            "'--parallel <N>': -3 is not in 1..=64",
        ),
        (
            &["heartbeat-probe", "ws://127.0.0.1/", "--min", "-1s"],
            "'--min <DUR>': a duration cannot be negative",
        ),
    ];
    for (args, said) in cases {
        let out = wsdiag(*args).run().await;
        out.expect_code(2).expect_stderr_contains(said);
        assert!(
            !out.stderr.contains("unexpected argument") && !out.stderr.contains("-- -"),
            "{args:?}\n{out}"
        );
    }
}

/// A duration without its unit says which units to add, once.
#[tokio::test]
async fn a_duration_without_unit_suggests_the_units() {
    for (value, said) in [
        ("1.5", "'1.5' for '--wait <DUR>': a unit is needed: 1.5s or 1.5ms"),
        ("5", "'5' for '--wait <DUR>': a unit is needed: 5s or 5ms"),
        ("3x", "unknown unit 'x'"),
        ("abc", "not a duration (examples: 500ms, 10s, 1.5s, 1m30s)"),
    ] {
        let out = connect("builtin:echo").args(["-w", value]).run().await;
        out.expect_code(2).expect_stderr_contains(said);
        assert!(out.stderr.matches("example").count() <= 1, "examples once\n{out}");
        assert!(!out.stderr.contains("sec or"), "{out}");
    }
    // Fractions with a unit are durations.
    connect("builtin:echo").args(["-x", "a", "-n", "1", "-w", "0.5s"]).run().await.expect_code(0);
}

#[tokio::test]
async fn a_host_with_a_space_says_so() {
    let out = connect("ws://a b/").run().await;
    out.expect_code(2).expect_stderr_contains("invalid URL 'ws://a b/': the host 'a b' contains a space");
    assert!(!out.stderr.contains("international"), "{out}");
}

/// TLS flags: their files are read before any connection (a missing one is exit 2, whatever
/// the port does), and on a URL without TLS they are said to change nothing.
#[tokio::test]
async fn tls_flags_are_checked_before_connecting_and_named_when_they_do_nothing() {
    let closed = crate::support::closed_port_url();
    let wss = closed.replacen("ws://", "wss://", 1);
    for url in [wss.as_str(), closed.as_str()] {
        let out = connect(url).args(["--cacert", "/nonexistent/ca.pem"]).run().await;
        out.expect_code(2).expect_stderr_contains("error: cannot read /nonexistent/ca.pem");
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, rcgen_ca()).unwrap();
    let out = connect("builtin:echo").arg("--cacert").arg(&ca).args(["-x", "a", "-n", "1"]).run().await;
    out.expect_code(0).expect_stderr_contains("warning: --cacert has no effect: the URL is not wss://");
    let out = connect("builtin:echo").args(["-k", "-x", "a", "-n", "1"]).run().await;
    out.expect_code(0).expect_stderr_contains("warning: --insecure has no effect");
    assert!(!out.stderr.contains("not verified"), "{out}");
    let out = wsdiag(["heartbeat-probe", &closed, "--sni", "x"]).run().await;
    out.expect_stderr_contains("warning: --sni has no effect");
}

/// A CA certificate in PEM.
fn rcgen_ca() -> String {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["ca.test".into()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.self_signed(&key).unwrap().pem()
}

/// Durations and TCP options past what deadlines or sockets can hold are usage errors (exit 2,
/// one line naming the bound), not a panic at the first deadline or a failed setsockopt.
#[tokio::test]
async fn overlong_durations_are_usage_errors_naming_the_bound() {
    let huge = "9223372036854775807s";
    let cases: &[(&[&str], &str)] = &[
        (&["connect", "builtin:echo", "--timeout", huge], "'--timeout <DUR>': too long: at most 3650d"),
        (
            &["connect", "builtin:echo", "--heartbeat", "3651d"],
            "'--heartbeat <DUR>': too long: at most 3650d",
        ),
        (&["echo", "--max-runtime", huge], "'--max-runtime <DUR>': too long: at most 3650d"),
        (&["listen", "--expect-timeout", huge], "'--expect-timeout <DUR>': too long: at most 3650d"),
        (&["heartbeat-probe", "builtin:echo", "--max", "18446744073709551615s"], "too long: at most 3650d"),
        (
            &["replay", "x.ndjson", "--reply-timeout", huge],
            "'--reply-timeout <DUR>': too long: at most 3650d",
        ),
        (
            &["connect", &format!("builtin:echo?delay={huge}"), "-x", "a"],
            "builtin:echo option 'delay': too long: at most 3650d",
        ),
        (
            &["connect", "builtin:echo", "--tcp-keepalive", "10h"],
            "--tcp-keepalive is too long: at most 32767s",
        ),
        (
            &["connect", "builtin:echo", "--tcp-user-timeout", "50d"],
            "--tcp-user-timeout is too long: at most 49d 17h",
        ),
    ];
    for (args, said) in cases {
        let out = wsdiag(*args).run().await;
        out.expect_code(2).expect_stderr_contains(said);
        assert!(!out.stderr.contains("panicked"), "{args:?}\n{out}");
    }
    // The longest allowed is taken.
    let out = wsdiag([
        "connect",
        "builtin:echo",
        "--timeout",
        "3650d",
        "--expect-timeout",
        "3650d",
        "-x",
        "a",
        "-n",
        "1",
    ])
    .run()
    .await;
    out.expect_code(0).expect_stdout("a\n");
}

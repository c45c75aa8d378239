//! Authorization and Cookie values are masked as `***` in human and JSON output unless
//! --show-secrets; the server still receives them.

use serde_json::Value;

use crate::support::{connect, json_lines, Output, WsServer};

const TOKEN: &str = "s3cr3t-t0ken-4711";
const COOKIE: &str = "sid=cookie-value-0815";
const COOKIE_SECRET: &str = "cookie-value-0815";

async fn run(extra: &[&str]) -> (Output, WsServer) {
    let server = WsServer::echo().await;
    let out = connect(&server.url())
        .args(["--bearer", TOKEN, "-H", &format!("Cookie: {COOKIE}")])
        .args(["-x", "a", "-n", "1"])
        .args(extra)
        .run()
        .await;
    (out, server)
}

#[track_caller]
fn handshake_request(out: &Output) -> Value {
    json_lines(out)
        .into_iter()
        .find(|e| e["type"] == "handshake_request")
        .unwrap_or_else(|| panic!("no handshake_request\n{out}"))
}

fn header_value<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    request["headers"].as_array()?.iter().find_map(|h| {
        let n = h[0].as_str()?;
        n.eq_ignore_ascii_case(name).then(|| h[1].as_str()).flatten()
    })
}

#[tokio::test]
async fn bearer_and_cookie_do_not_leak_into_verbose_output() {
    let (out, server) = run(&["-vv"]).await;
    out.expect_code(0).expect_stderr_contains("> Authorization: ").expect_stderr_contains("> Cookie: ");
    assert!(!out.stderr.contains(TOKEN), "token leaked to stderr\n{out}");
    assert!(!out.stderr.contains(COOKIE_SECRET), "cookie leaked\n{out}");
    let seen = server.finished().await;
    assert_eq!(
        seen.requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "the server receives the real value"
    );
    assert_eq!(seen.requests[0].header("cookie"), Some(COOKIE));
}

#[tokio::test]
async fn bearer_and_cookie_do_not_leak_into_json() {
    let (out, _server) = run(&["--json", "-vv"]).await;
    out.expect_code(0);
    assert!(!out.stdout().contains(TOKEN), "token leaked to JSON\n{out}");
    assert!(!out.stdout().contains(COOKIE_SECRET), "cookie leaked\n{out}");
    assert!(!out.stderr.contains(TOKEN), "token leaked to stderr\n{out}");
    let req = handshake_request(&out);
    assert!(header_value(&req, "authorization").is_some(), "{req}");
}

#[tokio::test]
async fn masked_values_keep_only_the_auth_scheme() {
    let (out, _server) = run(&["-v"]).await;
    out.expect_code(0)
        .expect_stderr_contains("> Authorization: Bearer ***\n")
        .expect_stderr_contains("> Cookie: ***\n");
    let (out, _server) = run(&["--json"]).await;
    out.expect_code(0);
    let req = handshake_request(&out);
    assert_eq!(header_value(&req, "authorization"), Some("Bearer ***"), "{req}");
    assert_eq!(header_value(&req, "cookie"), Some("***"), "{req}");
    let raw = req["raw"].as_str().unwrap_or_default();
    assert!(raw.contains("\r\nAuthorization: Bearer ***\r\n"), "{req}");
}

#[tokio::test]
async fn show_secrets_reveals_them() {
    let (out, _server) = run(&["-v", "--show-secrets"]).await;
    out.expect_code(0)
        .expect_stderr_contains(&format!("> Authorization: Bearer {TOKEN}"))
        .expect_stderr_contains(&format!("> Cookie: {COOKIE}"));
    let (out, _server) = run(&["--json", "--show-secrets"]).await;
    out.expect_code(0);
    let req = handshake_request(&out);
    let expected = format!("Bearer {TOKEN}");
    assert_eq!(header_value(&req, "authorization"), Some(expected.as_str()));
}

#[tokio::test]
async fn basic_auth_credentials_do_not_leak() {
    let server = WsServer::echo().await;
    let out =
        connect(&server.url()).args(["--auth", "alice:hunter2", "-v", "-x", "a", "-n", "1"]).run().await;
    out.expect_code(0).expect_stderr_contains("> Authorization: ");
    // base64("alice:hunter2")
    assert!(!out.stderr.contains("YWxpY2U6aHVudGVyMg=="), "{out}");
    assert!(!out.stderr.contains("hunter2"), "{out}");
}

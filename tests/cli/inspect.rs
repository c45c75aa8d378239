//! `handshake-inspect` output forms (--raw, --json), the built-in echo target, the closing
//! handshake after the upgrade, and interoperability with third-party servers.

use crate::interop;
use crate::support::crafted::{upgrade_head, CraftedServer, Request};
use crate::support::CHECKS_OF_A_101;
use crate::support::{check_line, handshake_inspect, json_doc, Script};

#[tokio::test]
async fn raw_prints_exactly_the_request_then_the_response_bytes() {
    let server = CraftedServer::start(|req: &Request| {
        upgrade_head(req, "X-Odd:  spaced  value \r\nx-lower: case\r\n")
    })
    .await;
    let out = handshake_inspect(&server.url()).arg("--raw").run().await;
    out.expect_code(0);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let mut expected = requests[0].raw.clone();
    expected.extend_from_slice(&upgrade_head(&requests[0], "X-Odd:  spaced  value \r\nx-lower: case\r\n"));
    assert!(out.stdout_bytes.starts_with(b"GET / HTTP/1.1\r\n"), "{out}");
    assert!(out.stdout().contains("\r\n\r\nHTTP/1.1 101"), "{out}");
    assert_eq!(
        out.stdout(),
        String::from_utf8_lossy(&expected),
        "stdout is not the exact bytes exchanged\n{out}"
    );
}

#[tokio::test]
async fn raw_of_a_rejection_includes_the_body() {
    let reply = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nnope!\n".to_vec();
    let server = {
        let reply = reply.clone();
        CraftedServer::start(move |_: &Request| reply.clone()).await
    };
    let out = handshake_inspect(&server.url()).arg("--raw").run().await;
    out.expect_code(5);
    let mut expected = server.requests()[0].raw.clone();
    expected.extend_from_slice(&reply);
    assert_eq!(out.stdout_bytes, expected, "{out}");
}

#[tokio::test]
async fn json_is_one_document_with_every_field() {
    let server = CraftedServer::start(|req: &Request| upgrade_head(req, "")).await;
    let out = handshake_inspect(&server.url())
        .args(["--json", "--ws-key", "dGhlIHNhbXBsZSBub25jZQ=="])
        .args(["-H", "X-Trace: 42", "--origin", "http://example.test"])
        .run()
        .await;
    out.expect_code(0);
    let doc = json_doc(&out);
    assert_eq!(doc["type"], "handshake_inspect", "{out}");
    assert_eq!(doc["verdict"], "pass", "{out}");
    assert_eq!(doc["exit"], 0, "{out}");
    let hops = doc["hops"].as_array().expect("hops array");
    assert_eq!(hops.len(), 1, "{out}");
    let hop = &hops[0];
    assert_eq!(hop["url"], server.url(), "{out}");
    assert_eq!(hop["addr"], server.addr.to_string(), "{out}");
    assert!(hop["tls"].is_null(), "{out}");
    assert!(hop["error"].is_null(), "{out}");

    let request = &hop["request"];
    assert_eq!(request["method"], "GET", "{out}");
    assert_eq!(request["path"], "/", "{out}");
    assert_eq!(request["raw"].as_str(), Some(server.requests()[0].text().as_str()), "{out}");
    let request_text = request.to_string();
    assert!(request_text.contains("X-Trace"), "{out}");
    assert!(request_text.contains("http://example.test"), "{out}");
    assert!(request_text.contains("dGhlIHNhbXBsZSBub25jZQ=="), "{out}");

    let response = &hop["response"];
    assert_eq!(response["status"], 101, "{out}");
    assert_eq!(response["reason"], "Switching Protocols", "{out}");
    assert!(response["version"].to_string().contains('1'), "{out}");
    assert!(
        response["raw"].as_str().unwrap_or_default().starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{out}"
    );
    assert!(response["headers"].to_string().contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{out}");
    assert!(response.get("body").is_none(), "{out}");

    let checks = hop["checks"].as_array().expect("checks array");
    let ids: Vec<&str> = checks.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, CHECKS_OF_A_101, "{out}");
    for c in checks {
        assert_eq!(c["level"], "pass", "{out}");
        assert!(c["message"].is_string(), "{out}");
    }
    let timings = &hop["timings_ms"];
    for key in ["tcp", "request_sent", "first_byte", "headers"] {
        assert!(timings[key].as_f64().is_some_and(|t| t >= 0.0), "{key}\n{out}");
    }
    assert!(timings["tls"].is_null(), "{out}");
    assert!(hop["close"].as_str().is_some_and(|c| c.contains("1000")), "{out}");
}

#[tokio::test]
async fn json_of_a_rejection_carries_the_body() {
    let server =
        CraftedServer::start(|_: &Request| crate::support::http_response("403 Forbidden", "no entry")).await;
    let out = handshake_inspect(&server.url()).arg("--json").run().await;
    out.expect_code(5);
    let doc = json_doc(&out);
    assert_eq!(doc["verdict"], "rejected", "{out}");
    assert_eq!(doc["exit"], 5, "{out}");
    let response = &doc["hops"][0]["response"];
    assert_eq!(response["status"], 403, "{out}");
    assert!(response["body"].to_string().contains("no entry"), "{out}");
}

#[tokio::test]
async fn builtin_echo_passes() {
    let out = handshake_inspect("builtin:echo").run().await;
    out.expect_code(0).expect_stdout_contains("< HTTP/1.1 101 Switching Protocols\n");
    assert_eq!(check_line(&out, "accept").0, "pass", "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: PASS: "), "{out}");
    assert!(last.ends_with(" 0 failed"), "{out}");
}

#[tokio::test]
async fn the_server_sees_a_1000_close_after_the_inspection() {
    let server = Script::new().start().await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(0).expect_stdout_contains("Close: the server answered our close with 1000");
    let close = server.client_close().await;
    assert_eq!(close.map(|(code, _)| code), Some(1000), "{out}");
}

#[tokio::test]
async fn no_close_drops_the_connection_without_a_close_frame() {
    let server = Script::new().start().await;
    let out = handshake_inspect(&server.url()).arg("--no-close").run().await;
    out.expect_code(0).expect_stdout_contains("Close: not closed (--no-close)");
    let seen = server.finished().await;
    assert!(seen.closes.is_empty(), "{seen:#?}\n{out}");
    assert_eq!(seen.requests.len(), 1);
}

#[tokio::test]
async fn python_websockets_selects_the_offered_subprotocol() {
    let Some(server) = interop::start().await else {
        return;
    };
    let out = handshake_inspect(&server.url()).args(["-s", "chat.v9", "-s", "chat.v2", "--json"]).run().await;
    out.expect_code(0);
    let doc = json_doc(&out);
    assert_eq!(doc["verdict"], "pass", "{out}");
    let checks = doc["hops"][0]["checks"].as_array().expect("checks");
    let sub = checks
        .iter()
        .find(|c| c["id"] == "subprotocol")
        .unwrap_or_else(|| panic!("no subprotocol check\n{out}"));
    assert_eq!(sub["level"], "pass", "{out}");
    assert!(sub["message"].as_str().unwrap_or_default().contains("chat.v2"), "{out}");
    assert!(checks.iter().all(|c| c["level"] == "pass"), "{out}");
}

mod nginx {
    //! Through an nginx reverse proxy in front of the Python server.

    use crate::interop;
    use crate::support::nginx::{nginx, Nginx};
    use crate::support::{handshake_inspect, json_doc, skip};

    #[tokio::test]
    async fn handshake_through_an_nginx_reverse_proxy_passes() {
        let Some(nginx) = nginx() else {
            skip::missing_peer("nginx is not installed (.ci/run installs it)");
            return;
        };
        let Some(upstream) = interop::start().await else {
            return;
        };
        let proxy = Nginx::start(&nginx, upstream.port(), "10s").await;
        let port = proxy.port;
        let url = format!("ws://127.0.0.1:{port}/");
        let out = handshake_inspect(&url).args(["-s", "chat.v1", "--json"]).run().await;
        drop(proxy);
        out.expect_code(0);
        let doc = json_doc(&out);
        assert_eq!(doc["verdict"], "pass", "{out}");
        let headers = doc["hops"][0]["response"]["headers"].to_string();
        assert!(headers.to_lowercase().contains("nginx"), "{out}");
        let checks = doc["hops"][0]["checks"].as_array().expect("checks");
        assert!(checks.iter().any(|c| c["id"] == "subprotocol" && c["level"] == "pass"), "{out}");
    }
}

#[tokio::test]
async fn raw_and_json_together_are_a_usage_error() {
    let out = handshake_inspect("builtin:echo").args(["--raw", "--json"]).run().await;
    out.expect_code(2);
    // --json is on the command line: the error is also one JSON line, with its exit code.
    let lines = crate::support::json_lines(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!((lines[0]["type"].as_str(), lines[0]["exit"].as_u64()), (Some("error"), Some(2)), "{out}");
}

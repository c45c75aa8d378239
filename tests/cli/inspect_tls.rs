//! `handshake-inspect` and TLS: the certificate facts and verification outcome in the report,
//! and the mix-ups between ws:// and wss://.

use crate::support::pki::{Pki, OTHER_NAME};
use crate::support::{check_line, handshake_inspect, json_doc, Script};

#[tokio::test]
async fn cacert_verifies_and_the_report_shows_the_certificate() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = handshake_inspect(&server.wss_url()).arg("--cacert").arg(pki.ca_pem()).run().await;
    out.expect_code(0)
        .expect_stdout_contains("* TLS ")
        .expect_stdout_contains("*   certificate 0: CN=localhost\n")
        .expect_stdout_contains("*     SAN: ")
        .expect_stdout_contains("*     issuer: CN=wsdiag test CA\n")
        .expect_stdout_contains("*   verification: ok\n");
    let san = out.stdout_lines().into_iter().find(|l| l.starts_with("*     SAN: ")).unwrap_or_default();
    assert!(san.contains("localhost") && san.contains("127.0.0.1"), "{out}");
    assert_eq!(check_line(&out, "accept").0, "pass", "{out}");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: PASS"), "{out}");
}

#[tokio::test]
async fn an_expired_certificate_fails_with_4_and_its_facts_in_json() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.expired_acceptor()).await;
    let out =
        handshake_inspect(&server.wss_url()).arg("--cacert").arg(pki.ca_pem()).arg("--json").run().await;
    out.expect_code(4);
    let doc = json_doc(&out);
    assert_eq!(doc["verdict"], "error", "{out}");
    assert_eq!(doc["exit"], 4, "{out}");
    let tls = &doc["hops"][0]["tls"];
    let verification = &tls["verification"];
    assert_eq!(verification["performed"], true, "{out}");
    assert_eq!(verification["ok"], false, "{out}");
    assert_eq!(verification["ignored"], false, "{out}");
    let error = verification["error"].as_str().unwrap_or_default();
    assert!(error.contains("expired"), "{out}");
    let cert = &tls["certificates"][0];
    assert_eq!(cert["subject"], "CN=localhost", "{out}");
    let days_left = cert["days_left"].as_i64().unwrap_or(0);
    assert!(days_left < -1000, "expired on 2021-01-01\n{out}");
    assert!(cert["not_after"].as_str().unwrap_or_default().contains("2021"), "{out}");
    assert!(doc["hops"][0]["response"].is_null(), "{out}");
    assert_eq!(doc["hops"][0]["error"]["exit"], 4, "{out}");
}

#[tokio::test]
async fn an_expired_certificate_shows_expired_in_the_human_report() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.expired_acceptor()).await;
    let out = handshake_inspect(&server.wss_url()).arg("--cacert").arg(pki.ca_pem()).run().await;
    out.expect_code(4)
        .expect_stdout_contains("(EXPIRED)")
        .expect_stdout_contains("*   verification: FAILED (");
    let last = out.stdout_lines().pop().unwrap_or_default();
    assert!(last.starts_with("Verdict: ERROR: "), "{out}");
}

#[tokio::test]
async fn a_certificate_for_another_name_fails_with_4_naming_the_host() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.named_acceptor()).await;
    let out =
        handshake_inspect(&server.wss_url()).arg("--cacert").arg(pki.ca_pem()).arg("--json").run().await;
    out.expect_code(4);
    let doc = json_doc(&out);
    let tls = &doc["hops"][0]["tls"];
    let error = tls["verification"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("not valid for '127.0.0.1'"), "{out}");
    assert_eq!(tls["verification"]["ok"], false, "{out}");
    assert_eq!(tls["certificates"][0]["sans"], serde_json::json!([format!("DNS:{OTHER_NAME}")]), "{out}");
}

#[tokio::test]
async fn insecure_reports_the_failure_as_ignored_and_passes() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.named_acceptor()).await;
    let out = handshake_inspect(&server.wss_url()).args(["-k", "--json"]).run().await;
    out.expect_code(0);
    let doc = json_doc(&out);
    assert_eq!(doc["verdict"], "pass", "{out}");
    let verification = &doc["hops"][0]["tls"]["verification"];
    assert_eq!(verification["ignored"], true, "{out}");
    assert_eq!(verification["ok"], false, "{out}");
    assert!(verification["error"].is_string(), "{out}");
}

#[tokio::test]
async fn ws_to_a_tls_server_is_rejected_with_a_wss_hint() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = handshake_inspect(&server.url()).run().await;
    out.expect_code(5);
    let all = format!("{}{}", out.stdout(), out.stderr);
    assert!(all.contains("try wss://"), "{out}");
}

#[tokio::test]
async fn wss_to_a_plain_server_fails_with_4() {
    let server = Script::echo().start().await;
    let out = handshake_inspect(&server.wss_url()).arg("--json").run().await;
    out.expect_code(4);
    let doc = json_doc(&out);
    assert_eq!(doc["verdict"], "error", "{out}");
    assert_eq!(doc["exit"], 4, "{out}");
    assert!(doc["hops"][0]["response"].is_null(), "{out}");
    assert!(server.seen().requests.is_empty(), "no upgrade reached it");
}

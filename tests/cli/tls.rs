//! wss:// against servers using certificates from a test CA: --cacert, -k, client
//! certificates, --sni. TLS failures exit 4.

use crate::support::pki::{Pki, OTHER_NAME};
use crate::support::{connect, json_lines, Script};

#[tokio::test]
async fn cacert_verifies_the_server_and_messages_flow() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    connect(&server.wss_url())
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["-x", "secure hello", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("secure hello\n");
}

#[tokio::test]
async fn cacert_verifies_a_localhost_url() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let url = format!("wss://localhost:{}/", server.port());
    connect(&url)
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["-x", "hi", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("hi\n");
    assert_eq!(server.seen().sni, vec![Some("localhost".to_owned())]);
}

#[tokio::test]
async fn unknown_ca_fails_with_4() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = connect(&server.wss_url()).args(["-x", "a", "-n", "1"]).run().await;
    out.expect_code(4).expect_stderr_contains("error:");
    assert!(out.stdout().is_empty(), "{out}");
    assert!(server.seen().messages.is_empty());
}

#[tokio::test]
async fn insecure_connects_with_a_warning() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = connect(&server.wss_url()).args(["-k", "-x", "unverified", "-n", "1"]).run().await;
    out.expect_code(0).expect_stdout("unverified\n");
    assert!(out.stderr.to_lowercase().contains("warning"), "-k must warn on stderr\n{out}");
}

#[tokio::test]
async fn server_requiring_a_client_certificate_refuses_a_client_without_one() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.mtls_acceptor()).await;
    let out =
        connect(&server.wss_url()).arg("--cacert").arg(pki.ca_pem()).args(["-x", "a", "-n", "1"]).run().await;
    out.expect_code(4).expect_stderr_contains("error:");
    assert!(server.seen().messages.is_empty());
}

#[tokio::test]
async fn client_certificate_is_presented_with_cert_and_key() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.mtls_acceptor()).await;
    connect(&server.wss_url())
        .arg("--cacert")
        .arg(pki.ca_pem())
        .arg("--cert")
        .arg(pki.client_pem())
        .arg("--key")
        .arg(pki.client_key())
        .args(["-x", "mutual", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("mutual\n");
    assert_eq!(server.seen().client_certs, vec![true]);
}

#[tokio::test]
async fn sni_names_the_server_and_is_checked_against_its_certificate() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.named_acceptor()).await;
    connect(&server.wss_url())
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["--sni", OTHER_NAME, "-x", "by name", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("by name\n");
    assert_eq!(server.seen().sni, vec![Some(OTHER_NAME.to_owned())]);
}

#[tokio::test]
async fn certificate_for_another_name_fails_with_4() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.named_acceptor()).await;
    connect(&server.wss_url())
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["-x", "a", "-n", "1"])
        .run()
        .await
        .expect_code(4)
        .expect_stderr_contains("error:");
    let wrong = pki.acceptor();
    let server = Script::echo().start_tls(wrong).await;
    connect(&server.wss_url())
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["--sni", OTHER_NAME, "-x", "a", "-n", "1"])
        .run()
        .await
        .expect_code(4);
}

#[tokio::test]
async fn verbose_shows_resolution_tls_and_phase_timings() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = connect(&format!("wss://localhost:{}/", server.port()))
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["-v", "-x", "a", "-n", "1"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stderr_contains("* Resolved localhost to 127.0.0.1 in ")
        .expect_stderr_contains(&format!("* Connected to 127.0.0.1:{} in ", server.port()));
    let tls = out.stderr_lines_starting("* TLS ");
    assert_eq!(tls.len(), 1, "one `* TLS` line expected\n{out}");
    assert!(tls[0].contains("ALPN http/1.1"), "{out}");
    assert!(tls[0].contains("SNI localhost"), "{out}");
    let upgraded = out.stderr_lines_starting("* Upgraded: ");
    assert_eq!(upgraded.len(), 1, "{out}");
    for phase in ["dns ", "tcp ", "tls ", "upgrade "] {
        assert!(upgraded[0].contains(phase), "no {phase:?} timing\n{out}");
    }
}

#[tokio::test]
async fn json_reports_resolution_connection_and_tls() {
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let out = connect(&format!("wss://localhost:{}/", server.port()))
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["--json", "-x", "a", "-n", "1"])
        .run()
        .await;
    out.expect_code(0);
    let events = json_lines(&out);
    let find =
        |ty: &str| events.iter().find(|e| e["type"] == ty).unwrap_or_else(|| panic!("no {ty} event\n{out}"));
    let resolved = find("resolved");
    assert_eq!(resolved["host"], "localhost");
    let addrs = resolved["addrs"].as_array().expect("addrs is an array");
    assert!(addrs.iter().any(|a| a.as_str().is_some_and(|a| a.contains("127.0.0.1"))), "{resolved}");
    assert!(resolved["ms"].is_number(), "{resolved}");
    let tcp = find("tcp_connected");
    assert_eq!(tcp["addr"], format!("127.0.0.1:{}", server.port()));
    assert!(tcp["ms"].is_number(), "{tcp}");
    let tls = find("tls");
    assert!(tls["version"].is_string(), "{tls}");
    assert!(tls["cipher"].is_string(), "{tls}");
    assert_eq!(tls["alpn"], "http/1.1");
    assert_eq!(tls["sni"], "localhost");
    assert!(tls["ms"].is_number(), "{tls}");
    let timings = &find("open")["timings"];
    for key in ["dns_ms", "tcp_ms", "tls_ms", "upgrade_ms"] {
        assert!(timings[key].is_number(), "open.timings.{key}: {timings}");
    }
}

/// What a TLS 1.3 server that wants a client certificate looks like from the client: the
/// handshake completes, then the server reads the request and drops the connection unanswered.
#[tokio::test]
async fn a_tls_server_that_drops_the_upgrade_unanswered_points_at_client_certificates() {
    use tokio::io::AsyncReadExt;
    let pki = Pki::generate();
    let acceptor = pki.acceptor();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut tls = acceptor.accept(tcp).await.expect("tls");
        let mut buf = [0u8; 1024];
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tls.read(&mut buf)).await;
        // Dropped without close_notify and without an HTTP answer.
    });
    let out = connect(&format!("wss://127.0.0.1:{port}/"))
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["-x", "hi", "-n", "1"])
        .run()
        .await;
    out.expect_code(4)
        .expect_stderr_contains("without answering the upgrade")
        .expect_stderr_contains("--cert FILE --key FILE");
    server.await.expect("server task");
}

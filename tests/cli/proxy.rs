//! Proxies: HTTP CONNECT through a real tinyproxy (with and without Basic authentication, and a
//! ConnectPort rule), SOCKS5 through a real microsocks, an https:// proxy (socat terminating
//! TLS in front of tinyproxy), the environment as curl reads it, and proxies that misbehave.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::pki::Pki;
use crate::support::proxies::{microsocks, program, tinyproxy, tls_front};
use crate::support::{closed_port_url, connect, handshake_inspect, json_doc, json_lines, Script};

#[tokio::test]
async fn http_connect_through_tinyproxy_shows_the_exchange_and_times_it() {
    let Some(bin) = program("tinyproxy") else { return };
    let proxy = tinyproxy(&bin, None, &[]).await;
    let server = Script::echo().start().await;
    let out = connect(&server.url())
        .args(["--proxy", &proxy.url("http"), "-x", "through", "-n", "1", "-v"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("through\n");
    let authority = format!("127.0.0.1:{}", server.port());
    out.expect_stderr_contains(&format!("* Proxy: {} (from --proxy)", proxy.url("http")))
        .expect_stderr_contains(&format!("> CONNECT {authority} HTTP/1.1"))
        .expect_stderr_contains(&format!("> Host: {authority}"))
        .expect_stderr_contains("< HTTP/1.0 200 Connection established")
        .expect_stderr_contains(&format!("* Tunnel to {authority} open in"));
    let upgraded = out.stderr_lines_starting("* Upgraded:");
    assert!(upgraded[0].contains(", proxy "), "{out}");
    // The upgrade went through the tunnel: the server saw wsdiag's request.
    assert_eq!(server.seen().requests.len(), 1);

    let out = connect(&server.url())
        .args(["--proxy", &proxy.url("http"), "-x", "j", "-n", "1", "--json"])
        .run()
        .await;
    out.expect_code(0);
    let events = json_lines(&out);
    let tunnel = events.iter().find(|e| e["type"] == "tunnel").expect("tunnel event");
    assert_eq!(tunnel["open"], true);
    assert_eq!(tunnel["request"]["method"], "CONNECT");
    assert_eq!(tunnel["response"]["status"], 200);
    let open = events.iter().find(|e| e["type"] == "open").expect("open event");
    assert!(open["timings"]["proxy_ms"].as_f64().is_some(), "{open}");
    let chosen = events.iter().find(|e| e["type"] == "proxy").expect("proxy event");
    assert_eq!(chosen["source"], "--proxy");
}

#[tokio::test]
async fn tinyproxy_with_basic_auth_wants_proxy_user() {
    let Some(bin) = program("tinyproxy") else { return };
    let proxy = tinyproxy(&bin, Some(("alice", "s3cret")), &[]).await;
    let server = Script::echo().start().await;

    let out = connect(&server.url()).args(["--proxy", &proxy.url("http"), "-x", "x"]).run().await;
    out.expect_code(3)
        .expect_stderr_contains("refused CONNECT")
        .expect_stderr_contains("HTTP 407")
        .expect_stderr_contains("--proxy-user")
        // The refusal's headers, shown without -v.
        .expect_stderr_contains("  < Proxy-Authenticate: Basic");

    let out = connect(&server.url())
        .args(["--proxy", &proxy.url("http"), "--proxy-user", "alice:s3cret", "-x", "in", "-n", "1", "-v"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("in\n").expect_stderr_contains("> Proxy-Authorization: Basic ***");
    assert!(!out.stderr.contains("YWxpY2U6czNjcmV0"), "credentials leaked\n{out}");

    // Credentials in the URL; --show-secrets shows them.
    let url = format!("http://alice:s3cret@127.0.0.1:{}", proxy.port);
    let out = connect(&server.url())
        .args(["--proxy", &url, "-x", "in", "-n", "1", "-v", "--show-secrets"])
        .run()
        .await;
    out.expect_code(0).expect_stderr_contains("> Proxy-Authorization: Basic YWxpY2U6czNjcmV0");

    let out = connect(&server.url())
        .args(["--proxy", &proxy.url("http"), "--proxy-user", "alice:wrong", "-x", "x"])
        .run()
        .await;
    // tinyproxy answers wrong credentials with 401, not 407.
    out.expect_code(3)
        .expect_stderr_contains("refused CONNECT")
        .expect_stderr_contains("did not accept the credentials");
}

#[tokio::test]
async fn a_connect_port_rule_refuses_other_ports_with_its_status() {
    let Some(bin) = program("tinyproxy") else { return };
    let server = Script::echo().start().await;
    let proxy = tinyproxy(&bin, None, &[server.port().wrapping_add(1)]).await;
    let out = connect(&server.url()).args(["--proxy", &proxy.url("http"), "-x", "x"]).run().await;
    out.expect_code(3)
        .expect_stderr_contains("HTTP 403")
        .expect_stderr_contains("does not allow this destination");
    assert!(server.seen().requests.is_empty());
}

#[tokio::test]
async fn proxy_headers_go_with_the_connect() {
    let Some(bin) = program("tinyproxy") else { return };
    let proxy = tinyproxy(&bin, None, &[]).await;
    let server = Script::echo().start().await;
    let out = connect(&server.url())
        .args([
            "--proxy",
            &proxy.url("http"),
            "--proxy-header",
            "X-Corp-Trace: 42",
            "-x",
            "h",
            "-n",
            "1",
            "-v",
        ])
        .run()
        .await;
    out.expect_code(0).expect_stderr_contains("> X-Corp-Trace: 42");
    // The CONNECT header is for the proxy, not for the server.
    assert_eq!(server.seen().requests[0].header("X-Corp-Trace"), None);
}

#[tokio::test]
async fn socks5_through_microsocks_resolves_here_or_at_the_proxy() {
    let Some(bin) = program("microsocks") else { return };
    let proxy = microsocks(&bin, None).await;
    let server = Script::echo().start().await;
    let url = format!("ws://localhost:{}/", server.port());

    let out = connect(&url).args(["--proxy", &proxy.url("socks5"), "-x", "s", "-n", "1", "-v"]).run().await;
    out.expect_code(0)
        .expect_stdout("s\n")
        .expect_stderr_contains("* Resolved localhost to")
        .expect_stderr_contains("(resolved by wsdiag)")
        .expect_stderr_contains("* SOCKS5 reply: succeeded");

    let out = connect(&url).args(["--proxy", &proxy.url("socks5h"), "-x", "h", "-n", "1", "-v"]).run().await;
    out.expect_code(0).expect_stdout("h\n").expect_stderr_contains(&format!(
        "* SOCKS5 CONNECT localhost:{} (the proxy resolves the name)",
        server.port()
    ));
    assert!(!out.stderr.contains("Resolved localhost"), "wsdiag resolved the name itself\n{out}");

    // A SOCKS reply code by its name: nothing listens on the target port.
    let closed = closed_port_url();
    let out = connect(&closed).args(["--proxy", &proxy.url("socks5h"), "-x", "x"]).run().await;
    out.expect_code(3).expect_stderr_contains("reply 5, connection refused");
}

#[tokio::test]
async fn socks5_with_a_password() {
    let Some(bin) = program("microsocks") else { return };
    let proxy = microsocks(&bin, Some(("bob", "pw"))).await;
    let server = Script::echo().start().await;

    let out = connect(&server.url()).args(["--proxy", &proxy.url("socks5"), "-x", "x"]).run().await;
    out.expect_code(3).expect_stderr_contains("none of the offered authentication methods");

    let out = connect(&server.url())
        .args(["--proxy", &proxy.url("socks5"), "--proxy-user", "bob:pw", "-x", "ok", "-n", "1"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("ok\n");

    let url = format!("socks5h://bob:nope@127.0.0.1:{}", proxy.port);
    let out = connect(&server.url()).args(["--proxy", &url, "-x", "x"]).run().await;
    out.expect_code(3).expect_stderr_contains("username/password authentication failed");
}

#[tokio::test]
async fn wss_through_an_http_proxy_from_the_environment() {
    let Some(bin) = program("tinyproxy") else { return };
    let proxy = tinyproxy(&bin, Some(("u", "p")), &[]).await;
    let pki = Pki::generate();
    let server = Script::echo().start_tls(pki.acceptor()).await;
    let url = format!("wss://localhost:{}/", server.port());
    let env_proxy = format!("http://u:p@127.0.0.1:{}", proxy.port);
    let out = connect(&url)
        .env("HTTPS_PROXY", &env_proxy)
        .arg("--cacert")
        .arg(pki.ca_pem())
        .args(["-x", "secret", "-n", "1", "-v"])
        .run()
        .await;
    out.expect_code(0)
        .expect_stdout("secret\n")
        .expect_stderr_contains("(from HTTPS_PROXY)")
        .expect_stderr_contains(&format!("> CONNECT localhost:{} HTTP/1.1", server.port()))
        .expect_stderr_contains("* TLS ");
    // TLS to the server ran through the tunnel, with the URL's name.
    assert_eq!(server.seen().sni, vec![Some("localhost".to_string())]);
}

#[tokio::test]
async fn an_https_proxy_speaks_tls_before_the_connect() {
    let (Some(tiny), Some(socat)) = (program("tinyproxy"), program("socat")) else { return };
    let inner = tinyproxy(&tiny, None, &[]).await;
    let pki = Pki::generate();
    let front = tls_front(&socat, &pki, inner.port).await;
    let server = Script::echo().start().await;

    let out = connect(&server.url())
        .args(["--proxy", &front.url("https"), "--proxy-cacert"])
        .arg(pki.ca_pem())
        .args(["-x", "tls hop", "-n", "1", "-v"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("tls hop\n").expect_stderr_contains("* TLS to the proxy: TLS");

    // The proxy's certificate is checked: without its CA, TLS to the proxy fails (exit 4).
    let out = connect(&server.url()).args(["--proxy", &front.url("https"), "-x", "x"]).run().await;
    out.expect_code(4).expect_stderr_contains(&format!("to the proxy {}", front.url("https")));
    let out = connect(&server.url())
        .args(["--proxy", &front.url("https"), "--proxy-insecure", "-x", "k", "-n", "1"])
        .run()
        .await;
    out.expect_code(0).expect_stdout("k\n");
}

#[tokio::test]
async fn the_environment_is_read_as_curl_reads_it() {
    let server = Script::echo().start().await;
    let url = server.url();
    let dead = closed_port_url().replace("ws://", "http://").trim_end_matches('/').to_string();
    let localhost_url = format!("ws://localhost:{}/", server.port());
    // (environment, URL, reaches the server, what -v says)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, bool, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("http_proxy", &dead)], &url, false, "(from http_proxy)"),
        // HTTP_PROXY is not read, as in curl; -v says so.
        (vec![("HTTP_PROXY", &dead)], &url, true, "HTTP_PROXY is not read"),
        (vec![("ALL_PROXY", &dead)], &url, false, "(from ALL_PROXY)"),
        // https_proxy is for wss:// only.
        (vec![("https_proxy", &dead)], &url, true, ""),
        (
            vec![("http_proxy", &dead), ("NO_PROXY", "127.0.0.1")],
            &url,
            true,
            "NO_PROXY entry '127.0.0.1' matches",
        ),
        (vec![("http_proxy", &dead), ("NO_PROXY", "10.0.0.0/8,127.0.0.0/8")], &url, true, "'127.0.0.0/8'"),
        (vec![("http_proxy", &dead), ("no_proxy", "*")], &localhost_url, true, "no_proxy entry '*'"),
        (vec![("http_proxy", &dead), ("NO_PROXY", ".localhost")], &localhost_url, true, "'.localhost'"),
        // A name suffix does not match an IP literal, nor a longer name.
        (vec![("http_proxy", &dead), ("NO_PROXY", "host")], &localhost_url, false, ""),
        // Lower case first: no_proxy hides NO_PROXY.
        (
            vec![("http_proxy", &dead), ("no_proxy", "example.com"), ("NO_PROXY", "127.0.0.1")],
            &url,
            false,
            "",
        ),
    ];
    for (env, target, reaches, says) in cases {
        let mut run = connect(target).args(["-x", "e", "-n", "1", "-v"]);
        for (k, v) in &env {
            run = run.env(k, v);
        }
        let out = run.run().await;
        out.expect_code(if reaches { 0 } else { 3 });
        if !says.is_empty() {
            assert!(out.stderr.contains(says), "{env:?}: -v lacks {says:?}\n{out}");
        }
    }
    // --noproxy overrides NO_PROXY; --proxy '' overrides the proxy variables.
    connect(&url)
        .env("http_proxy", &dead)
        .env("NO_PROXY", "127.0.0.1")
        .args(["--noproxy", "other.example", "-x", "e", "-n", "1"])
        .run()
        .await
        .expect_code(3);
    connect(&url)
        .env("http_proxy", &dead)
        .args(["--proxy", "", "-x", "e", "-n", "1", "-v"])
        .run()
        .await
        .expect_code(0)
        .expect_stderr_contains("* Proxy: none (--proxy '')");
    // --noproxy applies to --proxy too, as in curl.
    connect(&url)
        .args(["--proxy", &dead, "--noproxy", "127.0.0.1", "-x", "e", "-n", "1"])
        .run()
        .await
        .expect_code(0);
}

#[tokio::test]
async fn builtin_echo_ignores_proxy_variables() {
    connect("builtin:echo")
        .env("http_proxy", "http://127.0.0.1:1")
        .env("ALL_PROXY", "socks5://127.0.0.1:1")
        .args(["-x", "local", "-n", "1"])
        .run()
        .await
        .expect_code(0)
        .expect_stdout("local\n");
}

#[tokio::test]
async fn proxy_failures_name_the_hop() {
    let server = Script::echo().start().await;
    let dead = closed_port_url().replace("ws://", "http://");
    connect(&server.url())
        .args(["--proxy", dead.trim_end_matches('/'), "-x", "x"])
        .run()
        .await
        .expect_code(3)
        .expect_stderr_contains("could not connect to the proxy");

    // A proxy that accepts and never answers: bounded by --connect-timeout.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let out = connect(&server.url())
        .args(["--proxy", &silent_url, "--connect-timeout", "1s", "-x", "x"])
        .run()
        .await;
    out.expect_code(3).expect_stderr_contains("did not answer the CONNECT within 1s");
    assert!(out.elapsed < Duration::from_secs(8), "took {:?}", out.elapsed);
    hold.abort();

    // A proxy that reads the CONNECT and closes.
    let closer = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closer_url = format!("http://{}", closer.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = closer.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
        }
    });
    connect(&server.url())
        .args(["--proxy", &closer_url, "-x", "x"])
        .run()
        .await
        .expect_code(3)
        .expect_stderr_contains("closed the connection without answering the CONNECT");

    // A malformed proxy URL is a usage error.
    connect(&server.url())
        .args(["--proxy", "ftp://127.0.0.1:21", "-x", "x"])
        .run()
        .await
        .expect_code(2)
        .expect_stderr_contains("unsupported proxy scheme 'ftp'");
}

#[tokio::test]
async fn handshake_inspect_reports_the_tunnel() {
    let Some(bin) = program("tinyproxy") else { return };
    let proxy = tinyproxy(&bin, None, &[]).await;
    let server = Script::echo().start().await;
    let out = handshake_inspect(&server.url()).args(["--proxy", &proxy.url("http")]).run().await;
    out.expect_code(0)
        .expect_stdout_contains(&format!("> CONNECT 127.0.0.1:{} HTTP/1.1", server.port()))
        .expect_stdout_contains("< HTTP/1.0 200 Connection established")
        .expect_stdout_contains(&format!("* Connected to 127.0.0.1:{} (the proxy)", proxy.port));
    let timings: Vec<String> = out.stdout_lines().into_iter().filter(|l| l.starts_with("Timings:")).collect();
    assert!(timings[0].contains(", proxy "), "{out}");

    let out = handshake_inspect(&server.url()).args(["--proxy", &proxy.url("http"), "--json"]).run().await;
    let doc = json_doc(&out);
    let hop = &doc["hops"][0];
    assert_eq!(hop["tunnel"]["open"], true);
    assert_eq!(hop["proxy"]["proxy"], proxy.url("http"));
    assert!(hop["timings_ms"]["proxy"].as_f64().is_some(), "{hop}");
}

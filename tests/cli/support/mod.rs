//! Shared test machinery: running the binary, loopback servers, a throwaway PKI.

pub mod crafted;
pub mod haproxy;
pub mod nat;
pub mod nginx;
pub mod pki;
pub mod probe;
pub mod proxies;
pub mod raw_server;
pub mod run;
pub mod served;
pub mod skip;
pub mod ws_server;

pub use raw_server::{http_response, RawServer, Reply};
pub use run::{connect, wsdiag, Output};
pub use ws_server::{Script, WsServer};

/// A `ws://127.0.0.1:PORT/` URL on which nothing listens: a listener is bound, then dropped.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    format!("ws://127.0.0.1:{port}/")
}

/// Parses every stdout line as JSON, failing the test on the first line that is not.
#[track_caller]
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    out.stdout()
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}\n{out}"))
        })
        .collect()
}

/// `wsdiag handshake-inspect URL --color never`.
pub fn handshake_inspect(url: &str) -> run::Wsdiag {
    wsdiag(["handshake-inspect", url, "--color", "never"])
}

/// The level and message of check `id` in a human report's `Checks:` list; with several
/// hops, the last hop's.
#[track_caller]
pub fn check_line(out: &Output, id: &str) -> (String, String) {
    checks(out)
        .into_iter()
        .rev()
        .find(|(_, i, _)| i == id)
        .map(|(level, _, message)| (level, message))
        .unwrap_or_else(|| panic!("no {id} check in the report\n{out}"))
}

/// Every `  LEVEL  ID  MESSAGE` line of a human report, as (level, id, message).
pub fn checks(out: &Output) -> Vec<(String, String, String)> {
    out.stdout()
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            let mut parts = l.trim_start().splitn(2, char::is_whitespace);
            let level = parts.next()?;
            if !["pass", "warn", "fail"].contains(&level) {
                return None;
            }
            let rest = parts.next()?.trim_start();
            let (id, message) = rest.split_once(char::is_whitespace)?;
            Some((level.to_owned(), id.to_owned(), message.trim().to_owned()))
        })
        .collect()
}

/// Stdout parsed as exactly one JSON document on one line.
#[track_caller]
pub fn json_doc(out: &Output) -> serde_json::Value {
    let lines = json_lines(out);
    assert_eq!(lines.len(), 1, "expected one JSON document\n{out}");
    lines.into_iter().next().expect("one document")
}

/// The checks handshake-inspect reports for a clean 101, in report order.
pub const CHECKS_OF_A_101: [&str; 8] =
    ["status", "http_version", "upgrade", "connection", "accept", "subprotocol", "extensions", "early_data"];

/// A loopback port that was free a moment ago (bound, then released) for a child process that
/// needs its port on the command line.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local addr").port()
}

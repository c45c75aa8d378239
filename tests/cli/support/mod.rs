//! Shared test machinery: running the binary, loopback servers, a throwaway PKI.

pub mod pki;
pub mod raw_server;
pub mod run;
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

//! Integration tests for the `wsdiag` binary: every test runs the built binary against real
//! loopback servers (plain TCP, TLS with generated certificates, and a third-party server).

mod support;

mod assertions;
mod client_echo;
mod colors;
mod connect_errors;
mod deflate;
mod echo;
mod echo_faults;
mod echo_server;
mod ending;
mod endings;
mod from_curl;
mod generated;
mod handshake;
mod headers_once;
mod heartbeat;
mod heartbeat_probe;
mod http2;
mod http2_server;
mod inspect;
mod inspect_checks;
mod inspect_tls;
mod interim;
mod interop;
mod json;
mod listen;
mod msrv;
mod own_replies;
mod peer_bytes;
mod pings;
mod pipes;
mod pressure;
mod proxy;
mod readme;
mod reconnect;
mod refusals;
mod repl;
mod replay;
mod sanitize;
mod secrets;
mod server_interop;
mod signals;
mod tls;
#[cfg(unix)]
mod unix_socket;
mod usage;
mod verbose;

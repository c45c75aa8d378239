//! The network path: a parsed target, DNS and TCP, proxies, TLS on either side, certificates,
//! and HTTP/2 streams carrying WebSockets (RFC 8441).

pub mod certs;
pub mod h2;
pub mod http;
pub mod http_body;
pub mod listener;
pub mod preface;
pub mod proxy;
pub mod read_ahead;
pub mod socket;
pub mod target;
pub mod tls;
pub mod tls_server;
pub mod transport;
pub mod unix;

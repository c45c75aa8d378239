//! The network path: a parsed target, DNS and TCP, proxies, TLS on either side, certificates.

pub mod certs;
pub mod http;
pub mod http_body;
pub mod listener;
pub mod proxy;
pub mod read_ahead;
pub mod socket;
pub mod target;
pub mod tls;
pub mod tls_server;
pub mod transport;
pub mod unix;

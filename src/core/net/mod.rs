//! The network path: a parsed target, DNS and TCP, TLS on either side, certificates.

pub mod certs;
pub mod socket;
pub mod target;
pub mod tls;
pub mod tls_server;
pub mod transport;

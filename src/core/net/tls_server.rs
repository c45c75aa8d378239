//! TLS for the servers: a certificate from files, or a fresh self-signed one for localhost.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use crate::core::error::Error;
use crate::core::net::tls::provider;

/// The ALPN protocol id of HTTP/2 over TLS (RFC 9113 §3.2).
pub const ALPN_H2: &[u8] = b"h2";

/// A server TLS configuration and the SHA-256 fingerprint of its leaf certificate.
pub struct ServerTls {
    pub config: Arc<ServerConfig>,
    pub fingerprint: String,
}

/// A configuration from a PEM certificate chain and key; `http2` offers ALPN `h2` before
/// `http/1.1` (RFC 7301; RFC 9113 §3.2), so clients that speak HTTP/2 choose it.
pub fn from_files(cert: &Path, key: &Path, http2: bool) -> Result<ServerTls, Error> {
    let bad = |what: &Path, why: String| Error::TlsConfig {
        message: format!("cannot read {}: {why}", what.display()),
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(cert, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(bad(cert, "no PEM certificate in it".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(key, e.to_string()))?;
    build(chain, key, http2)
}

/// A certificate for localhost, 127.0.0.1 and ::1, made now; `http2` as for [`from_files`].
pub fn self_signed(http2: bool) -> Result<ServerTls, Error> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let cert = rcgen::generate_simple_self_signed(names)
        .map_err(|e| Error::TlsConfig { message: format!("cannot make a self-signed certificate: {e}") })?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    build(vec![cert.cert.der().clone()], key, http2)
}

fn build(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    http2: bool,
) -> Result<ServerTls, Error> {
    let fingerprint = fingerprint(&chain[0]);
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| Error::TlsConfig { message: format!("cannot use the certificate and key: {e}") })?;
    config.alpn_protocols =
        if http2 { vec![ALPN_H2.to_vec(), b"http/1.1".to_vec()] } else { vec![b"http/1.1".to_vec()] };
    Ok(ServerTls { config: Arc::new(config), fingerprint })
}

/// SHA-256 of the DER certificate, as colon-separated hex (the form browsers and openssl show).
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

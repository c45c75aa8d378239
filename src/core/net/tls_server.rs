//! TLS for the servers: a certificate from files, or a fresh self-signed one for localhost.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

use crate::core::error::Error;
use crate::core::net::tls::provider;

/// A server TLS configuration and the SHA-256 fingerprint of its leaf certificate.
pub struct ServerTls {
    pub config: Arc<ServerConfig>,
    pub fingerprint: String,
}

pub fn from_files(cert: &Path, key: &Path) -> Result<ServerTls, Error> {
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
    build(chain, key)
}

/// A certificate for localhost, 127.0.0.1 and ::1, made now.
pub fn self_signed() -> Result<ServerTls, Error> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let cert = rcgen::generate_simple_self_signed(names)
        .map_err(|e| Error::TlsConfig { message: format!("cannot make a self-signed certificate: {e}") })?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    build(vec![cert.cert.der().clone()], key)
}

fn build(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<ServerTls, Error> {
    let fingerprint = fingerprint(&chain[0]);
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .map_err(|e| Error::TlsConfig { message: format!("cannot use the certificate and key: {e}") })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ServerTls { config: Arc::new(config), fingerprint })
}

/// SHA-256 of the DER certificate, as colon-separated hex (the form browsers and openssl show).
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

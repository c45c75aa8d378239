//! TLS client configuration (roots, --cacert, client certificates, --insecure) and the
//! translation of rustls failures into errors a person can act on.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::core::error::{Error, Hint};

/// TLS settings for a client connection.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// Trust only these CAs (PEM) instead of the built-in and system roots.
    pub cacert: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub insecure: bool,
    pub sni: Option<String>,
    /// Write session secrets to the file named by SSLKEYLOGFILE (resolved by settings).
    pub keylog: bool,
    /// Offer ALPN `h2` before `http/1.1` (RFC 9113 §3.2), for WebSockets over HTTP/2.
    pub alpn_h2: bool,
}

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server's certificate chain and what verifying it found, for reports.
#[derive(Debug, Clone, Default)]
pub struct CertReport {
    pub chain: Vec<CertificateDer<'static>>,
    /// Why verification failed (None: it passed, or did not run).
    pub failure: Option<String>,
    pub checked: bool,
}

pub type CertRecorder = Arc<Mutex<CertReport>>;

/// Builds the client configuration; file problems are usage errors (exit 2). With a recorder,
/// the chain and the verification result are kept even when verification fails (or is
/// skipped by --insecure, in which case it still runs, for the report).
pub fn client_config(opts: &TlsConfig, recorder: Option<CertRecorder>) -> Result<Arc<ClientConfig>, Error> {
    let provider = provider();
    let setup = |e: rustls::Error| Error::TlsConfig { message: format!("TLS setup failed: {e}") };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(setup)?;
    // --insecure goes through the recording verifier too: it checks, records, and lets pass.
    let recorder = recorder.or_else(|| opts.insecure.then(CertRecorder::default));
    let builder = match recorder {
        None => builder.with_root_certificates(roots(opts.cacert.as_deref())?),
        Some(record) => {
            let insecure = opts.insecure;
            let roots = Arc::new(roots(opts.cacert.as_deref())?);
            let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| Error::TlsConfig { message: format!("TLS setup failed: {e}") })?;
            let name = opts.sni.clone().unwrap_or_default();
            let verifier = Recording { inner, record, enforce: !insecure, name };
            builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier))
        }
    };
    let mut config = match (&opts.cert, &opts.key) {
        (Some(cert), Some(key)) => {
            let chain = load_certs(cert)?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| Error::TlsConfig {
                message: format!("cannot read private key {}: {e}", key.display()),
            })?;
            builder.with_client_auth_cert(chain, key).map_err(|e| Error::TlsConfig {
                message: format!("client certificate and key do not fit together: {e}"),
            })?
        }
        _ => builder.with_no_client_auth(),
    };
    // With h2 both are offered, so a server without HTTP/2 still answers and its choice can be
    // named.
    config.alpn_protocols =
        if opts.alpn_h2 { vec![b"h2".to_vec(), b"http/1.1".to_vec()] } else { vec![b"http/1.1".to_vec()] };
    if opts.keylog {
        config.key_log = Arc::new(rustls::KeyLogFile::new());
    }
    Ok(Arc::new(config))
}

/// Reads the files the configuration names (CA, client certificate and key), so a missing or
/// bad one is found before any connection is tried. Errors: `TlsConfig` (a usage error).
pub fn check_files(opts: &TlsConfig) -> Result<(), Error> {
    if opts.cacert.is_some() || opts.cert.is_some() {
        client_config(opts, None)?;
    }
    Ok(())
}

fn roots(cacert: Option<&Path>) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = cacert {
        for cert in load_certs(path)? {
            roots.add(cert).map_err(|e| Error::TlsConfig {
                message: format!("cannot use a certificate in {}: {e}", path.display()),
            })?;
        }
        return Ok(roots);
    }
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // System roots are a bonus: a machine without a bundle still has the built-in ones.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    Ok(roots)
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let bad = |why: String| Error::TlsConfig { message: format!("cannot read {}: {why}", path.display()) };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

pub fn server_name(name: &str) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(name.to_string())
        .map_err(|_| Error::usage(format!("'{name}' is not a valid TLS server name")))
}

/// Turns an I/O error from a TLS stream into a TLS error when rustls is behind it.
pub fn classify(err: &std::io::Error, name: &str) -> Option<Error> {
    let inner = err.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(describe(inner, name))
}

fn describe(err: &rustls::Error, name: &str) -> Error {
    let (message, hint): (String, Option<Hint>) = match err {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => {
                ("certificate verify failed: unknown issuer".into(), Some(Hint::CaCert))
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ("certificate verify failed: the certificate has expired".into(), None)
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ("certificate verify failed: the certificate is not valid yet".into(), None)
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => (
                format!("certificate verify failed: the certificate is not valid for '{name}'"),
                Some(Hint::Sni),
            ),
            CertificateError::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => (
                "certificate verify failed: the certificate is a CA certificate, not one for a server".into(),
                Some(
                    "serve a certificate issued by the CA (basicConstraints CA:FALSE), not the CA itself"
                        .into(),
                ),
            ),
            CertificateError::BadSignature => {
                ("certificate verify failed: a signature in the chain is invalid".into(), None)
            }
            CertificateError::Revoked => {
                ("certificate verify failed: the certificate was revoked".into(), None)
            }
            other => (format!("certificate verify failed: {other:?}"), None),
        },
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => {
            ("the server requires a client certificate".into(), Some(Hint::ClientCert))
        }
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown),
        ) => (format!("the server rejected the client certificate ({alert:?})"), Some(Hint::CheckClientCert)),
        rustls::Error::AlertReceived(alert) => (format!("the server sent alert {alert:?}"), None),
        rustls::Error::InvalidMessage(_) => (
            "the server's answer is not TLS".into(),
            Some("this port may speak plain WebSocket: try ws://".into()),
        ),
        other => (other.to_string(), None),
    };
    Error::Tls { message, hint }
}

/// Verifies with webpki and records the chain and the outcome.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    record: CertRecorder,
    enforce: bool,
    name: String,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        let name = if self.name.is_empty() { server_name.to_str().into_owned() } else { self.name.clone() };
        if let Ok(mut r) = self.record.lock() {
            r.chain =
                std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect();
            r.checked = true;
            r.failure = result.as_ref().err().map(|e| describe(e, &name).to_string());
        }
        match result {
            Err(e) if self.enforce => Err(e),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

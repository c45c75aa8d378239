//! A throwaway PKI made with rcgen: a test CA, server certificates and a client certificate,
//! written as PEM files for wsdiag and loaded into rustls for the test servers.

use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tempfile::TempDir;
use tokio_rustls::TlsAcceptor;

/// The name only [`Pki::named_server`] is valid for (no IP address in it).
pub const OTHER_NAME: &str = "wsdiag.test";

struct Leaf {
    cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

pub struct Pki {
    dir: TempDir,
    ca: CertificateDer<'static>,
    server: Leaf,
    named_server: Leaf,
    expired_server: Leaf,
}

impl Pki {
    /// Generates the CA, a server certificate for `localhost` and `127.0.0.1`, one for
    /// [`OTHER_NAME`] only, and a client certificate; writes `ca.pem`, `client.pem`,
    /// `client.key`, `server.pem`, `server.key` into a temporary directory.
    pub fn generate() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");

        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.distinguished_name.push(DnType::CommonName, "wsdiag test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let ca_key = KeyPair::generate().expect("ca key");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca cert");

        let leaf_valid = |names: &[&str],
                          usage: ExtendedKeyUsagePurpose,
                          expired: bool|
         -> (Leaf, String, String) {
            let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
            let mut params = CertificateParams::new(names.clone()).expect("leaf params");
            if expired {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2021, 1, 1);
            }
            params.distinguished_name.push(DnType::CommonName, names.first().cloned().unwrap_or_default());
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("leaf key");
            let cert = params.signed_by(&key, &ca).expect("sign leaf");
            let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
            let leaf = Leaf { cert: cert.der().clone(), key: PrivatePkcs8KeyDer::from(key.serialize_der()) };
            (leaf, cert_pem, key_pem)
        };
        let leaf = |names: &[&str], usage| leaf_valid(names, usage, false);
        let (server, server_pem, server_key) =
            leaf(&["localhost", "127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
        let (named_server, _, _) = leaf(&[OTHER_NAME], ExtendedKeyUsagePurpose::ServerAuth);
        let (expired_server, _, _) =
            leaf_valid(&["localhost", "127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth, true);
        let (_, client_pem, client_key) = leaf(&["wsdiag client"], ExtendedKeyUsagePurpose::ClientAuth);

        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write ca.pem");
        std::fs::write(dir.path().join("client.pem"), client_pem).expect("write client.pem");
        std::fs::write(dir.path().join("client.key"), client_key).expect("write client.key");
        std::fs::write(dir.path().join("server.pem"), server_pem).expect("write server.pem");
        std::fs::write(dir.path().join("server.key"), server_key).expect("write server.key");

        Pki { ca: ca.der().clone(), dir, server, named_server, expired_server }
    }

    /// The `localhost`/`127.0.0.1` server certificate and its key, for `wsdiag echo --cert`.
    pub fn server_pem(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }

    pub fn server_key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }

    pub fn ca_pem(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn client_pem(&self) -> PathBuf {
        self.dir.path().join("client.pem")
    }

    pub fn client_key(&self) -> PathBuf {
        self.dir.path().join("client.key")
    }

    /// TLS for a server certified for `localhost` and `127.0.0.1`.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.build(&self.server, false)
    }

    /// TLS for a server certified for [`OTHER_NAME`] only.
    pub fn named_acceptor(&self) -> TlsAcceptor {
        self.build(&self.named_server, false)
    }

    /// TLS for a server certified for `localhost` and `127.0.0.1` by a certificate that
    /// expired on 2021-01-01.
    pub fn expired_acceptor(&self) -> TlsAcceptor {
        self.build(&self.expired_server, false)
    }

    /// TLS for a server that requires a client certificate issued by the test CA.
    pub fn mtls_acceptor(&self) -> TlsAcceptor {
        self.build(&self.server, true)
    }

    fn build(&self, leaf: &Leaf, require_client_cert: bool) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions");
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots.add(self.ca.clone()).expect("add CA");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let chain = vec![leaf.cert.clone()];
        let key = PrivateKeyDer::Pkcs8(leaf.key.clone_key());
        let mut config = builder.with_single_cert(chain, key).expect("server config");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }
}

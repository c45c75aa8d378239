//! Facts about a certificate chain for reports: subject, SANs, issuer, validity, days left.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;

/// Certificates expiring sooner than this many days earn a warning.
pub const EXPIRY_WARN_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until not_after (negative once expired).
    pub days_left: i64,
}

/// Parses what it can of each certificate; an unparsable one is described as such.
pub fn facts(chain: &[CertificateDer<'_>]) -> Vec<CertFacts> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    chain.iter().map(|der| one(der, now)).collect()
}

fn one(der: &CertificateDer<'_>, now: i64) -> CertFacts {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return CertFacts {
            subject: "(unparsable certificate)".into(),
            issuer: String::new(),
            sans: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_left: 0,
        };
    };
    let sans = match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.iter().filter_map(san).collect(),
        _ => Vec::new(),
    };
    let validity = cert.validity();
    CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans,
        not_before: validity.not_before.to_string(),
        not_after: validity.not_after.to_string(),
        days_left: (validity.not_after.timestamp() - now).div_euclid(86_400),
    }
}

fn san(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::DNSName(d) => Some(format!("DNS:{d}")),
        GeneralName::IPAddress(b) => {
            let ip = match b.len() {
                4 => IpAddr::from(<[u8; 4]>::try_from(*b).ok()?),
                16 => IpAddr::from(<[u8; 16]>::try_from(*b).ok()?),
                _ => return None,
            };
            Some(format!("IP:{ip}"))
        }
        GeneralName::RFC822Name(m) => Some(format!("email:{m}")),
        GeneralName::URI(u) => Some(format!("URI:{u}")),
        _ => None,
    }
}

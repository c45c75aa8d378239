//! Names of WebSocket close codes (RFC 6455 §7.4 and the IANA registry), and which may be
//! sent.

/// A short human name for a close code.
pub fn name(code: u16) -> &'static str {
    match code {
        1000 => "normal",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status",
        1006 => "abnormal closure",
        1007 => "invalid payload",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake",
        3000..=3999 => "registered",
        4000..=4999 => "private",
        _ => "reserved",
    }
}

/// Whether a close frame may carry this code on the wire (RFC 6455 §7.4.1-2): 1000-1003,
/// 1007-1014 and 3000-4999. Not 0-999, 1004 (reserved), 1005, 1006 and 1015 (for reports
/// only), 1016-2999 (reserved for the RFC), nor 5000 and above.
pub fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

//! Names of WebSocket close codes (RFC 6455 §7.4 and the IANA registry).

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

#[cfg(test)]
mod tests {
    #[test]
    fn names_known_and_ranges() {
        assert_eq!(super::name(1008), "policy violation");
        assert_eq!(super::name(1013), "try again later");
        assert_eq!(super::name(4001), "private");
        assert_eq!(super::name(999), "reserved");
    }
}

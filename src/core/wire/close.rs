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

/// Whether a close frame may carry this code on the wire (RFC 6455 §7.4.1-2): 1000-1003,
/// 1007-1014 and 3000-4999. Not 0-999, 1004 (reserved), 1005, 1006 and 1015 (for reports
/// only), 1016-2999 (reserved for the RFC), nor 5000 and above.
pub fn sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Checks a close status wsdiag is asked to send (`--close-code`, `--close-reason`, the
/// echo faults): the code must be one that may cross the wire (`sendable`) and the reason
/// must fit a control frame, at most 123 bytes (RFC 6455 §5.5). Errors: a usage error naming
/// the flag.
pub fn check_status(code: u16, reason: &str) -> Result<(), crate::core::error::Error> {
    if !sendable(code) {
        return Err(crate::core::error::Error::Usage {
            message: format!("--close-code {code} ({}) must not be sent in a close frame", name(code)),
            hint: Some("use 1000 (normal), 1001 (going away), 1008, 1011, or 3000-4999".into()),
        });
    }
    if reason.len() > 123 {
        return Err(crate::core::error::Error::usage("--close-reason is longer than 123 bytes"));
    }
    Ok(())
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

    #[test]
    fn codes_that_may_cross_the_wire() {
        for ok in [1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(super::sendable(ok), "{ok}");
        }
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(!super::sendable(bad), "{bad}");
            assert!(super::check_status(bad, "").is_err(), "{bad}");
        }
        assert!(super::check_status(1000, &"x".repeat(123)).is_ok());
        assert!(super::check_status(1000, &"x".repeat(124)).is_err());
    }
}

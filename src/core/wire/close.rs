//! Close codes: their names (RFC 6455 §7.4 and the IANA registry) and which may be sent.

pub use crate::core::event::close::{name, sendable};

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
        }
    }
}

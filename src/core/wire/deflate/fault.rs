//! What goes wrong with permessage-deflate: the failures of a peer's compressed traffic, and the
//! faults the echo server injects to test clients.

use std::fmt;
use std::io;

/// A failure of the peer's compressed traffic, carried up as the `io::Error`'s inner error;
/// the session turns it into the connection's ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeflateFailure {
    /// The peer broke a rule of RFC 7692; `bytes` are the offending frame header or data.
    Violation { rule: String, bytes: Vec<u8>, code: u16 },
    /// An inflated message passed the size limit: `size` bytes so far, `max` allowed.
    TooBig { size: usize, max: usize },
}

impl fmt::Display for DeflateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeflateFailure::Violation { rule, .. } => f.write_str(rule),
            DeflateFailure::TooBig { size, max } => {
                write!(f, "an inflated message of {size} bytes or more exceeds the limit of {max} bytes")
            }
        }
    }
}

/// Faults the echo server can inject into the messages it compresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeflateFault {
    /// Compressed messages (RSV1) although the extension was declined (RFC 7692 §6).
    Unnegotiated,
    /// Compressed data that does not inflate (a reserved block type first).
    Corrupt,
    /// The compression context is kept across messages although the agreement says
    /// `server_no_context_takeover`.
    BreakContext,
}

impl DeflateFault {
    /// The name used in flags and `builtin:echo` keys (`unnegotiated`, `corrupt`,
    /// `break-context`).
    pub fn name(self) -> &'static str {
        match self {
            DeflateFault::Unnegotiated => "unnegotiated",
            DeflateFault::Corrupt => "corrupt",
            DeflateFault::BreakContext => "break-context",
        }
    }

    /// The fault of a name, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        [DeflateFault::Unnegotiated, DeflateFault::Corrupt, DeflateFault::BreakContext]
            .into_iter()
            .find(|f| f.name() == name)
    }
}

impl std::error::Error for DeflateFailure {}

impl DeflateFailure {
    pub(super) fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// The failure inside an I/O error from this layer, if it is one.
    pub fn of(e: &io::Error) -> Option<&DeflateFailure> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<DeflateFailure>())
    }
}

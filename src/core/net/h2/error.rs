//! The HTTP/2 failures of one stream (RST_STREAM, GOAWAY), kept inside an `io::Error` so that
//! the layers above, which see a byte stream, can still name the frame and its error code.

use std::fmt;
use std::io;

/// Which HTTP/2 frame ended the stream (RFC 9113 §6.4, §6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H2ErrorFrame {
    /// RST_STREAM: this stream alone was reset.
    RstStream,
    /// GOAWAY: the whole connection is going away.
    GoAway,
}

impl H2ErrorFrame {
    /// The frame's name as RFC 9113 writes it: `RST_STREAM` or `GOAWAY`.
    pub fn name(self) -> &'static str {
        match self {
            H2ErrorFrame::RstStream => "RST_STREAM",
            H2ErrorFrame::GoAway => "GOAWAY",
        }
    }
}

/// A stream ended by an RST_STREAM or GOAWAY frame, with its error code (RFC 9113 §7).
///
/// Carried as the inner error of the `io::Error` that [`super::H2Stream`] returns; find it
/// with [`H2Error::find`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H2Error {
    /// The frame that carried the error code.
    pub frame: H2ErrorFrame,
    /// The error code (RFC 9113 §7), e.g. `PROTOCOL_ERROR`, `CANCEL`.
    pub reason: h2::Reason,
    /// True when the peer sent the frame; false when this side (or the h2 library on its
    /// behalf, on a protocol violation by the peer) sent it.
    pub by_peer: bool,
}

impl H2Error {
    /// The error code's name from RFC 9113 §7 (`NO_ERROR` … `HTTP_1_1_REQUIRED`), or its number
    /// in hex (`0x1f`) for a code the RFC does not define.
    pub fn reason_name(&self) -> String {
        reason_name(self.reason)
    }

    /// The error code as a number (RFC 9113 §7).
    pub fn code(&self) -> u32 {
        self.reason.into()
    }

    /// The `H2Error` inside `err`, if an HTTP/2 frame ended the stream.
    pub fn find(err: &io::Error) -> Option<H2Error> {
        err.get_ref().and_then(|inner| inner.downcast_ref::<H2Error>()).copied()
    }

    /// Classifies an h2 library error: RST_STREAM and GOAWAY become an `H2Error` inside an
    /// `io::Error`; transport errors stay what they were.
    pub fn into_io(err: h2::Error) -> io::Error {
        let frame = if err.is_go_away() {
            Some(H2ErrorFrame::GoAway)
        } else if err.is_reset() {
            Some(H2ErrorFrame::RstStream)
        } else {
            None
        };
        match (frame, err.reason()) {
            (Some(frame), Some(reason)) => H2Error { frame, reason, by_peer: err.is_remote() }.into(),
            _ if err.is_io() => err.into_io().unwrap_or_else(|| io::Error::other("HTTP/2 I/O error")),
            _ => io::Error::other(err),
        }
    }
}

impl fmt::Display for H2Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if self.by_peer { "the peer" } else { "this side" };
        write!(f, "{} {} sent by {who}", self.frame.name(), self.reason_name())
    }
}

impl std::error::Error for H2Error {}

impl From<H2Error> for io::Error {
    fn from(err: H2Error) -> io::Error {
        // A reset or a goaway ends the byte stream the way a TCP reset does.
        let kind = match err.reason {
            h2::Reason::NO_ERROR | h2::Reason::CANCEL => io::ErrorKind::BrokenPipe,
            _ => io::ErrorKind::ConnectionReset,
        };
        io::Error::new(kind, err)
    }
}

/// The name of an HTTP/2 error code (RFC 9113 §7), or its number in hex when the RFC does not
/// define it.
pub fn reason_name(reason: h2::Reason) -> String {
    // h2's Debug form is the RFC name for the codes it knows and `Reason(n)` otherwise.
    let code: u32 = reason.into();
    if code <= 0xd {
        format!("{reason:?}")
    } else {
        format!("{code:#x}")
    }
}

//! Exit statuses: the one place where outcomes become process exit codes (public API).

use crate::core::error::Error;
use crate::core::event::{Deadline, Ending};

/// How a run ended, as the shell sees it. Documented in docs/exit-codes.md and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    CheckFailed,
    Usage,
    Connect,
    Tls,
    Handshake,
    Lost,
    Timeout,
    Interrupted,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::CheckFailed => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Connect => 3,
            ExitStatus::Tls => 4,
            ExitStatus::Handshake => 5,
            ExitStatus::Lost => 6,
            ExitStatus::Timeout => 7,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl ExitStatus {
    /// The status of a run that failed with `e` (docs/exit-codes.md).
    pub fn of_error(e: &Error) -> Self {
        match e {
            Error::RetriesExhausted { last, .. } => ExitStatus::of_error(last),
            Error::Usage { .. } | Error::TlsConfig { .. } => ExitStatus::Usage,
            Error::Resolve { .. }
            | Error::NoAddress { .. }
            | Error::Refused { .. }
            | Error::Bind { .. }
            | Error::UnixSocket { .. }
            | Error::ConnectTimeout { .. }
            | Error::Proxy { .. } => ExitStatus::Connect,
            Error::Tls { .. } => ExitStatus::Tls,
            Error::Rejected { .. }
            | Error::BadHandshake { .. }
            | Error::ClientHandshake { .. }
            | Error::UpgradeUnanswered { .. }
            | Error::Http2 { .. } => ExitStatus::Handshake,
            Error::Ended(end) => match ExitStatus::of_ending(&end.ending) {
                // An ending that is no failure by itself still ended the run abnormally.
                ExitStatus::Success => ExitStatus::Lost,
                status => status,
            },
            Error::Io { .. } => ExitStatus::Lost,
            Error::UnexpectedClose { .. } | Error::CountNotMet { .. } | Error::ExpectFailed { .. } => {
                ExitStatus::CheckFailed
            }
            Error::HandshakeTimeout { .. } | Error::RunTimeout { .. } | Error::HeartbeatDead { .. } => {
                ExitStatus::Timeout
            }
        }
    }

    /// The status when a connection's ending ends a run: 4 for TLS, 6 for every other
    /// abnormal ending, 0 for a completed close handshake (the close code is judged by the
    /// command).
    pub fn of_ending(ending: &Ending) -> Self {
        match ending {
            Ending::Closed { .. } | Ending::Local | Ending::TimedOut(Deadline::Close) => ExitStatus::Success,
            Ending::TlsFailure { .. } => ExitStatus::Tls,
            _ => ExitStatus::Lost,
        }
    }
}

impl Error {
    /// This failure's exit status ([`ExitStatus::of_error`]).
    pub fn exit_status(&self) -> ExitStatus {
        ExitStatus::of_error(self)
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::*;

    #[test]
    fn codes_match_the_documented_table() {
        let table = [
            (Success, 0),
            (CheckFailed, 1),
            (Usage, 2),
            (Connect, 3),
            (Tls, 4),
            (Handshake, 5),
            (Lost, 6),
            (Timeout, 7),
            (Interrupted, 130),
        ];
        for (status, code) in table {
            assert_eq!(status.code(), code, "{status:?}");
        }
    }
}

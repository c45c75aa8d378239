//! Exit statuses: the one place where outcomes become process exit codes (public API).

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

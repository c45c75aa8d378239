//! Systems without a known way to read TCP facts or bound retransmissions (the BSDs,
//! illumos, …): both are reported as unsupported, never silently skipped.

use std::io;
use std::time::Duration;

use super::TcpInfo;

pub(super) const NAME: &str = std::env::consts::OS;
pub(super) const USER_TIMEOUT_OPTION: Option<&str> = None;
pub(super) const HAS_TCP_INFO: bool = false;

pub(super) fn set_user_timeout(_sock: &socket2::Socket, _timeout: Option<Duration>) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, format!("no TCP user timeout on {NAME}")))
}

pub(super) fn tcp_info(_sock: &socket2::Socket) -> io::Result<TcpInfo> {
    Err(io::Error::new(io::ErrorKind::Unsupported, format!("no TCP_INFO on {NAME}")))
}

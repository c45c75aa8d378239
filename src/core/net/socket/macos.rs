//! macOS: `TCP_CONNECTION_INFO` for the kernel's facts, and `TCP_RXT_CONNDROPTIME` (how long
//! retransmissions go on before the connection is dropped, in seconds) as the nearest
//! equivalent of Linux's `TCP_USER_TIMEOUT`. (`TCP_CONNECTIONTIMEOUT` bounds only the
//! connection's establishment, which `--connect-timeout` already does.)

use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use super::{whole_seconds, TcpInfo};

pub(super) const NAME: &str = "macOS";
pub(super) const USER_TIMEOUT_OPTION: Option<&str> = Some("TCP_RXT_CONNDROPTIME");
pub(super) const HAS_TCP_INFO: bool = true;

/// From `<netinet/tcp.h>`; the libc crate does not name it.
const TCP_RXT_CONNDROPTIME: libc::c_int = 0x80;
/// `TCPS_ESTABLISHED` in `<netinet/tcp_fsm.h>`.
const TCPS_ESTABLISHED: u8 = 4;

pub(super) fn set_user_timeout(sock: &socket2::Socket, timeout: Option<Duration>) -> io::Result<()> {
    // Zero restores the system's default.
    let secs: libc::c_int = timeout.map_or(0, |d| whole_seconds(d).min(i32::MAX as u32) as libc::c_int);
    // SAFETY: a c_int option value, its exact size given; the descriptor is valid.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            TCP_RXT_CONNDROPTIME,
            (&secs as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub(super) fn tcp_info(sock: &socket2::Socket) -> io::Result<TcpInfo> {
    // SAFETY: tcp_connection_info is plain old data; getsockopt writes at most `len` bytes
    // into it and the descriptor is valid for the duration of the call.
    let mut info: libc::tcp_connection_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_connection_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONNECTION_INFO,
            (&mut info as *mut libc::tcp_connection_info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(TcpInfo {
        rtt: Duration::from_millis(u64::from(info.tcpi_srtt)),
        rtt_var: Duration::from_millis(u64::from(info.tcpi_rttvar)),
        // Bytes in the send buffer: sent and unacknowledged, or not yet sent.
        unacked: info.tcpi_snd_sbbytes,
        retransmits: 0,
        // The struct's last field, Apple's tcpi_txretransmitpackets.
        total_retransmits: u32::try_from(info.tcpi_rxretransmitpackets).unwrap_or(u32::MAX),
        established: info.tcpi_state == TCPS_ESTABLISHED,
        probes: None,
        last_ack_recv: None,
        rto: None,
    })
}

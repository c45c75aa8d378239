//! Linux: `TCP_INFO` and `TCP_USER_TIMEOUT` (tcp(7)).

use std::io;
use std::os::fd::AsRawFd;
use std::time::Duration;

use super::TcpInfo;

pub(super) const NAME: &str = "Linux";
pub(super) const USER_TIMEOUT_OPTION: Option<&str> = Some("TCP_USER_TIMEOUT");
pub(super) const HAS_TCP_INFO: bool = true;

pub(super) fn set_user_timeout(sock: &socket2::Socket, timeout: Option<Duration>) -> io::Result<()> {
    socket2::SockRef::from(sock).set_tcp_user_timeout(timeout)
}

pub(super) fn tcp_info(sock: &socket2::Socket) -> io::Result<TcpInfo> {
    // SAFETY: tcp_info is plain old data; getsockopt writes at most `len` bytes into it and
    // the descriptor is valid for the duration of the call.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(TcpInfo {
        rtt: Duration::from_micros(u64::from(info.tcpi_rtt)),
        rtt_var: Duration::from_micros(u64::from(info.tcpi_rttvar)),
        unacked: info.tcpi_unacked,
        retransmits: u32::from(info.tcpi_retransmits),
        total_retransmits: info.tcpi_total_retrans,
        // TCP_ESTABLISHED in the kernel's tcp_states.h.
        established: info.tcpi_state == 1,
        probes: Some(info.tcpi_probes),
        last_ack_recv: Some(Duration::from_millis(u64::from(info.tcpi_last_ack_recv))),
        rto: Some(Duration::from_micros(u64::from(info.tcpi_rto))),
    })
}

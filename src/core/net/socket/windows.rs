//! Windows: `SIO_TCP_INFO` (`TCP_INFO_v0`) for the kernel's facts, and `TCP_MAXRT` (how long
//! retransmissions go on before the connection is dropped, in seconds) as the nearest
//! equivalent of Linux's `TCP_USER_TIMEOUT`.

use std::io;
use std::os::windows::io::AsRawSocket;
use std::time::Duration;

use windows_sys::Win32::Networking::WinSock::{
    setsockopt, TCP_INFO_v0, WSAGetLastError, WSAIoctl, IPPROTO_TCP, SIO_TCP_INFO, SOCKET,
    TCPSTATE_ESTABLISHED, TCP_MAXRT,
};

use super::{whole_seconds, TcpInfo};

pub(super) const NAME: &str = "Windows";
pub(super) const USER_TIMEOUT_OPTION: Option<&str> = Some("TCP_MAXRT");
pub(super) const HAS_TCP_INFO: bool = true;

pub(super) fn set_user_timeout(sock: &socket2::Socket, timeout: Option<Duration>) -> io::Result<()> {
    // -1 restores the system's default.
    let secs: i32 = timeout.map_or(-1, |d| whole_seconds(d).min(i32::MAX as u32) as i32);
    // SAFETY: a DWORD option value, its exact size given; the socket is valid.
    let rc = unsafe {
        setsockopt(
            sock.as_raw_socket() as SOCKET,
            IPPROTO_TCP,
            TCP_MAXRT,
            (&secs as *const i32).cast(),
            std::mem::size_of::<i32>() as i32,
        )
    };
    if rc != 0 {
        // SAFETY: reads the calling thread's last socket error.
        return Err(io::Error::from_raw_os_error(unsafe { WSAGetLastError() }));
    }
    Ok(())
}

pub(super) fn tcp_info(sock: &socket2::Socket) -> io::Result<TcpInfo> {
    let version: u32 = 0;
    let mut info = TCP_INFO_v0::default();
    let mut returned: u32 = 0;
    // SAFETY: version 0 in, a TCP_INFO_v0 out, both with their exact sizes; a synchronous
    // call (no OVERLAPPED) on a valid socket.
    let rc = unsafe {
        WSAIoctl(
            sock.as_raw_socket() as SOCKET,
            SIO_TCP_INFO,
            (&version as *const u32).cast(),
            std::mem::size_of::<u32>() as u32,
            (&mut info as *mut TCP_INFO_v0).cast(),
            std::mem::size_of::<TCP_INFO_v0>() as u32,
            &mut returned,
            std::ptr::null_mut(),
            None,
        )
    };
    if rc != 0 {
        // SAFETY: reads the calling thread's last socket error.
        return Err(io::Error::from_raw_os_error(unsafe { WSAGetLastError() }));
    }
    Ok(TcpInfo {
        rtt: Duration::from_micros(u64::from(info.RttUs)),
        rtt_var: Duration::ZERO,
        unacked: info.BytesInFlight,
        retransmits: info.TimeoutEpisodes,
        total_retransmits: info.BytesRetrans,
        established: info.State == TCPSTATE_ESTABLISHED,
        probes: None,
        last_ack_recv: None,
        rto: None,
    })
}

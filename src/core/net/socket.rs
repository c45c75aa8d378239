//! A second handle on a connection's TCP socket (a duplicate descriptor), for what the
//! protocol stack cannot do: read TCP_INFO, toggle keepalive and TCP_USER_TIMEOUT while the
//! connection is open, and end it with a reset or a bare FIN.

use std::io;
use std::time::Duration;

/// Kernel facts about a TCP connection (Linux `TCP_INFO`, see tcp(7)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpInfo {
    /// Smoothed round-trip time.
    pub rtt: Duration,
    /// Round-trip time variance.
    pub rtt_var: Duration,
    /// Segments sent and not yet acknowledged.
    pub unacked: u32,
    /// Retransmissions of the current unacknowledged data (resets when it is acknowledged).
    pub retransmits: u32,
    /// Retransmitted segments over the connection's life.
    pub total_retransmits: u32,
    /// The TCP state (`TCP_ESTABLISHED` = 1, …, as in the kernel's `tcp_states.h`).
    pub state: u8,
    /// Keepalive (or zero-window) probes sent and not answered.
    pub probes: u8,
    /// Time since the last acknowledgement arrived.
    pub last_ack_recv: Duration,
}

/// A duplicate of a connection's socket descriptor.
#[derive(Debug)]
pub struct SocketHandle {
    sock: std::net::TcpStream,
}

impl SocketHandle {
    /// Duplicates the descriptor of `tcp`; `None` when the system refuses.
    pub fn duplicate(tcp: &tokio::net::TcpStream) -> Option<Self> {
        let sock = socket2::SockRef::from(tcp).try_clone().ok()?;
        Some(SocketHandle { sock: std::net::TcpStream::from(sock) })
    }

    /// Reads TCP_INFO. Errors: the system's, e.g. on a platform without it.
    pub fn tcp_info(&self) -> io::Result<TcpInfo> {
        tcp_info(&self.sock)
    }

    /// TCP keepalive probes after `idle` of silence, every `idle` after that; `None` turns
    /// keepalive off.
    pub fn set_keepalive(&self, idle: Option<Duration>) -> io::Result<()> {
        let sock = socket2::SockRef::from(&self.sock);
        match idle {
            Some(d) => sock.set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(d).with_interval(d)),
            None => sock.set_keepalive(false),
        }
    }

    /// TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the kernel ends
    /// the connection (`None`: the kernel's default, about 15 minutes).
    pub fn set_user_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(&self.sock).set_tcp_user_timeout(timeout)
    }

    /// Ends the connection with a TCP reset (SO_LINGER 0), no close frame. The reset goes out
    /// when the last descriptor of the socket is closed.
    pub fn reset(&self) {
        let _ = socket2::SockRef::from(&self.sock).set_linger(Some(Duration::ZERO));
    }

    /// Ends the connection with a TCP FIN in both directions and no close frame, as a
    /// proxy's idle timeout does.
    pub fn shutdown(&self) {
        let _ = self.sock.shutdown(std::net::Shutdown::Both);
    }
}

#[cfg(target_os = "linux")]
fn tcp_info(sock: &std::net::TcpStream) -> io::Result<TcpInfo> {
    use std::os::fd::AsRawFd;
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
        state: info.tcpi_state,
        probes: info.tcpi_probes,
        last_ack_recv: Duration::from_millis(u64::from(info.tcpi_last_ack_recv)),
    })
}

#[cfg(not(target_os = "linux"))]
fn tcp_info(_sock: &std::net::TcpStream) -> io::Result<TcpInfo> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "TCP_INFO is read on Linux only"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_tcp_info_of_an_established_loopback_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        let (client, _server) = (client.unwrap(), accepted.unwrap().0);
        let handle = SocketHandle::duplicate(&client).unwrap();
        let info = handle.tcp_info().unwrap();
        assert_eq!(info.state, 1, "TCP_ESTABLISHED");
        assert_eq!(info.unacked, 0);
        handle.set_keepalive(Some(Duration::from_secs(5))).unwrap();
        handle.set_user_timeout(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(socket2::SockRef::from(&client).tcp_user_timeout().unwrap(), Some(Duration::from_secs(3)));
        assert!(socket2::SockRef::from(&client).keepalive().unwrap());
        handle.set_keepalive(None).unwrap();
        assert!(!socket2::SockRef::from(&client).keepalive().unwrap());
    }
}

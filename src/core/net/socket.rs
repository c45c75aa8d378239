//! A second handle on a connection's TCP socket (a duplicate descriptor), for what the
//! protocol stack cannot do: read TCP_INFO, toggle keepalive and TCP_USER_TIMEOUT while the
//! connection is open, and end it with a reset or a bare FIN. The per-system parts (the
//! kernel's TCP facts, the user timeout) live in `socket/{linux,macos,windows,other}.rs`.

use std::io;
use std::time::Duration;

/// Kernel facts about a TCP connection: Linux `TCP_INFO` (tcp(7)), macOS
/// `TCP_CONNECTION_INFO`, Windows `SIO_TCP_INFO`. What a system does not report is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpInfo {
    /// Smoothed round-trip time.
    pub rtt: Duration,
    /// Round-trip time variance (zero where the system does not report it).
    pub rtt_var: Duration,
    /// Data sent and not yet acknowledged: segments on Linux, bytes on macOS and Windows;
    /// zero means everything sent was acknowledged.
    pub unacked: u32,
    /// Retransmissions of the current unacknowledged data (Linux; resets when it is
    /// acknowledged), or retransmission timeouts (Windows); zero on macOS.
    pub retransmits: u32,
    /// Retransmitted segments over the connection's life (bytes on Windows).
    pub total_retransmits: u32,
    /// The connection is established.
    pub established: bool,
    /// Keepalive (or zero-window) probes sent and not answered (Linux only).
    pub probes: Option<u8>,
    /// Time since the last acknowledgement arrived (Linux only).
    pub last_ack_recv: Option<Duration>,
    /// The retransmission timeout now, backed off after each timeout (Linux only).
    pub rto: Option<Duration>,
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

    /// Another handle on the same socket (the descriptor duplicated again), to read its facts
    /// while the connection is in use elsewhere; `None` when the system refuses.
    pub fn try_clone(&self) -> Option<SocketHandle> {
        Some(SocketHandle { sock: self.sock.try_clone().ok()? })
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
        set_user_timeout(&socket2::SockRef::from(&self.sock), timeout)
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

/// What `--tcp-user-timeout` becomes on this system: Linux `TCP_USER_TIMEOUT`, macOS
/// `TCP_RXT_CONNDROPTIME` (whole seconds), Windows `TCP_MAXRT` (whole seconds); `None` where
/// there is no equivalent.
pub const USER_TIMEOUT_OPTION: Option<&str> = platform::USER_TIMEOUT_OPTION;

/// Whether this system reports TCP facts (`TcpInfo`) at all.
pub const HAS_TCP_INFO: bool = platform::HAS_TCP_INFO;

/// Whether `TcpInfo` says when keepalive probes were answered (`probes`, `last_ack_recv`).
pub const READS_KEEPALIVE_ACKS: bool = cfg!(target_os = "linux");

/// The name of the system this build runs on, for messages ("Linux", "macOS", "Windows", …).
pub const PLATFORM: &str = platform::NAME;

/// Sets the user timeout on `sock` (see `USER_TIMEOUT_OPTION`). Errors: `Unsupported` where
/// the system has no equivalent, else the system's.
pub fn set_user_timeout(sock: &socket2::Socket, timeout: Option<Duration>) -> io::Result<()> {
    platform::set_user_timeout(sock, timeout)
}

fn tcp_info(sock: &std::net::TcpStream) -> io::Result<TcpInfo> {
    platform::tcp_info(&socket2::SockRef::from(sock))
}

/// Whole seconds for options counted in seconds, rounded up so a short timeout never
/// becomes zero (which means "the system's default").
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn whole_seconds(d: Duration) -> u32 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos as platform;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as platform;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod other;
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
use other as platform;

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn reads_tcp_info_of_an_established_loopback_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        let (client, _server) = (client.unwrap(), accepted.unwrap().0);
        let handle = SocketHandle::duplicate(&client).unwrap();
        let info = handle.tcp_info().unwrap();
        assert!(info.established);
        assert_eq!(info.unacked, 0);
        assert_eq!(info.probes, Some(0));
        handle.set_keepalive(Some(Duration::from_secs(5))).unwrap();
        handle.set_user_timeout(Some(Duration::from_secs(3))).unwrap();
        assert_eq!(socket2::SockRef::from(&client).tcp_user_timeout().unwrap(), Some(Duration::from_secs(3)));
        assert!(socket2::SockRef::from(&client).keepalive().unwrap());
        handle.set_keepalive(None).unwrap();
        assert!(!socket2::SockRef::from(&client).keepalive().unwrap());
    }

    #[test]
    fn options_counted_in_seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_platform_says_what_the_user_timeout_maps_to() {
        assert_eq!(PLATFORM, "Linux");
        assert_eq!(USER_TIMEOUT_OPTION, Some("TCP_USER_TIMEOUT"));
        const { assert!(HAS_TCP_INFO) };
    }
}

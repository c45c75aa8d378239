//! What a server listens on: a TCP address, or a Unix-domain socket where the system has them.

use std::io;

use tokio::net::{TcpListener, TcpStream};

use crate::core::event::Endpoint;

/// A bound listener.
#[derive(Debug)]
pub enum Listener {
    Tcp(TcpListener),
    #[cfg(unix)]
    Unix(crate::core::net::unix::UnixListener),
}

/// An accepted connection, before TLS and the upgrade.
#[derive(Debug)]
pub enum Accepted {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

impl Listener {
    /// The next connection and where it came from (for a Unix socket, whose clients have no
    /// address of their own, the socket's path).
    pub async fn accept(&self) -> io::Result<(Accepted, Endpoint)> {
        match self {
            Listener::Tcp(l) => l.accept().await.map(|(s, peer)| (Accepted::Tcp(s), Endpoint::Tcp(peer))),
            #[cfg(unix)]
            Listener::Unix(l) => {
                let (s, _) = l.listener.accept().await?;
                Ok((Accepted::Unix(s), Endpoint::Unix(l.path.clone())))
            }
        }
    }

    /// Where it listens (the bound port, when port 0 was asked for).
    pub fn local(&self) -> io::Result<Endpoint> {
        match self {
            Listener::Tcp(l) => l.local_addr().map(Endpoint::Tcp),
            #[cfg(unix)]
            Listener::Unix(l) => Ok(Endpoint::Unix(l.path.clone())),
        }
    }
}

//! Telling an HTTP/2 client with prior knowledge (h2c, RFC 9113 §3.3) from an HTTP/1.1 one on
//! the same cleartext port: an HTTP/2 client opens with a fixed 24-byte preface, which no
//! HTTP/1.1 request begins with.
//!
//! The bytes are only peeked at, never taken: an HTTP/1.1 connection goes on over the very
//! same socket, its request read (and recorded) as if nobody had looked, and no buffer is
//! kept for it.

use std::io;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

/// The HTTP/2 connection preface a client sends first (RFC 9113 §3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long to wait between looks while the bytes seen so far are a proper prefix of the
/// preface (a client that split it across TCP segments): the peek would return at once.
const RELOOK: Duration = Duration::from_millis(5);

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opening {
    /// The whole HTTP/2 preface.
    Http2,
    /// Anything else, or nothing (the client closed, or sent a part of the preface and stopped
    /// until `deadline`): the HTTP/1.1 path answers it as it always did.
    Other,
}

/// Classifies `bytes`, the first bytes the client sent: Some once they decide, None while they
/// are a proper prefix of the preface.
pub fn classify(bytes: &[u8]) -> Option<Opening> {
    let n = bytes.len().min(PREFACE.len());
    if bytes[..n] != PREFACE[..n] {
        Some(Opening::Other)
    } else if n == PREFACE.len() {
        Some(Opening::Http2)
    } else {
        None
    }
}

/// Peeks at the first bytes of an accepted TCP connection until they decide, or `deadline`.
/// Errors are the socket's.
pub async fn sniff(tcp: &TcpStream, deadline: Instant) -> io::Result<Opening> {
    let mut buf = [0u8; PREFACE.len()];
    loop {
        let n = match tokio::time::timeout_at(deadline, tcp.peek(&mut buf)).await {
            Ok(n) => n?,
            Err(_) => return Ok(Opening::Other),
        };
        if n == 0 {
            return Ok(Opening::Other);
        }
        if let Some(opening) = classify(&buf[..n]) {
            return Ok(opening);
        }
        if Instant::now() + RELOOK >= deadline {
            return Ok(Opening::Other);
        }
        tokio::time::sleep(RELOOK).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn the_preface_decides_only_when_whole_or_broken() {
        assert_eq!(classify(PREFACE), Some(Opening::Http2));
        assert_eq!(classify(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\x12\x04"), Some(Opening::Http2));
        assert_eq!(classify(b"PRI * HTTP/2"), None);
        assert_eq!(classify(b"GET / HTTP/1.1\r\n"), Some(Opening::Other));
        assert_eq!(classify(b"PRI * HTTP/1.1\r\n\r\n"), Some(Opening::Other));
    }

    async fn pair() -> (TcpStream, TcpStream) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (server, _) = l.accept().await.unwrap();
        (client, server)
    }

    #[tokio::test]
    async fn a_split_preface_is_waited_for_and_an_http1_request_is_left_unread() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let (mut client, server) = pair().await;
        client.write_all(&PREFACE[..10]).await.unwrap();
        let look = tokio::spawn(async move { (sniff(&server, deadline).await.unwrap(), server) });
        tokio::time::sleep(Duration::from_millis(30)).await;
        client.write_all(&PREFACE[10..]).await.unwrap();
        let (opening, _) = look.await.unwrap();
        assert_eq!(opening, Opening::Http2);

        let (mut client, mut server) = pair().await;
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        assert_eq!(sniff(&server, deadline).await.unwrap(), Opening::Other);
        let mut first = [0u8; 3];
        server.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"GET", "nothing was taken");
    }

    #[tokio::test]
    async fn a_client_that_closes_or_stalls_is_left_to_the_http1_path() {
        let (client, server) = pair().await;
        drop(client);
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(sniff(&server, deadline).await.unwrap(), Opening::Other);
        let (mut client, server) = pair().await;
        client.write_all(b"PRI").await.unwrap();
        let deadline = Instant::now() + Duration::from_millis(50);
        assert_eq!(sniff(&server, deadline).await.unwrap(), Opening::Other);
    }
}

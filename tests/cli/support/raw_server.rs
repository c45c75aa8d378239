//! Misbehaving servers on 127.0.0.1:0 written against raw TCP: canned HTTP replies, silence,
//! and connections reset in the middle of a frame.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// What the server does after reading the upgrade request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Never answer; keep the connection open.
    Silence,
    /// Write these bytes, then close the connection normally.
    Canned(Vec<u8>),
    /// Answer with a valid `101`, then write these bytes and reset the connection (RST, no
    /// close frame).
    UpgradeThenReset(Vec<u8>),
    /// Answer with a valid `101`, then write these bytes and keep the connection open.
    UpgradeThenSend(Vec<u8>),
    /// Answer `101` with a wrong `Sec-WebSocket-Accept`.
    BadAccept,
    /// Answer a valid `101` that selects this subprotocol whatever the client offered.
    ForcedSubprotocol(String),
}

pub struct RawServer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    pub async fn start(reply: Reply) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((tcp, _)) = listener.accept().await {
                if let Some(stream) = answer(tcp, &reply).await {
                    held.push(stream);
                }
            }
        });
        RawServer { addr, task }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }
}

/// A plain HTTP response with a body.
pub fn http_response(status_line: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status_line}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Returns the stream when it must stay open.
async fn answer(mut tcp: TcpStream, reply: &Reply) -> Option<TcpStream> {
    let request = read_request(&mut tcp).await;
    let key = request
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key").then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    let accept = derive_accept_key(key.as_bytes());
    let upgrade = |accept: &str, extra: &str| {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
        )
    };
    match reply {
        Reply::Silence => return Some(tcp),
        Reply::Canned(bytes) => {
            let _ = tcp.write_all(bytes).await;
            let _ = tcp.shutdown().await;
            // Let the client read the reply before the socket goes away.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Reply::UpgradeThenReset(after) => {
            let _ = tcp.write_all(upgrade(&accept, "").as_bytes()).await;
            let _ = tcp.write_all(after).await;
            let _ = tcp.flush().await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = socket2::SockRef::from(&tcp).set_linger(Some(Duration::ZERO));
        }
        Reply::UpgradeThenSend(after) => {
            let _ = tcp.write_all(upgrade(&accept, "").as_bytes()).await;
            let _ = tcp.write_all(after).await;
            return Some(tcp);
        }
        Reply::BadAccept => {
            let bad = derive_accept_key(b"not the key the client sent");
            let _ = tcp.write_all(upgrade(&bad, "").as_bytes()).await;
            return Some(tcp);
        }
        Reply::ForcedSubprotocol(name) => {
            let extra = format!("Sec-WebSocket-Protocol: {name}\r\n");
            let _ = tcp.write_all(upgrade(&accept, &extra).as_bytes()).await;
            return Some(tcp);
        }
    }
    None
}

/// Reads up to the end of the request head (bounded in size and time).
async fn read_request(tcp: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), read).await;
    String::from_utf8_lossy(&buf).into_owned()
}

//! A raw-TCP server on 127.0.0.1:0 whose reply is computed from each request: it reads the
//! request head, hands it (with the accept key derived from its Sec-WebSocket-Key) to a
//! closure, and writes the closure's bytes verbatim. After a reply holding a `101` head it answers a close
//! frame from the client with a close frame carrying the same code, and records that code.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Longest the server waits for a request head or a close frame.
const WAIT: Duration = Duration::from_secs(10);

/// One request head as the server read it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The exact bytes of the head, up to and including the blank line.
    pub raw: Vec<u8>,
    /// The request target (`/path?query`).
    pub target: String,
    /// The accept key derived from the request's Sec-WebSocket-Key.
    pub accept: String,
}

impl Request {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.text().lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

type Responder = dyn Fn(&Request) -> Vec<u8> + Send + Sync;

#[derive(Default)]
struct Log {
    requests: Vec<Request>,
    /// The close code of each close frame the client sent (None: a close without a code).
    closes: Vec<Option<u16>>,
}

pub struct CraftedServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    task: JoinHandle<()>,
}

impl Drop for CraftedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The head of a correct `101` for `req`, with `extra` header lines (each ending in CRLF).
pub fn upgrade_head(req: &Request, extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
        req.accept
    )
    .into_bytes()
}

impl CraftedServer {
    pub async fn start(respond: impl Fn(&Request) -> Vec<u8> + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let log = Arc::new(Mutex::new(Log::default()));
        let respond: Arc<Responder> = Arc::new(respond);
        let task = {
            let log = log.clone();
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let (log, respond) = (log.clone(), respond.clone());
                    tokio::spawn(serve(tcp, log, respond));
                }
            })
        };
        CraftedServer { addr, log, task }
    }

    pub fn url(&self) -> String {
        self.url_path("/")
    }

    pub fn url_path(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().expect("log").requests.clone()
    }

    pub fn closes(&self) -> Vec<Option<u16>> {
        self.log.lock().expect("log").closes.clone()
    }
}

async fn serve(mut tcp: TcpStream, log: Arc<Mutex<Log>>, respond: Arc<Responder>) {
    let Some((raw, mut after)) = read_head(&mut tcp).await else {
        return;
    };
    let text = String::from_utf8_lossy(&raw).into_owned();
    let target = text.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let key = text
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case("sec-websocket-key").then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    let req = Request { raw, target, accept: derive_accept_key(key.as_bytes()) };
    log.lock().expect("log").requests.push(req.clone());
    let reply = respond(&req);
    // A 101 may follow interim (1xx) heads in the same reply.
    let upgraded = reply.windows(12).any(|w| w == b"HTTP/1.1 101" || w == b"HTTP/1.0 101");
    if tcp.write_all(&reply).await.is_err() {
        return;
    }
    if !upgraded {
        let _ = tcp.shutdown().await;
        // Let the client read the reply before the socket goes away.
        tokio::time::sleep(Duration::from_millis(200)).await;
        return;
    }
    // Wait (bounded) for a client close frame and answer it.
    let wait = async {
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(code) = client_close(&after) {
                return Some(code);
            }
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => after.extend_from_slice(&chunk[..n]),
            }
        }
    };
    if let Ok(Some(code)) = tokio::time::timeout(WAIT, wait).await {
        log.lock().expect("log").closes.push(code);
        let answer = match code {
            Some(c) => vec![0x88, 0x02, (c >> 8) as u8, c as u8],
            None => vec![0x88, 0x00],
        };
        let _ = tcp.write_all(&answer).await;
        let _ = tcp.shutdown().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A complete masked close frame at the start of `buf`: Some(code) (None inside for no code).
fn client_close(buf: &[u8]) -> Option<Option<u16>> {
    if buf.len() < 2 || buf[0] & 0x0F != 0x8 {
        return None;
    }
    let len = usize::from(buf[1] & 0x7F);
    let masked = buf[1] & 0x80 != 0;
    let start = 2 + if masked { 4 } else { 0 };
    if len > 125 || buf.len() < start + len {
        return None;
    }
    let mask = if masked { &buf[2..6] } else { &[0u8; 4][..] };
    let payload: Vec<u8> = buf[start..start + len].iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect();
    Some((payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]])))
}

/// Reads the request head; returns it and whatever followed it.
async fn read_head(tcp: &mut TcpStream) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let rest = buf.split_off(end + 4);
                return Some((buf, rest));
            }
            if buf.len() > 64 * 1024 {
                return None;
            }
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(WAIT, read).await.ok().flatten()
}

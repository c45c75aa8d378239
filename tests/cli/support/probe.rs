//! Machinery for the `connect` probe tests (pings, heartbeats, reconnects, assertions):
//! picking JSON events by type, and a WebSocket server on 127.0.0.1:0 written against raw
//! frames, so it can do what a library server never would: answer pings late, with a wrong
//! payload, twice or only the first few, answer chosen text messages with other text, and refuse the
//! first upgrade requests with a canned HTTP reply. Other data messages are echoed; a close
//! frame is answered with the same payload. Every connection's request head is recorded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// The JSON events of type `kind`, in order.
pub fn events<'a>(events: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// The one JSON event of type `kind`.
#[track_caller]
pub fn event<'a>(all: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    match events(all, kind).as_slice() {
        [one] => one,
        other => panic!("expected one {kind} event, got {}: {all:#?}", other.len()),
    }
}

/// Longest the server waits for a request head or a client's goodbye.
const WAIT: Duration = Duration::from_secs(10);

/// How the server answers ping frames.
#[derive(Clone, Copy, Debug)]
pub enum Pongs {
    /// At once, with the ping's payload (what RFC 6455 asks).
    Prompt,
    /// With the ping's payload, this long after the ping arrived.
    Late(Duration),
    /// At once, with a payload that is not the ping's.
    Wrong,
    /// At once, twice, with the ping's payload.
    Twice,
    /// At once to the first N pings of each connection, never to the others.
    OnlyFirst(usize),
}

#[derive(Clone, Debug)]
pub struct Plan {
    pongs: Pongs,
    replies: Vec<(String, String)>,
    reject_first: usize,
    rejection: Vec<u8>,
}

impl Default for Plan {
    fn default() -> Self {
        Plan { pongs: Pongs::Prompt, replies: Vec::new(), reject_first: 0, rejection: Vec::new() }
    }
}

impl Plan {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn pongs(mut self, pongs: Pongs) -> Self {
        self.pongs = pongs;
        self
    }

    /// Answer the text message `to` with `with` instead of echoing it.
    pub fn reply(mut self, to: &str, with: &str) -> Self {
        self.replies.push((to.to_owned(), with.to_owned()));
        self
    }

    /// Answer the first `n` upgrade requests with these bytes (then close the connection).
    pub fn reject_first(mut self, n: usize, response: &str) -> Self {
        self.reject_first = n;
        self.rejection = response.as_bytes().to_vec();
        self
    }

    pub async fn start(self) -> FrameServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let plan = Arc::new(self);
        let log = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (plan, log) = (plan.clone(), log.clone());
                tokio::spawn(async move { serve(tcp, &plan, &log).await });
            }
        });
        FrameServer { addr, requests, task }
    }
}

pub struct FrameServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for FrameServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FrameServer {
    /// `ws://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// The request head of every connection so far, in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("request log").clone()
    }
}

/// The value of every header called `name` (case-insensitive) in a request head.
fn header_values(head: &str, name: &str) -> Vec<String> {
    head.lines()
        .skip(1)
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
        .collect()
}

async fn serve(tcp: TcpStream, plan: &Plan, log: &Mutex<Vec<String>>) {
    let (read, mut write) = tcp.into_split();
    let mut read = BufReader::new(read);
    let Ok(head) = tokio::time::timeout(WAIT, read_head(&mut read)).await else { return };
    let index = {
        let mut log = log.lock().expect("request log");
        log.push(head.clone());
        log.len() - 1
    };
    if index < plan.reject_first {
        let _ = write.write_all(&plan.rejection).await;
        let _ = write.shutdown().await;
        // Wait for the client to hang up, so the reply is not cut short by a reset.
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(WAIT, read.read_to_end(&mut rest)).await;
        return;
    }
    let key = header_values(&head, "sec-websocket-key").pop().unwrap_or_default();
    let upgrade = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    if write.write_all(upgrade.as_bytes()).await.is_err() {
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if write.write_all(&frame).await.is_err() {
                return;
            }
        }
        let _ = write.shutdown().await;
    });
    let mut pings = 0;
    while let Some((opcode, payload)) = read_frame(&mut read).await {
        match opcode {
            0x1 => {
                let text = String::from_utf8_lossy(&payload).into_owned();
                let answer = plan.replies.iter().find(|(to, _)| *to == text).map(|(_, with)| with.as_bytes());
                let _ = tx.send(frame(0x1, answer.unwrap_or(&payload)));
            }
            0x2 => {
                let _ = tx.send(frame(0x2, &payload));
            }
            0x8 => {
                let _ = tx.send(frame(0x8, &payload));
                break;
            }
            0x9 => match plan.pongs {
                Pongs::OnlyFirst(n) => {
                    pings += 1;
                    if pings <= n {
                        let _ = tx.send(frame(0xA, &payload));
                    }
                }
                Pongs::Prompt => {
                    let _ = tx.send(frame(0xA, &payload));
                }
                Pongs::Twice => {
                    let _ = tx.send(frame(0xA, &payload));
                    let _ = tx.send(frame(0xA, &payload));
                }
                Pongs::Wrong => {
                    let _ = tx.send(frame(0xA, b"not the ping's payload"));
                }
                Pongs::Late(after) => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = tx.send(frame(0xA, &payload));
                    });
                }
            },
            _ => {}
        }
    }
    drop(tx);
    let _ = tokio::time::timeout(WAIT, writer).await;
}

/// Reads the request head, up to and including the blank line.
async fn read_head(read: &mut BufReader<OwnedReadHalf>) -> String {
    let mut head = Vec::new();
    while head.len() < 64 * 1024 {
        let before = head.len();
        match read.read_until(b'\n', &mut head).await {
            Ok(0) | Err(_) => break,
            Ok(_) if &head[before..] == b"\r\n" => break,
            Ok(_) => {}
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Reads one (masked, unfragmented) client frame: its opcode and unmasked payload.
async fn read_frame(read: &mut BufReader<OwnedReadHalf>) -> Option<(u8, Vec<u8>)> {
    let mut start = [0u8; 2];
    read.read_exact(&mut start).await.ok()?;
    let opcode = start[0] & 0x0F;
    let masked = start[1] & 0x80 != 0;
    let len = match start[1] & 0x7F {
        126 => u64::from(read.read_u16().await.ok()?),
        127 => read.read_u64().await.ok()?,
        n => u64::from(n),
    };
    if len > 16 * 1024 * 1024 {
        return None;
    }
    let mut mask = [0u8; 4];
    if masked {
        read.read_exact(&mut mask).await.ok()?;
    }
    let mut payload = vec![0u8; len as usize];
    read.read_exact(&mut payload).await.ok()?;
    if masked {
        payload.iter_mut().enumerate().for_each(|(i, b)| *b ^= mask[i % 4]);
    }
    Some((opcode, payload))
}

/// An unmasked, final server frame.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

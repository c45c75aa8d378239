//! WebSocket servers on 127.0.0.1:0 that follow a short script and record what clients did.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// Longest a test waits for a server to observe something.
pub const SERVER_WAIT: Duration = Duration::from_secs(10);

/// What a server saw, across all its connections.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    /// Request target (path and query) and headers of each upgrade request.
    pub requests: Vec<SeenRequest>,
    /// Data messages received, in order.
    pub messages: Vec<Message>,
    /// Close frames received: `None` for a close frame without a code.
    pub closes: Vec<Option<(u16, String)>>,
    /// Connections that have ended (cleanly or not).
    pub ended: usize,
    /// TLS: the SNI each client sent.
    pub sni: Vec<Option<String>>,
    /// TLS: whether each client presented a certificate.
    pub client_certs: Vec<bool>,
    /// TLS handshakes that failed.
    pub tls_errors: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the server does on each connection once upgraded.
#[derive(Clone, Debug, Default)]
pub struct Script {
    greet: Vec<Message>,
    echo: bool,
    close_with: Option<(u16, String)>,
    subprotocols: Vec<String>,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// Echo every data message back.
    pub fn echo() -> Self {
        Self { echo: true, ..Self::default() }
    }

    /// Send this message right after the upgrade.
    pub fn send(mut self, msg: Message) -> Self {
        self.greet.push(msg);
        self
    }

    pub fn send_text(self, text: &str) -> Self {
        self.send(Message::text(text))
    }

    /// After the greeting messages, close with this code and reason.
    pub fn close(mut self, code: u16, reason: &str) -> Self {
        self.close_with = Some((code, reason.to_owned()));
        self
    }

    /// Subprotocols the server supports; it selects the first one the client offers.
    pub fn subprotocols(mut self, names: &[&str]) -> Self {
        self.subprotocols = names.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    pub async fn start(self) -> WsServer {
        self.start_on("127.0.0.1:0").await.expect("bind 127.0.0.1:0")
    }

    /// Starts on another loopback address, e.g. `[::1]:0`; fails when it cannot bind.
    pub async fn start_on(self, bind: &str) -> std::io::Result<WsServer> {
        let listener = TcpListener::bind(bind).await?;
        Ok(WsServer::start(self, None, listener))
    }

    pub async fn start_tls(self, acceptor: TlsAcceptor) -> WsServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        WsServer::start(self, Some(acceptor), listener)
    }
}

pub struct WsServer {
    pub addr: SocketAddr,
    seen: watch::Sender<Seen>,
    task: JoinHandle<()>,
}

impl Drop for WsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WsServer {
    /// An echo server on 127.0.0.1:0.
    pub async fn echo() -> WsServer {
        Script::echo().start().await
    }

    fn start(script: Script, tls: Option<TlsAcceptor>, listener: TcpListener) -> WsServer {
        let addr = listener.local_addr().expect("local addr");
        let seen = watch::Sender::new(Seen::default());
        let script = Arc::new(script);
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let (script, seen, tls) = (script.clone(), seen.clone(), tls.clone());
                    tokio::spawn(async move {
                        match tls {
                            None => serve(tcp, &script, &seen).await,
                            Some(acceptor) => match acceptor.accept(tcp).await {
                                Ok(stream) => {
                                    let conn = stream.get_ref().1;
                                    let sni = conn.server_name().map(str::to_owned);
                                    let cert = conn.peer_certificates().is_some();
                                    seen.send_modify(|s| {
                                        s.sni.push(sni);
                                        s.client_certs.push(cert);
                                    });
                                    serve(stream, &script, &seen).await;
                                }
                                Err(e) => seen.send_modify(|s| {
                                    s.tls_errors.push(e.to_string());
                                    s.ended += 1;
                                }),
                            },
                        }
                    });
                }
            })
        };
        WsServer { addr, seen, task }
    }

    /// `ws://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("ws://{}/", self.addr)
    }

    /// `wss://127.0.0.1:PORT/`
    pub fn wss_url(&self) -> String {
        format!("wss://{}/", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// What the server has seen so far.
    pub fn seen(&self) -> Seen {
        self.seen.borrow().clone()
    }

    /// Waits (bounded) until `pred` holds for what the server saw.
    pub async fn wait_for(&self, what: &str, pred: impl FnMut(&Seen) -> bool) -> Seen {
        let mut rx = self.seen.subscribe();
        let outcome = tokio::time::timeout(SERVER_WAIT, rx.wait_for(pred))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|seen| seen.clone());
        match outcome {
            Some(seen) => seen,
            None => panic!("server did not see {what} within {SERVER_WAIT:?}; it saw {:#?}", self.seen()),
        }
    }

    /// Waits until the first connection has ended; returns what was seen.
    pub async fn finished(&self) -> Seen {
        self.wait_for("the connection end", |s| s.ended >= 1).await
    }

    /// The close frame the client sent on the first connection (waits for the connection end).
    pub async fn client_close(&self) -> Option<(u16, String)> {
        let seen = self.finished().await;
        match seen.closes.first() {
            Some(close) => close.clone(),
            None => panic!("the client sent no close frame; server saw {seen:#?}"),
        }
    }
}

// The callback's error type is fixed by tungstenite's `Callback` trait.
#[allow(clippy::result_large_err)]
async fn serve<S>(stream: S, script: &Script, seen: &watch::Sender<Seen>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let callback = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        let headers = req
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        seen.send_modify(|s| s.requests.push(SeenRequest { target: req.uri().to_string(), headers }));
        let offered = req
            .headers()
            .get_all("sec-websocket-protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .find(|p| script.subprotocols.iter().any(|s| s == p));
        if let Some(chosen) = offered {
            let value = HeaderValue::from_str(chosen).expect("header value");
            resp.headers_mut().insert("sec-websocket-protocol", value);
        }
        Ok(resp)
    };
    let mut ws = match tokio_tungstenite::accept_hdr_async(stream, callback).await {
        Ok(ws) => ws,
        Err(_) => {
            seen.send_modify(|s| s.ended += 1);
            return;
        }
    };
    for msg in &script.greet {
        if ws.send(msg.clone()).await.is_err() {
            break;
        }
    }
    if let Some((code, reason)) = &script.close_with {
        let frame = CloseFrame { code: (*code).into(), reason: reason.as_str().into() };
        let _ = ws.send(Message::Close(Some(frame))).await;
    }
    while let Some(Ok(msg)) = ws.next().await {
        match msg {
            Message::Text(_) | Message::Binary(_) => {
                seen.send_modify(|s| s.messages.push(msg.clone()));
                if script.echo && ws.send(msg).await.is_err() {
                    break;
                }
            }
            Message::Close(frame) => {
                let close = frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned()));
                seen.send_modify(|s| s.closes.push(close));
            }
            _ => {}
        }
    }
    seen.send_modify(|s| s.ended += 1);
}

//! The server side of a connection: TLS, the upgrade (subprotocol choice, extra headers,
//! rejection), and a Session, with the same tap and events as a client.

use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use tokio::net::TcpStream;
use tokio::time::timeout_at;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::core::error::Error;
use crate::core::event::{Dir, EventKind, EventSink, Side, Timings};
use crate::core::net::socket::SocketHandle;
use crate::core::net::transport::NetStream;
use crate::core::session::{Clock, Session};
use crate::core::wire::tap::{drain, Tap, TapConfig, TapRecord};

/// How a server treats each connection.
#[derive(Clone)]
pub struct ServerOptions {
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub max_message: usize,
    pub handshake_timeout: Duration,
    /// Accepted subprotocols; the first one the client offers is selected.
    pub subprotocols: Vec<String>,
    /// Extra headers for every 101.
    pub headers: Vec<(String, String)>,
    /// Refuse every upgrade with this status.
    pub reject: Option<u16>,
    pub tap: TapConfig,
    /// Keep a second handle on the socket so the connection can be reset or closed silently.
    pub raw_handle: bool,
}

/// Small buffers: a server holds many mostly idle connections, and tungstenite zero-fills
/// its read buffer, so the default 128 KiB would cost that much per connection.
const BUFFER: usize = 4096;

impl ServerOptions {
    fn ws_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(BUFFER)
            .write_buffer_size(BUFFER)
            .max_message_size(Some(self.max_message))
            .max_frame_size(Some(self.max_message))
    }
}

// The callback's error type is fixed by tungstenite's `Callback` trait.
#[allow(clippy::result_large_err)]
/// Runs TLS and the upgrade for one accepted socket, emitting handshake events for `conn`.
pub async fn accept(
    tcp: TcpStream,
    conn: u64,
    opts: &ServerOptions,
    clock: &Clock,
    sink: &mut dyn EventSink,
) -> Result<Session, Error> {
    let _ = tcp.set_nodelay(true);
    let socket = if opts.raw_handle { SocketHandle::duplicate(&tcp) } else { None };
    let start = Instant::now();
    let deadline = start + opts.handshake_timeout;
    let mut timings = Timings::default();
    let stream = match &opts.tls {
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            match timeout_at(deadline, acceptor.accept(tcp)).await {
                Err(_) => return Err(Error::HandshakeTimeout { after: opts.handshake_timeout }),
                Ok(Err(e)) => return Err(Error::Tls { message: e.to_string(), hint: None }),
                Ok(Ok(s)) => {
                    timings.tls = Some(start.elapsed());
                    NetStream::ServerTls(Box::new(s))
                }
            }
        }
        None => NetStream::Plain(tcp),
    };
    let (tap, mut tap_rx) = Tap::new(stream, opts.tap);
    let mut selected = None;
    let callback = |req: &Request, resp: Response| respond(req, resp, opts, &mut selected);
    let upgrade_start = Instant::now();
    let result = timeout_at(
        deadline,
        tokio_tungstenite::accept_hdr_async_with_config(tap, callback, Some(opts.ws_config())),
    )
    .await;
    for rec in drain(&mut tap_rx) {
        let kind = match rec {
            TapRecord::Head { dir: Dir::In, raw, .. } => EventKind::HandshakeRequest { dir: Dir::In, raw },
            TapRecord::Head { raw, .. } => {
                EventKind::HandshakeResponse { dir: Dir::Out, raw, body: Vec::new() }
            }
            TapRecord::Frame(f) => EventKind::Frame(f),
            TapRecord::Body { .. } | TapRecord::Eof { .. } => continue,
        };
        clock.emit_for(sink, conn, kind);
    }
    let ws = match result {
        Err(_) => return Err(Error::HandshakeTimeout { after: opts.handshake_timeout }),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => {
            let status = resp.status();
            return Err(Error::Rejected {
                status: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("").to_string(),
                body: resp.body().clone().unwrap_or_default(),
                retry_after: None,
            });
        }
        Ok(Err(e)) => return Err(Error::BadHandshake { message: e.to_string() }),
        Ok(Ok(ws)) => ws,
    };
    timings.upgrade = Some(upgrade_start.elapsed());
    clock.emit_for(sink, conn, EventKind::Open { subprotocol: selected.clone(), timings });
    let mut session = Session::new(ws, tap_rx, opts.tap, *clock, conn, Side::Server);
    session.attach_socket(socket);
    Ok(session)
}

/// Decides the 101: picks the subprotocol, adds headers, or refuses.
#[allow(clippy::result_large_err)]
fn respond(
    req: &Request,
    mut resp: Response,
    opts: &ServerOptions,
    selected: &mut Option<String>,
) -> Result<Response, ErrorResponse> {
    if let Some(status) = opts.reject {
        return Err(error_response(status, format!("refused by wsdiag (--reject {status})\n")));
    }
    let offered: Vec<String> = req
        .headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if !opts.subprotocols.is_empty() && !offered.is_empty() {
        match offered.iter().find(|p| opts.subprotocols.contains(p)) {
            Some(p) => {
                if let Ok(v) = HeaderValue::from_str(p) {
                    resp.headers_mut().insert("Sec-WebSocket-Protocol", v);
                    *selected = Some(p.clone());
                }
            }
            None => {
                let body = format!(
                    "no acceptable subprotocol; this server accepts: {}\n",
                    opts.subprotocols.join(", ")
                );
                return Err(error_response(400, body));
            }
        }
    }
    for (name, value) in &opts.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            resp.headers_mut().append(n, v);
        }
    }
    Ok(resp)
}

fn error_response(status: u16, body: String) -> ErrorResponse {
    let mut resp = ErrorResponse::new(Some(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    resp.headers_mut().insert("Content-Type", HeaderValue::from_static("text/plain"));
    resp
}

//! The server side of a connection: TLS, the upgrade (subprotocol choice, extra headers,
//! rejection), and a Session, with the same tap and events as a client.

use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use tokio::time::timeout_at;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::core::error::Error;
use crate::core::event::{Dir, EventKind, EventSink, HttpProtocol, Side, Timings};
use crate::core::net::http::status_code;
use crate::core::net::listener::Accepted;
use crate::core::net::preface::{self, Opening};
use crate::core::net::read_ahead::ReadAhead;
use crate::core::net::socket::SocketHandle;
use crate::core::net::tls_server::ALPN_H2;
use crate::core::net::transport::{AnyStream, NetStream};
use crate::core::session::h2_server::{self, H2Conn};
use crate::core::session::upgrade::{self, Policy, Rejection};
use crate::core::session::{Clock, Session, Ws};
use crate::core::wire::deflate::{Agreement, Deflate, DeflateConfig, DeflateFault, DeflateParams};
use crate::core::wire::pong_filter::PongFilter;
use crate::core::wire::tap::{drain, Records, Tap, TapConfig, TapRecord};

/// How a server treats each connection.
#[derive(Clone)]
pub struct ServerConfig {
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub max_message: usize,
    pub handshake_timeout: Duration,
    /// Accepted subprotocols; the first one the client offers is selected.
    pub subprotocols: Vec<String>,
    /// Extra headers for every 101.
    pub headers: Vec<(String, String)>,
    /// Refuse every upgrade so.
    pub reject: Option<Rejection>,
    pub tap: TapConfig,
    /// Do not answer pings (the echo server's `--no-pong`): the pongs the protocol layer
    /// writes are dropped before the tap, so what is recorded is what crossed the wire.
    pub no_pong: bool,
    /// Keep a second handle on the socket so the connection can be reset or closed silently.
    pub raw_handle: bool,
    /// permessage-deflate: what the server asks for when a client offers it (None: decline).
    pub deflate: Option<DeflateParams>,
    /// A permessage-deflate fault to inject (the echo server's `--deflate-fault`).
    pub deflate_fault: Option<DeflateFault>,
    /// Serve HTTP/2 too (RFC 8441): connections whose TLS chose ALPN `h2`, and cleartext ones
    /// that open with the HTTP/2 preface (h2c with prior knowledge). The TLS configuration's
    /// ALPN list must agree (`tls_server`).
    pub http2: bool,
}

/// What an accepted connection turned out to be.
pub enum Admitted {
    /// An HTTP/1.1 upgrade: one session.
    Upgraded(Box<Session>),
    /// An HTTP/2 connection (boxed: rare beside HTTP/1.1, and large), whose streams are
    /// sessions of their own.
    Http2(Box<H2Conn>),
}

/// The protocol stream over the tap: permessage-deflate as agreed (the unnegotiated fault
/// compresses what it sends all the same), `--no-pong`, the read-ahead, tungstenite.
pub(crate) async fn protocol_stream(
    tap: Tap<NetStream>,
    records: &Records,
    opts: &ServerConfig,
    accepted: &upgrade::Accepted,
) -> Ws {
    let agreed = match opts.deflate_fault {
        Some(DeflateFault::Unnegotiated) => Some(Agreement::unlimited()),
        _ => accepted.deflate,
    };
    let deflate = agreed.map(|agreement| DeflateConfig {
        agreement,
        local: Side::Server,
        max_message: Some(opts.max_message).filter(|m| *m > 0),
        fault: opts.deflate_fault,
    });
    let mut layer = Deflate::new(tap, deflate, records);
    let leftover = layer.take_leftover(accepted.leftover.clone());
    let io = ReadAhead::new(PongFilter::new(layer, opts.no_pong));
    WebSocketStream::from_partially_read(io, leftover, Role::Server, Some(opts.ws_config())).await
}

/// The protocol layer's read buffer, bytes: a server holds many mostly idle connections, and
/// tungstenite keeps (and zero-fills) this buffer for a connection's life, so the default
/// 128 KiB would cost that much per connection. Reads from the socket are larger: the
/// read-ahead layer below takes up to 64 KiB at once and frees it once passed on.
const READ_BUFFER: usize = 1024;
/// Outgoing frames are gathered up to this many bytes before a write (a flush writes the rest).
const WRITE_BUFFER: usize = 4096;

impl ServerConfig {
    fn ws_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .write_buffer_size(WRITE_BUFFER)
            .max_message_size(Some(self.max_message))
            .max_frame_size(Some(self.max_message))
    }
}

/// The server side of the TLS handshake, within the deadline.
async fn secure<S: AnyStream>(
    io: S,
    config: &Arc<rustls::ServerConfig>,
    deadline: Instant,
    opts: &ServerConfig,
) -> Result<tokio_rustls::server::TlsStream<S>, Error> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
    match timeout_at(deadline, acceptor.accept(io)).await {
        Err(_) => Err(Error::HandshakeTimeout { after: opts.handshake_timeout }),
        Ok(Err(e)) => Err(Error::Tls { message: e.to_string(), hint: None }),
        Ok(Ok(s)) => Ok(s),
    }
}

/// Runs TLS and the upgrade for one accepted socket, emitting handshake events for `conn`;
/// or, for a client that speaks HTTP/2 (and `opts.http2`), the HTTP/2 connection preface.
/// The session comes boxed: a server holds thousands of them, each in its own task, and a
/// pointer keeps every future that carries one small.
pub async fn accept(
    accepted: Accepted,
    conn: u64,
    opts: &ServerConfig,
    clock: &Clock,
    sink: &mut dyn EventSink,
) -> Result<Admitted, Error> {
    let start = Instant::now();
    let deadline = start + opts.handshake_timeout;
    let mut timings = Timings::default();
    let socket = match &accepted {
        Accepted::Tcp(tcp) if opts.raw_handle => SocketHandle::duplicate(tcp),
        _ => None,
    };
    let mut http2 = None;
    let stream = match accepted {
        Accepted::Tcp(tcp) => {
            let _ = tcp.set_nodelay(true);
            match &opts.tls {
                Some(config) => {
                    let tls = secure(tcp, config, deadline, opts).await?;
                    if opts.http2 && tls.get_ref().1.alpn_protocol() == Some(ALPN_H2) {
                        http2 = Some(HttpProtocol::H2);
                    }
                    NetStream::ServerTls(Box::new(tls))
                }
                None => {
                    if opts.http2 && matches!(preface::sniff(&tcp, deadline).await, Ok(Opening::Http2)) {
                        http2 = Some(HttpProtocol::H2c);
                    }
                    NetStream::Plain(tcp)
                }
            }
        }
        #[cfg(unix)]
        Accepted::Unix(unix) => match &opts.tls {
            Some(config) => {
                let tls = secure(unix, config, deadline, opts).await?;
                if opts.http2 && tls.get_ref().1.alpn_protocol() == Some(ALPN_H2) {
                    http2 = Some(HttpProtocol::H2);
                }
                NetStream::Other(Box::new(tls))
            }
            None => NetStream::Other(Box::new(unix)),
        },
    };
    if let Some(protocol) = http2 {
        let h2 = h2_server::handshake(stream, protocol, deadline, opts.handshake_timeout).await?;
        return Ok(Admitted::Http2(Box::new(h2)));
    }
    if opts.tls.is_some() {
        timings.tls = Some(start.elapsed());
    }
    let (mut tap, mut tap_rx) = Tap::new(stream, opts.tap);
    let upgrade_start = Instant::now();
    let policy = Policy {
        reject: opts.reject.as_ref(),
        subprotocols: &opts.subprotocols,
        headers: &opts.headers,
        deflate: opts.deflate.as_ref().filter(|_| opts.deflate_fault != Some(DeflateFault::Unnegotiated)),
    };
    let result = timeout_at(deadline, upgrade::answer(&mut tap, policy)).await;
    // Frames that came with the request go to the session, like any later frame.
    let mut early_frames = Vec::new();
    for rec in drain(&mut tap_rx) {
        let kind = match rec {
            TapRecord::Head { dir: Dir::In, raw, .. } => EventKind::HandshakeRequest { dir: Dir::In, raw },
            TapRecord::Head { raw, .. } => EventKind::HandshakeResponse {
                dir: Dir::Out,
                status: status_code(&raw),
                raw,
                body: Vec::new(),
            },
            TapRecord::Frame(f) => {
                early_frames.push(f);
                continue;
            }
            TapRecord::Body { .. } | TapRecord::Eof { .. } | TapRecord::Deflate { .. } => continue,
        };
        clock.emit_for(sink, conn, kind);
    }
    let accepted = match result {
        Err(_) => return Err(Error::HandshakeTimeout { after: opts.handshake_timeout }),
        Ok(r) => r?,
    };
    let ws = protocol_stream(tap, &tap_rx, opts, &accepted).await;
    let selected = accepted.subprotocol;
    timings.upgrade = Some(upgrade_start.elapsed());
    clock.emit_for(
        sink,
        conn,
        EventKind::Open { subprotocol: selected.clone(), timings, deflate: accepted.deflate },
    );
    let mut session = Box::new(Session::new(ws, tap_rx, opts.tap, *clock, conn, Side::Server));
    session.set_deflate(accepted.deflate.is_some());
    session.attach_socket(socket);
    for f in early_frames {
        session.observe_frame(f, sink);
    }
    Ok(Admitted::Upgraded(session))
}

//! The server side of WebSockets over HTTP/2 (RFC 8441): the connection's SETTINGS with
//! extended CONNECT enabled, and for each stream the request's checks, the `:status 200` (or a
//! refusal) and a Session over the stream, with the same tap, deflate layer and events as an
//! HTTP/1.1 upgrade.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use h2::server::{Connection, SendResponse};
use h2::RecvStream;
use http::{Method, Request, Response};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{timeout_at, Instant};

use crate::core::error::Error;
use crate::core::event::{Dir, EventKind, EventSink, HttpProtocol, Side, Timings};
use crate::core::net::h2::H2Stream;
use crate::core::net::transport::NetStream;
use crate::core::session::server::{protocol_stream, ServerConfig};
use crate::core::session::upgrade::{self, refuse, Refusal};
use crate::core::session::{Clock, Session};
use crate::core::wire::deflate::DeflateFault;
use crate::core::wire::h2_upgrade;
use crate::core::wire::tap::{Tap, HEAD_MAX};

/// WebSocket streams one HTTP/2 connection may have open at once
/// (SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113 §6.5.2); browsers open one per socket.
pub const MAX_STREAMS: u32 = 100;

/// Bytes queued for sending per stream before a write waits for the client's window: small,
/// since a server holds many streams and each queues at most this much.
const SEND_BUFFER: usize = 64 * 1024;

/// An HTTP/2 connection after the preface and SETTINGS, streams not yet accepted.
pub struct H2Conn {
    pub conn: Connection<NetStream, Bytes>,
    pub protocol: HttpProtocol,
}

/// The server's side of the connection preface (RFC 9113 §3.4): sends SETTINGS with
/// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3) and reads the client's preface, by
/// `deadline`.
pub async fn handshake(
    io: NetStream,
    protocol: HttpProtocol,
    deadline: Instant,
    after: Duration,
) -> Result<H2Conn, Error> {
    let mut builder = h2::server::Builder::new();
    builder
        .enable_connect_protocol()
        .max_concurrent_streams(MAX_STREAMS)
        .max_header_list_size(HEAD_MAX as u32)
        .max_send_buffer_size(SEND_BUFFER);
    match timeout_at(deadline, builder.handshake(io)).await {
        Err(_) => Err(Error::HandshakeTimeout { after }),
        Ok(Err(e)) => {
            Err(Error::BadHandshake { message: format!("the HTTP/2 connection preface failed: {e}") })
        }
        Ok(Ok(conn)) => Ok(H2Conn { conn, protocol }),
    }
}

/// The request's HEADERS as text lines, pseudo-header fields first (`:method: CONNECT`), as
/// they were decoded (RFC 9113 §8.3), with a blank line at the end like an HTTP/1.1 head.
fn request_head(req: &Request<RecvStream>) -> Vec<u8> {
    let mut out = format!(":method: {}\r\n", req.method());
    if let Some(p) = req.extensions().get::<h2::ext::Protocol>() {
        out.push_str(&format!(":protocol: {}\r\n", p.as_str()));
    }
    if let Some(scheme) = req.uri().scheme_str() {
        out.push_str(&format!(":scheme: {scheme}\r\n"));
    }
    if let Some(path) = req.uri().path_and_query() {
        out.push_str(&format!(":path: {path}\r\n"));
    }
    if let Some(authority) = req.uri().authority() {
        out.push_str(&format!(":authority: {authority}\r\n"));
    }
    h2_upgrade::head_text(out, req.headers())
}

/// The response's HEADERS as text lines, `:status` first.
fn response_head(resp: &Response<()>) -> Vec<u8> {
    h2_upgrade::response_head(resp.status().as_u16(), resp.headers())
}

/// Header fields HTTP/2 forbids (RFC 9113 §8.2.2): an extra `--header` naming one is left out
/// of the 200 rather than making the response malformed.
const CONNECTION_SPECIFIC: [&str; 6] =
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"];

/// Checks an extended CONNECT (RFC 8441 §4–5) and negotiates as HTTP/1.1 does. Refusals:
/// 405 for another method (only CONNECT opens a WebSocket here), 405 for a CONNECT without
/// `:protocol` (a tunnel: this is no proxy), 501 for a `:protocol` other than `websocket`,
/// 400 with `sec-websocket-version: 13` for a missing or other version (RFC 6455 §4.2.2; 426
/// would promise an Upgrade, which HTTP/2 does not have).
fn decide(req: &Request<RecvStream>, policy: upgrade::Policy<'_>) -> Result<upgrade::Negotiated, Refusal> {
    if req.method() != Method::CONNECT {
        let mut r = refuse(
            405,
            "this is a WebSocket endpoint: open it with an extended CONNECT, :protocol websocket (RFC 8441)\n",
        );
        r.headers = vec![("allow", "CONNECT".into())];
        return Err(r);
    }
    let Some(protocol) = req.extensions().get::<h2::ext::Protocol>() else {
        let mut r =
            refuse(405, "this server is no proxy: a CONNECT needs :protocol websocket (RFC 8441 §4)\n");
        r.headers = vec![("allow", "CONNECT".into())];
        return Err(r);
    };
    if protocol.as_str() != "websocket" {
        return Err(refuse(501, "only :protocol websocket is served here\n"));
    }
    let values = |name: &str| -> Vec<String> {
        req.headers()
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .collect()
    };
    let pairs: Vec<(&str, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    upgrade::check_fields(&pairs, &values("sec-websocket-version"), 400)?;
    upgrade::negotiate(&values, policy)
}

fn response(status: u16, headers: &[(&str, String)]) -> Response<()> {
    let mut resp = Response::builder().status(status);
    for (name, value) in headers {
        let lower = name.trim().to_ascii_lowercase();
        if CONNECTION_SPECIFIC.contains(&lower.as_str()) {
            continue;
        }
        // A name or value HTTP cannot carry was refused when the flag was read; skip it here.
        if let (Ok(n), Ok(v)) =
            (http::HeaderName::from_bytes(lower.as_bytes()), http::HeaderValue::from_str(value.trim()))
        {
            resp = resp.header(n, v);
        }
    }
    resp.body(()).unwrap_or_else(|_| Response::new(()))
}

/// Answers one request on an HTTP/2 connection and, for an extended CONNECT it accepts, opens
/// the session over the stream, emitting the HEADERS both ways and `open` for `conn`. Errors:
/// `Rejected` after a refusal was sent; `Io` when the stream or connection failed first.
pub async fn open_stream(
    req: Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    conn: u64,
    opts: &ServerConfig,
    clock: &Clock,
    sink: &mut dyn EventSink,
) -> Result<Box<Session>, Error> {
    let start = Instant::now();
    clock.emit_for(sink, conn, EventKind::HandshakeRequest { dir: Dir::In, raw: request_head(&req) });
    let policy = upgrade::Policy {
        reject: opts.reject.as_ref(),
        subprotocols: &opts.subprotocols,
        headers: &opts.headers,
        deflate: opts.deflate.as_ref().filter(|_| opts.deflate_fault != Some(DeflateFault::Unnegotiated)),
    };
    let failed = |e: h2::Error| Error::Io {
        context: "answering the extended CONNECT".into(),
        source: std::io::Error::new(std::io::ErrorKind::ConnectionReset, e),
    };
    let (subprotocol, deflate) = match decide(&req, policy) {
        Ok(agreed) => agreed,
        Err(r) => {
            let mut headers = vec![("content-type", "text/plain".to_string())];
            headers.extend(r.headers.iter().cloned());
            let resp = response(r.status, &headers);
            let raw = response_head(&resp);
            clock.emit_for(
                sink,
                conn,
                EventKind::HandshakeResponse {
                    dir: Dir::Out,
                    raw,
                    status: Some(r.status),
                    body: r.body.clone().into_bytes(),
                },
            );
            let mut send = respond.send_response(resp, false).map_err(failed)?;
            send.send_data(Bytes::from(r.body.clone()), true).map_err(failed)?;
            return Err(Error::Rejected {
                status: r.status,
                reason: upgrade::reason_phrase(r.status).into(),
                location: None,
                versions: r
                    .headers
                    .iter()
                    .find(|(n, _)| *n == "sec-websocket-version")
                    .map(|(_, v)| Box::from(v.as_str())),
                body: r.body.into_bytes(),
                retry_after: None,
            });
        }
    };
    let mut headers: Vec<(&str, String)> = Vec::new();
    if let Some(p) = &subprotocol {
        headers.push(("sec-websocket-protocol", p.clone()));
    }
    if let Some((_, answer)) = &deflate {
        headers.push(("sec-websocket-extensions", answer.to_string()));
    }
    headers.extend(opts.headers.iter().map(|(n, v)| (n.as_str(), v.clone())));
    let resp = response(200, &headers);
    let raw = response_head(&resp);
    let recv = req.into_body();
    let send = respond.send_response(resp, false).map_err(failed)?;
    clock.emit_for(
        sink,
        conn,
        EventKind::HandshakeResponse { dir: Dir::Out, raw, status: Some(200), body: Vec::new() },
    );
    let stream = Lingering(Some(H2Stream::new(send, recv)));
    let (tap, tap_rx) = Tap::upgraded(NetStream::Other(Box::new(stream)), opts.tap);
    let accepted =
        upgrade::Accepted { subprotocol, leftover: Vec::new(), deflate: deflate.map(|(agreed, _)| agreed) };
    let ws = protocol_stream(tap, &tap_rx, opts, &accepted).await;
    let timings = Timings { upgrade: Some(start.elapsed()), ..Timings::default() };
    clock.emit_for(
        sink,
        conn,
        EventKind::Open { subprotocol: accepted.subprotocol.clone(), timings, deflate: accepted.deflate },
    );
    let mut session = Box::new(Session::new(ws, tap_rx, opts.tap, *clock, conn, Side::Server));
    session.set_deflate(accepted.deflate.is_some());
    Ok(session)
}

/// How long a finished stream waits for the client to end its side before it is reset.
const LINGER: Duration = crate::core::session::CLOSE_TIMEOUT;

/// A stream that, when the session drops it, ends its side (END_STREAM) and waits (bounded)
/// for the client's END_STREAM before letting go. Dropped at once, an open stream is reset
/// (RST_STREAM CANCEL), and a reset discards what is still queued, the close frame with it.
struct Lingering(Option<H2Stream>);

impl Lingering {
    fn stream(&mut self) -> Pin<&mut H2Stream> {
        // Some until Drop.
        Pin::new(self.0.as_mut().expect("a stream until dropped"))
    }
}

impl AsyncRead for Lingering {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream().poll_read(cx, buf)
    }
}

impl AsyncWrite for Lingering {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().stream().poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream().poll_shutdown(cx)
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        let (Some(mut stream), Ok(rt)) = (self.0.take(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        rt.spawn(async move {
            let _ = stream.shutdown().await;
            let _ = tokio::time::timeout(LINGER, async {
                let mut rest = [0u8; 1024];
                while let Ok(1..) = stream.read(&mut rest).await {}
            })
            .await;
        });
    }
}

/// How an HTTP/2 connection ended: the streams it carried, and the error that ended it, if
/// any (a GOAWAY with an error code, a protocol error, the socket's failure), in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H2Ending {
    pub streams: u64,
    pub error: Option<String>,
}

/// Drives the connection: hands each request to `each` (which answers it, usually in a task
/// of its own) until the client ends the connection, or `stop` turns true, or no stream has
/// been open (`open` is 0) for `idle_after` (a connection that carries nothing holds a socket
/// all the same); then sends GOAWAY (RFC 9113 §6.8) and goes on driving the open streams until
/// they end. The caller bounds how long that may take.
pub async fn drive(
    h2: &mut H2Conn,
    mut stop: tokio::sync::watch::Receiver<bool>,
    idle_after: Duration,
    open: &std::sync::atomic::AtomicUsize,
    mut each: impl FnMut(Request<RecvStream>, SendResponse<Bytes>),
) -> H2Ending {
    let mut streams = 0;
    let mut stopping = false;
    loop {
        let next = if stopping {
            h2.conn.accept().await
        } else {
            tokio::select! {
                r = h2.conn.accept() => r,
                _ = crate::core::session::wait::stopped(&mut stop) => {
                    h2.conn.graceful_shutdown();
                    stopping = true;
                    continue;
                }
                _ = tokio::time::sleep(idle_after) => {
                    if open.load(std::sync::atomic::Ordering::Relaxed) == 0 {
                        h2.conn.graceful_shutdown();
                        stopping = true;
                    }
                    continue;
                }
            }
        };
        match next {
            None => return H2Ending { streams, error: None },
            Some(Ok((req, respond))) => {
                streams += 1;
                each(req, respond);
            }
            Some(Err(e)) => return H2Ending { streams, error: connection_error(&e) },
        }
    }
}

/// A connection-level failure in words, or None for an orderly end (GOAWAY NO_ERROR, or the
/// client closing TCP once its streams were done).
fn connection_error(e: &h2::Error) -> Option<String> {
    if e.is_go_away() && e.reason() == Some(h2::Reason::NO_ERROR) {
        return None;
    }
    match e.get_io().map(|io| io.kind()) {
        // Closing TCP once the streams are done is common enough not to be called a failure.
        Some(std::io::ErrorKind::UnexpectedEof) => return None,
        Some(std::io::ErrorKind::ConnectionReset) => return Some("the client reset the connection".into()),
        Some(_) => return Some(e.to_string()),
        None => {}
    }
    let by = if e.is_remote() { "the client's " } else { "" };
    Some(match (e.is_go_away(), e.reason()) {
        (true, Some(reason)) => format!("{by}GOAWAY {reason:?} (RFC 9113 §7)"),
        (false, Some(reason)) => format!("connection error {reason:?} (RFC 9113 §7)"),
        _ => e.to_string(),
    })
}

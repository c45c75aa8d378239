//! The opening handshake over HTTP/2 (RFC 8441): the connection preface and SETTINGS, the
//! check for SETTINGS_ENABLE_CONNECT_PROTOCOL (§3), then an extended CONNECT request with
//! `:protocol websocket` on a new stream and its `:status 200` (§4–5). What the request and
//! response carry besides (Sec-WebSocket-Version, -Protocol, -Extensions, Origin) is as in
//! HTTP/1.1; there is no Sec-WebSocket-Key or -Accept.
//!
//! Heads are reported as text, one `name: value` line per field, pseudo-header fields first in
//! the order they are sent, ending with a blank line: the same shape as an HTTP/1.1 head
//! without its start line, so they are shown, masked and turned into JSON the same way.

use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use tokio::time::{timeout_at, Instant};

use crate::core::error::{Error, Hint};
use crate::core::event::Dir;
use crate::core::net::h2::tap::FrameRecord;
use crate::core::net::h2::{FrameLog, FrameTap, H2Error, H2Stream};
use crate::core::net::http::escape_hex;
use crate::core::net::target::Target;
use crate::core::net::transport::AnyStream;
use crate::core::wire::deflate::params::Agreement;
use crate::core::wire::handshake::{negotiate, RequestConfig};
use crate::core::wire::tap::BODY_MAX;

/// Request fields HTTP/2 forbids (RFC 9113 §8.2.2): they belong to HTTP/1.1's connection.
const CONNECTION_SPECIFIC: [&str; 6] =
    ["connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding", "te"];

/// A step of the handshake, reported as it happens.
#[derive(Debug)]
pub enum Step {
    /// Frames recorded since the last step (SETTINGS both ways and their ACKs, …).
    Frames(Vec<FrameRecord>),
    /// The request's HEADERS on stream `stream_id`, as text lines.
    Request { raw: Vec<u8>, stream_id: u32, at: Instant },
    /// The response's HEADERS, as text lines, with the body of a refusal.
    Response { raw: Vec<u8>, status: u16, body: Vec<u8>, at: Instant },
    /// A request field left out because HTTP/2 forbids it.
    Dropped { name: String },
}

/// An open WebSocket stream over HTTP/2.
pub struct H2Upgraded {
    /// The stream, as bytes for the WebSocket layer.
    pub stream: H2Stream,
    /// The connection's frames (later ones: PING, GOAWAY, …).
    pub log: FrameLog,
    pub subprotocol: Option<String>,
    pub deflate: Option<Agreement>,
    /// From the connection preface to the server's SETTINGS.
    pub settings_took: Duration,
    /// From the CONNECT request to its response.
    pub connect_took: Duration,
    /// HTTP/2 PING frames on this connection (RFC 9113 §6.7), for keepalive probes.
    pub ping_pong: Option<h2::PingPong>,
}

impl std::fmt::Debug for H2Upgraded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Upgraded").field("stream", &self.stream).finish_non_exhaustive()
    }
}

/// Opens a WebSocket over HTTP/2 on `io` (a transport stream: TCP, TLS, a proxy's tunnel):
/// the preface, the server's SETTINGS, the extended CONNECT and its answer, all by `deadline`.
///
/// Errors: `Http2` when the server does not speak HTTP/2, does not advertise
/// SETTINGS_ENABLE_CONNECT_PROTOCOL (hint `ExtendedConnectMissing`), or ends the stream or the
/// connection; `Rejected` for a non-2xx `:status` (with its body); `BadHandshake` for a
/// subprotocol or extension that was not offered; `HandshakeTimeout`.
pub async fn upgrade<S: AnyStream>(
    io: S,
    target: &Target,
    spec: &RequestConfig,
    deadline: Instant,
    budget: Duration,
    step: &mut (dyn FnMut(Step) + Send),
) -> Result<H2Upgraded, Error> {
    let timed_out = |_| Error::HandshakeTimeout { after: budget };
    let log = FrameLog::default();
    let start = Instant::now();
    let handshake = h2::client::Builder::new().handshake::<_, Bytes>(FrameTap::client(io, log.clone()));
    let (send_request, mut conn) =
        timeout_at(deadline, handshake).await.map_err(timed_out)?.map_err(|e| Error::Http2 {
            message: format!("the connection preface could not be sent: {e}"),
            hint: None,
        })?;
    // Drive the connection here until the server's SETTINGS have been read and applied: only
    // then does the library know whether extended CONNECT is enabled.
    let settings = poll_fn(|cx| match conn.poll_unpin(cx) {
        Poll::Ready(Ok(())) => Poll::Ready(Err(not_h2("the server closed the connection".into()))),
        Poll::Ready(Err(e)) => Poll::Ready(Err(connection_failed(e, &log))),
        Poll::Pending if log.peer_settings().is_some() => Poll::Ready(Ok(())),
        Poll::Pending => Poll::Pending,
    });
    let settled = timeout_at(deadline, settings).await;
    step(Step::Frames(log.take().0));
    settled.map_err(timed_out)??;
    let settings_took = start.elapsed();
    if !send_request.is_extended_connect_protocol_enabled() {
        return Err(Error::Http2 {
            message: "the server does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3), \
                      so no WebSocket can be opened on this HTTP/2 connection"
                .into(),
            hint: Some(Hint::ExtendedConnectMissing),
        });
    }
    let ping_pong = conn.ping_pong();
    let driver_log = log.clone();
    tokio::spawn(async move {
        // The connection's own end is seen by the stream (named by the log); nothing to add.
        let _ = conn.await;
        drop(driver_log);
    });

    let (request, raw, dropped) = build(target, spec)?;
    for name in dropped {
        step(Step::Dropped { name });
    }
    let mut send_request = timeout_at(deadline, send_request.ready())
        .await
        .map_err(timed_out)?
        .map_err(|e| stream_failed("the connection failed before the CONNECT request", e, &log))?;
    let connect_start = Instant::now();
    let (response, send) = send_request
        .send_request(request, false)
        .map_err(|e| stream_failed("the CONNECT request could not be sent", e, &log))?;
    let stream_id = send.stream_id().as_u32();
    let response = timeout_at(deadline, response).await.map_err(timed_out);
    // The request's fields are shown after its HEADERS frame, as the response's after theirs.
    let mut frames = log.take().0;
    let sent = frames.iter().position(|r| r.frame.kind == 1 && r.dir == Dir::Out).map_or(0, |i| i + 1);
    let later = frames.split_off(sent);
    let at = frames.last().filter(|_| sent > 0).map_or(connect_start, |r| r.at);
    step(Step::Frames(frames));
    step(Step::Request { raw, stream_id, at });
    step(Step::Frames(later));
    let response =
        response?.map_err(|e| stream_failed("the server did not answer the CONNECT request", e, &log))?;
    let connect_took = connect_start.elapsed();
    let at = Instant::now();
    let (parts, mut body) = response.into_parts();
    let status = parts.status.as_u16();
    let raw = response_head(status, &parts.headers);
    if !parts.status.is_success() {
        let bytes = timeout_at(deadline, read_body(&mut body)).await.unwrap_or_default();
        step(Step::Response { raw, status, body: bytes.clone(), at });
        let retry_after = parts
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let reason = parts.status.canonical_reason().unwrap_or("").to_string();
        let value = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(Box::from);
        let versions: Vec<&str> =
            parts.headers.get_all("sec-websocket-version").iter().filter_map(|v| v.to_str().ok()).collect();
        let versions = (!versions.is_empty()).then(|| Box::from(versions.join(", ")));
        let location = value("location");
        return Err(Error::Rejected { status, reason, location, versions, body: bytes, retry_after });
    }
    step(Step::Response { raw, status, body: Vec::new(), at });
    let value =
        |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.trim().to_string());
    let extensions: Vec<&str> =
        parts.headers.get_all("sec-websocket-extensions").iter().filter_map(|v| v.to_str().ok()).collect();
    let (subprotocol, deflate) =
        negotiate(value("sec-websocket-protocol"), &extensions, &spec.subprotocols, spec.deflate.as_ref())?;
    let stream = H2Stream::new(send, body).with_log(log.clone());
    Ok(H2Upgraded { stream, log, subprotocol, deflate, settings_took, connect_took, ping_pong })
}

/// A request ready to send: the request, its head as text, the fields left out.
type Built = (http::Request<()>, Vec<u8>, Vec<String>);

/// The extended CONNECT request (RFC 8441 §4), its head as text, and the request fields left
/// out. The fields are those of the HTTP/1.1 request (RequestConfig) without Host (it becomes
/// `:authority`), Upgrade, Connection and Sec-WebSocket-Key.
fn build(target: &Target, spec: &RequestConfig) -> Result<Built, Error> {
    let mut fields: Vec<(String, String)> =
        vec![("sec-websocket-version".into(), spec.version.clone().unwrap_or_else(|| "13".into()))];
    if let Some(offer) = &spec.deflate {
        fields.push(("sec-websocket-extensions".into(), offer.to_string()));
    }
    if let Some(origin) = &spec.origin {
        fields.push(("origin".into(), origin.clone()));
    }
    if !spec.subprotocols.is_empty() {
        fields.push(("sec-websocket-protocol".into(), spec.subprotocols.join(", ")));
    }
    if let Some(auth) = &spec.authorization {
        fields.push(("authorization".into(), auth.clone()));
    }
    let mut authority = target.host_header();
    let mut dropped = Vec::new();
    for (name, value) in &spec.headers {
        let lower = name.trim().to_ascii_lowercase();
        if lower == "host" {
            authority = value.trim().to_string();
        } else if CONNECTION_SPECIFIC.contains(&lower.as_str()) {
            dropped.push(name.clone());
        } else {
            match fields.iter_mut().find(|(n, _)| *n == lower) {
                Some(slot) => slot.1 = value.clone(),
                None => fields.push((lower, value.clone())),
            }
        }
    }
    let scheme = if target.tls { "https" } else { "http" };
    let uri = http::Uri::builder()
        .scheme(scheme)
        .authority(authority.as_str())
        .path_and_query(target.resource.as_str())
        .build()
        .map_err(|e| Error::usage(format!("the URL cannot be sent over HTTP/2: {e}")))?;
    let mut builder = http::Request::builder().method(http::Method::CONNECT).uri(uri);
    for (name, value) in &fields {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut request = builder
        .body(())
        .map_err(|e| Error::usage(format!("a request header cannot be sent over HTTP/2: {e}")))?;
    request.extensions_mut().insert(h2::ext::Protocol::from_static("websocket"));
    // The order the library encodes the pseudo-header fields in.
    let mut raw = format!(
        ":method: CONNECT\r\n:scheme: {scheme}\r\n:authority: {authority}\r\n:path: {}\r\n:protocol: websocket\r\n",
        target.resource
    );
    for (name, value) in &fields {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    Ok((request, raw.into_bytes(), dropped))
}

/// A response's HEADERS as text: `:status` first, then the fields as received.
pub(crate) fn response_head(status: u16, headers: &http::HeaderMap) -> Vec<u8> {
    head_text(format!(":status: {status}\r\n"), headers)
}

/// An HTTP/2 head as text lines, as `-v` and JSON show it: `pseudo` (the pseudo-header
/// fields, each line ending in CRLF), then each field as `name: value`, then a blank line,
/// like an HTTP/1.1 head.
pub(crate) fn head_text(pseudo: String, headers: &http::HeaderMap) -> Vec<u8> {
    let mut raw = pseudo.into_bytes();
    for (name, value) in headers {
        raw.extend_from_slice(name.as_str().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"\r\n");
    raw
}

/// A refusal's body, up to `BODY_MAX` bytes (the rest is not waited for).
async fn read_body(body: &mut h2::RecvStream) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < BODY_MAX {
        match body.data().await {
            Some(Ok(chunk)) => {
                let _ = body.flow_control().release_capacity(chunk.len());
                out.extend_from_slice(&chunk);
            }
            _ => break,
        }
    }
    out.truncate(BODY_MAX);
    out
}

/// The connection ended before the server's SETTINGS: it does not speak HTTP/2 here.
fn not_h2(what: String) -> Error {
    Error::Http2 {
        message: format!("{what} before sending its SETTINGS: it does not speak HTTP/2 on this port"),
        hint: None,
    }
}

/// The connection failed before the server's SETTINGS: its GOAWAY if it sent one, else the
/// library's reading of the bytes (an HTTP/1.1 server answers the preface with a 400).
fn connection_failed(e: h2::Error, log: &FrameLog) -> Error {
    if let Some(goaway) = log.peer_goaway() {
        return Error::Http2 { message: format!("the connection ended: {goaway}"), hint: None };
    }
    let first = log.first_bytes();
    if first.starts_with(b"HTTP/1.") {
        let line = first.split(|&b| b == b'\r' || b == b'\n').next().unwrap_or_default();
        return Error::Http2 {
            message: format!(
                "the server answered the HTTP/2 connection preface with HTTP/1.1 (\"{}\"): it does not speak HTTP/2 on this port",
                escape_hex(line)
            ),
            hint: Some(Hint::Http2NotSelected),
        };
    }
    not_h2(format!("the connection failed ({e})"))
}

/// The stream or connection ended during the extended CONNECT: named by frame and error code.
fn stream_failed(what: &str, e: h2::Error, log: &FrameLog) -> Error {
    let io = H2Error::into_io(e);
    let named = H2Error::find(&io).or_else(|| log.peer_goaway());
    let message = match named {
        Some(err) => format!("{what}: {err}"),
        None => format!("{what}: {io}"),
    };
    let hint = match named {
        Some(H2Error { reason, .. }) if reason == h2::Reason::HTTP_1_1_REQUIRED => {
            Some(Hint::Http2NotSelected)
        }
        _ => None,
    };
    Error::Http2 { message, hint }
}

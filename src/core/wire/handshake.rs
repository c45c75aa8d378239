//! The client side of the opening handshake (RFC 6455 §4.1), written here rather than left to
//! tungstenite so that the request keeps the user's header order and case, and a rejected
//! upgrade still yields its status, headers and body.

use std::time::Duration;
use tokio::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::core::error::Error;
pub use crate::core::net::http::basic_auth;
use crate::core::net::http::{escape_hex, head_defect};
use crate::core::net::target::Target;
use crate::core::wire::deflate::params::{self, Agreement, DeflateParams};
use crate::core::wire::tap::{find_head_end, BODY_MAX, HEAD_MAX};

/// What the user asked to put in the upgrade request.
#[derive(Debug, Clone, Default)]
pub struct RequestConfig {
    /// Extra headers in order, as written (a name that matches a default header replaces it).
    pub headers: Vec<(String, String)>,
    pub origin: Option<String>,
    pub subprotocols: Vec<String>,
    /// Full Authorization value, e.g. `Basic …` or `Bearer …`.
    pub authorization: Option<String>,
    /// Request method (default GET).
    pub method: Option<String>,
    /// Sec-WebSocket-Version (default 13).
    pub version: Option<String>,
    /// A permessage-deflate offer (RFC 7692), sent as Sec-WebSocket-Extensions.
    pub deflate: Option<DeflateParams>,
}

impl RequestConfig {
    /// Credentials this request carries (the Authorization value, whole and without its
    /// scheme, and the values of secret headers), for keeping them out of history.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(auth) = &self.authorization {
            out.push(auth.clone());
            if let Some((_, credential)) = auth.split_once(' ') {
                out.push(credential.trim().to_string());
            }
        }
        for (name, value) in &self.headers {
            if ["authorization", "proxy-authorization", "cookie"]
                .contains(&name.trim().to_ascii_lowercase().as_str())
            {
                out.push(value.trim().to_string());
                if let Some((_, credential)) = value.split_once(' ') {
                    out.push(credential.trim().to_string());
                }
            }
        }
        // Longest first, so a whole value is masked before a part of it.
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out
    }
}

/// A successful upgrade.
#[derive(Debug)]
pub struct Upgraded {
    pub subprotocol: Option<String>,
    /// Bytes read after the response head: the first frames, already received.
    pub leftover: Vec<u8>,
    /// permessage-deflate, when the server accepted our offer.
    pub deflate: Option<Agreement>,
}

/// Builds the exact request bytes.
pub fn build_request(target: &Target, spec: &RequestConfig, key: &str) -> Vec<u8> {
    let mut headers: Vec<(String, String)> = vec![
        ("Host".into(), target.host_header()),
        ("Upgrade".into(), "websocket".into()),
        ("Connection".into(), "Upgrade".into()),
        ("Sec-WebSocket-Key".into(), key.into()),
        ("Sec-WebSocket-Version".into(), spec.version.clone().unwrap_or_else(|| "13".into())),
    ];
    if let Some(offer) = &spec.deflate {
        headers.push(("Sec-WebSocket-Extensions".into(), offer.to_string()));
    }
    if let Some(origin) = &spec.origin {
        headers.push(("Origin".into(), origin.clone()));
    }
    if !spec.subprotocols.is_empty() {
        headers.push(("Sec-WebSocket-Protocol".into(), spec.subprotocols.join(", ")));
    }
    if let Some(auth) = &spec.authorization {
        headers.push(("Authorization".into(), auth.clone()));
    }
    for (name, value) in &spec.headers {
        match headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(slot) => *slot = (name.clone(), value.clone()),
            None => headers.push((name.clone(), value.clone())),
        }
    }
    let method = spec.method.as_deref().unwrap_or("GET");
    let mut out = format!("{method} {} HTTP/1.1\r\n", target.resource).into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A random Sec-WebSocket-Key.
pub fn generate_key() -> String {
    tokio_tungstenite::tungstenite::handshake::client::generate_key()
}

/// A response head as received, parsed; headers keep their order, case and duplicates.
#[derive(Debug, Clone)]
pub struct Response {
    /// The head's exact bytes, up to and including the blank line.
    pub raw: Vec<u8>,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1; [`HTTP2`] for an HTTP/2 response (RFC 8441), whose
    /// `raw` is its HEADERS as text lines (`:status: 200` first) and `rest` its body.
    pub minor_version: u8,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    /// Bytes after the head: the first frames of a 101, or the body of anything else.
    pub rest: Vec<u8>,
    /// When the first response byte arrived and when the head was complete.
    pub first_byte: Option<Instant>,
    pub head_done: Instant,
}

/// `Response::minor_version` of an HTTP/2 response.
pub const HTTP2: u8 = 2;

impl Response {
    /// Whether this answer opens the WebSocket: 101 over HTTP/1.1, a 2xx over HTTP/2 (RFC 8441
    /// §5; 200 is what servers send).
    pub fn opened(&self) -> bool {
        if self.minor_version == HTTP2 {
            (200..300).contains(&self.status)
        } else {
            self.status == 101
        }
    }

    /// The status the upgrade wants: 101, or 200 over HTTP/2.
    pub fn wanted_status(&self) -> u16 {
        if self.minor_version == HTTP2 {
            200
        } else {
            101
        }
    }

    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

fn io_err(e: std::io::Error, what: &str) -> Error {
    crate::core::net::tls::classify(&e, "")
        .unwrap_or_else(|| Error::BadHandshake { message: format!("{what}: {e}") })
}

/// Writes the request bytes.
pub async fn send_request<S: AsyncWrite + Unpin>(stream: &mut S, request: &[u8]) -> Result<(), Error> {
    stream.write_all(request).await.map_err(|e| io_err(e, "sending the upgrade request failed"))?;
    stream.flush().await.map_err(|e| io_err(e, "sending the upgrade request failed"))
}

/// Reads and parses the response head; for a non-101 reply also reads its body (bounded here,
/// so a keep-alive server that sends no Content-Length cannot turn a 403 into a timeout).
pub async fn read_response<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Response, Error> {
    let mut buf = Vec::with_capacity(4096);
    let mut first_byte = None;
    let end = loop {
        if let Some(end) = find_head_end(&buf) {
            break end;
        }
        if buf.len() > HEAD_MAX {
            return Err(Error::BadHandshake { message: format!("response head exceeds {HEAD_MAX} bytes") });
        }
        let mut chunk = [0u8; 4096];
        let n = match stream.read(&mut chunk).await {
            Ok(n) => n,
            // Reset or cut before any answer: the server dropped the request.
            Err(e) if buf.is_empty() && crate::core::net::tls::classify(&e, "").is_none() => {
                return Err(Error::UpgradeUnanswered { detail: e.to_string() })
            }
            Err(e) => return Err(io_err(e, "reading the upgrade response failed")),
        };
        if n == 0 {
            return Err(not_http(&buf, true));
        }
        first_byte.get_or_insert_with(Instant::now);
        buf.extend_from_slice(&chunk[..n]);
        if !buf.starts_with(&b"HTTP/"[..buf.len().min(5)]) {
            return Err(not_http(&buf, false));
        }
    };
    let head_done = Instant::now();
    let rest = buf.split_off(end);
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&buf) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => {
            return Err(match head_defect(&buf) {
                Some(defect) => Error::BadHandshake { message: defect },
                None => not_http(&buf, false),
            })
        }
    }
    let status = resp.code.unwrap_or(0);
    let mut response = Response {
        minor_version: resp.version.unwrap_or(1),
        status,
        reason: resp.reason.unwrap_or("").to_string(),
        headers: resp
            .headers
            .iter()
            .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).trim().to_string()))
            .collect(),
        raw: buf,
        rest,
        first_byte,
        head_done,
    };
    if status != 101 {
        let length = response.header("Content-Length").and_then(|v| v.parse::<usize>().ok());
        let rest = std::mem::take(&mut response.rest);
        response.rest = read_body(stream, rest, length).await;
    }
    Ok(response)
}

/// Sends the request and reads and checks the response (RFC 6455 §4.1): any fault is an error.
pub async fn perform<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
    key: &str,
    offered: &[String],
    deflate: Option<&DeflateParams>,
) -> Result<Upgraded, Error> {
    send_request(stream, request).await?;
    let resp = read_response(stream).await?;
    if resp.status != 101 {
        let retry_after =
            resp.header("Retry-After").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        return Err(Error::Rejected {
            status: resp.status,
            reason: resp.reason,
            body: resp.rest,
            retry_after,
        });
    }
    let bad = |message: String| Err(Error::BadHandshake { message });
    let header = |name: &str| resp.header(name).map(str::to_string);
    match header("Upgrade") {
        Some(v) if v.eq_ignore_ascii_case("websocket") => {}
        other => return bad(format!("Upgrade header is {}, expected websocket", shown(other))),
    }
    let connection = header("Connection");
    if !connection.as_deref().is_some_and(has_upgrade_token) {
        return bad(format!("Connection header is {}, expected a list with 'upgrade'", shown(connection)));
    }
    let expected = derive_accept_key(key.as_bytes());
    match header("Sec-WebSocket-Accept") {
        Some(v) if v == expected => {}
        other => return bad(format!("Sec-WebSocket-Accept is {}, expected \"{expected}\"", shown(other))),
    }
    let extensions = resp.all("Sec-WebSocket-Extensions");
    let (subprotocol, agreed) = negotiate(header("Sec-WebSocket-Protocol"), &extensions, offered, deflate)?;
    Ok(Upgraded { subprotocol, leftover: resp.rest, deflate: agreed })
}

/// Checks the server's choice of subprotocol and extensions against the offer (RFC 6455
/// §4.1, RFC 7692 §5; the same over HTTP/2, RFC 8441 §5): returns the subprotocol and the
/// permessage-deflate agreement. Errors: `BadHandshake` naming what was not offered.
pub fn negotiate(
    subprotocol: Option<String>,
    extensions: &[&str],
    offered: &[String],
    deflate: Option<&DeflateParams>,
) -> Result<(Option<String>, Option<Agreement>), Error> {
    let bad = |message: String| Err(Error::BadHandshake { message });
    if let Some(p) = &subprotocol {
        if !offered.iter().any(|o| o == p) {
            return bad(if offered.is_empty() {
                format!("server selected subprotocol \"{p}\" but none was offered")
            } else {
                format!("server selected subprotocol \"{p}\", which was not offered")
            });
        }
    }
    let agreed = match deflate {
        Some(offer) => params::accept(offer, extensions).map_err(|why| Error::BadHandshake {
            message: format!("invalid permessage-deflate response: {why}"),
        })?,
        None if !extensions.is_empty() => {
            return bad(format!(
                "server enabled extensions \"{}\" that were not offered",
                extensions.join(", ")
            ))
        }
        None => None,
    };
    Ok((subprotocol, agreed))
}

/// True when a Connection value lists the `upgrade` token.
pub fn has_upgrade_token(value: &str) -> bool {
    value.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

fn shown(v: Option<String>) -> String {
    v.map_or_else(|| "missing".to_string(), |v| format!("\"{}\"", v.escape_debug()))
}

/// Explains a response that is not HTTP (or no response at all).
fn not_http(buf: &[u8], eof: bool) -> Error {
    let message = if buf.is_empty() {
        return Error::UpgradeUnanswered { detail: String::new() };
    } else if buf[0] == 0x15 || buf[0] == 0x16 {
        "the server answered with TLS: this port speaks TLS; try wss://".to_string()
    } else {
        let shown = escape_hex(&buf[..buf.len().min(48)]);
        let end = if eof { " before the response was complete" } else { "" };
        format!("the server's answer is not an HTTP response{end}: \"{shown}\"")
    };
    Error::BadHandshake { message }
}

async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    mut body: Vec<u8>,
    length: Option<usize>,
) -> Vec<u8> {
    let want = length.unwrap_or(BODY_MAX).min(BODY_MAX);
    // Without a length, stop once the server pauses: it may keep the connection open.
    let pause = if length.is_some() { Duration::from_secs(2) } else { Duration::from_millis(300) };
    while body.len() < want {
        let mut chunk = [0u8; 4096];
        match timeout(pause, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => body.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    body.truncate(want);
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::net::target::Target;

    #[test]
    fn request_keeps_order_and_case_and_user_headers_replace_defaults() {
        let target = Target::parse("ws://h:8080/p?q=1").unwrap();
        let spec = RequestConfig {
            headers: vec![("X-Trace".into(), "a".into()), ("host".into(), "other".into())],
            origin: Some("https://o".into()),
            subprotocols: vec!["a".into(), "b".into()],
            authorization: Some(basic_auth("u:p")),
            ..RequestConfig::default()
        };
        let req = String::from_utf8(build_request(&target, &spec, "KEY==")).unwrap();
        assert_eq!(
            req,
            "GET /p?q=1 HTTP/1.1\r\nhost: other\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: KEY==\r\nSec-WebSocket-Version: 13\r\nOrigin: https://o\r\n\
             Sec-WebSocket-Protocol: a, b\r\nAuthorization: Basic dTpw\r\nX-Trace: a\r\n\r\n"
        );
    }

    async fn answer(reply: &[u8], offered: &[String]) -> Result<Upgraded, Error> {
        let (mut client, mut server) = tokio::io::duplex(1 << 16);
        let reply = reply.to_vec();
        let request = b"GET / HTTP/1.1\r\n\r\n";
        let peer = tokio::spawn(async move {
            let mut got = vec![0u8; request.len()];
            server.read_exact(&mut got).await.unwrap();
            server.write_all(&reply).await.unwrap();
        });
        let result = perform(&mut client, request, "dGhlIHNhbXBsZSBub25jZQ==", offered, None).await;
        peer.await.unwrap();
        result
    }

    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    #[tokio::test]
    async fn accepts_a_valid_reply_and_keeps_leftover_frames() {
        let reply = format!(
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\
             Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: b\r\n\r\n\x01\x01x"
        );
        let up = answer(reply.as_bytes(), &["a".into(), "b".into()]).await.unwrap();
        assert_eq!(up.subprotocol.as_deref(), Some("b"));
        assert_eq!(up.leftover, b"\x01\x01x");
    }

    #[tokio::test]
    async fn rejects_bad_accept_missing_token_and_unoffered_subprotocol() {
        let wrong = "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n";
        let err = answer(wrong.as_bytes(), &[]).await.unwrap_err().to_string();
        assert!(err.contains("expected \"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\""), "{err}");
        let no_conn =
            format!("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n");
        let err = answer(no_conn.as_bytes(), &[]).await.unwrap_err().to_string();
        assert!(err.contains("Connection header is missing"), "{err}");
        let sub = format!(
            "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: x\r\n\r\n"
        );
        let err = answer(sub.as_bytes(), &[]).await.unwrap_err().to_string();
        assert!(err.contains("none was offered"), "{err}");
    }

    #[tokio::test]
    async fn a_rejection_carries_status_and_body() {
        let err =
            answer(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nno way", &[]).await.unwrap_err();
        match err {
            Error::Rejected { status, reason, body, .. } => {
                assert_eq!((status, reason.as_str(), body.as_slice()), (403, "Forbidden", &b"no way"[..]));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn explains_tls_and_garbage_and_silence() {
        let err = answer(b"\x15\x03\x03\x00\x02\x02\x46", &[]).await.unwrap_err().to_string();
        assert!(err.contains("try wss://"), "{err}");
        let err = answer(b"SSH-2.0-OpenSSH\r\n", &[]).await.unwrap_err().to_string();
        assert!(err.contains("not an HTTP response"), "{err}");
        let err = answer(b"", &[]).await.unwrap_err().to_string();
        assert!(err.contains("without answering"), "{err}");
    }
}

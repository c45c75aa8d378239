//! The server side of the opening handshake (RFC 6455 §4.2): read the request head, check it,
//! and answer either 101 or an HTTP refusal with status, headers and a short body, so a client
//! always learns why (§4.2.2: 400, or 426 with `Sec-WebSocket-Version: 13`).

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::core::error::Error;
use crate::core::wire::deflate::params::{self, Agreement, DeflateParams, Role};
use crate::core::wire::once::{self, Head};
use crate::core::wire::tap::{find_head_end, HEAD_MAX};

/// A refusal of every upgrade: the status, and the body sent with it (worded by the layer that
/// asked for the refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// An HTTP status from 300 to 599.
    pub status: u16,
    pub body: String,
}

/// What the server accepts and adds.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// Refuse every upgrade so.
    pub reject: Option<&'a Rejection>,
    /// Accepted subprotocols; the first one the client offers is selected.
    pub subprotocols: &'a [String],
    /// Extra headers for the 101, as given.
    pub headers: &'a [(String, String)],
    /// permessage-deflate: what the server asks for when a client offers it (None: decline
    /// every offer).
    pub deflate: Option<&'a DeflateParams>,
}

/// An accepted upgrade.
#[derive(Debug)]
pub struct Accepted {
    pub subprotocol: Option<String>,
    /// Bytes the client sent after the request head (frames already on their way).
    pub leftover: Vec<u8>,
    /// permessage-deflate, when a client's offer was accepted.
    pub deflate: Option<Agreement>,
}

/// A refusal: status, extra headers, body.
pub(crate) struct Refusal {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Whether `bytes`, the first a client sent, open a TLS handshake record (RFC 8446 §5.1:
/// content type 22, then a 3.x version), which no HTTP request begins with.
fn tls_record(bytes: &[u8]) -> bool {
    matches!(bytes, [0x16, 0x03, 0x00..=0x04, ..])
}

pub(crate) fn refuse(status: u16, body: impl Into<String>) -> Refusal {
    Refusal { status, headers: Vec::new(), body: body.into() }
}

/// What both servers check of a request's fields: each once-only field once (`once::check`,
/// refused with 400), and `Sec-WebSocket-Version: 13` (RFC 6455 §4.2.2), refused with
/// `version_status` (426 over HTTP/1.1; 400 over HTTP/2, which has no Upgrade to promise) and
/// `sec-websocket-version: 13`.
pub(crate) fn check_fields(
    pairs: &[(&str, String)],
    versions: &[String],
    version_status: u16,
) -> Result<(), Refusal> {
    if let Err(fault) = once::check(Head::Request, pairs) {
        return Err(refuse(400, format!("{fault}\n")));
    }
    if versions.len() != 1 || versions[0] != "13" {
        let mut r = refuse(version_status, "this server speaks WebSocket version 13\n");
        r.headers = vec![("sec-websocket-version", "13".into())];
        return Err(r);
    }
    Ok(())
}

/// Reads the request and answers it. Errors: `Rejected` after a refusal was sent (with the
/// status and body sent), `BadHandshake` when the client went away before a whole head.
pub async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    policy: Policy<'_>,
) -> Result<Accepted, Error> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let end = loop {
        if let Some(end) = find_head_end(&buf) {
            break end;
        }
        if buf.len() > HEAD_MAX {
            return send_refusal(io, refuse(431, "the request head is larger than 64 KiB\n")).await;
        }
        if tls_record(&buf) {
            // A wss:// client on this ws:// port: no request head will ever end. Refused at
            // once, as nginx does; the client's TLS then fails on a reply that is not TLS.
            let body = "this port speaks plain HTTP (ws://), and a TLS ClientHello arrived\n";
            return send_refusal(io, refuse(400, body)).await;
        }
        let n = io
            .read(&mut chunk)
            .await
            .map_err(|source| Error::Io { context: "reading the request".into(), source })?;
        if n == 0 {
            return Err(Error::BadHandshake {
                message: "the client closed the connection before the request head was complete".into(),
            });
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let leftover = buf.split_off(end);
    match decide(&buf, policy) {
        Ok(Decided { key, subprotocol, deflate }) => {
            let mut head = format!(
                "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\
                 sec-websocket-accept: {}\r\n",
                derive_accept_key(key.as_bytes())
            );
            if let Some(p) = &subprotocol {
                head.push_str(&format!("sec-websocket-protocol: {p}\r\n"));
            }
            if let Some((_, response)) = &deflate {
                head.push_str(&format!("sec-websocket-extensions: {response}\r\n"));
            }
            for (name, value) in policy.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            write(io, head.as_bytes()).await?;
            Ok(Accepted { subprotocol, leftover, deflate: deflate.map(|(agreed, _)| agreed) })
        }
        Err(refusal) => send_refusal(io, refusal).await,
    }
}

/// What the server decided for an acceptable request.
struct Decided {
    key: String,
    subprotocol: Option<String>,
    /// The agreement and the response entry, when a permessage-deflate offer was accepted.
    deflate: Option<(Agreement, DeflateParams)>,
}

/// Checks the request (RFC 6455 §4.2.1), picks the subprotocol and answers a
/// permessage-deflate offer (RFC 7692 §5.1: an offer the server cannot read is declined).
fn decide(head: &[u8], policy: Policy<'_>) -> Result<Decided, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Err(httparse::Error::TooManyHeaders) => return Err(refuse(431, "more than 64 request headers\n")),
        _ => return Err(refuse(400, "the request is not valid HTTP/1.1\n")),
    }
    let values = |name: &str| -> Vec<String> {
        req.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
            .collect()
    };
    let has_token = |name: &str, token: &str| {
        values(name)
            .iter()
            .flat_map(|v| v.split(',').map(|t| t.trim().to_ascii_lowercase()))
            .any(|t| t == token)
    };
    if req.method != Some("GET") {
        return Err(refuse(400, "a WebSocket upgrade must use GET\n"));
    }
    if req.version != Some(1) {
        return Err(refuse(400, "a WebSocket upgrade needs HTTP/1.1\n"));
    }
    if values("host").len() != 1 {
        return Err(refuse(400, "the request needs one Host header\n"));
    }
    if !has_token("upgrade", "websocket") {
        let mut r = refuse(426, "this is a WebSocket endpoint: send Upgrade: websocket\n");
        r.headers = vec![("upgrade", "websocket".into())];
        return Err(r);
    }
    if !has_token("connection", "upgrade") {
        return Err(refuse(400, "the Connection header must list upgrade\n"));
    }
    let pairs: Vec<(&str, String)> =
        req.headers.iter().map(|h| (h.name, String::from_utf8_lossy(h.value).into_owned())).collect();
    check_fields(&pairs, &values("sec-websocket-version"), 426)?;
    let keys = values("sec-websocket-key");
    let valid_key = keys.len() == 1
        && base64::engine::general_purpose::STANDARD.decode(&keys[0]).is_ok_and(|k| k.len() == 16);
    if !valid_key {
        return Err(refuse(400, "Sec-WebSocket-Key must be one base64-encoded 16-byte value\n"));
    }
    let (subprotocol, deflate) = negotiate(&values, policy)?;
    Ok(Decided { key: keys[0].clone(), subprotocol, deflate })
}

/// What the server agreed to, past the request's own checks: the subprotocol, and the
/// permessage-deflate agreement with its response entry.
pub(crate) type Negotiated = (Option<String>, Option<(Agreement, DeflateParams)>);

/// The part of the answer shared by HTTP/1.1 and HTTP/2 (RFC 8441 §5 keeps it as RFC 6455
/// has it): the refusal asked for, the subprotocol choice, the permessage-deflate answer.
/// `values` gives every value of a request header, by lowercase name.
pub(crate) fn negotiate(
    values: &dyn Fn(&str) -> Vec<String>,
    policy: Policy<'_>,
) -> Result<Negotiated, Refusal> {
    if let Some(r) = policy.reject {
        return Err(refuse(r.status, r.body.clone()));
    }
    let offered: Vec<String> = values("sec-websocket-protocol")
        .iter()
        .flat_map(|v| v.split(',').map(|p| p.trim().to_string()))
        .filter(|p| !p.is_empty())
        .collect();
    let mut subprotocol = None;
    if !policy.subprotocols.is_empty() && !offered.is_empty() {
        match offered.iter().find(|p| policy.subprotocols.contains(p)) {
            Some(p) => subprotocol = Some(p.clone()),
            None => {
                let body = format!(
                    "no acceptable subprotocol; this server accepts: {}\n",
                    policy.subprotocols.join(", ")
                );
                return Err(refuse(400, body));
            }
        }
    }
    let offers = values("sec-websocket-extensions");
    let offers: Vec<&str> = offers.iter().map(String::as_str).collect();
    let deflate = policy.deflate.and_then(|ours| {
        let (offers, _) = params::entries(&offers, Role::Offer).ok()?;
        params::answer(&offers, ours)
    });
    Ok((subprotocol, deflate))
}

async fn send_refusal<S: AsyncWrite + Unpin, T>(io: &mut S, r: Refusal) -> Result<T, Error> {
    let reason = reason_phrase(r.status);
    // One Connection header: a reply that offers an upgrade lists it (RFC 9110 §7.8) beside
    // the close that follows every refusal.
    let connection = if r.headers.iter().any(|(n, _)| *n == "upgrade") { "Upgrade, close" } else { "close" };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: {connection}\r\n",
        r.status,
        r.body.len()
    );
    for (name, value) in &r.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(&r.body);
    write(io, head.as_bytes()).await?;
    let _ = io.shutdown().await;
    Err(Error::Rejected {
        status: r.status,
        reason: reason.into(),
        location: None,
        versions: r
            .headers
            .iter()
            .find(|(n, _)| *n == "sec-websocket-version")
            .map(|(_, v)| Box::from(v.as_str())),
        body: r.body.into_bytes(),
        retry_after: None,
    })
}

async fn write<S: AsyncWrite + Unpin>(io: &mut S, bytes: &[u8]) -> Result<(), Error> {
    let fail = |source| Error::Io { context: "writing the handshake response".into(), source };
    io.write_all(bytes).await.map_err(fail)?;
    io.flush().await.map_err(fail)
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    tokio_tungstenite::tungstenite::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_client_hello_is_told_from_a_request() {
        assert!(tls_record(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
        assert!(tls_record(&[0x16, 0x03, 0x03]));
        assert!(!tls_record(&[0x16, 0x03]), "too short to tell");
        assert!(!tls_record(b"GET / HTTP/1.1\r\n"));
        assert!(!tls_record(&[0x16, 0x02, 0x01]));
    }

    fn policy() -> Policy<'static> {
        Policy { reject: None, subprotocols: &[], headers: &[], deflate: None }
    }

    fn status(req: &str) -> Result<(), u16> {
        decide(req.as_bytes(), policy()).map(|_| ()).map_err(|r| r.status)
    }

    const OK: &str = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\
                      Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn refusals_follow_rfc_6455_4_2_2() {
        assert_eq!(status(OK), Ok(()));
        assert_eq!(status("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), Err(426), "a plain GET");
        assert_eq!(status(&OK.replace("Host: a\r\n", "")), Err(400), "no Host");
        assert_eq!(status(&OK.replace("\r\n", "\n")), Ok(()), "bare LF line ends");
        assert_eq!(status(&OK.replace("Version: 13", "Version: 8")), Err(426));
        assert_eq!(status(&OK.replace("Sec-WebSocket-Version: 13\r\n", "")), Err(426));
        assert_eq!(status(&OK.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "")), Err(400));
        assert_eq!(status(&OK.replace("dGhlIHNhbXBsZSBub25jZQ==", "short")), Err(400));
        assert_eq!(status(&OK.replace("keep-alive, Upgrade", "keep-alive")), Err(400));
        assert_eq!(status(&OK.replace("GET", "POST")), Err(400));
        assert_eq!(status(&OK.replace("HTTP/1.1", "HTTP/1.0")), Err(400));
        let twice = OK.replace("Version: 13\r\n", "Version: 13\r\nSec-WebSocket-Version: 13\r\n");
        let refusal = decide(twice.as_bytes(), policy()).err().unwrap();
        assert_eq!(refusal.status, 400, "two versions are not one (RFC 6455 §11.3.5)");
        assert!(
            refusal.body.starts_with("Sec-WebSocket-Version appears 2 times (\"13\", \"13\")"),
            "{}",
            refusal.body
        );
        let version = decide(OK.replace("Version: 13", "Version: 8").as_bytes(), policy()).err().unwrap();
        assert_eq!(version.headers, vec![("sec-websocket-version", "13".to_string())]);
    }
}

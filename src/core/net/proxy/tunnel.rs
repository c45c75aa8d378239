//! The tunnel through a proxy: the HTTP CONNECT exchange (RFC 9110 §9.3.6), written and read
//! here byte for byte so `-v` shows exactly what crossed the wire; SOCKS5 is in `socks`.

use crate::core::net::http_body::Framing;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use super::socks::socks5;
use super::{Proxy, ProxyKind, TunnelInfo};
use crate::core::error::{Error, Hint};
use crate::core::net::http::basic_auth;
use crate::core::net::target::Target;

/// The largest CONNECT reply head read, bytes.
const MAX_HEAD: usize = 16 << 10;
/// The largest refusal body kept, bytes.
const MAX_BODY: usize = 64 << 10;

/// A stream to the proxy: TCP, or TLS over TCP for `https://` proxies.
pub enum ProxyStream {
    Tcp(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// What a tunnel is asked for.
#[derive(Debug, Clone, Copy)]
pub struct TunnelConfig<'a> {
    pub proxy: &'a Proxy,
    /// `--proxy-header` lines, for CONNECT.
    pub headers: &'a [(String, String)],
    pub target: &'a Target,
    /// The target's address, resolved by wsdiag (`socks5://`).
    pub resolved: Option<SocketAddr>,
    /// Every wait ends here (`--connect-timeout` from the start of the dial).
    pub deadline: Instant,
    /// The budget the deadline came from, for messages.
    pub budget: Duration,
}

/// Opens the tunnel over `stream` (already connected to the proxy, and TLS'd for an
/// `https://` proxy); the exchange goes into `info` as it happens, so a failure still shows
/// what was said.
pub async fn open_tunnel(
    spec: &TunnelConfig<'_>,
    stream: ProxyStream,
    info: &mut TunnelInfo,
) -> Result<ProxyStream, Error> {
    let TunnelConfig { proxy, headers, target, resolved, deadline, budget } = *spec;
    let start = Instant::now();
    let result = match (proxy.kind, stream) {
        (ProxyKind::Http | ProxyKind::Https, ProxyStream::Tcp(mut s)) => {
            connect(proxy, headers, &mut s, target, deadline, budget, info).await.map(|_| ProxyStream::Tcp(s))
        }
        (ProxyKind::Http | ProxyKind::Https, ProxyStream::Tls(mut s)) => {
            connect(proxy, headers, &mut *s, target, deadline, budget, info)
                .await
                .map(|_| ProxyStream::Tls(s))
        }
        (ProxyKind::Socks5 | ProxyKind::Socks5h, ProxyStream::Tcp(s)) => {
            socks5(proxy, s, target, resolved, deadline, budget, info).await.map(ProxyStream::Tcp)
        }
        (ProxyKind::Socks5 | ProxyKind::Socks5h, ProxyStream::Tls(_)) => {
            Err(Error::usage("SOCKS5 over TLS is not supported"))
        }
    };
    info.took = start.elapsed();
    info.open = result.is_ok();
    result
}

/// The CONNECT request head: `CONNECT host:port HTTP/1.1`, Host, Proxy-Authorization (Basic)
/// when there are credentials, User-Agent, then the `--proxy-header` lines.
pub fn connect_request(proxy: &Proxy, headers: &[(String, String)], target: &Target) -> Vec<u8> {
    let authority = target.authority();
    let mut lines: Vec<(String, String)> = vec![("Host".into(), authority.clone())];
    if let Some((user, pass)) = &proxy.credentials {
        lines.push(("Proxy-Authorization".into(), basic_auth(&format!("{user}:{pass}"))));
    }
    lines.push(("User-Agent".into(), format!("wsdiag/{}", env!("CARGO_PKG_VERSION"))));
    // A --proxy-header with the name of one of these replaces it in place; others follow.
    let standard = lines.len();
    for (name, value) in headers {
        match lines[..standard].iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(line) => *line = (name.clone(), value.clone()),
            None => lines.push((name.clone(), value.clone())),
        }
    }
    let mut head = format!("CONNECT {authority} HTTP/1.1\r\n");
    for (name, value) in lines {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// The CONNECT exchange over `stream`: the request, the reply head, and on a refusal its
/// body, all recorded in `info`.
async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    proxy: &Proxy,
    headers: &[(String, String)],
    stream: &mut S,
    target: &Target,
    deadline: Instant,
    budget: Duration,
    info: &mut TunnelInfo,
) -> Result<(), Error> {
    info.request = connect_request(proxy, headers, target);
    match timeout_at(deadline, async {
        stream.write_all(&info.request).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => return Err(timed_out(proxy, budget)),
        Ok(Err(e)) => return Err(lost(proxy, e)),
        Ok(Ok(())) => {}
    }
    read_head(proxy, stream, deadline, budget, &mut info.response).await?;
    let mut parsed = [httparse::EMPTY_HEADER; 64];
    let reply = parse_reply(proxy, &info.response, &mut parsed)?;
    let status = reply.code.unwrap_or(0);
    if (200..300).contains(&status) {
        return Ok(());
    }
    let reason = reply.reason.unwrap_or("").to_string();
    let header_lines: Vec<(String, String)> =
        reply.headers.iter().map(|h| (h.name.to_string(), lossless(h.value))).collect();
    let framing = Framing::of(&header_lines);
    read_body(stream, framing, deadline, &mut info.body).await;
    // Shown as the proxy meant it: a chunked body de-chunked.
    info.body = framing.decode(&info.body);
    Err(Error::Proxy {
        cause: None,
        message: format!(
            "the proxy {} refused CONNECT {}: HTTP {status} {reason}",
            proxy.display(),
            target.authority()
        ),
        hint: Some(refusal_hint(status, proxy.credentials.is_some())),
        headers: header_lines,
        body: info.body.clone(),
    })
}

/// The proxy did not answer within the budget.
fn timed_out(proxy: &Proxy, budget: Duration) -> Error {
    Error::proxy(
        format!("the proxy {} did not answer the CONNECT within {}", proxy.display(), fmt(budget)),
        Some(Hint::ProxyTimeout),
    )
}

/// The connection to the proxy failed in the middle of the exchange.
fn lost(proxy: &Proxy, e: std::io::Error) -> Error {
    Error::Proxy {
        cause: Some(e.to_string()),
        message: format!("the proxy {} closed the connection during the CONNECT", proxy.display()),
        hint: None,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// Reads the proxy's reply head into `head`, past any interim 1xx replies. One byte at a
/// time: not a byte past the head may be taken from the tunnel.
async fn read_head<S: AsyncRead + Unpin>(
    proxy: &Proxy,
    stream: &mut S,
    deadline: Instant,
    budget: Duration,
    head: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut byte = [0u8; 1];
    loop {
        match timeout_at(deadline, stream.read(&mut byte)).await {
            Err(_) => return Err(timed_out(proxy, budget)),
            Ok(Err(e)) => return Err(lost(proxy, e)),
            Ok(Ok(0)) => {
                return Err(Error::proxy(
                    if head.is_empty() {
                        format!(
                            "the proxy {} closed the connection without answering the CONNECT",
                            proxy.display()
                        )
                    } else {
                        format!(
                            "the proxy {} closed the connection in the middle of its reply",
                            proxy.display()
                        )
                    },
                    None,
                ))
            }
            Ok(Ok(_)) => head.push(byte[0]),
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            let interim = head.len() > 10 && head.starts_with(b"HTTP/1.") && head[9] == b'1';
            if !interim {
                return Ok(());
            }
            // An interim 1xx reply (RFC 9110 §15.2): the real one follows.
            head.clear();
        }
        if head.len() > MAX_HEAD {
            return Err(Error::proxy(
                format!("the proxy's reply head is larger than {} KiB", MAX_HEAD >> 10),
                None,
            ));
        }
    }
}

/// The reply head parsed; an error naming its defect when it is no HTTP response.
fn parse_reply<'h, 'b>(
    proxy: &Proxy,
    head: &'b [u8],
    parsed: &'h mut [httparse::Header<'b>],
) -> Result<httparse::Response<'h, 'b>, Error> {
    let mut reply = httparse::Response::new(parsed);
    match reply.parse(head) {
        Ok(httparse::Status::Complete(_)) => Ok(reply),
        _ => Err(Error::proxy(
            match crate::core::net::http::head_defect(head) {
                Some(defect) => {
                    format!("the proxy {}'s reply is not valid HTTP: {defect}", proxy.display())
                }
                None => format!(
                    "the proxy {} answered the CONNECT with something that is not an HTTP response",
                    proxy.display()
                ),
            },
            Some("is this an HTTP proxy? for SOCKS use socks5:// or socks5h://".into()),
        )),
    }
}

/// The body explains the refusal: reads what is announced (a length, chunks up to the last
/// one, or what comes before the proxy closes), at most 64 KiB, within the deadline and at
/// most a second more. The bytes are kept as they came.
async fn read_body<S: AsyncRead + Unpin>(
    stream: &mut S,
    framing: Framing,
    deadline: Instant,
    body: &mut Vec<u8>,
) {
    let body_deadline = deadline.min(Instant::now() + Duration::from_secs(1));
    let mut chunk = [0u8; 4096];
    while body.len() < MAX_BODY && !framing.complete(body) {
        match timeout_at(body_deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => body.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    body.truncate(framing.wire_len(body).min(MAX_BODY));
}

/// What to do about a refusal with HTTP `status`.
fn refusal_hint(status: u16, has_credentials: bool) -> Hint {
    match status {
        401 | 407 if has_credentials => Hint::ProxyCredentialsRejected,
        407 => Hint::ProxyCredentialsWanted,
        403 => {
            "the proxy does not allow this destination (its rules may allow only some ports or hosts)".into()
        }
        502..=504 => {
            "the proxy could not reach the server: check the URL's host and port from the proxy's side".into()
        }
        _ => "the proxy refused to open a tunnel; -v shows its reply".into(),
    }
}

/// Bytes as text, invalid UTF-8 kept visible as `\xNN` (not replaced by U+FFFD).
fn lossless(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

pub(super) fn fmt(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn connect_request_carries_credentials_and_extra_headers() {
        let mut p = Proxy::parse("http://u:p@proxy:3128", "x").unwrap();
        let t = target("wss://[::1]:9443/chat");
        let head = String::from_utf8(connect_request(&p, &[("X-Trace".into(), "1".into())], &t)).unwrap();
        assert!(head.starts_with("CONNECT [::1]:9443 HTTP/1.1\r\nHost: [::1]:9443\r\n"), "{head}");
        assert!(head.contains("Proxy-Authorization: Basic dTpw\r\n"), "{head}");
        assert!(head.ends_with("X-Trace: 1\r\n\r\n"), "{head}");
        p.credentials = None;
        let head = String::from_utf8(connect_request(&p, &[], &t)).unwrap();
        assert!(!head.contains("Proxy-Authorization"), "{head}");
        // A --proxy-header named like a standard one replaces it in place.
        let extra =
            [("host".to_string(), "other:1".to_string()), ("User-Agent".to_string(), "ua".to_string())];
        let head = String::from_utf8(connect_request(&p, &extra, &t)).unwrap();
        assert_eq!(head, "CONNECT [::1]:9443 HTTP/1.1\r\nhost: other:1\r\nUser-Agent: ua\r\n\r\n");
    }
}

//! Proxies: which one a connection takes (`--proxy`, the environment as curl reads it,
//! `NO_PROXY`), and the tunnel through it: HTTP CONNECT (RFC 9110 §9.3.6) over TCP or TLS,
//! or SOCKS5 (RFC 1928, with RFC 1929 username/password).
//!
//! The CONNECT exchange is written and read here, byte for byte, so `-v` shows exactly what
//! crossed the wire; SOCKS5 is spoken by tokio-socks and its steps are described in words.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::core::error::Error;
use crate::core::event::TlsInfo;
use crate::core::net::target::Target;
use crate::core::net::tls::TlsOptions;
use crate::core::wire::handshake::basic_auth;

/// The environment variables a proxy may come from, in the order curl reads them.
pub const ENV_VARS: [&str; 8] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// How the tunnel is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// HTTP CONNECT over TCP (`http://`).
    Http,
    /// HTTP CONNECT over TLS to the proxy (`https://`).
    Https,
    /// SOCKS5; wsdiag resolves the target's name (`socks5://`).
    Socks5,
    /// SOCKS5; the proxy resolves the target's name (`socks5h://`).
    Socks5h,
}

impl ProxyKind {
    pub fn scheme(self) -> &'static str {
        match self {
            ProxyKind::Http => "http",
            ProxyKind::Https => "https",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        }
    }
}

/// A proxy URL, parsed: `SCHEME://[USER:PASS@]HOST[:PORT]`. Without a scheme it is `http://`,
/// as in curl; the default port is 1080, or 443 for `https://`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub kind: ProxyKind,
    /// Host name or IP (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// User and password, percent-decoded (from the URL or --proxy-user).
    pub credentials: Option<(String, String)>,
}

impl Proxy {
    /// Parses a proxy URL; `what` names its source in errors ("--proxy", "https_proxy").
    pub fn parse(input: &str, what: &str) -> Result<Self, Error> {
        // The password never appears in a message.
        let shown = match (input.find("://"), input.rfind('@')) {
            (scheme, Some(at)) => {
                let start = scheme.map_or(0, |i| i + 3);
                match input.get(start..at).and_then(|u| u.split_once(':')) {
                    Some((user, _)) => format!("{}{user}:***{}", &input[..start], &input[at..]),
                    None => input.to_string(),
                }
            }
            _ => input.to_string(),
        };
        let bad = |why: String| Error::Usage {
            message: format!("invalid proxy URL '{}' in {what}: {why}", shown.escape_debug()),
            hint: Some(
                "use http://HOST:PORT, https://HOST:PORT, socks5://HOST:PORT or socks5h://HOST:PORT".into(),
            ),
        };
        let with_scheme = if input.contains("://") { input.to_string() } else { format!("http://{input}") };
        let url = url::Url::parse(&with_scheme).map_err(|e| bad(e.to_string()))?;
        let kind = match url.scheme() {
            "http" => ProxyKind::Http,
            "https" => ProxyKind::Https,
            "socks5" => ProxyKind::Socks5,
            "socks5h" => ProxyKind::Socks5h,
            other => return Err(bad(format!("unsupported proxy scheme '{other}'"))),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(addr)) => addr.to_string(),
            Some(host) => host.to_string(),
            None => return Err(bad("no host".into())),
        };
        if host.is_empty() {
            return Err(bad("no host".into()));
        }
        if !matches!(url.path(), "" | "/") || url.query().is_some() {
            return Err(bad("a proxy URL has no path".into()));
        }
        let port = url.port().unwrap_or(if kind == ProxyKind::Https { 443 } else { 1080 });
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = (!url.username().is_empty())
            .then(|| (decode(url.username()), decode(url.password().unwrap_or(""))));
        Ok(Proxy { kind, host, port, credentials })
    }

    /// `scheme://host:port`, without credentials.
    pub fn display(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        format!("{}://{host}:{}", self.kind.scheme(), self.port)
    }
}

/// Everything that decides whether and how connections go through a proxy.
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    /// `--proxy`, parsed (`Some(None)`: `--proxy ''`, no proxy whatever the environment says).
    pub flag: Option<Option<Proxy>>,
    /// `--noproxy LIST` (overrides NO_PROXY).
    pub noproxy: Option<String>,
    /// The proxy variables that were set and not empty, by name (see `ENV_VARS`).
    pub env: Vec<(String, String)>,
    /// `--proxy-user USER:PASS` (overrides credentials in the URL).
    pub user: Option<(String, String)>,
    /// `--proxy-header` lines, sent with CONNECT.
    pub headers: Vec<(String, String)>,
    /// TLS to an `https://` proxy (`--proxy-cacert`, `--proxy-insecure`).
    pub tls: TlsOptions,
}

/// Which proxy a connection takes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// None: straight to the server.
    pub proxy: Option<Proxy>,
    /// Where the proxy came from: "--proxy" or a variable's name.
    pub source: String,
    /// The NO_PROXY entry that sent the connection straight to the server, and the list it is
    /// from ("--noproxy", "no_proxy" or "NO_PROXY").
    pub bypass: Option<(String, String)>,
    /// A variable set but not read, and why (HTTP_PROXY, as in curl).
    pub ignored: Option<String>,
}

impl Selection {
    /// One line for `-v`.
    pub fn describe(&self) -> String {
        let mut line = match (&self.proxy, &self.bypass) {
            (Some(p), _) => format!("Proxy: {} (from {})", p.display(), self.source),
            (None, Some((list, entry))) => {
                format!("Proxy: none ({list} entry '{}' matches; from {} otherwise)", entry, self.source)
            }
            (None, None) => format!("Proxy: none ({})", self.source),
        };
        if let Some(ignored) = &self.ignored {
            line.push_str(&format!("; {ignored}"));
        }
        line
    }
}

impl ProxyConfig {
    fn var(&self, name: &str) -> Option<&str> {
        self.env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// Whether a proxy could apply at all (for skipping the work and the `-v` line).
    pub fn is_configured(&self) -> bool {
        self.flag.is_some() || self.env.iter().any(|(_, v)| !v.is_empty())
    }

    /// The proxy for `target`, as curl chooses: `--proxy`, else `https_proxy`/`HTTPS_PROXY`
    /// for `wss://` or `http_proxy` for `ws://` (not `HTTP_PROXY`: curl refuses it, since CGI
    /// programs see a request's `Proxy:` header as that variable), else `all_proxy`/`ALL_PROXY`,
    /// lower case first. `--noproxy` or else `no_proxy`/`NO_PROXY` may then send the
    /// connection straight to the server. None when nothing is configured.
    pub fn select(&self, target: &Target) -> Result<Option<Selection>, Error> {
        let mut ignored = None;
        let (proxy, source) = match &self.flag {
            Some(None) => {
                return Ok(Some(Selection {
                    proxy: None,
                    source: "--proxy ''".into(),
                    bypass: None,
                    ignored: None,
                }))
            }
            Some(Some(p)) => (p.clone(), "--proxy".to_string()),
            None => {
                let names: &[&str] = if target.tls {
                    &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
                } else {
                    &["http_proxy", "all_proxy", "ALL_PROXY"]
                };
                if !target.tls && self.var("http_proxy").is_none() && self.var("HTTP_PROXY").is_some() {
                    ignored = Some("HTTP_PROXY is not read (as in curl): set http_proxy".to_string());
                }
                let Some(name) = names.iter().find(|n| self.var(n).is_some()) else {
                    return Ok(ignored.map(|i| Selection {
                        proxy: None,
                        source: "none".into(),
                        bypass: None,
                        ignored: Some(i),
                    }));
                };
                let value = self.var(name).unwrap_or_default();
                (Proxy::parse(value, &format!("the environment variable {name}"))?, name.to_string())
            }
        };
        let list = match &self.noproxy {
            Some(list) => Some(("--noproxy", list.as_str())),
            None => ["no_proxy", "NO_PROXY"].into_iter().find_map(|n| self.var(n).map(|v| (n, v))),
        };
        if let Some((list_name, list)) = list {
            if let Some(entry) = no_proxy_match(list, &target.host) {
                return Ok(Some(Selection {
                    proxy: None,
                    source,
                    bypass: Some((list_name.to_string(), entry)),
                    ignored,
                }));
            }
        }
        let mut proxy = proxy;
        if let Some(user) = &self.user {
            proxy.credentials = Some(user.clone());
        }
        Ok(Some(Selection { proxy: Some(proxy), source, bypass: None, ignored }))
    }
}

/// The entry of a NO_PROXY list that matches `host`, as curl matches: `*` matches every host;
/// a name matches itself and its subdomains (a leading dot is optional); an IP literal matches
/// itself; a CIDR range (`10.0.0.0/8`, `fd00::/8`) matches IP literals inside it. Names are
/// compared without case; names are not resolved.
pub fn no_proxy_match(list: &str, host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.trim_start_matches('[').trim_end_matches(']').parse().ok();
    for raw in list.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty()) {
        let entry = raw.to_ascii_lowercase();
        if entry == "*" {
            return Some(raw.to_string());
        }
        let bare = entry.trim_start_matches('[').trim_end_matches(']');
        if let Some(ip) = host_ip {
            if let Ok(net) = bare.parse::<ipnet::IpNet>() {
                if net.contains(&ip) {
                    return Some(raw.to_string());
                }
                continue;
            }
            if bare.parse::<IpAddr>() == Ok(ip) {
                return Some(raw.to_string());
            }
            continue;
        }
        let name = entry.trim_start_matches('.').trim_end_matches('.');
        if name.is_empty() {
            continue;
        }
        if host == name || host.ends_with(&format!(".{name}")) {
            return Some(raw.to_string());
        }
    }
    None
}

/// What happened at the proxy: the CONNECT exchange byte for byte, or the SOCKS5 steps in
/// words, and how long it took from the TCP connect to the open tunnel (TLS to an `https://`
/// proxy included).
#[derive(Debug, Clone, Default)]
pub struct TunnelInfo {
    /// `scheme://host:port` of the proxy.
    pub proxy: String,
    /// `host:port` asked for.
    pub target: String,
    /// TLS to the proxy (`https://` proxies).
    pub tls: Option<TlsInfo>,
    /// The CONNECT request head as sent (HTTP proxies).
    pub request: Vec<u8>,
    /// The proxy's reply head as received (HTTP proxies; empty if none came).
    pub response: Vec<u8>,
    /// The body of a refusal (at most 64 KiB).
    pub body: Vec<u8>,
    /// SOCKS5 steps, in words.
    pub steps: Vec<String>,
    /// Whether the tunnel opened.
    pub open: bool,
    pub took: Duration,
}

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
pub struct TunnelSpec<'a> {
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
    spec: &TunnelSpec<'_>,
    stream: ProxyStream,
    info: &mut TunnelInfo,
) -> Result<ProxyStream, Error> {
    let TunnelSpec { proxy, headers, target, resolved, deadline, budget } = *spec;
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

async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    proxy: &Proxy,
    headers: &[(String, String)],
    stream: &mut S,
    target: &Target,
    deadline: Instant,
    budget: Duration,
    info: &mut TunnelInfo,
) -> Result<(), Error> {
    let timed_out = || Error::Proxy {
        cause: None,
        message: format!("the proxy {} did not answer the CONNECT within {}", proxy.display(), fmt(budget)),
        hint: Some("raise --connect-timeout, or check the proxy".into()),
        headers: Vec::new(),
        body: Vec::new(),
    };
    info.request = connect_request(proxy, headers, target);
    let lost = |e: std::io::Error| Error::Proxy {
        cause: Some(e.to_string()),
        message: format!("the proxy {} closed the connection during the CONNECT", proxy.display()),
        hint: None,
        headers: Vec::new(),
        body: Vec::new(),
    };
    match timeout_at(deadline, async {
        stream.write_all(&info.request).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => return Err(timed_out()),
        Ok(Err(e)) => return Err(lost(e)),
        Ok(Ok(())) => {}
    }
    // One byte at a time: not a byte past the head may be taken from the tunnel.
    let mut byte = [0u8; 1];
    loop {
        match timeout_at(deadline, stream.read(&mut byte)).await {
            Err(_) => return Err(timed_out()),
            Ok(Err(e)) => return Err(lost(e)),
            Ok(Ok(0)) => {
                return Err(Error::Proxy {
                    cause: None,
                    message: if info.response.is_empty() {
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
                    hint: None,
                    headers: Vec::new(),
                    body: Vec::new(),
                })
            }
            Ok(Ok(_)) => info.response.push(byte[0]),
        }
        if info.response.ends_with(b"\r\n\r\n") || info.response.ends_with(b"\n\n") {
            let interim =
                info.response.len() > 10 && info.response.starts_with(b"HTTP/1.") && info.response[9] == b'1';
            if !interim {
                break;
            }
            // An interim 1xx reply (RFC 9110 §15.2): the real one follows.
            info.response.clear();
        }
        if info.response.len() > MAX_HEAD {
            return Err(Error::Proxy {
                cause: None,
                message: format!("the proxy's reply head is larger than {} KiB", MAX_HEAD >> 10),
                hint: None,
                headers: Vec::new(),
                body: Vec::new(),
            });
        }
    }
    let mut parsed = [httparse::EMPTY_HEADER; 64];
    let mut reply = httparse::Response::new(&mut parsed);
    let status = match reply.parse(&info.response) {
        Ok(httparse::Status::Complete(_)) => reply.code.unwrap_or(0),
        _ => {
            return Err(Error::Proxy {
                cause: None,
                message: match crate::core::wire::handshake::head_defect(&info.response) {
                    Some(defect) => {
                        format!("the proxy {}'s reply is not valid HTTP: {defect}", proxy.display())
                    }
                    None => format!(
                        "the proxy {} answered the CONNECT with something that is not an HTTP response",
                        proxy.display()
                    ),
                },
                hint: Some("is this an HTTP proxy? for SOCKS use socks5:// or socks5h://".into()),
                headers: Vec::new(),
                body: Vec::new(),
            })
        }
    };
    if (200..300).contains(&status) {
        return Ok(());
    }
    let reason = reply.reason.unwrap_or("").to_string();
    let header_lines: Vec<(String, String)> =
        reply.headers.iter().map(|h| (h.name.to_string(), lossless(h.value))).collect();
    let length = header_lines
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    // The body explains the refusal: read what is announced (or what comes before the proxy
    // closes), at most 64 KiB, within the deadline and at most a second more.
    let body_deadline = deadline.min(Instant::now() + Duration::from_secs(1));
    let want = length.unwrap_or(MAX_BODY).min(MAX_BODY);
    let mut chunk = [0u8; 4096];
    while info.body.len() < want {
        match timeout_at(body_deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => info.body.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    info.body.truncate(want);
    let hint = match status {
        401 | 407 if proxy.credentials.is_some() => {
            "the proxy did not accept the credentials: check --proxy-user (or USER:PASS in the proxy URL)"
        }
        407 => "the proxy wants credentials: pass --proxy-user USER:PASS (or put them in the proxy URL)",
        403 => "the proxy does not allow this destination (its rules may allow only some ports or hosts)",
        502..=504 => {
            "the proxy could not reach the server: check the URL's host and port from the proxy's side"
        }
        _ => "the proxy refused to open a tunnel; -v shows its reply",
    };
    Err(Error::Proxy {
        cause: None,
        message: format!(
            "the proxy {} refused CONNECT {}: HTTP {status} {reason}",
            proxy.display(),
            target.authority()
        ),
        hint: Some(hint.into()),
        headers: header_lines,
        body: info.body.clone(),
    })
}

async fn socks5(
    proxy: &Proxy,
    stream: TcpStream,
    target: &Target,
    resolved: Option<SocketAddr>,
    deadline: Instant,
    budget: Duration,
    info: &mut TunnelInfo,
) -> Result<TcpStream, Error> {
    use tokio_socks::tcp::Socks5Stream;
    use tokio_socks::TargetAddr;
    info.steps.push(match &proxy.credentials {
        Some((user, _)) => format!(
            "greeting: offered no authentication and username/password (RFC 1929) as '{}'",
            user.escape_debug()
        ),
        None => "greeting: offered no authentication".into(),
    });
    if let Some((user, pass)) = &proxy.credentials {
        if !(1..=255).contains(&user.len()) || !(1..=255).contains(&pass.len()) {
            return Err(Error::Usage {
                message: "SOCKS5 credentials take a user and a password of 1 to 255 bytes each (RFC 1929)"
                    .into(),
                hint: None,
            });
        }
    }
    if proxy.kind == ProxyKind::Socks5h && target.host.len() > 255 {
        return Err(Error::Usage {
            message: format!("the host name is {} bytes; SOCKS5 carries at most 255", target.host.len()),
            hint: Some("use socks5:// so that wsdiag resolves the name".into()),
        });
    }
    let addr: TargetAddr<'static> = match (proxy.kind, resolved) {
        (ProxyKind::Socks5, Some(addr)) => {
            info.steps.push(format!("CONNECT {addr} (resolved by wsdiag)"));
            TargetAddr::Ip(addr)
        }
        _ => {
            info.steps.push(format!("CONNECT {} (the proxy resolves the name)", target.authority()));
            TargetAddr::Domain(target.host.clone().into(), target.port)
        }
    };
    let handshake = async {
        match &proxy.credentials {
            Some((user, pass)) => {
                Socks5Stream::connect_with_password_and_socket(stream, addr, user, pass).await
            }
            None => Socks5Stream::connect_with_socket(stream, addr).await,
        }
    };
    let result = match timeout_at(deadline, handshake).await {
        Err(_) => {
            info.steps.push(format!("no answer within {}", fmt(budget)));
            return Err(Error::Proxy {
                cause: None,
                message: format!(
                    "the SOCKS5 proxy {} did not answer within {}",
                    proxy.display(),
                    fmt(budget)
                ),
                hint: Some("raise --connect-timeout, or check the proxy".into()),
                headers: Vec::new(),
                body: Vec::new(),
            });
        }
        Ok(r) => r,
    };
    match result {
        Ok(s) => {
            info.steps.push("reply: succeeded; the tunnel is open".into());
            Ok(s.into_inner())
        }
        Err(e) => {
            let (what, hint) = socks_error(&e);
            info.steps.push(format!("failed: {what}"));
            let refused = what.starts_with("reply ") || what.contains("authentication");
            Err(Error::Proxy {
                cause: None,
                message: if refused {
                    format!(
                        "the SOCKS5 proxy {} refused CONNECT {}: {what}",
                        proxy.display(),
                        target.authority()
                    )
                } else {
                    format!("the SOCKS5 proxy {} failed: {what}", proxy.display())
                },
                hint,
                headers: Vec::new(),
                body: Vec::new(),
            })
        }
    }
}

/// A SOCKS5 failure by its RFC 1928 reply code and name, or what went wrong before the reply.
fn socks_error(e: &tokio_socks::Error) -> (String, Option<String>) {
    use tokio_socks::Error as E;
    let reply = |code: u8, name: &str| format!("reply {code}, {name}");
    let (what, hint) = match e {
        E::GeneralSocksServerFailure => (reply(1, "general SOCKS server failure"), None),
        E::ConnectionNotAllowedByRuleset => (
            reply(2, "connection not allowed by ruleset"),
            Some("the proxy's rules do not allow this destination"),
        ),
        E::NetworkUnreachable => (reply(3, "network unreachable"), None),
        E::HostUnreachable => {
            (reply(4, "host unreachable"), Some("check the URL's host from the proxy's side"))
        }
        E::ConnectionRefused => {
            (reply(5, "connection refused"), Some("nothing listens on the URL's port, seen from the proxy"))
        }
        E::TtlExpired => (reply(6, "TTL expired"), None),
        E::CommandNotSupported => (reply(7, "command not supported"), None),
        E::AddressTypeNotSupported => (
            reply(8, "address type not supported"),
            Some("with socks5h:// the proxy resolves names; with socks5:// wsdiag does"),
        ),
        E::NoAcceptableAuthMethods => (
            "the proxy accepts none of the offered authentication methods".to_string(),
            Some("pass --proxy-user USER:PASS (or put them in the proxy URL)"),
        ),
        E::PasswordAuthFailure(code) => (
            format!("username/password authentication failed (status {code})"),
            Some("check --proxy-user (or USER:PASS in the proxy URL)"),
        ),
        E::InvalidResponseVersion => (
            "the reply is not SOCKS5".to_string(),
            Some("is this a SOCKS5 proxy? for HTTP proxies use http://"),
        ),
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ("the proxy closed the connection during the SOCKS5 exchange".to_string(), None)
        }
        other => (other.to_string(), None),
    };
    (what, hint.map(str::to_string))
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

fn fmt(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    fn config(env: &[(&str, &str)]) -> ProxyConfig {
        ProxyConfig {
            env: env.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            ..ProxyConfig::default()
        }
    }

    #[test]
    fn parses_proxy_urls_like_curl() {
        let p = Proxy::parse("proxy.corp:3128", "--proxy").unwrap();
        assert_eq!((p.kind, p.host.as_str(), p.port), (ProxyKind::Http, "proxy.corp", 3128));
        assert_eq!(Proxy::parse("http://proxy", "x").unwrap().port, 1080);
        assert_eq!(Proxy::parse("https://proxy", "x").unwrap().port, 443);
        let p = Proxy::parse("socks5h://u%40x:p%3Aw@[::1]:9050", "x").unwrap();
        assert_eq!(p.kind, ProxyKind::Socks5h);
        assert_eq!(p.host, "::1");
        assert_eq!(p.credentials, Some(("u@x".into(), "p:w".into())));
        assert_eq!(p.display(), "socks5h://[::1]:9050");
        assert!(Proxy::parse("ftp://proxy", "x").is_err());
        assert!(Proxy::parse("socks4://proxy", "x").is_err());
        assert!(Proxy::parse("http://proxy/path", "x").is_err());
    }

    #[test]
    fn no_proxy_matches_suffixes_ips_and_ranges() {
        let m = |list: &str, host: &str| no_proxy_match(list, host);
        assert_eq!(m("example.com", "example.com").as_deref(), Some("example.com"));
        assert_eq!(m("example.com", "api.Example.COM").as_deref(), Some("example.com"));
        assert_eq!(m(".example.com", "api.example.com").as_deref(), Some(".example.com"));
        assert_eq!(m("example.com", "badexample.com"), None);
        assert_eq!(m("a.com, 127.0.0.1", "127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(m("10.0.0.0/8", "10.1.2.3").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(m("10.0.0.0/8", "11.1.2.3"), None);
        assert_eq!(m("fd00::/8", "fd12::1").as_deref(), Some("fd00::/8"));
        assert_eq!(m("[::1]", "::1").as_deref(), Some("[::1]"));
        // Names are not resolved: a range does not match a name.
        assert_eq!(m("127.0.0.0/8", "localhost"), None);
        assert_eq!(m("*", "anything").as_deref(), Some("*"));
        assert_eq!(m("", "anything"), None);
    }

    #[test]
    fn environment_is_read_as_curl_reads_it() {
        let ws = target("ws://h.example/");
        let wss = target("wss://h.example/");
        let pick = |c: &ProxyConfig, t: &Target| c.select(t).unwrap().and_then(|s| s.proxy.map(|p| p.host));
        let c =
            config(&[("http_proxy", "a"), ("https_proxy", "b"), ("HTTPS_PROXY", "c"), ("ALL_PROXY", "d")]);
        assert_eq!(pick(&c, &ws).as_deref(), Some("a"));
        assert_eq!(pick(&c, &wss).as_deref(), Some("b"));
        let c = config(&[("HTTPS_PROXY", "c"), ("all_proxy", "e"), ("ALL_PROXY", "d")]);
        assert_eq!(pick(&c, &wss).as_deref(), Some("c"));
        assert_eq!(pick(&c, &ws).as_deref(), Some("e"));
        // HTTP_PROXY is never read, and -v says so.
        let c = config(&[("HTTP_PROXY", "x")]);
        let s = c.select(&ws).unwrap().unwrap();
        assert_eq!(s.proxy, None);
        assert!(s.describe().contains("HTTP_PROXY is not read"), "{}", s.describe());
        // no_proxy before NO_PROXY; --noproxy before both.
        let c = config(&[("http_proxy", "a"), ("no_proxy", "other.example"), ("NO_PROXY", "h.example")]);
        assert_eq!(pick(&c, &ws).as_deref(), Some("a"));
        let c = config(&[("http_proxy", "a"), ("NO_PROXY", "h.example")]);
        let s = c.select(&ws).unwrap().unwrap();
        assert_eq!(s.bypass, Some(("NO_PROXY".into(), "h.example".into())));
        let mut c = config(&[("http_proxy", "a"), ("NO_PROXY", "h.example")]);
        c.noproxy = Some("".into());
        assert_eq!(pick(&c, &ws).as_deref(), Some("a"));
        // --proxy '' wins over everything; --proxy over the environment.
        let mut c = config(&[("http_proxy", "a")]);
        c.flag = Some(None);
        assert_eq!(pick(&c, &ws), None);
        c.flag = Some(Some(Proxy::parse("flag", "--proxy").unwrap()));
        assert_eq!(pick(&c, &ws).as_deref(), Some("flag"));
        assert_eq!(config(&[]).select(&ws).unwrap(), None);
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

    #[test]
    fn a_bad_proxy_url_never_shows_its_password() {
        let err = Proxy::parse("ftp://alice:s3cret@127.0.0.1:1", "--proxy").unwrap_err().to_string();
        assert!(err.contains("'ftp://alice:***@127.0.0.1:1'"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}

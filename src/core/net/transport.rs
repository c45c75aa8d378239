//! DNS, TCP and TLS: from a target to a byte stream, each phase timed and bounded.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::timeout_at;

use crate::core::error::Error;
use crate::core::event::{Endpoint, TlsInfo, UnixPath};
use crate::core::net::proxy::{self, ProxyConfig, Selection, TunnelInfo};
use crate::core::net::socket::SocketHandle;
use crate::core::net::target::Target;
use crate::core::net::tls::{self, TlsConfig};
use crate::core::net::unix;

/// Any byte stream a session can run over besides TCP and TLS (for example
/// `tokio::io::duplex`, for in-process tests of the core).
pub trait AnyStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> AnyStream for T {}

/// A plain or TLS byte stream.
pub enum NetStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// The server side of a TLS connection.
    ServerTls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// Any other stream.
    Other(Box<dyn AnyStream>),
}

impl std::fmt::Debug for NetStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NetStream::Plain(_) => "NetStream::Plain",
            NetStream::Tls(_) => "NetStream::Tls",
            NetStream::ServerTls(_) => "NetStream::ServerTls",
            NetStream::Other(_) => "NetStream::Other",
        })
    }
}

/// How to reach a target: the transport half of `session::ConnectionConfig`, which the dial
/// takes by reference.
#[derive(Debug, Clone)]
pub struct DialConfig {
    pub tls: TlsConfig,
    /// Bound on DNS plus TCP connect.
    pub connect_timeout: Duration,
    /// Bound on the TLS handshake plus the upgrade, counted from the TCP connect.
    pub handshake_timeout: Duration,
    /// TCP keepalive probes after this much idle time.
    pub tcp_keepalive: Option<Duration>,
    /// TCP_USER_TIMEOUT: how long sent data may stay unacknowledged.
    pub tcp_user_timeout: Option<Duration>,
    /// Which proxy, if any (`--proxy`, the environment, NO_PROXY).
    pub proxy: ProxyConfig,
    /// Connect to this Unix-domain socket instead of the URL's host and port (which still
    /// give the Host header, TLS's server name and the path).
    pub unix: Option<UnixPath>,
    /// Carry the WebSocket on an HTTP/2 stream (RFC 8441) instead of an HTTP/1.1 upgrade.
    pub http2: Option<crate::core::net::h2::Http2Mode>,
}

/// A phase of dialing, reported as it completes.
#[derive(Debug, Clone)]
pub enum Phase {
    /// A proxy was configured: the one chosen for this target and why (or why none).
    ProxySelected(Selection),
    /// The proxy's tunnel opened (or failed: `open` is false), with what was exchanged.
    Tunnel(TunnelInfo),
    /// The host name was resolved (not reported for IP literals).
    Resolved { addrs: Vec<SocketAddr>, took: Duration },
    /// TCP (or the Unix socket) connected to `addr`.
    Connected { addr: Endpoint, took: Duration },
    /// TLS is up.
    Tls(TlsInfo),
}

/// A byte stream to the target, ready for the upgrade.
#[derive(Debug)]
pub struct Dialed {
    pub stream: NetStream,
    /// A second handle on the TCP socket.
    pub socket: Option<SocketHandle>,
    /// When the upgrade must be done (`handshake_timeout` after the TCP connect).
    pub handshake_deadline: Instant,
}

/// DNS, TCP (tuned) and TLS for `target`, each phase bounded and reported to `phase` as it
/// completes; `recorder` keeps the certificate chain and verification result, also when TLS
/// fails. The one way `connect` and `handshake-inspect` reach a server.
pub async fn dial(
    target: &Target,
    spec: &DialConfig,
    recorder: Option<tls::CertRecorder>,
    phase: &mut (dyn FnMut(Phase) + Send),
) -> Result<Dialed, Error> {
    let connect_deadline = Instant::now() + spec.connect_timeout;
    if let Some(path) = &spec.unix {
        return dial_unix(path, target, spec, recorder, connect_deadline, phase).await;
    }
    let selection = if spec.proxy.is_configured() { spec.proxy.select(target)? } else { None };
    let proxy = selection.as_ref().and_then(|s| s.proxy.clone());
    if let Some(selection) = selection {
        phase(Phase::ProxySelected(selection));
    }
    if let Some(proxy) = proxy {
        return proxy::dial::dial_via(&proxy, target, spec, recorder, connect_deadline, phase).await;
    }
    let (addrs, dns) = resolve(target, connect_deadline, spec.connect_timeout).await?;
    if let Some(took) = dns {
        phase(Phase::Resolved { addrs: addrs.clone(), took });
    }
    let tcp_start = Instant::now();
    let tcp = connect_tcp(&target.host, &addrs, connect_deadline, spec.connect_timeout).await?;
    let took = tcp_start.elapsed();
    tune(&tcp, spec.tcp_keepalive, spec.tcp_user_timeout)?;
    let socket = SocketHandle::duplicate(&tcp);
    let addr = tcp.peer_addr().map_err(|source| Error::Io { context: "connection lost".into(), source })?;
    phase(Phase::Connected { addr: addr.into(), took });
    let handshake_deadline = Instant::now() + spec.handshake_timeout;
    let stream = if target.tls {
        let (stream, info) =
            connect_tls(tcp, target, &spec.tls, handshake_deadline, spec.handshake_timeout, recorder).await?;
        phase(Phase::Tls(info));
        stream
    } else {
        NetStream::Plain(tcp)
    };
    Ok(Dialed { stream, socket, handshake_deadline })
}

/// The Unix-socket path of `dial`: connect to the socket, then TLS over it for `wss://`
/// (the server name from the URL). No TCP, so no TCP options and no second socket handle.
async fn dial_unix(
    path: &UnixPath,
    target: &Target,
    spec: &DialConfig,
    recorder: Option<tls::CertRecorder>,
    connect_deadline: Instant,
    phase: &mut (dyn FnMut(Phase) + Send),
) -> Result<Dialed, Error> {
    let start = Instant::now();
    let stream = unix::connect(path, connect_deadline, spec.connect_timeout).await?;
    phase(Phase::Connected { addr: Endpoint::Unix(path.clone()), took: start.elapsed() });
    let handshake_deadline = Instant::now() + spec.handshake_timeout;
    let stream = if target.tls {
        let name = spec.tls.sni.clone().unwrap_or_else(|| target.host.clone());
        let (tls, info) =
            tls_handshake(stream, &name, &spec.tls, recorder, handshake_deadline, spec.handshake_timeout)
                .await?;
        phase(Phase::Tls(info));
        NetStream::Other(Box::new(tls))
    } else {
        NetStream::Other(stream)
    };
    Ok(Dialed { stream, socket: None, handshake_deadline })
}

/// Resolves `target.host` (skipped for IP literals) within the deadline.
pub async fn resolve(
    target: &Target,
    deadline: Instant,
    budget: Duration,
) -> Result<(Vec<SocketAddr>, Option<Duration>), Error> {
    if let Ok(ip) = target.host.parse::<IpAddr>() {
        return Ok((vec![SocketAddr::new(ip, target.port)], None));
    }
    let start = Instant::now();
    let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
    let addrs: Vec<SocketAddr> = match timeout_at(deadline, lookup).await {
        Err(_) => return Err(Error::ConnectTimeout { host: target.host.clone(), after: budget }),
        Ok(Err(source)) => return Err(Error::Resolve { host: target.host.clone(), source }),
        Ok(Ok(addrs)) => addrs.collect(),
    };
    if addrs.is_empty() {
        return Err(Error::NoAddress { host: target.host.clone() });
    }
    Ok((addrs, Some(start.elapsed())))
}

/// Connects to the first address that answers, within the deadline.
pub async fn connect_tcp(
    host: &str,
    addrs: &[SocketAddr],
    deadline: Instant,
    budget: Duration,
) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Err(_) => return Err(Error::ConnectTimeout { host: host.to_string(), after: budget }),
            Ok(Ok(stream)) => {
                // Interactive traffic: never wait to coalesce small frames.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(source)) => last = Some((addr, source)),
        }
    }
    let (addr, source) = last.expect("at least one address");
    Err(Error::Refused { addr: addr.to_string(), source })
}

/// Sets TCP keepalive and TCP_USER_TIMEOUT, so a black-holed path fails in seconds, not the
/// kernel's default of about 15 minutes.
pub fn tune(
    tcp: &TcpStream,
    keepalive: Option<Duration>,
    user_timeout: Option<Duration>,
) -> Result<(), Error> {
    let sock = socket2::SockRef::from(tcp);
    let fail = |what: &str, source| Error::Io { context: format!("cannot set {what}"), source };
    if let Some(d) = keepalive {
        let params = socket2::TcpKeepalive::new().with_time(d).with_interval(d);
        sock.set_tcp_keepalive(&params).map_err(|e| fail("TCP keepalive", e))?;
    }
    if let Some(d) = user_timeout {
        let option = crate::core::net::socket::USER_TIMEOUT_OPTION.unwrap_or("a TCP user timeout");
        crate::core::net::socket::set_user_timeout(&sock, Some(d)).map_err(|e| fail(option, e))?;
    }
    Ok(())
}

/// Runs the TLS handshake within the deadline and reports what was negotiated.
pub async fn connect_tls(
    tcp: TcpStream,
    target: &Target,
    opts: &TlsConfig,
    deadline: Instant,
    budget: Duration,
    recorder: Option<tls::CertRecorder>,
) -> Result<(NetStream, TlsInfo), Error> {
    let name = opts.sni.clone().unwrap_or_else(|| target.host.clone());
    let (stream, info) = tls_handshake(tcp, &name, opts, recorder, deadline, budget).await?;
    Ok((NetStream::Tls(Box::new(stream)), info))
}

/// The TLS handshake over any stream (TCP, or a tunnel through a proxy), with `name` for SNI
/// and the certificate check, within the deadline.
pub async fn tls_handshake<S: AnyStream>(
    io: S,
    name: &str,
    opts: &TlsConfig,
    recorder: Option<tls::CertRecorder>,
    deadline: Instant,
    budget: Duration,
) -> Result<(tokio_rustls::client::TlsStream<S>, TlsInfo), Error> {
    let config = tls::client_config(opts, recorder)?;
    let server_name = tls::server_name(name)?;
    let start = Instant::now();
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = match timeout_at(deadline, connector.connect(server_name.clone(), io)).await {
        Err(_) => return Err(Error::HandshakeTimeout { after: budget }),
        Ok(Err(e)) => {
            return Err(tls::classify(&e, name).unwrap_or_else(|| Error::Tls {
                message: if e.kind() == io::ErrorKind::UnexpectedEof {
                    "the server closed the connection during the TLS handshake".into()
                } else {
                    e.to_string()
                },
                hint: Some("is this port serving TLS? for plain WebSocket use ws://".into()),
            }))
        }
        Ok(Ok(s)) => s,
    };
    let conn = stream.get_ref().1;
    let info = TlsInfo {
        version: conn.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default(),
        cipher: conn.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite())).unwrap_or_default(),
        alpn: conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
        sni: matches!(server_name, rustls::pki_types::ServerName::DnsName(_)).then(|| name.to_string()),
        took: start.elapsed(),
    };
    Ok((stream, info))
}

impl AsyncRead for NetStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            NetStream::ServerTls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            NetStream::Other(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for NetStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            NetStream::ServerTls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            NetStream::Other(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_flush(cx),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            NetStream::ServerTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            NetStream::Other(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            NetStream::ServerTls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            NetStream::Other(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

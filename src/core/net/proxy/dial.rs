//! Reaching a server through a proxy: DNS and TCP to the proxy, TLS to an `https://` proxy,
//! the tunnel, then TLS to the server through it; failures name the proxy hop.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;

use super::{Proxy, ProxyKind, ProxyStream, TunnelConfig, TunnelInfo};
use crate::core::error::{Error, Hint};
use crate::core::net::socket::SocketHandle;
use crate::core::net::target::Target;
use crate::core::net::tls;
use crate::core::net::transport::{
    connect_tcp, connect_tls, resolve, tls_handshake, tune, DialConfig, Dialed, NetStream, Phase,
};

/// Through a proxy: DNS and TCP to the proxy, TLS to it for `https://`, the tunnel (CONNECT or
/// SOCKS5), all within `--connect-timeout`; then TLS to the server through the tunnel.
pub(crate) async fn dial_via(
    proxy: &Proxy,
    target: &Target,
    spec: &DialConfig,
    recorder: Option<tls::CertRecorder>,
    deadline: Instant,
    phase: &mut (dyn FnMut(Phase) + Send),
) -> Result<Dialed, Error> {
    let name = proxy.display();
    let budget = spec.connect_timeout;
    let hop = |e: Error| hop_error(&name, e);
    let proxy_host = Target {
        tls: proxy.kind == ProxyKind::Https,
        host: proxy.host.clone(),
        port: proxy.port,
        resource: "/".into(),
        userinfo: None,
    };
    let (addrs, dns) = resolve(&proxy_host, deadline, budget).await.map_err(hop)?;
    if let Some(took) = dns {
        phase(Phase::Resolved { addrs: addrs.clone(), took });
    }
    let resolved = resolve_for_socks5(proxy, target, deadline, budget, phase).await?;
    let tcp_start = Instant::now();
    let tcp = connect_tcp(&proxy.host, &addrs, deadline, budget).await.map_err(hop)?;
    let took = tcp_start.elapsed();
    tune(&tcp, spec.tcp_keepalive, spec.tcp_user_timeout)?;
    let socket = SocketHandle::duplicate(&tcp);
    let addr = tcp.peer_addr().map_err(|source| Error::Io { context: "connection lost".into(), source })?;
    phase(Phase::Connected { addr: addr.into(), took });

    let mut info = TunnelInfo { proxy: name.clone(), target: target.authority(), ..TunnelInfo::default() };
    let tunnel_start = Instant::now();
    let stream = if proxy.kind == ProxyKind::Https {
        let opts = &spec.proxy.tls;
        match tls_handshake(tcp, &proxy.host, opts, None, deadline, budget).await {
            Ok((s, tls)) => {
                info.tls = Some(tls);
                ProxyStream::Tls(Box::new(s))
            }
            Err(e) => {
                info.took = tunnel_start.elapsed();
                phase(Phase::Tunnel(info));
                return Err(proxy_tls_error(&name, e));
            }
        }
    } else {
        ProxyStream::Tcp(tcp)
    };
    let tunnel = TunnelConfig { proxy, headers: &spec.proxy.headers, target, resolved, deadline, budget };
    let opened = super::open_tunnel(&tunnel, stream, &mut info).await;
    info.took = tunnel_start.elapsed();
    phase(Phase::Tunnel(info));
    let tunnel = opened?;

    let handshake_deadline = Instant::now() + spec.handshake_timeout;
    let stream = to_server(tunnel, target, spec, recorder, handshake_deadline, phase).await?;
    Ok(Dialed { stream, socket, handshake_deadline })
}

/// A failure to reach the proxy, told as the proxy's (not the server's).
fn hop_error(name: &str, e: Error) -> Error {
    match e {
        Error::Resolve { host, source } => Error::Proxy {
            cause: Some(source.to_string()),
            message: format!("could not resolve the proxy host {host}"),
            hint: Some(Hint::ProxyUrl),
            headers: Vec::new(),
            body: Vec::new(),
        },
        Error::NoAddress { host } => {
            Error::proxy(format!("the proxy host {host} has no address"), Some(Hint::ProxyUrl))
        }
        Error::Refused { addr, source } => Error::Proxy {
            cause: Some(source.to_string()),
            message: format!("could not connect to the proxy {name} at {addr}"),
            hint: Some("is the proxy running, and on this port?".into()),
            headers: Vec::new(),
            body: Vec::new(),
        },
        Error::ConnectTimeout { after, .. } => Error::proxy(
            format!("connecting to the proxy {name} timed out after {}", humantime::format_duration(after)),
            Some(Hint::ProxyUnanswered),
        ),
        other => other,
    }
}

/// socks5:// sends an address: wsdiag resolves the server's name (socks5h:// does not).
async fn resolve_for_socks5(
    proxy: &Proxy,
    target: &Target,
    deadline: Instant,
    budget: Duration,
    phase: &mut (dyn FnMut(Phase) + Send),
) -> Result<Option<SocketAddr>, Error> {
    if proxy.kind != ProxyKind::Socks5 {
        return Ok(None);
    }
    let (addrs, dns) = resolve(target, deadline, budget).await?;
    if let Some(took) = dns {
        phase(Phase::Resolved { addrs: addrs.clone(), took });
    }
    Ok(addrs.first().copied())
}

/// A failed TLS handshake with an `https://` proxy, told as the proxy's, its hints naming the
/// proxy's flags.
fn proxy_tls_error(name: &str, e: Error) -> Error {
    match e {
        Error::Tls { message, hint } => Error::Tls {
            message: format!("to the proxy {name}: {message}"),
            hint: hint.map(|h| match h {
                Hint::Text(t) if t.contains("for plain WebSocket use ws://") => {
                    "is this proxy serving TLS? for a plain HTTP proxy use http://".into()
                }
                h => Hint::ForProxy(Box::new(h)),
            }),
        },
        Error::HandshakeTimeout { after } => Error::proxy(
            format!(
                "the TLS handshake with the proxy {name} did not finish within {}",
                humantime::format_duration(after)
            ),
            Some(Hint::ProxyTlsTimeout),
        ),
        other => other,
    }
}

/// The stream to the server through the open tunnel: TLS to the server for `wss://`, within
/// the handshake timeout.
async fn to_server(
    tunnel: ProxyStream,
    target: &Target,
    spec: &DialConfig,
    recorder: Option<tls::CertRecorder>,
    handshake_deadline: Instant,
    phase: &mut (dyn FnMut(Phase) + Send),
) -> Result<NetStream, Error> {
    let budget = spec.handshake_timeout;
    Ok(match (tunnel, target.tls) {
        (ProxyStream::Tcp(tcp), false) => NetStream::Plain(tcp),
        (ProxyStream::Tls(s), false) => NetStream::Tls(s),
        (ProxyStream::Tcp(tcp), true) => {
            let (stream, info) =
                connect_tls(tcp, target, &spec.tls, handshake_deadline, budget, recorder).await?;
            phase(Phase::Tls(info));
            stream
        }
        (ProxyStream::Tls(s), true) => {
            let name = spec.tls.sni.clone().unwrap_or_else(|| target.host.clone());
            let (stream, info) =
                tls_handshake(*s, &name, &spec.tls, recorder, handshake_deadline, budget).await?;
            phase(Phase::Tls(info));
            NetStream::Other(Box::new(stream))
        }
    })
}

//! SOCKS5 (RFC 1928, with RFC 1929 username/password), spoken by tokio-socks; its steps are
//! recorded in words for `-v`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_socks::TargetAddr;

use super::tunnel::fmt;
use super::TunnelInfo;
use super::{Proxy, ProxyKind};
use crate::core::error::{Error, Hint};
use crate::core::net::target::Target;

/// The SOCKS5 exchange over `stream` (already connected to the proxy), each step recorded in
/// `info`; the stream is the tunnel when it succeeds.
pub(super) async fn socks5(
    proxy: &Proxy,
    stream: TcpStream,
    target: &Target,
    resolved: Option<SocketAddr>,
    deadline: Instant,
    budget: Duration,
    info: &mut TunnelInfo,
) -> Result<TcpStream, Error> {
    use tokio_socks::tcp::Socks5Stream;
    info.steps.push(greeting(proxy));
    check_lengths(proxy, target)?;
    let addr = target_addr(proxy, target, resolved, info);
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
            return Err(Error::proxy(
                format!("the SOCKS5 proxy {} did not answer within {}", proxy.display(), fmt(budget)),
                Some(Hint::ProxyTimeout),
            ));
        }
        Ok(r) => r,
    };
    match result {
        Ok(s) => {
            info.steps.push("reply: succeeded; the tunnel is open".into());
            Ok(s.into_inner())
        }
        Err(e) => Err(failed(proxy, target, &e, info)),
    }
}

/// The greeting step in words: the authentication methods offered.
fn greeting(proxy: &Proxy) -> String {
    match &proxy.credentials {
        Some((user, _)) => format!(
            "greeting: offered no authentication and username/password (RFC 1929) as '{}'",
            user.escape_debug()
        ),
        None => "greeting: offered no authentication".into(),
    }
}

/// What SOCKS5 cannot carry: credentials outside 1 to 255 bytes, a host name over 255.
fn check_lengths(proxy: &Proxy, target: &Target) -> Result<(), Error> {
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
    Ok(())
}

/// The address the CONNECT names: the one wsdiag resolved (`socks5://`), or the host name for
/// the proxy to resolve; the step recorded in `info`.
fn target_addr(
    proxy: &Proxy,
    target: &Target,
    resolved: Option<SocketAddr>,
    info: &mut TunnelInfo,
) -> TargetAddr<'static> {
    match (proxy.kind, resolved) {
        (ProxyKind::Socks5, Some(addr)) => {
            info.steps.push(format!("CONNECT {addr} (resolved by wsdiag)"));
            TargetAddr::Ip(addr)
        }
        _ => {
            info.steps.push(format!("CONNECT {} (the proxy resolves the name)", target.authority()));
            TargetAddr::Domain(target.host.clone().into(), target.port)
        }
    }
}

/// The exchange failed: a refusal (a reply code, authentication) or another failure, in words;
/// the step recorded in `info`.
fn failed(proxy: &Proxy, target: &Target, e: &tokio_socks::Error, info: &mut TunnelInfo) -> Error {
    let (what, hint) = socks_error(e);
    info.steps.push(format!("failed: {what}"));
    let refused = what.starts_with("reply ") || what.contains("authentication");
    Error::Proxy {
        cause: None,
        message: if refused {
            format!("the SOCKS5 proxy {} refused CONNECT {}: {what}", proxy.display(), target.authority())
        } else {
            format!("the SOCKS5 proxy {} failed: {what}", proxy.display())
        },
        hint,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

/// A SOCKS5 failure by its RFC 1928 reply code and name, or what went wrong before the reply.
fn socks_error(e: &tokio_socks::Error) -> (String, Option<Hint>) {
    use tokio_socks::Error as E;
    let reply = |code: u8, name: &str| format!("reply {code}, {name}");
    let (what, hint) = match e {
        E::GeneralSocksServerFailure => (reply(1, "general SOCKS server failure"), None),
        E::ConnectionNotAllowedByRuleset => (
            reply(2, "connection not allowed by ruleset"),
            Some(Hint::Text("the proxy's rules do not allow this destination".into())),
        ),
        E::NetworkUnreachable => (reply(3, "network unreachable"), None),
        E::HostUnreachable => (
            reply(4, "host unreachable"),
            Some(Hint::Text("check the URL's host from the proxy's side".into())),
        ),
        E::ConnectionRefused => (
            reply(5, "connection refused"),
            Some(Hint::Text("nothing listens on the URL's port, seen from the proxy".into())),
        ),
        E::TtlExpired => (reply(6, "TTL expired"), None),
        E::CommandNotSupported => (reply(7, "command not supported"), None),
        E::AddressTypeNotSupported => (
            reply(8, "address type not supported"),
            Some(Hint::Text("with socks5h:// the proxy resolves names; with socks5:// wsdiag does".into())),
        ),
        E::NoAcceptableAuthMethods => (
            "the proxy accepts none of the offered authentication methods".to_string(),
            Some(Hint::SocksCredentialsWanted),
        ),
        E::PasswordAuthFailure(code) => (
            format!("username/password authentication failed (status {code})"),
            Some(Hint::SocksCredentialsRejected),
        ),
        E::InvalidResponseVersion => (
            "the reply is not SOCKS5".to_string(),
            Some(Hint::Text("is this a SOCKS5 proxy? for HTTP proxies use http://".into())),
        ),
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ("the proxy closed the connection during the SOCKS5 exchange".to_string(), None)
        }
        other => (other.to_string(), None),
    };
    (what, hint)
}

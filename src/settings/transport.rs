//! How a client reaches the server: TLS options, timeouts, TCP options and proxies.

use std::time::Duration;

use crate::cli::{ProxyArgs, TransportArgs};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::net::h2::Http2Mode;
use crate::core::net::proxy::{Proxy, ProxyConfig};
use crate::core::net::tls::TlsConfig;
use crate::core::net::transport::DialConfig;

use super::unix::unix_path;
use super::{parse_header, Env};

/// The proxy settings: the flags, and the environment's proxy variables unless the target is
/// the built-in echo server (in-process, on loopback: only `--proxy` applies to it).
pub fn proxy_config(args: &ProxyArgs, target: &TargetChoice, env: &Env) -> Result<ProxyConfig, Error> {
    let flag = match args.proxy.as_deref() {
        None => None,
        Some("") => Some(None),
        Some(url) => Some(Some(Proxy::parse(url, "--proxy")?)),
    };
    let user = match &args.proxy_user {
        None => None,
        Some(userpass) => {
            let (user, pass) = userpass
                .split_once(':')
                .ok_or_else(|| Error::Usage { message: "--proxy-user takes USER:PASS".into(), hint: None })?;
            Some((user.to_string(), pass.to_string()))
        }
    };
    let headers = args
        .proxy_header
        .iter()
        .map(|h| {
            parse_header(h).map_err(|e| Error::Usage {
                message: format!("--proxy-header: {e}"),
                hint: Some("write --proxy-header 'Name: value'".into()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let builtin = matches!(target, TargetChoice::BuiltinEcho(_));
    Ok(ProxyConfig {
        flag,
        noproxy: args.noproxy.clone(),
        env: if builtin { Vec::new() } else { env.proxy_vars.clone() },
        user,
        headers,
        tls: TlsConfig {
            cacert: args.proxy_cacert.clone(),
            insecure: args.proxy_insecure,
            keylog: env.keylog,
            ..TlsConfig::default()
        },
    })
}

/// The dial: TLS, the timeouts, proxies and the Unix socket from the flags, and the TCP
/// options the subcommand chose (ignored over a Unix socket: there is no TCP).
pub fn dial_config(
    args: &TransportArgs,
    target: &TargetChoice,
    env: &Env,
    proxy: ProxyConfig,
    tcp_keepalive: Option<Duration>,
    tcp_user_timeout: Option<Duration>,
) -> Result<DialConfig, Error> {
    let unix = unix_path(args.unix_socket.as_ref(), args.abstract_unix_socket.as_deref())?;
    if unix.is_some() && matches!(target, TargetChoice::BuiltinEcho(_)) {
        return Err(Error::usage("builtin:echo runs in-process; --unix-socket needs a ws:// or wss:// URL"));
    }
    Ok(DialConfig {
        tls: tls_config(args, env),
        connect_timeout: args.connect_timeout,
        handshake_timeout: args.handshake_timeout,
        tcp_keepalive,
        tcp_user_timeout,
        proxy,
        unix,
        http2: http2_mode(args, target)?,
    })
}

pub fn tls_config(args: &TransportArgs, env: &Env) -> TlsConfig {
    TlsConfig {
        cacert: args.cacert.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        insecure: args.insecure,
        sni: args.sni.clone(),
        keylog: env.keylog,
        alpn_h2: args.http2 || args.http2_prior_knowledge,
    }
}

/// `--http2` / `--http2-prior-knowledge`. `--http2` asks for h2 in TLS, so it needs wss://
/// (curl's h2c upgrade from HTTP/1.1 cannot carry an extended CONNECT: RFC 8441 §3 needs the
/// server's SETTINGS first, and no server offers it); builtin:echo speaks HTTP/1.1 only.
pub(super) fn http2_mode(args: &TransportArgs, target: &TargetChoice) -> Result<Option<Http2Mode>, Error> {
    let mode = match (args.http2, args.http2_prior_knowledge) {
        (false, false) => return Ok(None),
        (true, _) => Http2Mode::Alpn,
        (false, true) => Http2Mode::PriorKnowledge,
    };
    match target {
        TargetChoice::BuiltinEcho(_) => Err(Error::Usage {
            message: "builtin:echo speaks HTTP/1.1 only; --http2 needs a ws:// or wss:// URL".into(),
            hint: None,
        }),
        TargetChoice::Url(t) if !t.tls && mode == Http2Mode::Alpn => Err(Error::Usage {
            message: "--http2 negotiates HTTP/2 in TLS, so it needs a wss:// URL".into(),
            hint: Some("for cleartext HTTP/2 (h2c) use --http2-prior-knowledge".to_string().into()),
        }),
        _ => Ok(Some(mode)),
    }
}

/// The TLS flags against the target: their files are read now, whatever the scheme (a bad one
/// is a usage error, exit 2, before any connection); on a target without TLS the flags that
/// change nothing are named in warnings. `may_redirect`: a redirect may still lead to wss://.
pub(super) fn tls_checks(
    args: &TransportArgs,
    env: &Env,
    target: &TargetChoice,
    may_redirect: bool,
) -> Result<Vec<String>, Error> {
    crate::core::net::tls::check_files(&tls_config(args, env))?;
    let tls = matches!(target, TargetChoice::Url(t) if t.tls);
    if tls || may_redirect {
        return Ok(Vec::new());
    }
    let given = [
        ("--cacert", args.cacert.is_some()),
        ("--cert", args.cert.is_some()),
        ("--key", args.key.is_some()),
        ("--insecure", args.insecure),
        ("--sni", args.sni.is_some()),
    ];
    Ok(given
        .iter()
        .filter(|(_, on)| *on)
        .map(|(flag, _)| format!("{flag} has no effect: the URL is not wss://, so no TLS is used"))
        .collect())
}

/// The loud warnings of unverified certificates (`--insecure`, `--proxy-insecure`).
pub(super) fn insecure_warnings(args: &TransportArgs, target: &TargetChoice) -> Vec<String> {
    let mut warnings = Vec::new();
    // Without TLS, `tls_checks` says that --insecure changes nothing.
    if args.insecure && matches!(target, TargetChoice::Url(t) if t.tls) {
        warnings.push("--insecure: the server's certificate is not verified".to_string());
    }
    if args.proxy.proxy_insecure {
        warnings.push("--proxy-insecure: the proxy's certificate is not verified".to_string());
    }
    warnings
}

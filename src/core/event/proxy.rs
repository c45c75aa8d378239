//! Proxies as the contract reports them: which proxy a connection takes and why, and what
//! the tunnel exchanged (the `proxy` and `tunnel` events).

use std::time::Duration;

use crate::core::event::TlsInfo;

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

/// Which proxy a connection takes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// None: straight to the server.
    pub proxy: Option<Proxy>,
    /// Where the proxy came from.
    pub source: ProxySource,
    /// The NO_PROXY entry that sent the connection straight to the server, and the list it is
    /// from (the command line, `no_proxy` or `NO_PROXY`).
    pub bypass: Option<(NoProxySource, String)>,
    /// A variable set but not read, and why (HTTP_PROXY, as in curl).
    pub ignored: Option<String>,
}

/// Where a connection's proxy came from (JSON `source`: `--proxy`, `--proxy ''`, `none` or the
/// variable's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySource {
    /// The command line named a proxy.
    Flag,
    /// The command line turned proxies off (an empty proxy).
    Disabled,
    /// No proxy variable applies to this target.
    Nothing,
    /// The environment variable of this name.
    Var(String),
}

/// Where a NO_PROXY list came from (JSON `no_proxy.list`: `--noproxy` or the variable's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoProxySource {
    /// The command line's list.
    Flag,
    /// The environment variable of this name.
    Var(String),
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

//! Proxies: which one a connection takes (`--proxy`, the environment as curl reads it,
//! `NO_PROXY`), and the tunnel through it: HTTP CONNECT (RFC 9110 §9.3.6) over TCP or TLS,
//! or SOCKS5 (RFC 1928, with RFC 1929 username/password).
//!
//! Here: the proxy URL and the choice (flag, environment, NO_PROXY). `tunnel` opens the
//! tunnel (the CONNECT exchange, byte for byte; SOCKS5 in `socks`, in words); `dial` reaches a
//! server through it.

use std::net::IpAddr;

use crate::core::error::Error;
use crate::core::net::target::Target;
use crate::core::net::tls::TlsConfig;

pub(crate) mod dial;
mod socks;
mod tunnel;

pub use crate::core::event::proxy::{NoProxySource, Proxy, ProxyKind, ProxySource, Selection, TunnelInfo};
pub use tunnel::{connect_request, open_tunnel, ProxyStream, TunnelConfig};

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
    pub tls: TlsConfig,
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
                    source: ProxySource::Disabled,
                    bypass: None,
                    ignored: None,
                }))
            }
            Some(Some(p)) => (p.clone(), ProxySource::Flag),
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
                        source: ProxySource::Nothing,
                        bypass: None,
                        ignored: Some(i),
                    }));
                };
                let value = self.var(name).unwrap_or_default();
                (
                    Proxy::parse(value, &format!("the environment variable {name}"))?,
                    ProxySource::Var(name.to_string()),
                )
            }
        };
        let list = match &self.noproxy {
            Some(list) => Some((NoProxySource::Flag, list.as_str())),
            None => ["no_proxy", "NO_PROXY"]
                .into_iter()
                .find_map(|n| self.var(n).map(|v| (NoProxySource::Var(n.to_string()), v))),
        };
        if let Some((list_name, list)) = list {
            if let Some(entry) = no_proxy_match(list, &target.host) {
                return Ok(Some(Selection {
                    proxy: None,
                    source,
                    bypass: Some((list_name, entry)),
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
        assert!(s.ignored.as_deref().is_some_and(|i| i.contains("HTTP_PROXY is not read")), "{s:?}");
        // no_proxy before NO_PROXY; --noproxy before both.
        let c = config(&[("http_proxy", "a"), ("no_proxy", "other.example"), ("NO_PROXY", "h.example")]);
        assert_eq!(pick(&c, &ws).as_deref(), Some("a"));
        let c = config(&[("http_proxy", "a"), ("NO_PROXY", "h.example")]);
        let s = c.select(&ws).unwrap().unwrap();
        assert_eq!(s.bypass, Some((NoProxySource::Var("NO_PROXY".into()), "h.example".into())));
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
    fn a_bad_proxy_url_never_shows_its_password() {
        let err = Proxy::parse("ftp://alice:s3cret@127.0.0.1:1", "--proxy").unwrap_err().to_string();
        assert!(err.contains("'ftp://alice:***@127.0.0.1:1'"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}

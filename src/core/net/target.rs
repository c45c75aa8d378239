//! Where to connect: a parsed `ws://` / `wss://` URL or the `builtin:echo` pseudo-target.

use crate::core::error::Error;

/// A connection target with the request-target kept exactly as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub tls: bool,
    /// Host as used for DNS and SNI (IPv6 literal without brackets).
    pub host: String,
    pub port: u16,
    /// Path and query, byte for byte from the URL ("/" when the URL has none).
    pub resource: String,
    /// `user:pass` from the URL, if any (becomes Basic authentication).
    pub userinfo: Option<String>,
}

/// The host part of a URL as written (between `//` and the path, without user info and port),
/// when it holds a character no host name may contain: said in words, since the URL parser
/// calls any such host "invalid international domain name".
fn forbidden_in_host(input: &str) -> Option<String> {
    let rest = input.split_once("//")?.1;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') { host } else { host.rsplit_once(':').map_or(host, |(h, _)| h) };
    let c = host.chars().find(|c| c.is_whitespace() || c.is_control() || "<>^|\\".contains(*c))?;
    let what = match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        c if c.is_whitespace() || c.is_control() => format!("the character {}", c.escape_debug()),
        c => format!("'{c}'"),
    };
    Some(format!("the host '{}' contains {what}, which no host name may contain", host.escape_debug()))
}

impl Target {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::Usage {
            message: format!("invalid URL '{}': {why}", input.escape_debug()),
            hint: Some("use ws://HOST[:PORT]/PATH, wss://HOST[:PORT]/PATH or builtin:echo".into()),
        };
        if let Some(suggestion) = missing_scheme(input) {
            return Err(Error::Usage {
                message: format!(
                    "invalid URL '{}': it does not start with ws:// or wss://",
                    input.escape_debug()
                ),
                hint: Some(format!("try {} (or wss:// for TLS)", suggestion.escape_debug()).into()),
            });
        }
        let url = url::Url::parse(input).map_err(|e| match forbidden_in_host(input) {
            Some(why) => bad(&why),
            None => bad(&e.to_string()),
        })?;
        let tls = match url.scheme() {
            "ws" => false,
            "wss" => true,
            "http" | "https" => {
                return Err(Error::Usage {
                    message: format!("invalid URL '{input}': scheme must be ws or wss"),
                    hint: Some(format!("try {}", input.replacen("http", "ws", 1).escape_debug()).into()),
                })
            }
            other => return Err(bad(&format!("unsupported scheme '{other}' (use ws or wss)"))),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(addr)) => addr.to_string(),
            Some(host) => host.to_string(),
            None => return Err(bad("no host")),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = url.port_or_known_default().unwrap_or(if tls { 443 } else { 80 });
        let userinfo = (!url.username().is_empty()).then(|| {
            let user = percent_decode(url.username());
            let pass = url.password().map(percent_decode).unwrap_or_default();
            format!("{user}:{pass}")
        });
        Ok(Target { tls, host, port, resource: raw_resource(input), userinfo })
    }

    /// The Host header value: host, plus the port when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        let default = if self.tls { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// `host:port`, always with the port, IPv6 in brackets: a CONNECT request's target.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL as it will be requested (for display).
    pub fn display(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}{}", self.host_header(), self.resource)
    }
}

/// The `ws://` form of something typed without a scheme, or with a mangled one:
/// `localhost:8080` (which parses as scheme "localhost"), `127.0.0.1:9000` and `example.com/ws`
/// (relative URLs), `ws//host/` and `//host/`. None when the input has a real scheme, or when
/// adding one does not make a usable URL.
fn missing_scheme(input: &str) -> Option<String> {
    if input.is_empty() || input.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let candidate = if let Some(rest) = input.strip_prefix("ws//").or_else(|| input.strip_prefix("wss//")) {
        let scheme = if input.starts_with("wss") { "wss" } else { "ws" };
        format!("{scheme}://{rest}")
    } else if input.starts_with("//") {
        format!("ws:{input}")
    } else {
        match url::Url::parse(input) {
            Err(url::ParseError::RelativeUrlWithoutBase) => format!("ws://{input}"),
            // `host:port…`: the "scheme" is a host name followed by a port number.
            Ok(url) if input[url.scheme().len() + 1..].starts_with(|c: char| c.is_ascii_digit()) => {
                format!("ws://{input}")
            }
            _ => return None,
        }
    };
    let parsed = url::Url::parse(&candidate).ok()?;
    parsed.host_str().filter(|h| !h.is_empty())?;
    Some(candidate)
}

/// Path and query exactly as written: everything after the authority, before any fragment.
fn raw_resource(input: &str) -> String {
    let after_scheme = input.split_once("://").map_or("", |(_, rest)| rest);
    let start = after_scheme.find(['/', '?', '#']).unwrap_or(after_scheme.len());
    let rest = &after_scheme[start..];
    let rest = rest.split('#').next().unwrap_or("");
    if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn default_ports_and_resource() {
        let t = url("ws://example.com");
        assert_eq!((t.port, t.resource.as_str(), t.tls), (80, "/", false));
        let t = url("wss://example.com?x=1");
        assert_eq!((t.port, t.resource.as_str(), t.tls), (443, "/?x=1", true));
        assert_eq!(t.host_header(), "example.com");
    }

    #[test]
    fn path_and_query_kept_byte_for_byte() {
        let t = url("ws://h:81/a/../b/%7e?q=a%20b&x=/..#frag");
        assert_eq!(t.resource, "/a/../b/%7e?q=a%20b&x=/..");
        assert_eq!(t.host_header(), "h:81");
    }

    #[test]
    fn ipv6_literal() {
        let t = url("ws://[::1]:9001/chat");
        assert_eq!(t.host, "::1");
        assert_eq!(t.port, 9001);
        assert_eq!(t.host_header(), "[::1]:9001");
        assert_eq!(t.display(), "ws://[::1]:9001/chat");
    }

    #[test]
    fn a_host_with_a_forbidden_character_says_which() {
        for (input, said) in [
            ("ws://a b/", "the host 'a b' contains a space"),
            ("ws://u:p@a^b:80/x", "the host 'a^b' contains '^'"),
            ("wss://a<b:443", "the host 'a<b' contains '<'"),
        ] {
            let e = Target::parse(input).unwrap_err().to_string();
            assert!(e.contains(said), "{input}: {e}");
            assert!(!e.contains("international"), "{input}: {e}");
        }
    }

    #[test]
    fn userinfo_becomes_credentials() {
        let t = url("ws://al%40x:p%3Aw@h/");
        assert_eq!(t.userinfo.as_deref(), Some("al@x:p:w"));
    }

    #[test]
    fn a_missing_scheme_suggests_the_ws_form() {
        for (input, suggestion) in [
            ("localhost:8080", "ws://localhost:8080"),
            ("localhost:8080/chat?x=1", "ws://localhost:8080/chat?x=1"),
            ("127.0.0.1:9000", "ws://127.0.0.1:9000"),
            ("example.com/ws", "ws://example.com/ws"),
            ("[::1]:9001/", "ws://[::1]:9001/"),
            ("ws//host/", "ws://host/"),
            ("wss//host:8443/", "wss://host:8443/"),
            ("//host/", "ws://host/"),
        ] {
            assert_eq!(missing_scheme(input).as_deref(), Some(suggestion), "{input}");
            let Err(Error::Usage { hint: Some(crate::core::error::Hint::Text(hint)), .. }) =
                Target::parse(input)
            else {
                panic!("{input} is not a usage error with a hint")
            };
            assert!(hint.contains(suggestion), "{input}: {hint}");
        }
        for input in ["ftp://h/", "ws://h/", "mailto:x", "", "a b", "ws://"] {
            assert_eq!(missing_scheme(input), None, "{input}");
        }
    }
}

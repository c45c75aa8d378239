//! `--from-curl`: the request a browser's developer tools copy as a curl command ("Copy as
//! cURL" on a WebSocket request), turned into a URL, headers and options.
//!
//! The copy's WebSocket headers (`Sec-WebSocket-Key`, `-Version`, `-Extensions`, `Upgrade`,
//! `Connection`) belong to the browser's own connection: they are dropped and wsdiag makes its
//! own; `Sec-WebSocket-Protocol` becomes the subprotocol offer, so the server's answer is
//! checked. Everything else (Origin, Cookie, User-Agent, Authorization…) is sent as copied.

use crate::core::error::Error;

mod quoting;

use quoting::{ansi_c_quotes, split_flag_group};

/// What a copied curl command asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurlRequest {
    /// The URL, `http(s)://` turned into `ws(s)://`.
    pub url: String,
    /// Headers in the order given, `-b` cookies as one `Cookie` header at the end.
    pub headers: Vec<(String, String)>,
    /// From `Sec-WebSocket-Protocol`, in order.
    pub subprotocols: Vec<String>,
    /// `-k`/`--insecure`.
    pub insecure: bool,
    /// The copy offered permessage-deflate (RFC 7692).
    pub deflate: bool,
    /// What was dropped or ignored, for `-v`.
    pub notes: Vec<String>,
}

/// Headers the browser computed for its own connection; wsdiag generates its own.
const REGENERATED: [&str; 6] = [
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "upgrade",
    "connection",
    "host",
];

/// Options without meaning for a WebSocket request, accepted and ignored.
const IGNORED: [&str; 13] = [
    "--http2",
    "--compressed",
    "-i",
    "--include",
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-N",
    "--no-buffer",
    "--http1.1",
    "-g",
    "--globoff",
];

fn bad(message: String) -> Error {
    Error::Usage {
        message: format!("--from-curl: {message}"),
        hint: Some("paste the command a browser copies with \"Copy as cURL (bash)\"".into()),
    }
}

/// Parses a curl command line as a POSIX shell would split it (quotes, backslashes, line
/// continuations). Errors: not a curl command, no URL or two, an option wsdiag does not know,
/// a body, a cookie file, a method other than GET.
pub fn parse(command: &str) -> Result<CurlRequest, Error> {
    let mut copy = Copy::read(curl_words(command)?)?;
    let mut out = CurlRequest { url: ws_url(&copy.urls)?, insecure: copy.insecure, ..CurlRequest::default() };
    copy.settle_credentials(&mut out.notes);
    let ignored = std::mem::take(&mut copy.ignored);
    copy.sort_headers(&mut out)?;
    if !out.subprotocols.is_empty() {
        out.notes
            .push(format!("--from-curl: offering the copied subprotocols {}", out.subprotocols.join(", ")));
    }
    if !ignored.is_empty() {
        out.notes
            .push(format!("--from-curl: ignored {} (no meaning for a WebSocket request)", ignored.join(" ")));
    }
    Ok(out)
}

/// The command's words after `curl`, flag groups (`-sSk`) split.
fn curl_words(command: &str) -> Result<std::vec::IntoIter<String>, Error> {
    // Windows line ends in a pasted command; bash's $'…' quoting (Chrome uses it for values
    // with a quote or non-ASCII characters), rewritten as plain single quotes.
    let command = ansi_c_quotes(&command.replace("\r\n", "\n"))?;
    let words = shell_words::split(&command).map_err(|e| bad(format!("cannot split the command: {e}")))?;
    let mut words = words.into_iter().flat_map(split_flag_group).collect::<Vec<_>>().into_iter();
    match words.next() {
        Some(first) if first == "curl" || first.ends_with("/curl") || first == "curl.exe" => Ok(words),
        Some(first) => Err(bad(format!("the command starts with '{}', not curl", first.escape_debug()))),
        None => Err(bad("the command is empty".into())),
    }
}

/// The URL as a WebSocket one: exactly one, `http(s)://` turned into `ws(s)://`.
fn ws_url(urls: &[String]) -> Result<String, Error> {
    let url = match urls {
        [url] => url.clone(),
        [] => return Err(bad("the command has no URL".into())),
        _ => return Err(bad(format!("the command has {} URLs; give one", urls.len()))),
    };
    Ok(match url.split_once("://") {
        Some(("http", rest)) => format!("ws://{rest}"),
        Some(("https", rest)) => format!("wss://{rest}"),
        _ => url,
    })
}

/// The options of a copied command, as given.
#[derive(Default)]
struct Copy {
    urls: Vec<String>,
    /// `-b` values, `name=value` pairs.
    cookies: Vec<String>,
    /// Options accepted without meaning.
    ignored: Vec<String>,
    /// `Name: value` lines, in order (`-H`, `-A`, `-e`, `-u`).
    headers: Vec<String>,
    /// Where -u put its Authorization header.
    basic: Option<usize>,
    insecure: bool,
}

impl Copy {
    fn read(mut words: std::vec::IntoIter<String>) -> Result<Copy, Error> {
        let mut copy = Copy::default();
        while let Some(word) = words.next() {
            let mut value = |name: &str| words.next().ok_or_else(|| bad(format!("{name} needs a value")));
            // `-Hvalue` and `-bvalue`: a short option with its value attached.
            let (opt, attached) = match word.as_str() {
                // The option letter is ASCII, so byte 2 is a character boundary.
                w if w.len() > 2
                    && !w.starts_with("--")
                    && w.as_bytes()[0] == b'-'
                    && b"HbXAeu".contains(&w.as_bytes()[1]) =>
                {
                    (w[..2].to_string(), Some(w[2..].to_string()))
                }
                w => (w.to_string(), None),
            };
            let mut take = |name: &str| match attached.clone() {
                Some(v) => Ok(v),
                None => value(name),
            };
            copy.option(&opt, word, &mut take)?;
        }
        Ok(copy)
    }

    /// Takes one option (its value from `take`), or a URL.
    fn option(
        &mut self,
        opt: &str,
        word: String,
        take: &mut dyn FnMut(&str) -> Result<String, Error>,
    ) -> Result<(), Error> {
        match opt {
            "-H" | "--header" => self.headers.push(take(opt)?),
            "-b" | "--cookie" => {
                let c = take(opt)?;
                if !c.contains('=') {
                    return Err(bad(format!(
                        "{opt} '{}' names a cookie file, which is not read",
                        c.escape_debug()
                    )));
                }
                self.cookies.push(c);
            }
            "-A" | "--user-agent" => self.headers.push(format!("User-Agent: {}", take(opt)?)),
            "-e" | "--referer" => self.headers.push(format!("Referer: {}", take(opt)?)),
            "-u" | "--user" => {
                let userpass = take(opt)?;
                if !userpass.contains(':') {
                    return Err(bad(format!("{opt} needs USER:PASS")));
                }
                self.basic = Some(self.headers.len());
                self.headers
                    .push(format!("Authorization: {}", crate::core::wire::handshake::basic_auth(&userpass)));
            }
            "-X" | "--request" => {
                let method = take(opt)?;
                if method != "GET" {
                    return Err(bad(format!(
                        "a WebSocket upgrade is a GET request, not {}",
                        method.escape_debug()
                    )));
                }
            }
            "-k" | "--insecure" => self.insecure = true,
            "--url" => self.urls.push(take(opt)?),
            o if IGNORED.contains(&o) => self.ignored.push(o.to_string()),
            o if o.starts_with("--data") || o == "-d" || o == "-F" || o == "--form" || o == "-T" => {
                return Err(bad(format!("{o}: a WebSocket upgrade request has no body")));
            }
            o if o.starts_with('-') && o.len() > 1 => {
                return Err(bad(format!("unknown curl option '{}'", o.escape_debug())));
            }
            _ => self.urls.push(word),
        }
        Ok(())
    }

    /// As curl: a -H Cookie or Authorization header wins over -b and -u.
    fn settle_credentials(&mut self, notes: &mut Vec<String>) {
        let (headers, basic) = (&self.headers, self.basic);
        let named = |i: usize, name: &str| {
            Some(i) != basic
                && headers[i].split(':').next().is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
        };
        let has = |name: &str| (0..headers.len()).any(|i| named(i, name));
        let (cookie, authorization) = (has("Cookie"), has("Authorization"));
        if cookie && !self.cookies.is_empty() {
            notes.push(
                "--from-curl: the copy's -b cookies are not sent: its Cookie header wins, as in curl".into(),
            );
            self.cookies.clear();
        }
        if let Some(i) = self.basic.filter(|_| authorization) {
            self.headers.remove(i);
            notes.push(
                "--from-curl: the copy's -u is not sent: its Authorization header wins, as in curl".into(),
            );
        }
    }

    /// The headers to send, the subprotocol offer and whether deflate was offered; the
    /// browser's own handshake headers are dropped (with a note).
    fn sort_headers(self, out: &mut CurlRequest) -> Result<(), Error> {
        let pairs = self.headers.iter().map(|h| super::parse_header(h)).collect::<Result<Vec<_>, _>>()?;
        let sorted = sort_browser_headers(pairs);
        out.headers = sorted.headers;
        out.subprotocols = sorted.subprotocols;
        out.deflate = sorted.deflate;
        if !self.cookies.is_empty() {
            out.headers.push(("Cookie".into(), self.cookies.join("; ")));
        }
        if !sorted.dropped.is_empty() {
            out.notes
                .push(format!("--from-curl: dropped {} (wsdiag makes its own)", sorted.dropped.join(", ")));
        }
        Ok(())
    }
}

/// A browser's (or a recording's) request headers, sorted for a new connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrowserHeaders {
    /// The headers sent again, in order.
    pub headers: Vec<(String, String)>,
    /// From `Sec-WebSocket-Protocol`, in order.
    pub subprotocols: Vec<String>,
    /// The request offered permessage-deflate (RFC 7692).
    pub deflate: bool,
    /// The names of the headers made anew per connection ([`REGENERATED`]) and of HTTP/2
    /// pseudo-headers, as given.
    pub dropped: Vec<String>,
}

/// Sorts a recorded request's headers as `--from-curl` and `replay` both do: the headers
/// made for the recorded connection itself are dropped, `Sec-WebSocket-Protocol` becomes the
/// subprotocol offer, a permessage-deflate offer is noted, the rest is kept in order.
pub fn sort_browser_headers(pairs: impl IntoIterator<Item = (String, String)>) -> BrowserHeaders {
    let mut out = BrowserHeaders::default();
    for (name, value) in pairs {
        let lower = name.to_ascii_lowercase();
        if lower == "sec-websocket-protocol" {
            out.subprotocols
                .extend(value.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from));
        } else if REGENERATED.contains(&lower.as_str()) || lower.starts_with(':') {
            if lower == "sec-websocket-extensions"
                && value.to_ascii_lowercase().contains("permessage-deflate")
            {
                out.deflate = true;
            }
            out.dropped.push(name);
        } else {
            out.headers.push((name, value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Chrome copies for a WebSocket request ("Copy as cURL (bash)").
    const CHROME: &str = r#"curl 'wss://chat.example.com/socket?room=7' \
  -H 'Upgrade: websocket' \
  -H 'Origin: https://chat.example.com' \
  -H 'Cache-Control: no-cache' \
  -H 'Accept-Language: en-US,en;q=0.9' \
  -H 'Pragma: no-cache' \
  -H 'Connection: Upgrade' \
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
  -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64)' \
  -H 'Sec-WebSocket-Version: 13' \
  -H 'Sec-WebSocket-Protocol: chat.v2, chat.v1' \
  -H 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits' \
  -b 'session=abc123; theme=dark' \
  --compressed"#;

    #[test]
    fn a_browser_copy_keeps_its_request_and_drops_the_handshake_headers() {
        let r = parse(CHROME).unwrap();
        assert_eq!(r.url, "wss://chat.example.com/socket?room=7");
        let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Origin", "Cache-Control", "Accept-Language", "Pragma", "User-Agent", "Cookie"]);
        assert_eq!(r.headers[5].1, "session=abc123; theme=dark");
        assert_eq!(r.subprotocols, ["chat.v2", "chat.v1"]);
        assert!(r.deflate);
        assert!(!r.insecure);
        assert_eq!(r.notes.len(), 3, "{:?}", r.notes);
        assert!(r.notes[0].contains(
            "Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version, Sec-WebSocket-Extensions"
        ));
        assert!(r.notes[2].contains("--compressed"));
    }

    #[test]
    fn attached_values_long_options_and_http_urls() {
        let r = parse("curl -HX-A:1 --header 'X-B: 2' -k -X GET --url http://h:8/p -bc=d").unwrap();
        assert_eq!(r.url, "ws://h:8/p");
        assert_eq!(
            r.headers,
            [("X-A".into(), "1".into()), ("X-B".into(), "2".into()), ("Cookie".into(), "c=d".into())]
        );
        assert!(r.insecure);
    }

    #[test]
    fn a_non_ascii_option_is_an_unknown_option_not_a_crash() {
        assert!(parse("curl ws://h/ -é").unwrap_err().to_string().contains("unknown curl option"));
        assert!(parse("curl ws://h/ -\u{e9}x").is_err());
    }

    #[test]
    fn ansi_c_quoting_groups_and_windows_line_ends() {
        let r = parse(
            "curl $'ws://h/p' -H $'X-A: it\\'s\\ta \\u00e9' -H $'Sec-WebSocket-Key: abc' -sSk \\\r\n --http2",
        )
        .unwrap();
        assert_eq!(r.url, "ws://h/p");
        assert_eq!(r.headers, [("X-A".into(), "it's\ta é".into())]);
        assert!(r.insecure);
        assert!(r.notes.iter().any(|n| n.contains("dropped Sec-WebSocket-Key")), "{:?}", r.notes);
        // Plain quotes keep their text.
        let r = parse(r#"curl 'ws://h/' -H "X-B: \"q\" \$x" -H 'X-C: $'"#).unwrap();
        assert_eq!(r.headers, [("X-B".into(), "\"q\" $x".into()), ("X-C".into(), "$".into())]);
    }

    #[test]
    fn header_cookies_and_authorization_win_over_b_and_u() {
        let r = parse("curl ws://h/ -b a=1 -H 'Cookie: c=3' -u u:p -H 'Authorization: Bearer t'").unwrap();
        assert_eq!(r.headers, [("Cookie".into(), "c=3".into()), ("Authorization".into(), "Bearer t".into())]);
        assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
    }

    #[test]
    fn bad_commands_are_refused_with_a_reason() {
        let err = |cmd: &str| parse(cmd).unwrap_err().to_string();
        assert!(err("wget ws://h/").contains("not curl"));
        assert!(err("").contains("empty"));
        assert!(err("curl").contains("no URL"));
        assert!(err("curl ws://a/ ws://b/").contains("2 URLs"));
        assert!(err("curl ws://a/ --proxy-anyauth").contains("unknown curl option '--proxy-anyauth'"));
        assert!(err("curl ws://a/ -d x=1").contains("no body"));
        assert!(err("curl ws://a/ -X POST").contains("not POST"));
        assert!(err("curl ws://a/ -b cookies.txt").contains("cookie file"));
        assert!(err("curl ws://a/ -H").contains("needs a value"));
        assert!(err("curl 'ws://a/").contains("cannot split"));
        assert!(err("curl ws://a/ -H 'no colon'").contains("invalid header"));
    }
}

//! The request a client sends: headers (`-H`, `-H @FILE`), authorization, subprotocols, and
//! what `--from-curl` brings in.

use crate::cli::{RequestArgs, TransportArgs};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::wire::deflate::DeflateParams;
use crate::core::wire::handshake::{basic_auth, RequestConfig};

use super::curl;

/// What `--from-curl` adds to a run: notes for `-v`, whether the copy offered
/// permessage-deflate, and the copy's headers.
#[derive(Debug, Clone, Default)]
pub struct FromCurl {
    pub notes: Vec<String>,
    pub deflate: bool,
    /// The copy's headers, (name, value), in order: they go before any -H.
    pub headers: Vec<(String, String)>,
}

/// The URL to use, with `--from-curl` merged into the request and transport options: the
/// copy's headers go before any -H, its subprotocols before any -s, and its -k sets
/// --insecure. A URL argument and --from-curl together are an error.
pub fn apply_curl(
    url: Option<String>,
    request: &mut RequestArgs,
    transport: &mut TransportArgs,
) -> Result<(String, FromCurl), Error> {
    let Some(command) = request.from_curl.take() else {
        return Ok((url.unwrap_or_default(), FromCurl::default()));
    };
    if url.is_some() {
        return Err(Error::Usage {
            message: "give the URL either as an argument or in --from-curl, not both".into(),
            hint: None,
        });
    }
    let mut copy = curl::parse(&command)?;
    // What the command line says itself wins over the copy: -H with the same name, --origin,
    // --auth and --bearer.
    let mut overridden: Vec<&'static str> = Vec::new();
    let given = |name: &str| {
        request
            .headers
            .iter()
            .any(|h| h.split(':').next().is_some_and(|n| n.trim().eq_ignore_ascii_case(name)))
    };
    copy.headers.retain(|(name, _)| {
        let flag = match name.to_ascii_lowercase().as_str() {
            "origin" if request.origin.is_some() => Some("--origin"),
            "authorization" if request.auth.is_some() || request.bearer.is_some() => Some("--auth/--bearer"),
            _ if given(name) => Some("-H"),
            _ => None,
        };
        overridden.extend(flag);
        flag.is_none()
    });
    if !overridden.is_empty() {
        overridden.dedup();
        copy.notes.push(format!(
            "--from-curl: the copy's headers given again by {} are replaced",
            overridden.join(", ")
        ));
    }
    let mut subprotocols = copy.subprotocols;
    subprotocols.append(&mut request.subprotocols);
    request.subprotocols = subprotocols;
    transport.insecure |= copy.insecure;
    Ok((copy.url, FromCurl { notes: copy.notes, deflate: copy.deflate, headers: copy.headers }))
}

/// A `-H` value, or a header read from an `@FILE` (checked as it was read).
enum Given<'a> {
    Line(&'a str),
    Pair((String, String)),
}

/// `-H` values with each `@FILE` replaced by the headers in FILE, one per line (blank lines
/// skipped, CR LF accepted), as in curl. Every file is read before any `-H` value is
/// checked.
fn expand_headers(raw: &[String]) -> Result<Vec<Given<'_>>, Error> {
    let mut out = Vec::new();
    for h in raw {
        let Some(path) = h.strip_prefix('@') else {
            out.push(Given::Line(h));
            continue;
        };
        let text = std::fs::read(path).map_err(|e| Error::Usage {
            message: format!("-H @{}: cannot read the header file: {e}", path.escape_debug()),
            hint: None,
        })?;
        let text = String::from_utf8(text).map_err(|_| Error::Usage {
            message: format!("-H @{}: the header file is not UTF-8", path.escape_debug()),
            hint: None,
        })?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            // A bad line is named by its file and number.
            let pair = parse_header(line).map_err(|e| Error::Usage {
                message: format!("-H @{} line {}: {e}", path.escape_debug(), n + 1),
                hint: None,
            })?;
            out.push(Given::Pair(pair));
        }
    }
    Ok(out)
}

/// The upgrade request: the copy's headers (`--from-curl`), then `-H`, as (name, value)
/// pairs; `--origin`, `--auth`/`--bearer` or the URL's userinfo, and the subprotocols.
pub fn request_config(
    args: RequestArgs,
    target: &TargetChoice,
    curl: &FromCurl,
) -> Result<RequestConfig, Error> {
    let userinfo = match target {
        TargetChoice::Url(t) => t.userinfo.clone(),
        TargetChoice::BuiltinEcho(_) => None,
    };
    let given = expand_headers(&args.headers)?;
    let mut headers = curl.headers.iter().map(|(n, v)| checked_pair(n, v)).collect::<Result<Vec<_>, _>>()?;
    for g in given {
        headers.push(match g {
            Given::Line(h) => parse_header(h)?,
            Given::Pair(pair) => pair,
        });
    }
    for (what, value) in [("--origin", &args.origin), ("--bearer", &args.bearer), ("--auth", &args.auth)] {
        if value.as_deref().is_some_and(|v| v.contains(['\r', '\n'])) {
            return Err(Error::usage(format!("{what} must not contain line breaks")));
        }
    }
    let deflate = match &args.deflate_params {
        Some(text) => Some(
            DeflateParams::parse(text)
                .map_err(|why| Error::usage(format!("--deflate-params '{}': {why}", text.escape_debug())))?,
        ),
        None => (args.deflate || curl.deflate).then(DeflateParams::browser_offer),
    };
    let authorization = match (args.auth, args.bearer) {
        (Some(userpass), _) => {
            if !userpass.contains(':') {
                return Err(Error::Usage {
                    message: "--auth takes USER:PASS".into(),
                    hint: Some("for a token use --bearer TOKEN".into()),
                });
            }
            Some(basic_auth(&userpass))
        }
        (None, Some(token)) => Some(format!("Bearer {token}")),
        (None, None) => userinfo.map(|u| basic_auth(&u)),
    };
    Ok(RequestConfig {
        headers,
        origin: args.origin,
        subprotocols: args.subprotocols,
        authorization,
        deflate,
        ..RequestConfig::default()
    })
}

/// A `Name: value` header as a (name, value) pair, both trimmed. Errors: no `:`, a name that
/// is not an HTTP token, a line break in the value.
pub(crate) fn parse_header(h: &str) -> Result<(String, String), Error> {
    let (name, value) = h.split_once(':').ok_or_else(|| bad_header(h, "no ':'"))?;
    header(name, value, || h.to_string())
}

/// A header given as a pair (a `--from-curl` copy's), checked as `-H` checks one.
fn checked_pair(name: &str, value: &str) -> Result<(String, String), Error> {
    header(name, value, || format!("{name}: {value}"))
}

/// Checks and trims a header; `shown` is how the user wrote it, for the error.
fn header(name: &str, value: &str, shown: impl Fn() -> String) -> Result<(String, String), Error> {
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
    {
        return Err(bad_header(&shown(), "the name is not an HTTP token"));
    }
    if value.contains(['\r', '\n']) {
        return Err(bad_header(&shown(), "the value contains a line break"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

fn bad_header(h: &str, why: &str) -> Error {
    Error::Usage {
        message: format!("invalid header '{}': {why}", h.escape_debug()),
        hint: Some("write -H 'Name: value'".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(headers: &[&str]) -> RequestArgs {
        RequestArgs {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            from_curl: None,
            origin: None,
            subprotocols: Vec::new(),
            auth: None,
            bearer: None,
            deflate: false,
            deflate_params: None,
        }
    }

    fn pair(n: &str, v: &str) -> (String, String) {
        (n.to_string(), v.to_string())
    }

    #[test]
    fn the_copys_headers_go_first_as_pairs_then_each_h() {
        let target = TargetChoice::parse("ws://example.com/").unwrap();
        let curl = FromCurl { headers: vec![pair("Origin", "https://a.example")], ..FromCurl::default() };
        let request = request_config(args(&["X-One:  1 ", "X-Two: 2"]), &target, &curl).unwrap();
        assert_eq!(
            request.headers,
            [pair("Origin", "https://a.example"), pair("X-One", "1"), pair("X-Two", "2")]
        );
    }

    #[test]
    fn a_copied_header_is_checked_as_h_checks_one() {
        let target = TargetChoice::parse("ws://example.com/").unwrap();
        let curl = FromCurl { headers: vec![pair("Cookie", "a=b\r\nX-Evil: 1")], ..FromCurl::default() };
        let e = request_config(args(&[]), &target, &curl).unwrap_err().to_string();
        assert!(e.contains("invalid header 'Cookie: a=b\\r\\nX-Evil: 1'"), "{e}");
        assert!(e.contains("line break"), "{e}");
    }
}

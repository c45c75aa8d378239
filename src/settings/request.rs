//! The request a client sends: headers (`-H`, `-H @FILE`), authorization, subprotocols, and
//! what `--from-curl` brings in.

use crate::cli::{RequestArgs, TransportArgs};
use crate::core::error::Error;
use crate::core::wire::handshake::{basic_auth, RequestSpec};

use super::curl;

/// What `--from-curl` adds to a run: notes for `-v`, and whether the copy offered
/// permessage-deflate.
#[derive(Debug, Clone, Default)]
pub struct FromCurl {
    pub notes: Vec<String>,
    pub deflate: bool,
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
    let mut headers: Vec<String> = copy.headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    headers.append(&mut request.headers);
    request.headers = headers;
    let mut subprotocols = copy.subprotocols;
    subprotocols.append(&mut request.subprotocols);
    request.subprotocols = subprotocols;
    transport.insecure |= copy.insecure;
    Ok((copy.url, FromCurl { notes: copy.notes, deflate: copy.deflate }))
}

/// `-H` values with each `@FILE` replaced by the headers in FILE, one per line (blank lines
/// skipped, CR LF accepted), as in curl.
fn expand_headers(raw: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for h in raw {
        let Some(path) = h.strip_prefix('@') else {
            out.push(h.clone());
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
            parse_header(line).map_err(|e| Error::Usage {
                message: format!("-H @{} line {}: {e}", path.escape_debug(), n + 1),
                hint: None,
            })?;
            out.push(line.to_string());
        }
    }
    Ok(out)
}

pub fn request_spec(args: RequestArgs, userinfo: Option<String>) -> Result<RequestSpec, Error> {
    let headers =
        expand_headers(&args.headers)?.iter().map(|h| parse_header(h)).collect::<Result<Vec<_>, _>>()?;
    for (what, value) in [("--origin", &args.origin), ("--bearer", &args.bearer), ("--auth", &args.auth)] {
        if value.as_deref().is_some_and(|v| v.contains(['\r', '\n'])) {
            return Err(Error::usage(format!("{what} must not contain line breaks")));
        }
    }
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
    Ok(RequestSpec {
        headers,
        origin: args.origin,
        subprotocols: args.subprotocols,
        authorization,
        ..RequestSpec::default()
    })
}

pub(crate) fn parse_header(h: &str) -> Result<(String, String), Error> {
    let bad = |why: &str| Error::Usage {
        message: format!("invalid header '{}': {why}", h.escape_debug()),
        hint: Some("write -H 'Name: value'".into()),
    };
    let (name, value) = h.split_once(':').ok_or_else(|| bad("no ':'"))?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
    {
        return Err(bad("the name is not an HTTP token"));
    }
    if value.contains(['\r', '\n']) {
        return Err(bad("the value contains a line break"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

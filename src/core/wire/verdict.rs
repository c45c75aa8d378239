//! Judging an upgrade response against RFC 6455 §4 (and RFC 7692 for permessage-deflate):
//! one check per rule, each pass, warn or fail with its reason.

use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::core::wire::handshake::{has_upgrade_token, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Pass,
    Warn,
    Fail,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Pass => "pass",
            Level::Warn => "warn",
            Level::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub id: &'static str,
    pub level: Level,
    pub message: String,
}

/// What the request offered.
#[derive(Debug, Clone, Default)]
pub struct Offer {
    pub key: String,
    pub subprotocols: Vec<String>,
    pub deflate: bool,
}

pub(crate) fn check(id: &'static str, level: Level, message: impl Into<String>) -> Check {
    Check { id, level, message: message.into() }
}

/// Every check that applies to this response, in a fixed order (over HTTP/2, those of
/// [`super::verdict_h2::judge`]).
pub fn judge(offer: &Offer, resp: &Response) -> Vec<Check> {
    let mut out = vec![status(resp)];
    out.push(match resp.minor_version {
        1 => check("http_version", Level::Pass, "HTTP/1.1"),
        _ => check("http_version", Level::Fail, "HTTP/1.0 reply: the upgrade needs HTTP/1.1"),
    });
    // Repeated headers are judged on every reply, a refusal's too.
    out.extend(duplicates(resp));
    if resp.status != 101 {
        return out;
    }
    out.push(match resp.header("Upgrade") {
        Some(v) if v.eq_ignore_ascii_case("websocket") => {
            check("upgrade", Level::Pass, format!("Upgrade: {v}"))
        }
        Some(v) => check("upgrade", Level::Fail, format!("Upgrade is \"{v}\", expected \"websocket\"")),
        None => check("upgrade", Level::Fail, "no Upgrade header"),
    });
    out.push(match resp.header("Connection") {
        Some(v) if has_upgrade_token(v) => check("connection", Level::Pass, format!("Connection: {v}")),
        Some(v) => {
            check("connection", Level::Fail, format!("Connection is \"{v}\", which lacks the upgrade token"))
        }
        None => check("connection", Level::Fail, "no Connection header"),
    });
    let expected = derive_accept_key(offer.key.as_bytes());
    out.push(match resp.header("Sec-WebSocket-Accept") {
        Some(v) if v == expected => check("accept", Level::Pass, "Sec-WebSocket-Accept matches the key"),
        Some(v) => check(
            "accept",
            Level::Fail,
            format!("Sec-WebSocket-Accept mismatch: expected \"{expected}\", received \"{v}\""),
        ),
        None => check("accept", Level::Fail, format!("no Sec-WebSocket-Accept (expected \"{expected}\")")),
    });
    out.push(subprotocol(offer, resp));
    out.push(extensions(offer, resp));
    if resp.header("Content-Length").is_some_and(|v| v != "0") || resp.header("Transfer-Encoding").is_some() {
        out.push(check(
            "body",
            Level::Warn,
            "a 101 reply announces a body (Content-Length or Transfer-Encoding)",
        ));
    }
    out.push(early_data(&resp.rest));
    out
}

fn status(resp: &Response) -> Check {
    let line = format!("{} {}", resp.status, resp.reason);
    match resp.status {
        101 => check("status", Level::Pass, line),
        426 => {
            let versions = resp.all("Sec-WebSocket-Version").join(", ");
            if versions.is_empty() {
                check(
                    "status",
                    Level::Fail,
                    format!("{line}: no Sec-WebSocket-Version lists what the server supports"),
                )
            } else {
                check("status", Level::Fail, format!("{line}: the server supports version(s) {versions}"))
            }
        }
        300..=399 => {
            let to = resp.header("Location").unwrap_or("(no Location header)");
            check("status", Level::Fail, format!("{line}: redirect to {to} (follow with -L)"))
        }
        200 => {
            check("status", Level::Fail, format!("{line}: a plain HTTP answer; the server did not upgrade"))
        }
        _ => check("status", Level::Fail, format!("{line}: expected 101 Switching Protocols")),
    }
}

/// Headers that must appear at most once in a 101.
pub(crate) fn duplicates(resp: &Response) -> Option<Check> {
    let once = ["Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Content-Length"];
    let dups: Vec<&str> = once.into_iter().filter(|n| resp.all(n).len() > 1).collect();
    (!dups.is_empty())
        .then(|| check("duplicates", Level::Fail, format!("repeated header(s): {}", dups.join(", "))))
}

pub(crate) fn subprotocol(offer: &Offer, resp: &Response) -> Check {
    let selected = resp.header("Sec-WebSocket-Protocol");
    match (offer.subprotocols.is_empty(), selected) {
        (true, None) => check("subprotocol", Level::Pass, "none offered, none selected"),
        (true, Some(p)) => {
            check("subprotocol", Level::Fail, format!("server selected \"{p}\" but none was offered"))
        }
        (false, None) => check(
            "subprotocol",
            Level::Warn,
            format!("offered {}; the server selected none", offer.subprotocols.join(", ")),
        ),
        (false, Some(p)) if offer.subprotocols.iter().any(|o| o == p) => {
            check("subprotocol", Level::Pass, format!("selected \"{p}\" (offered)"))
        }
        (false, Some(p)) => check(
            "subprotocol",
            Level::Fail,
            format!("server selected \"{p}\", which was not offered ({})", offer.subprotocols.join(", ")),
        ),
    }
}

/// One negotiated extension: its name and parameters in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub params: Vec<(String, Option<String>)>,
}

/// Parses Sec-WebSocket-Extensions values (`name; p; q=v, other`).
pub fn parse_extensions(values: &[&str]) -> Vec<Extension> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let mut parts = e.split(';').map(str::trim);
            let name = parts.next().unwrap_or("").to_string();
            let params = parts
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim().to_string(), Some(v.trim().trim_matches('"').to_string())),
                    None => (p.to_string(), None),
                })
                .collect();
            Extension { name, params }
        })
        .collect()
}

pub(crate) fn extensions(offer: &Offer, resp: &Response) -> Check {
    let exts = parse_extensions(&resp.all("Sec-WebSocket-Extensions"));
    if exts.is_empty() {
        return match offer.deflate {
            true => check("extensions", Level::Pass, "permessage-deflate offered; the server declined"),
            false => check("extensions", Level::Pass, "none offered, none enabled"),
        };
    }
    let unoffered: Vec<&str> = exts
        .iter()
        .filter(|e| !(offer.deflate && e.name == "permessage-deflate"))
        .map(|e| e.name.as_str())
        .collect();
    if !unoffered.is_empty() {
        return check(
            "extensions",
            Level::Fail,
            format!("server enabled {} without an offer", unoffered.join(", ")),
        );
    }
    if exts.len() > 1 {
        return check("extensions", Level::Fail, "server accepted permessage-deflate more than once");
    }
    match deflate_params(&exts[0]) {
        Ok(summary) => check("extensions", Level::Pass, format!("permessage-deflate accepted: {summary}")),
        Err(why) => check("extensions", Level::Fail, format!("permessage-deflate response invalid: {why}")),
    }
}

/// Validates a server's permessage-deflate response (RFC 7692 §7.1) against our offer of
/// `permessage-deflate; client_max_window_bits`.
fn deflate_params(ext: &Extension) -> Result<String, String> {
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in &ext.params {
        if seen.contains(&k.as_str()) {
            return Err(format!("{k} repeated"));
        }
        seen.push(k);
        match (k.as_str(), v) {
            ("server_no_context_takeover" | "client_no_context_takeover", None) => {}
            ("server_max_window_bits", Some(bits)) | ("client_max_window_bits", Some(bits)) => {
                if !bits.parse::<u8>().is_ok_and(|b| (8..=15).contains(&b)) {
                    return Err(format!("{k}={bits} is not 8 to 15"));
                }
            }
            ("server_max_window_bits", None) => return Err("server_max_window_bits needs a value".into()),
            ("client_max_window_bits", None) => {
                return Err("client_max_window_bits needs a value in a response".into())
            }
            (other, _) => return Err(format!("unknown parameter {other}")),
        }
    }
    let shown: Vec<String> = ext
        .params
        .iter()
        .map(|(k, v)| v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}")))
        .collect();
    Ok(if shown.is_empty() { "no parameters".into() } else { shown.join(", ") })
}

/// Bytes after the 101 must be WebSocket frames from a server: unmasked, a known opcode.
fn early_data(rest: &[u8]) -> Check {
    if rest.is_empty() {
        return check("early_data", Level::Pass, "nothing after the 101 head");
    }
    let b0 = rest[0];
    let opcode = b0 & 0x0F;
    let known = matches!(opcode, 0x0..=0x2 | 0x8..=0xA);
    let masked = rest.get(1).is_some_and(|b| b & 0x80 != 0);
    if known && !masked && b0 & 0x70 == 0 {
        check(
            "early_data",
            Level::Pass,
            format!("the server sent {} byte(s) of frames right after the 101", rest.len()),
        )
    } else {
        let shown: String = String::from_utf8_lossy(&rest[..rest.len().min(32)]).escape_debug().collect();
        check(
            "early_data",
            Level::Fail,
            format!("{} byte(s) after the 101 are not a server frame: \"{shown}\"", rest.len()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    fn resp(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            raw: Vec::new(),
            minor_version: 1,
            status,
            reason: "R".into(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            rest: Vec::new(),
            first_byte: None,
            head_done: Instant::now(),
        }
    }

    fn good(extra: &[(&str, &str)]) -> Response {
        let mut h =
            vec![("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", ACCEPT)];
        h.extend_from_slice(extra);
        resp(101, &h)
    }

    fn level(checks: &[Check], id: &str) -> Level {
        checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id} in {checks:?}")).level
    }

    fn offer() -> Offer {
        Offer { key: KEY.into(), ..Offer::default() }
    }

    #[test]
    fn a_correct_reply_passes_everything() {
        let checks = judge(&offer(), &good(&[]));
        assert!(checks.iter().all(|c| c.level == Level::Pass), "{checks:?}");
    }

    #[test]
    fn wrong_accept_shows_expected_and_received() {
        let r =
            resp(101, &[("Upgrade", "websocket"), ("Connection", "upgrade"), ("Sec-WebSocket-Accept", "x")]);
        let c = judge(&offer(), &r);
        let accept = c.iter().find(|c| c.id == "accept").unwrap();
        assert_eq!(accept.level, Level::Fail);
        assert!(accept.message.contains(ACCEPT) && accept.message.contains("\"x\""), "{accept:?}");
    }

    #[test]
    fn connection_token_in_a_list_and_missing() {
        let r = resp(
            101,
            &[
                ("Upgrade", "WebSocket"),
                ("Connection", "keep-alive, UPGRADE"),
                ("Sec-WebSocket-Accept", ACCEPT),
            ],
        );
        assert_eq!(level(&judge(&offer(), &r), "connection"), Level::Pass);
        let r = resp(
            101,
            &[("Upgrade", "websocket"), ("Connection", "keep-alive"), ("Sec-WebSocket-Accept", ACCEPT)],
        );
        assert_eq!(level(&judge(&offer(), &r), "connection"), Level::Fail);
    }

    #[test]
    fn subprotocol_rules() {
        let mut o = offer();
        assert_eq!(level(&judge(&o, &good(&[("Sec-WebSocket-Protocol", "a")])), "subprotocol"), Level::Fail);
        o.subprotocols = vec!["a".into(), "b".into()];
        assert_eq!(level(&judge(&o, &good(&[("Sec-WebSocket-Protocol", "b")])), "subprotocol"), Level::Pass);
        assert_eq!(level(&judge(&o, &good(&[("Sec-WebSocket-Protocol", "c")])), "subprotocol"), Level::Fail);
        assert_eq!(level(&judge(&o, &good(&[])), "subprotocol"), Level::Warn);
    }

    #[test]
    fn extension_rules() {
        let ext = |v: &str| good(&[("Sec-WebSocket-Extensions", v)]);
        assert_eq!(level(&judge(&offer(), &ext("permessage-deflate")), "extensions"), Level::Fail);
        let o = Offer { deflate: true, ..offer() };
        let c = judge(&o, &ext("permessage-deflate; server_no_context_takeover; client_max_window_bits=15"));
        let e = c.iter().find(|c| c.id == "extensions").unwrap();
        assert_eq!(e.level, Level::Pass);
        assert!(e.message.contains("server_no_context_takeover, client_max_window_bits=15"), "{e:?}");
        assert_eq!(
            level(&judge(&o, &ext("permessage-deflate; server_max_window_bits=20")), "extensions"),
            Level::Fail
        );
        assert_eq!(level(&judge(&o, &ext("permessage-deflate; bogus")), "extensions"), Level::Fail);
        assert_eq!(level(&judge(&o, &ext("x-webkit-deflate-frame")), "extensions"), Level::Fail);
    }

    #[test]
    fn status_426_lists_versions_and_http10_fails() {
        let c = judge(&offer(), &resp(426, &[("Sec-WebSocket-Version", "13, 8")]));
        assert!(c[0].message.contains("13, 8"), "{c:?}");
        let mut r = good(&[]);
        r.minor_version = 0;
        assert_eq!(level(&judge(&offer(), &r), "http_version"), Level::Fail);
    }

    #[test]
    fn duplicates_and_early_garbage() {
        let c = judge(&offer(), &good(&[("Sec-WebSocket-Accept", ACCEPT)]));
        assert_eq!(level(&c, "duplicates"), Level::Fail);
        let mut r = good(&[]);
        r.rest = b"\x81\x02hi".to_vec();
        assert_eq!(level(&judge(&offer(), &r), "early_data"), Level::Pass);
        r.rest = b"<html>".to_vec();
        assert_eq!(level(&judge(&offer(), &r), "early_data"), Level::Fail);
    }
}

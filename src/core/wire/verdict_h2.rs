//! Judging an extended CONNECT answer over HTTP/2 (RFC 8441 §3–5): the server's SETTINGS, a
//! 200 rather than a 101, no Sec-WebSocket-Key or -Accept, the pseudo-header fields, and the
//! subprotocol and extension negotiation exactly as over HTTP/1.1 (RFC 6455 §4, RFC 7692).

use crate::core::net::h2::frames::ENABLE_CONNECT_PROTOCOL;
use crate::core::wire::handshake::Response;
use crate::core::wire::verdict::{check, duplicates, extensions, subprotocol, Check, Level, Offer};

/// Every check that applies, in a fixed order. `settings`: the server's SETTINGS parameters
/// (identifier, value) in wire order.
pub fn judge(offer: &Offer, resp: &Response, settings: &[(u16, u32)]) -> Vec<Check> {
    let mut out = vec![connect_setting(settings), status(resp)];
    out.push(check("http_version", Level::Pass, "HTTP/2: extended CONNECT (RFC 8441)"));
    out.extend(duplicates(resp));
    if !resp.opened() {
        return out;
    }
    out.push(check(
        "pseudo_header",
        Level::Pass,
        "sent :method CONNECT, :protocol websocket, :scheme, :authority, :path; received :status (RFC 8441 §4)",
    ));
    out.push(match resp.header("Sec-WebSocket-Accept") {
        None => check("accept", Level::Pass, "no Sec-WebSocket-Key sent, no Sec-WebSocket-Accept received (RFC 8441 §5)"),
        Some(_) => check(
            "accept",
            Level::Warn,
            "Sec-WebSocket-Accept received: RFC 8441 §5 does not use it (left by a proxy that turned an HTTP/1.1 101 into this 200?); clients ignore it",
        ),
    });
    out.push(subprotocol(offer, resp));
    out.push(extensions(offer, resp));
    out
}

fn connect_setting(settings: &[(u16, u32)]) -> Check {
    // The last value of a parameter counts (RFC 9113 §6.5.3).
    match settings.iter().rev().find(|(id, _)| *id == ENABLE_CONNECT_PROTOCOL) {
        Some((_, 1)) => check("settings", Level::Pass, "SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)"),
        Some((_, v)) => check(
            "settings",
            Level::Fail,
            format!("SETTINGS_ENABLE_CONNECT_PROTOCOL = {v}, not 1 (RFC 8441 §3)"),
        ),
        None => check("settings", Level::Fail, "no SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3)"),
    }
}

fn status(resp: &Response) -> Check {
    let line = format!(":status {} {}", resp.status, resp.reason);
    match resp.status {
        200 => check("status", Level::Pass, format!("{line} (RFC 8441 §5: 200, not 101)")),
        201..=299 => check("status", Level::Warn, format!("{line}: RFC 8441 §5 servers answer 200")),
        300..=399 => {
            let to = resp.header("Location").unwrap_or("(no location header)");
            check("status", Level::Fail, format!("{line}: redirect to {to}"))
        }
        _ => check("status", Level::Fail, format!("{line}: expected 200")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::wire::handshake::HTTP2;
    use tokio::time::Instant;

    fn resp(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            raw: Vec::new(),
            minor_version: HTTP2,
            status,
            reason: String::new(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            rest: Vec::new(),
            first_byte: None,
            head_done: Instant::now(),
        }
    }

    fn level(checks: &[Check], id: &str) -> Option<Level> {
        checks.iter().find(|c| c.id == id).map(|c| c.level)
    }

    #[test]
    fn rfc_8441_rules() {
        let offer = Offer { key: String::new(), subprotocols: vec!["chat".into()], deflate: false };
        let on = [(3, 100), (8, 1)];
        let good = judge(&offer, &resp(200, &[("sec-websocket-protocol", "chat")]), &on);
        assert!(good.iter().all(|c| c.level == Level::Pass), "{good:?}");
        assert_eq!(level(&judge(&offer, &resp(200, &[]), &[(8, 0)]), "settings"), Some(Level::Fail));
        assert_eq!(level(&judge(&offer, &resp(200, &[]), &[]), "settings"), Some(Level::Fail));
        let accept = judge(&offer, &resp(200, &[("sec-websocket-accept", "x")]), &on);
        assert_eq!(level(&accept, "accept"), Some(Level::Warn));
        assert_eq!(level(&judge(&offer, &resp(204, &[]), &on), "status"), Some(Level::Warn));
        let refused = judge(&offer, &resp(403, &[]), &on);
        assert_eq!(level(&refused, "status"), Some(Level::Fail));
        assert_eq!(level(&refused, "subprotocol"), None, "a refusal is not judged further");
        let unoffered = judge(&offer, &resp(200, &[("sec-websocket-protocol", "other")]), &on);
        assert_eq!(level(&unoffered, "subprotocol"), Some(Level::Fail));
        let ext = judge(&offer, &resp(200, &[("sec-websocket-extensions", "permessage-deflate")]), &on);
        assert_eq!(level(&ext, "extensions"), Some(Level::Fail), "not offered");
    }
}

//! Headers the opening handshake allows once (RFC 6455 §4.1, §11.3): one rule for every side
//! that reads a head, so `connect`, `handshake-inspect`, the probe and the servers agree.
//!
//! A response may carry Upgrade, Sec-WebSocket-Accept and Sec-WebSocket-Protocol once each; its
//! Sec-WebSocket-Extensions header may repeat (RFC 6455 errata 3433), but an extension is agreed
//! once, so each extension name may appear once across all of its values (§9.1). A request may
//! carry Sec-WebSocket-Key and Sec-WebSocket-Version once each (§11.3.1, §11.3.5). Headers that
//! HTTP lets repeat as lists (Connection) are not this rule's business.

use std::fmt;

/// Which head is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// A client's upgrade request (read by a server).
    Request,
    /// A server's reply to it (read by a client).
    Response,
}

/// A header (or an extension) the head carries more often than RFC 6455 allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    /// The header's name as RFC 6455 spells it.
    pub header: &'static str,
    /// The extension named more than once, when that is the fault (the header is then
    /// Sec-WebSocket-Extensions).
    pub extension: Option<String>,
    /// Every value received for the header, in order (for an extension: the entries naming
    /// it), as received.
    pub values: Vec<String>,
    /// Where RFC 6455 says so, e.g. "§11.3.4".
    pub section: &'static str,
}

impl fmt::Display for Repeated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(|v| format!("\"{}\"", v.escape_debug())).collect();
        let (n, values, section) = (self.values.len(), values.join(", "), self.section);
        match &self.extension {
            Some(name) => write!(
                f,
                "{} accepts {} {n} times ({values}); an extension is agreed once (RFC 6455 {section})",
                self.header,
                name.escape_debug()
            ),
            None => {
                write!(f, "{} appears {n} times ({values}); RFC 6455 {section} allows it once", self.header)
            }
        }
    }
}

/// Headers allowed once, with the section that says so.
const RESPONSE_ONCE: [(&str, &str); 3] =
    [("Upgrade", "§4.1"), ("Sec-WebSocket-Accept", "§11.3.3"), ("Sec-WebSocket-Protocol", "§11.3.4")];
const REQUEST_ONCE: [(&str, &str); 2] =
    [("Sec-WebSocket-Key", "§11.3.1"), ("Sec-WebSocket-Version", "§11.3.5")];

/// The first fault of this head (in the order of the RFC's list), or Ok when there is none.
/// `headers` are (name, value) pairs as received, in order; names compare case-insensitively.
pub fn check<N: AsRef<str>, V: AsRef<str>>(head: Head, headers: &[(N, V)]) -> Result<(), Repeated> {
    match all(head, headers).into_iter().next() {
        Some(fault) => Err(fault),
        None => Ok(()),
    }
}

/// Every fault of this head, for a report that lists them all.
pub fn all<N: AsRef<str>, V: AsRef<str>>(head: Head, headers: &[(N, V)]) -> Vec<Repeated> {
    let values = |name: &str| -> Vec<String> {
        headers
            .iter()
            .filter(|(n, _)| n.as_ref().trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref().trim().to_string())
            .collect()
    };
    let once = match head {
        Head::Request => &REQUEST_ONCE[..],
        Head::Response => &RESPONSE_ONCE[..],
    };
    let mut out: Vec<Repeated> = once
        .iter()
        .filter_map(|&(header, section)| {
            let values = values(header);
            (values.len() > 1).then_some(Repeated { header, extension: None, values, section })
        })
        .collect();
    if head == Head::Response {
        out.extend(extensions_twice(&values("Sec-WebSocket-Extensions")));
    }
    out
}

/// Extensions a response names more than once, across all of its Sec-WebSocket-Extensions
/// values (an entry is `name; param; …`, entries are comma-separated).
fn extensions_twice(values: &[String]) -> Vec<Repeated> {
    let entries: Vec<&str> =
        values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|e| !e.is_empty()).collect();
    let name = |entry: &str| entry.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for entry in &entries {
        let this = name(entry);
        if seen.contains(&this) {
            continue;
        }
        let naming: Vec<String> = entries.iter().filter(|e| name(e) == this).map(|e| e.to_string()).collect();
        if naming.len() > 1 {
            out.push(Repeated {
                header: "Sec-WebSocket-Extensions",
                extension: Some(this.clone()),
                values: naming,
                section: "§9.1",
            });
        }
        seen.push(this);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_response_names_the_header_and_every_value() {
        let two = h(&[
            ("sec-websocket-protocol", "chat"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Protocol", "superchat"),
        ]);
        let fault = check(Head::Response, &two).unwrap_err();
        assert_eq!(fault.header, "Sec-WebSocket-Protocol");
        assert_eq!(fault.values, ["chat", "superchat"]);
        assert_eq!(
            fault.to_string(),
            "Sec-WebSocket-Protocol appears 2 times (\"chat\", \"superchat\"); RFC 6455 §11.3.4 allows it once"
        );
        assert!(check(
            Head::Response,
            &h(&[("Upgrade", "websocket"), ("Connection", "a"), ("Connection", "b")])
        )
        .is_ok());
        let both = h(&[
            ("Upgrade", "websocket"),
            ("upgrade", "h2c"),
            ("Sec-WebSocket-Accept", "x"),
            ("Sec-WebSocket-Accept", "x"),
        ]);
        let faults = all(Head::Response, &both);
        assert_eq!(faults.iter().map(|f| f.header).collect::<Vec<_>>(), ["Upgrade", "Sec-WebSocket-Accept"]);
    }

    #[test]
    fn extensions_may_repeat_as_headers_but_not_as_agreements() {
        let split =
            h(&[("Sec-WebSocket-Extensions", "permessage-deflate"), ("Sec-WebSocket-Extensions", "x-other")]);
        assert!(check(Head::Response, &split).is_ok());
        let twice = h(&[
            ("Sec-WebSocket-Extensions", "permessage-deflate; server_no_context_takeover"),
            ("Sec-WebSocket-Extensions", "Permessage-Deflate"),
        ]);
        let fault = check(Head::Response, &twice).unwrap_err();
        assert_eq!(fault.extension.as_deref(), Some("permessage-deflate"));
        assert!(
            fault.to_string().starts_with("Sec-WebSocket-Extensions accepts permessage-deflate 2 times"),
            "{fault}"
        );
        // Offers may list an extension several times, as fallbacks (RFC 7692 §5).
        let offers = h(&[(
            "Sec-WebSocket-Extensions",
            "permessage-deflate; client_max_window_bits, permessage-deflate",
        )]);
        assert!(check(Head::Request, &offers).is_ok());
    }

    #[test]
    fn a_request_carries_one_key_and_one_version() {
        let keys = h(&[
            ("Sec-WebSocket-Key", "a"),
            ("Sec-WebSocket-Key", "b"),
            ("Sec-WebSocket-Protocol", "x"),
            ("Sec-WebSocket-Protocol", "y"),
        ]);
        let fault = check(Head::Request, &keys).unwrap_err();
        assert_eq!((fault.header, fault.values.len()), ("Sec-WebSocket-Key", 2));
        assert_eq!(all(Head::Request, &keys).len(), 1, "a request may split its subprotocols");
    }
}

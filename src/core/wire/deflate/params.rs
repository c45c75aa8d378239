//! permessage-deflate negotiation (RFC 7692 §5, §7): the parameters of an offer, the server's
//! choice among a client's offers, and the client's check of the server's answer. Pure code:
//! headers in, agreements or the rule broken out.

use std::fmt;

pub use crate::core::event::deflate::Agreement;

/// The extension's registered name.
pub const NAME: &str = "permessage-deflate";

/// The parameters of one permessage-deflate offer or response (RFC 7692 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflateParams {
    /// `server_no_context_takeover`: the server resets its compression context after each
    /// message.
    pub server_no_context_takeover: bool,
    /// `client_no_context_takeover`: the client does.
    pub client_no_context_takeover: bool,
    /// `server_max_window_bits=N` (8 to 15): the server's LZ77 window, 2^N bytes.
    pub server_max_window_bits: Option<u8>,
    /// `client_max_window_bits[=N]`: `Some(None)` is the bare parameter of an offer (the client
    /// can honour a limit), `Some(Some(N))` a value (8 to 15).
    pub client_max_window_bits: Option<Option<u8>>,
}

impl DeflateParams {
    /// The offer browsers send: `permessage-deflate; client_max_window_bits`.
    pub fn browser_offer() -> Self {
        DeflateParams { client_max_window_bits: Some(None), ..Default::default() }
    }

    /// Parses `--deflate-params` text (`server_no_context_takeover; server_max_window_bits=10`),
    /// with or without the leading extension name. Errors: the rule broken, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let text = text.strip_prefix(NAME).map(|rest| rest.trim_start_matches([';', ' '])).unwrap_or(text);
        let params: Vec<(String, Option<String>)> = text
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), Some(v.trim().trim_matches('"').to_string())),
                None => (p.to_string(), None),
            })
            .collect();
        Self::from_pairs(&params, Role::Offer)
    }

    /// The parameters of one extension entry. `role` says whether it is an offer or a
    /// response: a response's `client_max_window_bits` needs a value (RFC 7692 §7.1.2.2).
    pub fn from_pairs(params: &[(String, Option<String>)], role: Role) -> Result<Self, String> {
        let mut p = DeflateParams::default();
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in params {
            if seen.contains(&k.as_str()) {
                return Err(format!("{k} appears twice (RFC 7692 §7)"));
            }
            seen.push(k);
            match (k.as_str(), v) {
                ("server_no_context_takeover", None) => p.server_no_context_takeover = true,
                ("client_no_context_takeover", None) => p.client_no_context_takeover = true,
                ("server_no_context_takeover" | "client_no_context_takeover", Some(v)) => {
                    return Err(format!("{k} takes no value, got \"{v}\" (RFC 7692 §7.1.1)"))
                }
                ("server_max_window_bits", Some(v)) => p.server_max_window_bits = Some(bits(k, v)?),
                ("server_max_window_bits", None) => {
                    return Err("server_max_window_bits needs a value from 8 to 15 (RFC 7692 §7.1.2.1)".into())
                }
                ("client_max_window_bits", Some(v)) => p.client_max_window_bits = Some(Some(bits(k, v)?)),
                ("client_max_window_bits", None) if role == Role::Response => {
                    return Err(
                        "client_max_window_bits needs a value in a response (RFC 7692 §7.1.2.2)".into()
                    )
                }
                ("client_max_window_bits", None) => p.client_max_window_bits = Some(None),
                (other, _) => return Err(format!("unknown parameter {other} (RFC 7692 §7)")),
            }
        }
        Ok(p)
    }
}

/// Which side wrote an extension entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Offer,
    Response,
}

fn bits(name: &str, value: &str) -> Result<u8, String> {
    value
        .parse::<u8>()
        .ok()
        .filter(|b| (8..=15).contains(b))
        .ok_or_else(|| format!("{name}={value} is not 8 to 15 (RFC 7692 §7.1.2)"))
}

impl fmt::Display for DeflateParams {
    /// The header form: `permessage-deflate; server_no_context_takeover; client_max_window_bits`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NAME)?;
        if self.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if self.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if let Some(b) = self.server_max_window_bits {
            write!(f, "; server_max_window_bits={b}")?;
        }
        match self.client_max_window_bits {
            Some(Some(b)) => write!(f, "; client_max_window_bits={b}"),
            Some(None) => f.write_str("; client_max_window_bits"),
            None => Ok(()),
        }
    }
}

impl Agreement {
    /// Full windows and context takeover both ways: what no parameter limits.
    pub fn unlimited() -> Self {
        Agreement::from_response(&DeflateParams::default())
    }

    fn from_response(p: &DeflateParams) -> Self {
        Agreement {
            server_no_context_takeover: p.server_no_context_takeover,
            client_no_context_takeover: p.client_no_context_takeover,
            server_max_window_bits: p.server_max_window_bits.unwrap_or(15),
            client_max_window_bits: p.client_max_window_bits.flatten().unwrap_or(15),
        }
    }
}

/// Every permessage-deflate entry of Sec-WebSocket-Extensions values, in order, with the other
/// extensions' names apart. Errors: an entry whose parameters break RFC 7692 §7.
pub fn entries(values: &[&str], role: Role) -> Result<(Vec<DeflateParams>, Vec<String>), String> {
    let (mut ours, mut others) = (Vec::new(), Vec::new());
    for ext in crate::core::wire::verdict::parse_extensions(values) {
        if ext.name.eq_ignore_ascii_case(NAME) {
            ours.push(DeflateParams::from_pairs(&ext.params, role)?);
        } else {
            others.push(ext.name);
        }
    }
    Ok((ours, others))
}

/// The server's side (RFC 7692 §5.1, §7.1): the first of the client's offers it can accept,
/// shaped by what the server asks for (`ours`: its `*_no_context_takeover` and window limits).
/// Returns the agreement and the response entry, or None to decline every offer.
pub fn answer(offers: &[DeflateParams], ours: &DeflateParams) -> Option<(Agreement, DeflateParams)> {
    offers.first().map(|offer| {
        let server_bits = match (offer.server_max_window_bits, ours.server_max_window_bits) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // The client's window may be limited only when the offer said the client can honour it.
        let client_bits = match (offer.client_max_window_bits, ours.client_max_window_bits.flatten()) {
            (Some(Some(a)), Some(b)) => Some(Some(a.min(b))),
            (Some(Some(a)), None) => Some(Some(a)),
            (Some(None), Some(b)) => Some(Some(b)),
            (Some(None), None) | (None, _) => None,
        };
        let response = DeflateParams {
            server_no_context_takeover: offer.server_no_context_takeover || ours.server_no_context_takeover,
            client_no_context_takeover: offer.client_no_context_takeover || ours.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        };
        (Agreement::from_response(&response), response)
    })
}

/// The client's side (RFC 7692 §7.1): checks the server's Sec-WebSocket-Extensions values
/// against our one offer. `Ok(None)`: the server declined. Errors: the rule the response
/// breaks, for a failed handshake.
pub fn accept(offer: &DeflateParams, values: &[&str]) -> Result<Option<Agreement>, String> {
    let (entries, others) = entries(values, Role::Response)?;
    if let Some(other) = others.first() {
        return Err(format!("the server enabled the extension \"{other}\", which was not offered"));
    }
    let response = match entries.as_slice() {
        [] => return Ok(None),
        [one] => one,
        _ => return Err(format!("the server accepted {NAME} more than once (RFC 7692 §5.1)")),
    };
    if offer.server_no_context_takeover && !response.server_no_context_takeover {
        return Err(
            "the offer asked for server_no_context_takeover; the response lacks it (RFC 7692 §7.1.1.1)"
                .into(),
        );
    }
    match (offer.server_max_window_bits, response.server_max_window_bits) {
        (Some(asked), None) => {
            return Err(format!(
            "the offer asked for server_max_window_bits={asked}; the response lacks it (RFC 7692 §7.1.2.1)"
        ))
        }
        (Some(asked), Some(got)) if got > asked => {
            return Err(format!(
                "server_max_window_bits={got} is more than the {asked} offered (RFC 7692 §7.1.2.1)"
            ))
        }
        _ => {}
    }
    match (offer.client_max_window_bits, response.client_max_window_bits.flatten()) {
        (None, Some(got)) => {
            return Err(format!(
                "the response sets client_max_window_bits={got}, which the offer did not include (RFC 7692 §7.1.2.2)"
            ))
        }
        (Some(Some(asked)), Some(got)) if got > asked => {
            return Err(format!(
                "client_max_window_bits={got} is more than the {asked} offered (RFC 7692 §7.1.2.2)"
            ))
        }
        _ => {}
    }
    Ok(Some(Agreement::from_response(response)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(text: &str) -> DeflateParams {
        DeflateParams::parse(text).unwrap()
    }

    #[test]
    fn offers_parse_and_print_in_header_form() {
        let p = offer("permessage-deflate; server_no_context_takeover; server_max_window_bits=10");
        assert!(p.server_no_context_takeover);
        assert_eq!(p.server_max_window_bits, Some(10));
        assert_eq!(
            p.to_string(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        );
        assert_eq!(DeflateParams::browser_offer().to_string(), "permessage-deflate; client_max_window_bits");
        assert_eq!(offer("client_max_window_bits=9").client_max_window_bits, Some(Some(9)));
        for bad in [
            "server_max_window_bits=16",
            "server_max_window_bits",
            "bogus",
            "server_no_context_takeover=1",
            "client_no_context_takeover; client_no_context_takeover",
            "client_max_window_bits=7",
        ] {
            assert!(DeflateParams::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_server_answers_the_first_offer_with_the_parameters_it_must_echo() {
        let offers = [
            offer("server_no_context_takeover; server_max_window_bits=10; client_max_window_bits"),
            offer(""),
        ];
        let (agreed, response) = answer(&offers, &DeflateParams::default()).unwrap();
        assert_eq!(
            response.to_string(),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        );
        assert_eq!((agreed.server_max_window_bits, agreed.client_max_window_bits), (10, 15));
        // The server's own wishes: a smaller client window only where the client can honour it.
        let ours = offer("client_no_context_takeover; client_max_window_bits=9; server_max_window_bits=12");
        let (agreed, response) = answer(&[DeflateParams::browser_offer()], &ours).unwrap();
        assert_eq!(
            response.to_string(),
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=9"
        );
        assert!(agreed.client_no_context_takeover);
        let (_, response) = answer(&[offer("")], &ours).unwrap();
        assert_eq!(response.client_max_window_bits, None, "no client window limit without the client's word");
        assert!(answer(&[], &ours).is_none());
    }

    #[test]
    fn a_client_refuses_a_response_that_grants_what_was_not_offered() {
        let browser = DeflateParams::browser_offer();
        assert_eq!(accept(&browser, &[]).unwrap(), None);
        let agreed = accept(&browser, &["permessage-deflate; client_max_window_bits=10"]).unwrap().unwrap();
        assert_eq!(agreed.client_max_window_bits, 10);
        let plain = DeflateParams::default();
        let cases = [
            (plain, "permessage-deflate; client_max_window_bits=10", "§7.1.2.2"),
            (browser, "permessage-deflate; client_max_window_bits", "needs a value"),
            (offer("server_no_context_takeover"), "permessage-deflate", "§7.1.1.1"),
            (offer("server_max_window_bits=10"), "permessage-deflate; server_max_window_bits=12", "§7.1.2.1"),
            (browser, "permessage-deflate, permessage-deflate", "more than once"),
            (browser, "x-webkit-deflate-frame", "not offered"),
            (browser, "permessage-deflate; bogus", "unknown parameter"),
        ];
        for (offered, response, why) in cases {
            let err = accept(&offered, &[response]).unwrap_err();
            assert!(err.contains(why), "{response}: {err}");
        }
    }
}

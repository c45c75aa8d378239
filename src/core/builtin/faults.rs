//! The faults the echo server injects, from `wsdiag echo` flags or `builtin:echo?…` query
//! parameters. Plain data and its parsing: the target parser uses it without depending on the
//! server.

use std::time::Duration;

use crate::core::error::Error;
use crate::core::wire::close;

/// Faults to inject, from `wsdiag echo` flags or `builtin:echo?…` query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EchoFaults {
    pub delay: Option<Duration>,
    pub drop_after: Option<u64>,
    pub close_after: Option<Duration>,
    pub close_code: u16,
    pub close_reason: String,
    pub no_pong: bool,
    pub idle_timeout: Option<Duration>,
    pub ping_interval: Option<Duration>,
    pub push_every: Option<Duration>,
    /// Answer `heartbeat-probe`'s in-band push requests (`companion::Request`).
    pub companion: bool,
    pub reject: Option<u16>,
    pub subprotocols: Vec<String>,
}

impl EchoFaults {
    pub fn none() -> Self {
        EchoFaults { close_code: 1000, ..Default::default() }
    }

    /// Parses `builtin:echo` query parameters: the echo flags without dashes, e.g.
    /// `idle-timeout=3s&close-after=1s&close-code=4000&no-pong`.
    pub fn from_query(query: &str) -> Result<Self, Error> {
        let mut f = EchoFaults::none();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
            let bad = |why: String| Error::Usage {
                message: format!("builtin:echo option '{key}': {why}"),
                hint: Some(
                    "options: delay, drop-after, close-after, close-code, close-reason, no-pong, \
                            idle-timeout, ping-interval, push-every, reject, subprotocol, companion"
                        .into(),
                ),
            };
            let dur = |v: &str| humantime::parse_duration(v).map_err(|e| bad(e.to_string()));
            let num = |v: &str| v.parse::<u64>().map_err(|e| bad(e.to_string()));
            match key {
                "delay" => f.delay = Some(dur(&value)?),
                "drop-after" => f.drop_after = Some(num(&value)?),
                "close-after" => f.close_after = Some(dur(&value)?),
                "close-code" => {
                    f.close_code = value
                        .parse()
                        .ok()
                        .filter(|c| close::sendable(*c))
                        .ok_or_else(|| bad(format!("'{value}' is not a close code that may be sent")))?
                }
                "close-reason" => f.close_reason = value,
                "no-pong" => f.no_pong = value.is_empty() || value == "true" || value == "1",
                "idle-timeout" => f.idle_timeout = Some(dur(&value)?),
                "ping-interval" => f.ping_interval = Some(dur(&value)?),
                "push-every" => f.push_every = Some(dur(&value)?),
                "companion" => f.companion = value.is_empty() || value == "true" || value == "1",
                "reject" => {
                    f.reject =
                        Some(
                            value.parse().ok().filter(|s| (300..=599).contains(s)).ok_or_else(|| {
                                bad(format!("'{value}' is not an HTTP status from 300 to 599"))
                            })?,
                        )
                }
                "subprotocol" => f.subprotocols.push(value),
                _ => return Err(bad("unknown option".into())),
            }
        }
        f.validate()?;
        Ok(f)
    }

    pub fn validate(&self) -> Result<(), Error> {
        for (name, d) in [
            ("idle-timeout", self.idle_timeout),
            ("ping-interval", self.ping_interval),
            ("push-every", self.push_every),
        ] {
            if d.is_some_and(|d| d.is_zero()) {
                return Err(Error::usage(format!("--{name} must be greater than zero")));
            }
        }
        close::check_status(self.close_code, &self.close_reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_options_parse_like_flags() {
        let f = EchoFaults::from_query(
            "idle-timeout=3s&close-after=1s&close-code=4000&close-reason=bye%20now&no-pong",
        )
        .unwrap();
        assert_eq!(f.idle_timeout, Some(Duration::from_secs(3)));
        assert_eq!(f.close_after, Some(Duration::from_secs(1)));
        assert_eq!((f.close_code, f.close_reason.as_str(), f.no_pong), (4000, "bye now", true));
        let f = EchoFaults::from_query("reject=503&subprotocol=a&subprotocol=b&drop-after=2").unwrap();
        assert_eq!((f.reject, f.subprotocols.len(), f.drop_after), (Some(503), 2, Some(2)));
        assert!(EchoFaults::from_query("nope=1").is_err());
        assert!(EchoFaults::from_query("close-code=1006").is_err());
        assert!(EchoFaults::from_query("idle-timeout=0s").is_err());
        assert!(EchoFaults::from_query("reject=200").is_err());
    }
}

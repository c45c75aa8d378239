//! What a client run targets, read from the command line: a `ws://`/`wss://` URL or
//! `builtin:echo?…` with the echo server's faults as query parameters, and the check of a close
//! status wsdiag is asked to send.

use crate::core::builtin::faults::EchoFaults;
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::net::target::Target;
use crate::core::session::upgrade::Rejection;
use crate::core::wire::close::{name, sendable};
use crate::core::wire::deflate::DeflateFault;

impl TargetChoice {
    pub fn parse(input: &str) -> Result<Self, Error> {
        if let Some(rest) = input.strip_prefix("builtin:") {
            let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
            return match name {
                "echo" => Ok(TargetChoice::BuiltinEcho(EchoFaults::from_query(query)?)),
                other => Err(Error::Usage {
                    message: format!("unknown built-in target 'builtin:{}'", other.escape_debug()),
                    hint: Some("the built-in target is builtin:echo".into()),
                }),
            };
        }
        Target::parse(input).map(TargetChoice::Url)
    }
}

impl EchoFaults {
    /// Parses `builtin:echo` query parameters: the echo flags without dashes, e.g.
    /// `idle-timeout=3s&close-after=1s&close-code=4000&no-pong`.
    pub fn from_query(query: &str) -> Result<Self, Error> {
        let mut f = EchoFaults::none();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
            let bad = |why: String| {
                Error::Usage {
                message: format!("builtin:echo option '{key}': {why}"),
                hint: Some(
                    "options: delay, drop-after, close-after, close-code, close-reason, no-pong, \
                            idle-timeout, ping-interval, push-every, reject, subprotocol, companion, deflate-fault"
                        .into(),
                ),
            }
            };
            let dur = |v: &str| crate::cli::parse_duration(v).map_err(bad);
            let num = |v: &str| v.parse::<u64>().map_err(|e| bad(e.to_string()));
            match key {
                "delay" => f.delay = Some(dur(&value)?),
                "drop-after" => f.drop_after = Some(num(&value)?),
                "close-after" => f.close_after = Some(dur(&value)?),
                "close-code" => {
                    f.close_code = value
                        .parse()
                        .ok()
                        .filter(|c| sendable(*c))
                        .ok_or_else(|| bad(format!("'{value}' is not a close code that may be sent")))?
                }
                "close-reason" => f.close_reason = value,
                "no-pong" => f.no_pong = value.is_empty() || value == "true" || value == "1",
                "idle-timeout" => f.idle_timeout = Some(dur(&value)?),
                "ping-interval" => f.ping_interval = Some(dur(&value)?),
                "push-every" => f.push_every = Some(dur(&value)?),
                "companion" => f.companion = value.is_empty() || value == "true" || value == "1",
                "reject" => {
                    let status = value
                        .parse()
                        .ok()
                        .filter(|s| (300..=599).contains(s))
                        .ok_or_else(|| bad(format!("'{value}' is not an HTTP status from 300 to 599")))?;
                    f.reject = Some(refusal(status));
                }
                "subprotocol" => f.subprotocols.push(value),
                "deflate-fault" => {
                    f.deflate_fault = Some(DeflateFault::from_name(&value).ok_or_else(|| {
                        bad(format!("'{value}' is not unnegotiated, corrupt or break-context"))
                    })?)
                }
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
        check_status(self.close_code, &self.close_reason)
    }
}

/// The echo server's refusal of every upgrade with `status` (`--reject`, `reject=`): the body
/// names the flag, so whoever sees it knows it was asked for.
pub fn refusal(status: u16) -> Rejection {
    Rejection { status, body: format!("refused by wsdiag (--reject {status})\n") }
}

/// Checks a close status wsdiag is asked to send (`--close-code`, `--close-reason`, the
/// echo faults): the code must be one that may cross the wire (`sendable`) and the reason
/// must fit a control frame, at most 123 bytes (RFC 6455 §5.5). Errors: a usage error naming
/// the flag.
pub fn check_status(code: u16, reason: &str) -> Result<(), Error> {
    if !sendable(code) {
        return Err(Error::Usage {
            message: format!("--close-code {code} ({}) must not be sent in a close frame", name(code)),
            hint: Some("use 1000 (normal), 1001 (going away), 1008, 1011, or 3000-4999".into()),
        });
    }
    if reason.len() > 123 {
        return Err(Error::usage("--close-reason is longer than 123 bytes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
        assert_eq!((f.reject.map(|r| r.status), f.subprotocols.len(), f.drop_after), (Some(503), 2, Some(2)));
        assert!(EchoFaults::from_query("nope=1").is_err());
        assert!(EchoFaults::from_query("close-code=1006").is_err());
        assert!(EchoFaults::from_query("idle-timeout=0s").is_err());
        assert!(EchoFaults::from_query("reject=200").is_err());
    }

    #[test]
    fn builtin_and_errors() {
        assert_eq!(
            TargetChoice::parse("builtin:echo").unwrap(),
            TargetChoice::BuiltinEcho(EchoFaults::none())
        );
        for bad in ["builtin:nope", "ftp://h/", "http://h/", "ws://", "nonsense"] {
            let err = TargetChoice::parse(bad).unwrap_err();
            assert!(matches!(err, Error::Usage { .. }), "{bad}");
        }
    }

    #[test]
    fn close_statuses_that_may_not_be_sent_are_refused() {
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            assert!(check_status(bad, "").is_err(), "{bad}");
        }
        assert!(check_status(1000, &"x".repeat(123)).is_ok());
        assert!(check_status(1000, &"x".repeat(124)).is_err());
    }
}

//! The echo behaviour shared by `wsdiag echo` and the `builtin:echo` target: text stays text,
//! binary stays binary, fragmented messages echo whole (the protocol layer reassembles them),
//! pings are answered, and faults are injected on request.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::core::error::Error;
use crate::core::event::{Data, EventSink};
use crate::core::session::server::ServerOptions;
use crate::core::session::wait::{stopped, tick, ticker, until};
use crate::core::session::{Incoming, Session, SessionTotals, CLOSE_TIMEOUT};

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
    pub reject: Option<u16>,
    pub subprotocols: Vec<String>,
}

impl EchoFaults {
    pub fn none() -> Self {
        EchoFaults { close_code: 1000, ..Default::default() }
    }

    /// Sets what these faults need from the server side of each connection: refusal, a
    /// second handle on the socket (reset, silent close), ignored pings.
    pub fn apply(&self, opts: &mut ServerOptions) {
        opts.reject = self.reject;
        opts.raw_handle = self.drop_after.is_some() || self.idle_timeout.is_some();
        opts.tap.ignore_pings = self.no_pong;
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
                            idle-timeout, ping-interval, push-every, reject, subprotocol"
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
                        .filter(|c| (1000..=4999).contains(c))
                        .ok_or_else(|| bad(format!("'{value}' is not a close code from 1000 to 4999")))?
                }
                "close-reason" => f.close_reason = value,
                "no-pong" => f.no_pong = value.is_empty() || value == "true" || value == "1",
                "idle-timeout" => f.idle_timeout = Some(dur(&value)?),
                "ping-interval" => f.ping_interval = Some(dur(&value)?),
                "push-every" => f.push_every = Some(dur(&value)?),
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
        if matches!(self.close_code, 1004..=1006 | 1015) {
            return Err(Error::usage(format!(
                "--close-code {} is reserved and must not be sent",
                self.close_code
            )));
        }
        if self.close_reason.len() > 123 {
            return Err(Error::usage("--close-reason is longer than 123 bytes"));
        }
        Ok(())
    }
}

/// Why an echo session ended.
#[derive(Debug)]
pub enum EchoEnd {
    /// The peer closed or the connection broke.
    Peer(Result<(), Error>),
    /// The server is shutting down (closed with 1001).
    Shutdown,
    /// `--close-after` fired.
    ClosedAfter,
    /// `--idle-timeout` fired: FIN without a close frame.
    Idle,
    /// `--drop-after` fired: TCP reset.
    Dropped,
}

impl EchoEnd {
    pub fn describe(&self) -> String {
        match self {
            EchoEnd::Peer(Ok(())) => "closed".into(),
            EchoEnd::Peer(Err(e)) => e.to_string(),
            EchoEnd::Shutdown => "server shutting down".into(),
            EchoEnd::ClosedAfter => "closed by --close-after".into(),
            EchoEnd::Idle => "idle timeout: closed without a close frame".into(),
            EchoEnd::Dropped => "reset by --drop-after".into(),
        }
    }
}

/// Echoes until the peer leaves, a fault fires or `shutdown` turns true; returns why, and the
/// session's traffic.
pub async fn run(
    mut session: Session,
    f: &EchoFaults,
    sink: &mut dyn EventSink,
    mut shutdown: watch::Receiver<bool>,
) -> (EchoEnd, SessionTotals) {
    let close_at = f.close_after.map(|d| Instant::now() + d);
    let mut idle_at = f.idle_timeout.map(|d| Instant::now() + d);
    let mut pinger = ticker(f.ping_interval.unwrap_or_default(), f.ping_interval);
    let mut pusher = ticker(f.push_every.unwrap_or_default(), f.push_every);
    let mut pushed = 0u64;
    let mut echoed = 0u64;
    // --delay: echoes wait here, so pings, closes and shutdown are still seen meanwhile.
    let mut delayed: VecDeque<(Instant, Data)> = VecDeque::new();
    loop {
        let due = delayed.front().map(|(at, _)| *at);
        // What to echo now: a message that arrived, or one whose delay is over.
        let echo: Option<Data> = tokio::select! {
            _ = until(due), if due.is_some() => delayed.pop_front().map(|(_, data)| data),
            _ = stopped(&mut shutdown) => {
                session.close_and_wait(1001, "server shutting down", sink).await;
                return (EchoEnd::Shutdown, session.totals());
            }
            _ = until(close_at) => {
                session.close_and_wait(f.close_code, &f.close_reason, sink).await;
                return (EchoEnd::ClosedAfter, session.totals());
            }
            _ = until(idle_at) => {
                let totals = session.totals();
                session.close_silently();
                return (EchoEnd::Idle, totals);
            }
            _ = tick(&mut pinger) => {
                session.ping(sink);
                None
            }
            _ = tick(&mut pusher) => {
                pushed += 1;
                session.send(Data::Text(Utf8Bytes::from(format!("push {pushed}"))), sink);
                None
            }
            incoming = session.next(sink) => {
                idle_at = f.idle_timeout.map(|d| Instant::now() + d);
                match incoming {
                    Incoming::Message(data) => match f.delay {
                        Some(d) => {
                            delayed.push_back((Instant::now() + d, data));
                            None
                        }
                        None => Some(data),
                    },
                    Incoming::Control | Incoming::Pong(_) => None,
                    Incoming::Ended(end) => return (EchoEnd::Peer(end.result()), session.totals()),
                }
            }
        };
        if let Some(data) = echo {
            session.send(data, sink);
            echoed += 1;
            if f.drop_after == Some(echoed) {
                session.flushed(CLOSE_TIMEOUT).await;
                let totals = session.totals();
                session.reset();
                return (EchoEnd::Dropped, totals);
            }
        }
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

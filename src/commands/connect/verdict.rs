//! The checks a run must pass at its end: --count, --expect*, --expect-close, --max-rtt,
//! --max-loss. The first failure decides the exit status (1).

use crate::core::error::Error;
use crate::core::event::{CloseInfo, PingStats, Side};
use crate::core::session::expect::Expectations;
use crate::settings::ConnectSettings;

/// What the run observed, across reconnects.
pub(super) struct Observed<'a> {
    pub received: u64,
    pub expect: &'a Expectations,
    pub close: Option<&'a CloseInfo>,
    pub pings: PingStats,
    pub echo: Option<PingStats>,
}

/// `why` says what ended the run ("the server closed", "--wait expired", …).
pub(super) fn check(s: &ConnectSettings, seen: &Observed<'_>, why: &str) -> Result<(), Error> {
    if let Some(expected) = s.count {
        if seen.received < expected {
            return Err(Error::ExpectFailed {
                message: format!("{why} after {} of {expected} expected messages", seen.received),
                recent: seen.expect.recent(),
            });
        }
    }
    if !seen.expect.done() {
        return Err(seen.expect.failure(why));
    }
    if let Some(code) = s.liveness.expect_close {
        let got = seen.close.filter(|c| c.by == Side::Server).map(|c| c.code);
        match got {
            Some(Some(c)) if c == code => {}
            Some(Some(c)) => {
                return Err(expect_failed(format!(
                    "expected the server to close with {code}, it closed with {c}"
                )))
            }
            Some(None) => {
                return Err(expect_failed(format!(
                    "expected the server to close with {code}, it closed without a code"
                )))
            }
            None => {
                return Err(expect_failed(format!("expected the server to close with {code}; {why} first")))
            }
        }
    }
    if let Some(max) = s.liveness.max_loss {
        let loss = seen.pings.loss_pct();
        if seen.pings.sent == 0 {
            return Err(expect_failed(
                "--max-loss: no ping was sent (use --ping-interval or --ping-count)".into(),
            ));
        }
        if loss > max {
            return Err(expect_failed(format!("ping loss {loss:.1}% is above --max-loss {max}%")));
        }
    }
    let rtt =
        if seen.pings.received > 0 { Some(("ping", seen.pings)) } else { seen.echo.map(|e| ("echo", e)) };
    if let (Some(max), Some((kind, stats))) = (s.liveness.max_rtt, rtt) {
        if let Some(p99) = stats.p99.filter(|p| *p > max) {
            return Err(expect_failed(format!(
                "{kind} p99 round-trip time {:.3} ms is above --max-rtt {:.3} ms",
                p99.as_secs_f64() * 1000.0,
                max.as_secs_f64() * 1000.0
            )));
        }
    }
    if s.liveness.max_rtt.is_some() && rtt.is_none() {
        let why = if seen.pings.sent > 0 {
            format!("--max-rtt: all {} pings were lost, so no round trip was measured", seen.pings.sent)
        } else {
            "--max-rtt: no round trip was measured (use --ping-interval or --echo-rtt)".to_string()
        };
        return Err(expect_failed(why));
    }
    Ok(())
}

fn expect_failed(message: String) -> Error {
    Error::ExpectFailed { message, recent: Vec::new() }
}

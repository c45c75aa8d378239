//! The words for the core's typed facts, shared by the human and JSON renderers: how a server's
//! connection ended, how a probe trial's result was seen and why a search stayed undecided,
//! where a proxy came from and the `-v` line about it. The core reports kinds; what a user reads (and the
//! CLI flags it names) is chosen here.

use crate::core::error::Error;
use crate::core::event::probe::{Conflict, OtherDeath, Seen, Undecided};
use crate::core::event::proxy::{NoProxySource, ProxySource, Selection};
use crate::core::event::ConnOutcome;

/// Where a proxy came from, as JSON's `source` and the `-v` line name it: `--proxy`,
/// `--proxy ''`, `none` or the variable's name.
pub fn proxy_source(source: &ProxySource) -> &str {
    match source {
        ProxySource::Flag => "--proxy",
        ProxySource::Disabled => "--proxy ''",
        ProxySource::Nothing => "none",
        ProxySource::Var(name) => name,
    }
}

/// Where a NO_PROXY list came from: `--noproxy` or the variable's name.
pub fn no_proxy_source(source: &NoProxySource) -> &str {
    match source {
        NoProxySource::Flag => "--noproxy",
        NoProxySource::Var(name) => name,
    }
}

/// The proxy a connection takes and why, one line for `-v`.
pub fn proxy_selection(sel: &Selection) -> String {
    let source = proxy_source(&sel.source);
    let mut line = match (&sel.proxy, &sel.bypass) {
        (Some(p), _) => format!("Proxy: {} (from {source})", p.display()),
        (None, Some((list, entry))) => {
            format!(
                "Proxy: none ({} entry '{entry}' matches; from {source} otherwise)",
                no_proxy_source(list)
            )
        }
        (None, None) => format!("Proxy: none ({source})"),
    };
    if let Some(ignored) = &sel.ignored {
        line.push_str(&format!("; {ignored}"));
    }
    line
}

/// How a server's connection ended, in a few words (the human log line, JSON `message`).
pub fn conn_outcome(outcome: &ConnOutcome) -> String {
    match outcome {
        ConnOutcome::Closed => "closed".into(),
        ConnOutcome::Shutdown => "server shutting down".into(),
        ConnOutcome::ClosedAfter => "closed by --close-after".into(),
        ConnOutcome::IdleTimeout => "idle timeout: closed without a close frame".into(),
        ConnOutcome::Dropped => "reset by --drop-after".into(),
        ConnOutcome::Ended(end) => Error::Ended(end.clone()).to_string(),
        ConnOutcome::Failed { message } | ConnOutcome::HandshakeFailed { message } => message.clone(),
        ConnOutcome::OverLimit { limit } => format!("refused: --max-connections {limit} reached"),
        ConnOutcome::Evicted { newer } => {
            format!("handshake dropped: {newer} newer connections arrived while it was unfinished (--max-pending)")
        }
        ConnOutcome::Http2Closed { streams, error } => {
            let streams = if *streams == 1 { "1 stream".to_string() } else { format!("{streams} streams") };
            match error {
                None => format!("HTTP/2 connection closed after {streams}"),
                Some(e) => format!("HTTP/2 connection failed after {streams}: {e}"),
            }
        }
    }
}

/// Seconds with one decimal, as the probe's words give them.
fn s1(d: std::time::Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// How a probe trial's result (or the canary's or `--verify`'s death) was seen, in words.
pub fn seen(seen: &Seen) -> String {
    match seen {
        Seen::Answered { rtt } => format!("answered after {:.1} ms", rtt.as_secs_f64() * 1000.0),
        Seen::DiedIdle { after, end } => format!("died while idle after {}: {}", s1(*after), end.describe()),
        Seen::ServerTraffic { after } => format!("the server sent traffic after {} of silence", s1(*after)),
        Seen::UnexpectedAnswer { text } => format!("the server answered {text:?}, which --expect does not match"),
        Seen::DiedDuringProbes { after, end } => {
            format!("died while its keepalive probes ran, {} after the upgrade: {}", s1(*after), end.describe())
        }
        Seen::DiedWhenSpoke { idle, end } => format!("died when it spoke after {} idle: {}", s1(*idle), end.describe()),
        Seen::DiedUnanswered { after, end } => format!(
            "no answer to the keepalive, and the connection died {} after it: {}",
            s1(*after),
            end.describe()
        ),
        Seen::Blackhole { timeout, unacked, retransmits } => format!(
            "no answer within {}; {unacked} segments unacknowledged, {retransmits} retransmissions: a black hole",
            s1(*timeout)
        ),
        Seen::AckedUnanswered { timeout } => {
            format!("the server acknowledged the data but did not answer within {}", s1(*timeout))
        }
        Seen::Unanswered { timeout } => format!("no answer within {} (TCP_INFO unavailable)", s1(*timeout)),
        Seen::Ended { end } => end.describe(),
        Seen::PingUnacknowledged { timeout } => {
            format!("the canary's ping stayed unacknowledged for {}", s1(*timeout))
        }
        Seen::PingUnanswered { timeout } => format!("a ping went unanswered for {}", s1(*timeout)),
        Seen::PingsUnanswered => PINGS_UNANSWERED.into(),
        Seen::Stopped { by } => format!("stopped early: trial {by} died after a shorter idle, which answers for this one"),
        Seen::Unneeded { by } => {
            format!("stopped early: started in case trial {by} died when it spoke, which it did not")
        }
    }
}

const PINGS_UNANSWERED: &str = "the server takes pings but answers none (try --kind data)";

/// A death of another kind, in words.
pub fn other_death(other: &OtherDeath) -> String {
    match other {
        OtherDeath::Ended(end) => end.describe(),
        OtherDeath::PingsUnanswered => PINGS_UNANSWERED.into(),
        OtherDeath::None => "none".into(),
    }
}

/// Why the probe's search could not bound the idle timeout, in words.
pub fn undecided(why: &Undecided) -> String {
    match why {
        Undecided::Contradiction(c) => format!("the results contradict each other: {}", conflict(c)),
        Undecided::BracketInconclusive => {
            "every trial inside the bracket was inconclusive (the server sent traffic, or answered otherwise)".into()
        }
        Undecided::NothingConclusive => {
            "no trial was conclusive (the server sent traffic, or answered too slowly)".into()
        }
        Undecided::LifetimeCap { after } => format!(
            "the canary died after {} despite its pings: a lifetime cap (or a server gone), not an idle timeout",
            s1(*after)
        ),
    }
}

fn conflict(c: &Conflict) -> String {
    match c {
        Conflict::LivedAboveDeath { lived, died } => {
            format!("a connection idle for {} lived, one idle for {} died", s1(*lived), s1(*died))
        }
        Conflict::LowerBoundDied { age } => {
            format!("a connection idle for {}, the lower bound, died", s1(*age))
        }
        Conflict::DiedBelowLife { died, lived } => {
            format!("a connection died after {} idle, one idle for {} lived", s1(*died), s1(*lived))
        }
    }
}

/// permessage-deflate as agreed, for `-v`: `permessage-deflate (server window 2^15, client
/// window 2^15, context kept both ways)`.
pub fn deflate_agreement(a: &crate::core::event::deflate::Agreement) -> String {
    let context = match (a.server_no_context_takeover, a.client_no_context_takeover) {
        (false, false) => "context kept both ways",
        (true, false) => "server_no_context_takeover",
        (false, true) => "client_no_context_takeover",
        (true, true) => "no context takeover either way",
    };
    format!(
        "permessage-deflate (server window 2^{}, client window 2^{}, {context})",
        a.server_max_window_bits, a.client_max_window_bits
    )
}

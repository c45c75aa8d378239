//! The words for the core's typed facts, shared by the human and JSON renderers: how a server's
//! connection ended, where a proxy came from and the `-v` line about it. The core reports kinds; what a user reads (and the
//! CLI flags it names) is chosen here.

use crate::core::error::Error;
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
    }
}

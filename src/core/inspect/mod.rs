//! One inspected upgrade: connect, send the request exactly, read the reply with timings,
//! judge it, and close cleanly. Failures are recorded in the hop, not returned, so a report
//! always has everything that was seen before things went wrong.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use futures_util::StreamExt;
use tokio::time::{timeout, timeout_at};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

mod deflate_use;
mod h2;

pub use h2::Http2Facts;

use crate::core::error::Error;
use crate::core::event::{Endpoint, Side, TlsInfo};
use crate::core::net::certs::{self, CertFacts};
use crate::core::net::proxy::{Selection, TunnelInfo};
use crate::core::net::target::Target;
use crate::core::net::tls::CertRecorder;
use crate::core::net::transport::{self, NetStream, Phase};
use crate::core::session::connection::ConnectionConfig;
use crate::core::session::CLOSE_TIMEOUT;
use crate::core::wire::deflate::{params, Agreement, Deflate, DeflateConfig};
use crate::core::wire::handshake::{self, Response};
use crate::core::wire::tap::Records;
use crate::core::wire::verdict::{self, Check, Offer};

/// One inspection's choices beyond how to connect.
#[derive(Debug, Clone, Copy)]
pub struct Inspect<'a> {
    /// The Sec-WebSocket-Key, the same for every hop.
    pub key: &'a str,
    /// Close cleanly after the upgrade (false: `--no-close`, drop the connection).
    pub close: bool,
}

/// Cumulative times from the start of the hop, like curl's -w variables.
#[derive(Debug, Clone, Copy, Default)]
pub struct HopTimings {
    pub dns: Option<Duration>,
    pub tcp: Option<Duration>,
    /// The proxy's tunnel is open.
    pub proxy: Option<Duration>,
    pub tls: Option<Duration>,
    pub sent: Option<Duration>,
    pub first_byte: Option<Duration>,
    pub headers: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct TlsFacts {
    pub info: Option<TlsInfo>,
    pub certs: Vec<CertFacts>,
    /// None: verification passed; Some(reason): it failed (fatal unless --insecure).
    pub verify_failure: Option<String>,
    pub verified: bool,
    pub insecure: bool,
}

/// How the closing handshake went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseOutcome {
    /// The server answered our close frame with this code.
    Answered(Option<u16>),
    /// The server dropped TCP without answering.
    NoAnswer,
    TimedOut,
    /// `--no-close`: the connection was dropped without a close frame.
    Skipped,
}

#[derive(Debug)]
pub struct Hop {
    pub url: String,
    /// The proxy chosen for this hop and why (None: no proxy was configured).
    pub proxy: Option<Selection>,
    /// The proxy's tunnel: the CONNECT exchange or the SOCKS5 steps.
    pub tunnel: Option<TunnelInfo>,
    /// The address TCP connected to (the proxy's, through a proxy).
    pub addr: Option<Endpoint>,
    pub tls: Option<TlsFacts>,
    pub request: Vec<u8>,
    pub response: Option<Response>,
    pub checks: Vec<Check>,
    pub timings: HopTimings,
    pub close: Option<CloseOutcome>,
    pub error: Option<Error>,
    /// Over HTTP/2 (RFC 8441): the server's SETTINGS and the stream.
    pub http2: Option<Http2Facts>,
}

/// A whole inspection: every hop (one unless redirects were followed) and the verdict.
#[derive(Debug)]
pub struct Report {
    pub hops: Vec<Hop>,
    /// The process exit code the command chose for it (docs/exit-codes.md).
    pub exit: u8,
}

impl Report {
    /// The hop whose outcome decides the verdict.
    pub fn last(&self) -> Option<&Hop> {
        self.hops.last()
    }

    /// "pass", "warn", "fail" (a check failed on a 101), "rejected" (non-101; over HTTP/2,
    /// non-2xx) or "error".
    pub fn verdict(&self) -> &'static str {
        let Some(hop) = self.last() else {
            return "error";
        };
        if hop.error.is_some() {
            return "error";
        }
        match &hop.response {
            Some(r) if !r.opened() => "rejected",
            Some(_) => match hop.checks.iter().map(|c| c.level).max() {
                Some(verdict::Level::Fail) => "fail",
                Some(verdict::Level::Warn) => "warn",
                _ => "pass",
            },
            None => "error",
        }
    }
}

/// Inspects one URL, connecting as `config` says (its tap and buffers do not apply: the
/// upgrade is read here, not by a session).
pub async fn inspect(target: &Target, config: &ConnectionConfig, how: Inspect<'_>) -> Hop {
    let mut hop = Hop {
        url: target.display(),
        proxy: None,
        tunnel: None,
        addr: None,
        tls: None,
        request: Vec::new(),
        response: None,
        checks: Vec::new(),
        timings: HopTimings::default(),
        close: None,
        error: None,
        http2: None,
    };
    if let Err(e) = run(target, config, how, &mut hop).await {
        hop.error = Some(e);
    }
    hop
}

async fn run(
    target: &Target,
    config: &ConnectionConfig,
    how: Inspect<'_>,
    hop: &mut Hop,
) -> Result<(), Error> {
    let start = Instant::now();
    let recorder: CertRecorder = Arc::new(Mutex::new(Default::default()));
    let dial = &config.dial;
    let mut tls_info = None;
    let dialed =
        transport::dial(target, dial, target.tls.then(|| recorder.clone()), &mut |phase| match phase {
            Phase::ProxySelected(selection) => hop.proxy = Some(selection),
            Phase::Tunnel(info) => {
                hop.timings.proxy = Some(start.elapsed());
                hop.tunnel = Some(info);
            }
            Phase::Resolved { .. } => hop.timings.dns = Some(start.elapsed()),
            Phase::Connected { addr, .. } => {
                hop.timings.tcp = Some(start.elapsed());
                hop.addr = Some(addr);
            }
            Phase::Tls(info) => {
                hop.timings.tls = Some(start.elapsed());
                tls_info = Some(info);
            }
        })
        .await;
    // TLS was tried once TCP connected (and the tunnel opened): its facts count, also when
    // it failed.
    let tunnel_open = hop.tunnel.as_ref().is_none_or(|t| t.open);
    if target.tls && hop.addr.is_some() && tunnel_open {
        let record = recorder.lock().map(|r| r.clone()).unwrap_or_default();
        hop.tls = Some(TlsFacts {
            info: tls_info,
            certs: certs::facts(&record.chain),
            verify_failure: record.failure,
            verified: record.checked,
            insecure: dial.tls.insecure,
        });
    }
    let dialed = dialed?;
    if let Some(mode) = dial.http2 {
        return h2::run(target, config, how, dialed, mode, start, hop).await;
    }
    let (mut stream, deadline) = (dialed.stream, dialed.handshake_deadline);

    hop.request = handshake::build_request(target, &config.request, how.key);
    let exchange = async {
        handshake::send_request(&mut stream, &hop.request).await?;
        hop.timings.sent = Some(start.elapsed());
        handshake::read_response(&mut stream).await
    };
    let response = match timeout_at(deadline, exchange).await {
        Err(_) => return Err(Error::HandshakeTimeout { after: dial.handshake_timeout }),
        Ok(r) => r?,
    };
    hop.timings.first_byte = response.first_byte.map(|t| t.saturating_duration_since(start));
    hop.timings.headers = Some(response.head_done.saturating_duration_since(start));
    let offer = Offer {
        key: how.key.to_string(),
        subprotocols: config.request.subprotocols.clone(),
        deflate: config.request.deflate.is_some(),
    };
    hop.checks = verdict::judge(&offer, &response);
    let upgraded = response.status == 101;
    let rest = response.rest.clone();
    // A valid agreement is looked at past the handshake (an invalid one already failed).
    let agreed =
        config.request.deflate.as_ref().and_then(|offer| {
            params::accept(offer, &response.all("Sec-WebSocket-Extensions")).ok().flatten()
        });
    hop.response = Some(response);
    if upgraded {
        after_upgrade(stream, rest, agreed, how.close, hop).await;
    }
    Ok(())
}

/// After a 101: the look at permessage-deflate in use, when it was agreed, and the close.
async fn after_upgrade(
    stream: NetStream,
    rest: Vec<u8>,
    agreed: Option<Agreement>,
    close_it: bool,
    hop: &mut Hop,
) {
    let mut records = Records::default();
    let deflate = agreed.map(|agreement| DeflateConfig {
        agreement,
        local: Side::Client,
        max_message: Some(16 << 20),
        fault: None,
    });
    let mut layer = Deflate::new(stream, deflate, &records);
    let rest = layer.take_leftover(rest);
    let mut ws = WebSocketStream::from_partially_read(layer, rest, Role::Client, None).await;
    if agreed.is_some() {
        hop.checks.push(deflate_use::check(&mut ws, &mut records).await);
    }
    hop.close = Some(if close_it { close(&mut ws).await } else { CloseOutcome::Skipped });
}

/// Sends a 1000 close frame and waits (bounded) for the server's answer.
async fn close(ws: &mut WebSocketStream<Deflate<NetStream>>) -> CloseOutcome {
    let normal = CloseFrame { code: CloseCode::Normal, reason: "".into() };
    if timeout(CLOSE_TIMEOUT, ws.close(Some(normal))).await.is_err() {
        return CloseOutcome::TimedOut;
    }
    let answer = timeout(CLOSE_TIMEOUT, async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(frame)) => return CloseOutcome::Answered(frame.map(|f| u16::from(f.code))),
                Ok(_) => continue,
                Err(_) => return CloseOutcome::NoAnswer,
            }
        }
        CloseOutcome::NoAnswer
    })
    .await;
    answer.unwrap_or(CloseOutcome::TimedOut)
}

/// The next URL for a 3xx reply with a Location, relative to the current one; http(s)
/// locations map to ws(s).
pub fn redirect_target(current: &Target, location: &str) -> Result<Target, Error> {
    let base = url::Url::parse(&current.display())
        .map_err(|e| Error::usage(format!("cannot follow the redirect from {}: {e}", current.display())))?;
    let next = base
        .join(location)
        .map_err(|e| Error::usage(format!("cannot follow Location '{}': {e}", location.escape_debug())))?;
    let mut s = next.to_string();
    if let Some(rest) = s.strip_prefix("http://") {
        s = format!("ws://{rest}");
    } else if let Some(rest) = s.strip_prefix("https://") {
        s = format!("wss://{rest}");
    }
    Target::parse(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_relative_and_map_http_schemes() {
        let cur = Target::parse("ws://h:81/a/b?x").unwrap();
        assert_eq!(redirect_target(&cur, "/c?y=1").unwrap().display(), "ws://h:81/c?y=1");
        assert_eq!(redirect_target(&cur, "https://o/z").unwrap().display(), "wss://o/z");
        assert_eq!(redirect_target(&cur, "d").unwrap().display(), "ws://h:81/a/d");
    }
}

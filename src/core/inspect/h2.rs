//! An inspected upgrade over HTTP/2 (RFC 8441): ALPN, the server's SETTINGS, the extended
//! CONNECT and its answer, judged by `verdict_h2`; then, as over HTTP/1.1, the look at
//! permessage-deflate in use and the close, over the stream.

use tokio::time::Instant;

use crate::core::error::{Error, Hint};
use crate::core::event::http2::Body;
use crate::core::event::Dir;
use crate::core::net::h2::{Http2Mode, ALPN_H2};
use crate::core::net::target::Target;
use crate::core::net::transport::{Dialed, NetStream};
use crate::core::session::connection::ConnectionConfig;
use crate::core::wire::h2_upgrade::{self, Step};
use crate::core::wire::handshake::{Response, HTTP2};
use crate::core::wire::verdict::Offer;
use crate::core::wire::verdict_h2;

use super::{after_upgrade, Hop, Inspect};

/// What an inspection saw of HTTP/2.
#[derive(Debug, Clone, Default)]
pub struct Http2Facts {
    /// The server's SETTINGS parameters (identifier, value), wire order (RFC 9113 §6.5).
    pub settings: Vec<(u16, u32)>,
    /// The extended CONNECT's stream (RFC 9113 §5.1.1), once sent.
    pub stream_id: Option<u32>,
}

/// The HTTP/2 half of `inspect::run`, after the dial (whose TLS facts are in `hop`).
pub(super) async fn run(
    target: &Target,
    config: &ConnectionConfig,
    how: Inspect<'_>,
    dialed: Dialed,
    mode: Http2Mode,
    start: Instant,
    hop: &mut Hop,
) -> Result<(), Error> {
    let alpn = hop.tls.as_ref().and_then(|t| t.info.as_ref()).and_then(|i| i.alpn.clone());
    hop.http2 = Some(Http2Facts::default());
    if target.tls && mode == Http2Mode::Alpn && alpn.as_deref() != Some(ALPN_H2) {
        let chose = alpn.map_or_else(|| "selected no protocol".to_string(), |p| format!("selected {p:?}"));
        return Err(Error::Http2 {
            message: format!("the server {chose} in TLS (ALPN), not \"h2\": it does not speak HTTP/2 here"),
            hint: Some(Hint::Http2NotSelected),
        });
    }
    let mut steps = Vec::new();
    let result = h2_upgrade::upgrade(
        dialed.stream,
        target,
        &config.request,
        dialed.handshake_deadline,
        config.dial.handshake_timeout,
        &mut |step| steps.push(step),
    )
    .await;
    let facts = hop.http2.get_or_insert_with(Default::default);
    for step in steps {
        match step {
            Step::Frames(frames) => {
                for r in frames {
                    if let (Dir::In, Body::Settings(params)) = (r.dir, &r.frame.body) {
                        if !r.frame.is_ack() {
                            facts.settings.extend_from_slice(params);
                        }
                    }
                }
            }
            Step::Request { raw, stream_id, at } => {
                hop.request = raw;
                facts.stream_id = Some(stream_id);
                hop.timings.sent = Some(at.saturating_duration_since(start));
            }
            Step::Response { raw, status, body, at } => {
                hop.timings.first_byte = Some(at.saturating_duration_since(start));
                hop.timings.headers = hop.timings.first_byte;
                hop.response = Some(response(raw, status, body, at));
            }
            Step::Dropped { .. } => {}
        }
    }
    let offer = Offer {
        key: String::new(),
        subprotocols: config.request.subprotocols.clone(),
        deflate: config.request.deflate.is_some(),
    };
    let settings = facts.settings.clone();
    if let Some(resp) = &hop.response {
        hop.checks = verdict_h2::judge(&offer, resp, &settings);
    }
    match result {
        Ok(upgraded) => {
            let stream = NetStream::Other(Box::new(upgraded.stream));
            after_upgrade(stream, Vec::new(), upgraded.deflate, how.close, hop).await;
            Ok(())
        }
        // The answer was judged: a refusal or a bad negotiation is the verdict, not an error.
        Err(Error::Rejected { .. } | Error::BadHandshake { .. }) if hop.response.is_some() => Ok(()),
        Err(e) => Err(e),
    }
}

/// The HTTP/2 answer as a `Response`: its HEADERS as text lines, the fields parsed (pseudo
/// ones left out), the body of a refusal.
fn response(raw: Vec<u8>, status: u16, body: Vec<u8>, at: Instant) -> Response {
    let text = String::from_utf8_lossy(&raw).into_owned();
    let headers = text
        .lines()
        .filter(|l| !l.starts_with(':'))
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let reason =
        http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("").to_string();
    Response {
        raw,
        minor_version: HTTP2,
        status,
        reason,
        headers,
        rest: body,
        first_byte: Some(at),
        head_done: at,
    }
}

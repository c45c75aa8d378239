//! Opening a client connection over HTTP/2 (RFC 8441): after the dial, the h2 connection and
//! the extended CONNECT stream, each step reported, then the same layers as over HTTP/1.1
//! (tap, permessage-deflate, pong filter, tungstenite) over the stream.

use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use crate::core::error::{Error, Hint};
use crate::core::event::{Dir, EventKind, EventSink, Side, Timings};
use crate::core::net::h2::tap::FrameRecord;
use crate::core::net::h2::{FrameLog, Http2Mode, ALPN_H2};
use crate::core::net::read_ahead::ReadAhead;
use crate::core::net::target::Target;
use crate::core::net::transport::{Dialed, NetStream};
use crate::core::session::connection::ConnectionConfig;
use crate::core::session::{Clock, Session};
use crate::core::wire::deflate::{Deflate, DeflateConfig};
use crate::core::wire::h2_upgrade::{self, Step};
use crate::core::wire::pong_filter::PongFilter;
use crate::core::wire::tap::Tap;

/// The HTTP/2 half of `client::open`: `dialed` is the transport (TLS done, with `alpn` the
/// protocol the server selected).
#[allow(clippy::too_many_arguments)]
pub(super) async fn open(
    target: &Target,
    spec: &ConnectionConfig,
    dialed: Dialed,
    mode: Http2Mode,
    alpn: Option<String>,
    conn: u64,
    clock: &Clock,
    sink: &mut dyn EventSink,
    mut timings: Timings,
) -> Result<Session, Error> {
    if target.tls && mode == Http2Mode::Alpn && alpn.as_deref() != Some(ALPN_H2) {
        let chose = match &alpn {
            Some(p) => format!("selected {p:?}"),
            None => "selected no protocol".to_string(),
        };
        return Err(Error::Http2 {
            message: format!("the server {chose} in TLS (ALPN), not \"h2\": it does not speak HTTP/2 here"),
            hint: Some(Hint::Http2NotSelected),
        });
    }
    let (mut request, mut response) = (Vec::new(), Vec::new());
    let mut events = Vec::new();
    let result = h2_upgrade::upgrade(
        dialed.stream,
        target,
        &spec.request,
        dialed.handshake_deadline,
        spec.dial.handshake_timeout,
        &mut |step| events.push(step),
    )
    .await;
    for step in events {
        match step {
            Step::Frames(frames) => emit_frames(frames, conn, clock, sink),
            Step::Request { raw, at, .. } => {
                request.clone_from(&raw);
                clock.emit_for_at(sink, conn, at, EventKind::HandshakeRequest { dir: Dir::Out, raw });
            }
            Step::Response { raw, status, body, at } => {
                response.clone_from(&raw);
                let kind = EventKind::HandshakeResponse { dir: Dir::In, raw, status: Some(status), body };
                clock.emit_for_at(sink, conn, at, kind);
            }
            Step::Dropped { name } => clock.emit_for(
                sink,
                conn,
                EventKind::Warning {
                    message: format!("header {name:?} not sent: HTTP/2 forbids connection-specific fields"),
                },
            ),
        }
    }
    let upgraded = result?;
    timings.http2 = Some(upgraded.settings_took);
    timings.upgrade = Some(upgraded.connect_took);
    let agreed = upgraded.deflate;
    let deflate = agreed.map(|agreement| DeflateConfig {
        agreement,
        local: Side::Client,
        max_message: spec.buffers.max_message,
        fault: None,
    });
    let (tap, tap_rx) = Tap::upgraded(NetStream::Other(Box::new(upgraded.stream)), spec.tap);
    let layer = Deflate::new(tap, deflate, &tap_rx);
    let ws = WebSocketStream::from_raw_socket(
        ReadAhead::new(PongFilter::new(layer, false)),
        Role::Client,
        Some(spec.buffers.ws_config()),
    )
    .await;
    clock.emit_for(
        sink,
        conn,
        EventKind::Open { subprotocol: upgraded.subprotocol.clone(), timings, deflate: agreed },
    );
    let mut session = Session::new(ws, tap_rx, spec.tap, *clock, conn, Side::Client);
    session.set_deflate(agreed.is_some());
    session.attach_socket(dialed.socket);
    session.set_handshake(request, response);
    session.attach_http2(upgraded.log, upgraded.ping_pong);
    Ok(session)
}

/// Emits recorded HTTP/2 frames as events, at the times they crossed the wire.
pub(super) fn emit_frames(frames: Vec<FrameRecord>, conn: u64, clock: &Clock, sink: &mut dyn EventSink) {
    for r in frames {
        clock.emit_for_at(sink, conn, r.at, EventKind::Http2Frame { dir: r.dir, frame: r.frame });
    }
}

impl Session {
    /// Keeps the HTTP/2 connection's frame log (its later frames are reported with the tap's)
    /// and its PING handle.
    pub fn attach_http2(&mut self, log: FrameLog, ping_pong: Option<h2::PingPong>) {
        self.http2 = Some(super::Http2Link { log, ping_pong });
    }

    /// Reports the HTTP/2 frames recorded since the last call (GOAWAY, PING, …).
    pub(super) fn drain_http2(&mut self, sink: &mut dyn EventSink) {
        if let Some(link) = &self.http2 {
            let (frames, _) = link.log.take();
            emit_frames(frames, self.conn, &self.clock, sink);
        }
    }

    /// Over HTTP/2: the connection's PING handle, taken (one user at a time).
    pub fn take_http2_ping(&mut self) -> Option<h2::PingPong> {
        self.http2.as_mut().and_then(|l| l.ping_pong.take())
    }

    /// Whether the session runs over HTTP/2.
    pub fn is_http2(&self) -> bool {
        self.http2.is_some()
    }
}

//! Opening a client connection: DNS, TCP, the proxy's tunnel, TLS, upgrade, each phase timed, bounded and reported.

use crate::core::net::read_ahead::ReadAhead;
use tokio::time::Instant;

use tokio::time::timeout_at;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;

use crate::core::error::{Error, Hint};
use crate::core::event::{Dir, Endpoint, EventKind, EventSink, FrameRecord, Side, Timings};
use crate::core::net::http::status_code;
use crate::core::net::target::Target;
use crate::core::net::transport::{self, Dialed, Phase};
use crate::core::session::connection::ConnectionConfig;
use crate::core::session::{Clock, Session};
use crate::core::wire::deflate::{Deflate, DeflateConfig};
use crate::core::wire::handshake;
use crate::core::wire::pong_filter::PongFilter;
use crate::core::wire::tap::{drain, Records, Tap, TapRecord};

/// Opens connection `conn` (the id its events carry), emitting an event per phase; the
/// handshake bytes are always emitted, even when the upgrade fails. The session keeps a
/// second handle on the TCP socket (`Session::socket`).
pub async fn open(
    target: &Target,
    spec: &ConnectionConfig,
    conn: u64,
    clock: &Clock,
    sink: &mut dyn EventSink,
) -> Result<Session, Error> {
    let mut timings = Timings::default();
    let mut alpn = None;
    let dialed = dial(target, spec, conn, clock, sink, &mut timings, &mut alpn).await?;
    if let Some(mode) = spec.dial.http2 {
        return super::h2_client::open(target, spec, dialed, mode, alpn, conn, clock, sink, timings).await;
    }
    let (stream, socket, handshake_deadline) = (dialed.stream, dialed.socket, dialed.handshake_deadline);

    let (mut tap, mut tap_rx) = Tap::new(stream, spec.tap);
    let key = handshake::generate_key();
    let request = handshake::build_request(target, &spec.request, &key);
    let upgrade_start = Instant::now();
    let result = timeout_at(
        handshake_deadline,
        handshake::perform(
            &mut tap,
            &request,
            &key,
            &spec.request.subprotocols,
            spec.request.deflate.as_ref(),
        ),
    )
    .await;
    tap.flush_partial();
    let (request, response, early_frames) = emit_heads(&mut tap_rx, conn, clock, sink, &result);
    let upgraded = match result {
        Err(_) => return Err(Error::HandshakeTimeout { after: spec.dial.handshake_timeout }),
        // TLS 1.3 servers check a client certificate after the handshake and then just close.
        Ok(Err(Error::UpgradeUnanswered { detail })) if target.tls && spec.dial.tls.cert.is_none() => {
            return Err(closed_over_tls(&detail));
        }
        Ok(Err(e)) => return Err(e),
        Ok(Ok(up)) => up,
    };
    timings.upgrade = Some(upgrade_start.elapsed());
    let config = spec.buffers.ws_config();
    let agreed = upgraded.deflate;
    let deflate = agreed.map(|agreement| DeflateConfig {
        agreement,
        local: Side::Client,
        max_message: spec.buffers.max_message,
        fault: None,
    });
    let mut layer = Deflate::new(tap, deflate, &tap_rx);
    // Frames that came with the 101 go through the layer like any later frame.
    let leftover = layer.take_leftover(upgraded.leftover);
    let ws = WebSocketStream::from_partially_read(
        ReadAhead::new(PongFilter::new(layer, false)),
        leftover,
        Role::Client,
        Some(config),
    )
    .await;
    clock.emit_for(
        sink,
        conn,
        EventKind::Open { subprotocol: upgraded.subprotocol.clone(), timings, deflate: agreed },
    );
    let mut session = Session::new(ws, tap_rx, spec.tap, *clock, conn, Side::Client);
    session.set_deflate(agreed.is_some());
    session.attach_socket(socket);
    session.set_handshake(request, response);
    for f in early_frames {
        session.observe_frame(f, sink);
    }
    session.drain_tap(sink);
    Ok(session)
}

/// DNS, TCP, the proxy's tunnel and TLS to `target`, each phase reported as it ends and its
/// time kept in `timings`; the protocol the server selected in TLS (ALPN) goes to `alpn`.
async fn dial(
    target: &Target,
    spec: &ConnectionConfig,
    conn: u64,
    clock: &Clock,
    sink: &mut dyn EventSink,
    timings: &mut Timings,
    alpn: &mut Option<String>,
) -> Result<Dialed, Error> {
    transport::dial(target, &spec.dial, None, &mut |phase| {
        if let Phase::Tls(info) = &phase {
            alpn.clone_from(&info.alpn);
        }
        let kind = phase_event(phase, target, timings);
        clock.emit_for(sink, conn, kind);
    })
    .await
}

/// The event that reports a phase of the dial; its time goes into `timings`.
fn phase_event(phase: Phase, target: &Target, timings: &mut Timings) -> EventKind {
    match phase {
        Phase::ProxySelected(selection) => EventKind::Proxy(selection),
        Phase::Tunnel(info) => {
            timings.proxy = Some(info.took);
            EventKind::Tunnel(info)
        }
        Phase::Resolved { addrs, took } => {
            timings.dns = Some(took);
            EventKind::Resolved { host: target.host.clone(), addrs, took }
        }
        Phase::Connected { addr: Endpoint::Tcp(addr), took } => {
            timings.tcp = Some(took);
            EventKind::TcpConnected { addr, took }
        }
        Phase::Connected { addr: Endpoint::Unix(path), took } => {
            timings.tcp = Some(took);
            EventKind::UnixConnected { path, took }
        }
        Phase::Tls(info) => {
            timings.tls = Some(info.took);
            EventKind::Tls(info)
        }
    }
}

/// A TLS server that closed without answering the upgrade, when no client certificate was
/// offered: most likely it wanted one.
fn closed_over_tls(detail: &str) -> Error {
    // rustls appends a documentation link to its messages; the hint says more.
    let detail = detail.split(": https://").next().unwrap_or_default().to_string();
    Error::Tls {
        message: if detail.is_empty() {
            "the server closed the TLS connection without answering the upgrade".into()
        } else {
            format!("the server closed the TLS connection without answering the upgrade ({detail})")
        },
        hint: Some(Hint::ClientCertMaybeRequired),
    }
}

/// Turns the recorded heads into handshake events; a rejection's body rides on the response.
/// Returns the heads (request, response) and the frames that arrived together with the 101,
/// for the session.
fn emit_heads<T>(
    rx: &mut Records,
    conn: u64,
    clock: &Clock,
    sink: &mut dyn EventSink,
    result: &Result<Result<T, Error>, tokio::time::error::Elapsed>,
) -> (Vec<u8>, Vec<u8>, Vec<FrameRecord>) {
    let body = match result {
        Ok(Err(e)) => e.body().map(<[u8]>::to_vec).unwrap_or_default(),
        _ => Vec::new(),
    };
    let (mut request, mut response, mut frames) = (Vec::new(), Vec::new(), Vec::new());
    for rec in drain(rx) {
        match rec {
            TapRecord::Head { dir: Dir::Out, raw, at, .. } => {
                request = raw.clone();
                clock.emit_for_at(sink, conn, at, EventKind::HandshakeRequest { dir: Dir::Out, raw });
            }
            TapRecord::Head { raw, at, .. } => {
                response = raw.clone();
                clock.emit_for_at(
                    sink,
                    conn,
                    at,
                    EventKind::HandshakeResponse {
                        dir: Dir::In,
                        status: status_code(&raw),
                        raw,
                        body: body.clone(),
                    },
                );
            }
            TapRecord::Body { .. } | TapRecord::Eof { .. } | TapRecord::Deflate { .. } => {}
            TapRecord::Frame(f) => frames.push(f),
        }
    }
    (request, response, frames)
}

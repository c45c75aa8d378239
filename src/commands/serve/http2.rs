//! The streams of an HTTP/2 connection (RFC 8441): each extended CONNECT a WebSocket of its
//! own, under its own connection id, admitted and reported like an HTTP/1.1 client.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use h2::server::SendResponse;
use h2::RecvStream;
use http::Request;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{run_session, server_side, ConnCtx, Shared};
use crate::core::event::{Carrier, ConnOutcome, ConnReport, EventKind, StreamOf};
use crate::core::session::h2_server::{self, H2Conn, H2Ending};
use crate::core::session::SessionTotals;

/// Serves the connection's streams until it ends (or the server stops, or it has carried no
/// stream for --handshake-timeout, and its streams are done), each in a task of its own;
/// returns how it ended.
pub(super) async fn serve(mut h2: H2Conn, ctx: ConnCtx, shared: Arc<Shared>) -> H2Ending {
    let mut sink = ctx.sink.clone();
    let protocol = h2.protocol;
    shared.clock.emit_for(
        &mut sink,
        ctx.conn,
        EventKind::Http2Connection { protocol, max_streams: h2_server::MAX_STREAMS },
    );
    let mut streams = JoinSet::new();
    let open = Arc::new(AtomicUsize::new(0));
    let idle_after = shared.opts.handshake_timeout;
    let ending = h2_server::drive(&mut h2, ctx.stop.clone(), idle_after, &open, |req, respond| {
        let stream = serve_stream(req, respond, &ctx, shared.clone(), protocol);
        let open = Open::count(open.clone());
        streams.spawn(async move {
            stream.await;
            drop(open);
        });
        // Reap finished streams so a long-lived connection does not accumulate them.
        while streams.try_join_next().is_some() {}
    })
    .await;
    // The connection is over: its streams end with it.
    while streams.join_next().await.is_some() {}
    ending
}

/// A stream counted as open while this lives.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn count(n: Arc<AtomicUsize>) -> Open {
        n.fetch_add(1, Ordering::Relaxed);
        Open(n)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One stream: its own id, the extended CONNECT answered, the session run under the limit,
/// its report.
fn serve_stream(
    req: Request<RecvStream>,
    respond: SendResponse<Bytes>,
    parent: &ConnCtx,
    shared: Arc<Shared>,
    protocol: crate::core::event::HttpProtocol,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let conn = shared.ids.fetch_add(1, Ordering::Relaxed) + 1;
    let stream_id = respond.stream_id().as_u32();
    let ctx =
        ConnCtx { conn, peer: parent.peer.clone(), sink: parent.sink.clone(), stop: parent.stop.clone() };
    let connection = parent.conn;
    async move {
        let started = Instant::now();
        let (clock, mut sink) = (shared.clock, ctx.sink.clone());
        let peer = ctx.peer.clone();
        clock.emit_for(
            &mut sink,
            conn,
            EventKind::Stream { peer: peer.clone(), protocol, connection, stream_id },
        );
        let opened = h2_server::open_stream(req, respond, conn, &shared.opts, &clock, &mut sink).await;
        let (outcome, totals) = match opened {
            Err(e) => (ConnOutcome::HandshakeFailed { message: server_side(&e) }, SessionTotals::default()),
            Ok(session) => run_session(session, ctx, &shared).await,
        };
        let report = ConnReport {
            peer,
            duration: started.elapsed(),
            sent: totals.sent,
            received: totals.received,
            close: totals.close,
            outcome,
            carrier: Some(Carrier { protocol, stream: Some(StreamOf { connection, stream_id }) }),
        };
        clock.emit_for(&mut sink, conn, EventKind::Disconnected(report.clone()));
        let _ = shared.report_tx.send(report);
    }
}

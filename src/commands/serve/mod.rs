//! The accept loop shared by `echo` and `listen`: bind, TLS, connection ids, the connection
//! limit, a handler task per connection, and a clean shutdown that closes every client with
//! 1001 and waits (bounded) for them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use crate::core::error::Error;
use crate::core::event::EventSink as _;
use crate::core::event::{Carrier, ConnOutcome, ConnReport, Endpoint, EventKind, Summary, Traffic, UnixPath};
use crate::core::net::listener::{Accepted, Listener};
use crate::core::net::tls_server;
use crate::core::session::server::{self, Admitted, ServerConfig};
use crate::core::session::{Clock, Session, SessionTotals};
use crate::exit::ExitStatus;
use crate::output::channel::{spawn_printer, ChannelSink};
use crate::output::Printer;
use crate::settings::server::ServerTlsChoice;
use crate::settings::ServerSettings;

mod admission;
mod http2;

pub use admission::Limits;
use admission::{take_slot, Pending};

/// How long shutdown waits for connections to finish their closing handshakes.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a connection handler gets besides its session.
pub struct ConnCtx {
    pub conn: u64,
    pub peer: Endpoint,
    pub sink: ChannelSink,
    pub stop: watch::Receiver<bool>,
}

/// A handler's account: how the connection ended and its traffic.
pub type Handled = (ConnOutcome, SessionTotals);
/// What a server does with each upgraded connection: gets the session (boxed, so an idle
/// connection's task stays small) and its context, and returns its account.
pub type Handler =
    Arc<dyn Fn(Box<Session>, ConnCtx) -> Pin<Box<dyn Future<Output = Handled> + Send>> + Send + Sync>;

/// A running server.
pub struct Server {
    stop: watch::Sender<bool>,
    accept_task: tokio::task::JoinHandle<JoinSet<()>>,
    /// Every finished connection's report, as it finishes.
    pub reports: mpsc::UnboundedReceiver<ConnReport>,
    started: Instant,
}

/// A bound server whose `listening` event is out, with its printer running in a task.
pub struct Bound {
    pub listener: Listener,
    pub opts: ServerConfig,
    pub sink: ChannelSink,
    pub printer: tokio::task::JoinHandle<Printer>,
    pub clock: Clock,
}

/// Binds, loads TLS and starts the printer; on failure reports the error and returns the exit
/// status.
pub async fn open(s: &ServerSettings, mut printer: Printer) -> Result<Bound, ExitStatus> {
    let clock = Clock::new(Instant::now());
    let (listener, tls) = match bind(s).await {
        Ok(bound) => bound,
        Err(e) => {
            printer.error(&e, clock.elapsed());
            let status = e.exit_status();
            printer.empty_summary(status.code(), clock.elapsed(), true);
            return Err(status);
        }
    };
    let (mut sink, printer) = spawn_printer(printer);
    let opts = server_config(s, tls.as_ref());
    let addr = listener.local().unwrap_or_else(|_| s.endpoint());
    let fingerprint = tls.as_ref().map(|t| t.fingerprint.clone());
    clock.emit(&mut sink, EventKind::Listening { addr, tls: tls.is_some(), fingerprint });
    Ok(Bound { listener, opts, sink, printer, clock })
}

/// Binds the listener and loads TLS; failures are usage (TLS files) or connect (bind) errors.
pub async fn bind(s: &ServerSettings) -> Result<(Listener, Option<tls_server::ServerTls>), Error> {
    raise_fd_limit();
    let tls = match &s.tls {
        ServerTlsChoice::None => None,
        ServerTlsChoice::Files { cert, key } => Some(tls_server::from_files(cert, key, s.http2)?),
        ServerTlsChoice::SelfSigned => Some(tls_server::self_signed(s.http2)?),
    };
    let listener = match &s.unix {
        Some(path) => unix_listener(path).await?,
        None => Listener::Tcp(
            TcpListener::bind(s.addr)
                .await
                .map_err(|source| Error::Bind { addr: s.addr.to_string(), source })?,
        ),
    };
    Ok((listener, tls))
}

#[cfg(unix)]
async fn unix_listener(path: &UnixPath) -> Result<Listener, Error> {
    Ok(Listener::Unix(crate::core::net::unix::bind(path).await?))
}

#[cfg(not(unix))]
async fn unix_listener(path: &UnixPath) -> Result<Listener, Error> {
    Err(crate::core::net::unix::unsupported(path)
        .unwrap_or_else(|| Error::usage("no Unix-domain sockets here")))
}

/// Servers hold a descriptor per client: lift the soft limit to the hard one.
fn raise_fd_limit() {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

pub fn server_config(s: &ServerSettings, tls: Option<&tls_server::ServerTls>) -> ServerConfig {
    ServerConfig {
        tls: tls.map(|t| t.config.clone()),
        max_message: s.max_message,
        handshake_timeout: s.handshake_timeout,
        subprotocols: s.subprotocols.clone(),
        headers: s.headers.clone(),
        reject: None,
        tap: s.tap,
        no_pong: false,
        raw_handle: false,
        deflate: s.deflate,
        deflate_fault: None,
        http2: s.http2,
    }
}

/// Starts accepting. `max_accepts` stops accepting after that many connections (`--once`).
pub fn start(
    listener: Listener,
    opts: ServerConfig,
    limits: Limits,
    max_accepts: Option<u64>,
    clock: Clock,
    sink: ChannelSink,
    handler: Handler,
) -> Server {
    let (stop, stop_rx) = watch::channel(false);
    let (report_tx, reports) = mpsc::unbounded_channel();
    let limit = Arc::new(Semaphore::new(limits.connections));
    let pending: Pending = Arc::default();
    let mut stop_accepting = stop_rx.clone();
    let shared = Arc::new(Shared { opts, clock, handler, limit, limits, ids: AtomicU64::new(0), report_tx });
    let accept_task = tokio::spawn(async move {
        let mut conns = JoinSet::new();
        let mut accepted = 0u64;
        loop {
            let Some((tcp, peer)) = accept_next(&listener, &sink, &mut stop_accepting).await else { break };
            accepted += 1;
            let next = shared.ids.fetch_add(1, Ordering::Relaxed) + 1;
            let mut sink = sink.clone();
            if shared.limit.available_permits() == 0 {
                let message = format!("refused {peer}: --max-connections {} reached", limits.connections);
                clock.emit_for(&mut sink, next, EventKind::Warning { message });
                continue;
            }
            let (evict, evicted) = tokio::sync::oneshot::channel();
            let admitted = take_slot(&pending, limits, shared.opts.handshake_timeout, next, evict);
            if !admitted {
                let message =
                    format!("refused {peer}: --max-pending {} handshakes in progress", limits.pending);
                clock.emit_for(&mut sink, next, EventKind::Warning { message });
                continue;
            }
            let ctx = ConnCtx { conn: next, peer, sink, stop: stop_rx.clone() };
            let (shared, pending) = (shared.clone(), pending.clone());
            conns.spawn(async move { serve_one(tcp, ctx, shared, pending, evicted).await });
            // Reap finished tasks so a long-running server does not accumulate them.
            while conns.try_join_next().is_some() {}
            if max_accepts.is_some_and(|m| accepted >= m) {
                break;
            }
        }
        conns
    });
    Server { stop, accept_task, reports, started: Instant::now() }
}

/// The next connection; None once the server stops. Output that stalls stops accepting too:
/// every connection logs lines of its own.
async fn accept_next(
    listener: &Listener,
    sink: &ChannelSink,
    stop: &mut watch::Receiver<bool>,
) -> Option<(Accepted, Endpoint)> {
    loop {
        if let Some(backlog) = sink.backlog().filter(|b| b.full()) {
            tokio::select! {
                _ = crate::core::session::wait::stopped(stop) => return None,
                _ = backlog.room() => {}
            }
        }
        let accepted = tokio::select! {
            _ = crate::core::session::wait::stopped(stop) => return None,
            a = listener.accept() => a,
        };
        match accepted {
            Ok(a) => return Some(a),
            // Out of descriptors or a client gone before accept: keep serving the others.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// What every connection's task shares: the options, the handler, the session limit, the
/// connection ids (HTTP/2 streams take theirs from the same count), where reports go.
struct Shared {
    opts: ServerConfig,
    clock: Clock,
    handler: Handler,
    limit: Arc<Semaphore>,
    limits: Limits,
    ids: AtomicU64,
    report_tx: mpsc::UnboundedSender<ConnReport>,
}

/// Serves one accepted connection: its handshake (it may lose its slot to a newer
/// connection), then its session, or the streams of an HTTP/2 connection.
async fn serve_one(
    tcp: Accepted,
    mut ctx: ConnCtx,
    shared: Arc<Shared>,
    pending: Pending,
    evicted: tokio::sync::oneshot::Receiver<()>,
) {
    let started = Instant::now();
    let clock = shared.clock;
    clock.emit_for(&mut ctx.sink, ctx.conn, EventKind::Accepted { peer: ctx.peer.clone() });
    let (conn, peer, mut sink) = (ctx.conn, ctx.peer.clone(), ctx.sink.clone());
    let accepted = tokio::select! {
        // Boxed: the handshake's state is freed once it is over, not kept for the connection's life.
        r = Box::pin(server::accept(tcp, conn, &shared.opts, &clock, &mut sink)) => Ok(r),
        Ok(()) = evicted => Err(ConnOutcome::Evicted { newer: shared.limits.pending }),
        // The server stops: a handshake still under way is given up at once (shutdown's grace
        // is for closing handshakes), and reported like any connection.
        _ = crate::core::session::wait::stopped(&mut ctx.stop) => Err(ConnOutcome::HandshakeFailed {
            message: "server shutting down before the upgrade completed".into(),
        }),
    };
    if let Ok(mut waiting) = pending.lock() {
        waiting.retain(|(c, _, _)| *c != conn);
    }
    let (outcome, totals, carrier) = match accepted {
        Err(outcome) => (outcome, SessionTotals::default(), None),
        Ok(Err(e)) => {
            (ConnOutcome::HandshakeFailed { message: server_side(&e) }, SessionTotals::default(), None)
        }
        Ok(Ok(Admitted::Upgraded(session))) => {
            let (outcome, totals) = run_session(session, ctx, &shared).await;
            (outcome, totals, Some(Carrier::HTTP11))
        }
        Ok(Ok(Admitted::Http2(h2))) => {
            // Boxed: only HTTP/2 connections carry its state.
            let protocol = h2.protocol;
            let ending = Box::pin(http2::serve(*h2, ctx, shared.clone())).await;
            let outcome = ConnOutcome::Http2Closed { streams: ending.streams, error: ending.error };
            let report = ConnReport {
                peer,
                duration: started.elapsed(),
                sent: Default::default(),
                received: Default::default(),
                close: None,
                outcome,
                carrier: Some(Carrier { protocol, stream: None }),
            };
            // Not a WebSocket connection of its own: logged, not counted (its streams are).
            clock.emit_for(&mut sink, conn, EventKind::Disconnected(report));
            return;
        }
    };
    let report = ConnReport {
        peer,
        duration: started.elapsed(),
        sent: totals.sent,
        received: totals.received,
        close: totals.close,
        outcome,
        carrier,
    };
    clock.emit_for(&mut sink, conn, EventKind::Disconnected(report.clone()));
    let _ = shared.report_tx.send(report);
}

/// Runs an upgraded session under the limit on sessions: the handler, or a close with 1013
/// when others took every place meanwhile.
async fn run_session(mut session: Box<Session>, mut ctx: ConnCtx, shared: &Shared) -> Handled {
    match shared.limit.clone().try_acquire_owned() {
        Ok(permit) => {
            let done = (shared.handler)(session, ctx).await;
            drop(permit);
            done
        }
        // Others were upgraded meanwhile: say so in the protocol (1013, try again later).
        Err(_) => {
            // Boxed, like the handshake: a rare path kept out of every connection's future.
            Box::pin(session.close_and_wait(1013, "--max-connections reached", &mut ctx.sink)).await;
            (ConnOutcome::OverLimit { limit: shared.limits.connections }, session.totals())
        }
    }
}

/// A failed handshake, said from the server's side: what the client did and what it got.
pub(super) fn server_side(e: &crate::core::error::Error) -> String {
    use crate::core::error::Error;
    match e {
        Error::Rejected { status, reason, body, .. } => {
            let why = String::from_utf8_lossy(body);
            let why = why.lines().next().unwrap_or("").trim().to_string();
            let detail = if why.is_empty() { String::new() } else { format!(": {why}") };
            if matches!(status, 400 | 405 | 426 | 431) {
                format!("invalid handshake request, answered {status} {reason}{detail}")
            } else {
                format!("refused the handshake with {status} {reason}{detail}")
            }
        }
        Error::HandshakeTimeout { after } => format!(
            "the client did not finish the handshake within {} (--handshake-timeout)",
            humantime::format_duration(*after)
        ),
        // The client's side of these is the request, not a response.
        Error::BadHandshake { message } => message.clone(),
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::ConnectionReset => {
            "the client reset the connection during the handshake".into()
        }
        Error::Io { context, source } => format!("{context}: {source}"),
        other => other.to_string(),
    }
}

impl Server {
    /// Stops accepting, closes every client with 1001, and waits (bounded) for them; returns
    /// the totals over all connections, including those already reported.
    pub async fn shutdown(mut self, earlier: &[ConnReport]) -> Summary {
        let _ = self.stop.send(true);
        let mut reports: Vec<ConnReport> = earlier.to_vec();
        if let Ok(mut conns) = self.accept_task.await {
            let _ =
                tokio::time::timeout(SHUTDOWN_GRACE, async { while conns.join_next().await.is_some() {} })
                    .await;
            conns.abort_all();
        }
        while let Ok(r) = self.reports.try_recv() {
            reports.push(r);
        }
        let mut sent = Traffic::default();
        let mut received = Traffic::default();
        for r in &reports {
            sent.add(r.sent);
            received.add(r.received);
        }
        Summary {
            exit: 0,
            duration: self.started.elapsed(),
            sent,
            received,
            pings: Default::default(),
            echo: None,
            close: None,
            connections: Some(reports.len() as u64),
        }
    }
}

//! The echo behaviour shared by `wsdiag echo` and the `builtin:echo` target: text stays text,
//! binary stays binary, fragmented messages echo whole (the protocol layer reassembles them),
//! pings are answered, and faults are injected on request.

use std::collections::VecDeque;
use tokio::time::Instant;

use std::task::Poll;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::core::builtin::companion;
pub use crate::core::builtin::faults::EchoFaults;
use crate::core::error::Error;
use crate::core::event::{ConnOutcome, Data, EventSink};
use crate::core::session::server::ServerConfig;
use crate::core::session::wait::{stopped, tick, ticker, until};
use crate::core::session::{Incoming, Session, SessionTotals, CLOSE_TIMEOUT};

impl EchoFaults {
    /// Sets what these faults need from the server side of each connection: refusal, a
    /// second handle on the socket (reset, silent close), ignored pings.
    pub fn apply(&self, opts: &mut ServerConfig) {
        opts.reject = self.reject.clone();
        opts.raw_handle = self.drop_after.is_some() || self.idle_timeout.is_some();
        opts.no_pong = self.no_pong;
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
    /// The connection's outcome, as the `disconnected` event reports it.
    pub fn outcome(&self) -> ConnOutcome {
        match self {
            EchoEnd::Peer(Ok(())) => ConnOutcome::Closed,
            EchoEnd::Peer(Err(e)) => ConnOutcome::after_upgrade(e),
            EchoEnd::Shutdown => ConnOutcome::Shutdown,
            EchoEnd::ClosedAfter => ConnOutcome::ClosedAfter,
            EchoEnd::Idle => ConnOutcome::IdleTimeout,
            EchoEnd::Dropped => ConnOutcome::Dropped,
        }
    }
}

/// Messages handled one after another before the timers and the shutdown signal are looked at
/// again: a burst of input costs one `select!`, not one per message.
const BURST: usize = 64;

/// What woke the echo loop.
enum Wake {
    Shutdown,
    /// The earliest of `--close-after`, `--idle-timeout`, a `--delay`ed echo and a companion
    /// push came due.
    Timer,
    Ping,
    Push,
    Incoming(Incoming),
}

/// Echoes until the peer leaves, a fault fires or `shutdown` turns true; returns why, and the
/// session's traffic. Rare paths (closing, a reset) are boxed, so the future a server keeps
/// per idle connection stays small.
pub async fn run(
    mut session: Box<Session>,
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
    // --companion: pushes a heartbeat-probe asked for, by due time.
    let mut pushes: Vec<(Instant, String)> = Vec::new();
    // A client that sends faster than it reads its echoes is slowed down, not buffered.
    session.pace_reads(true);
    // Output that stalls stops reading too.
    session.gate_reads(sink.backlog());
    loop {
        let due = delayed.front().map(|(at, _)| *at);
        let push_due = pushes.iter().map(|(at, _)| *at).min();
        let wake = [close_at, idle_at, due, push_due].into_iter().flatten().min();
        let woke = tokio::select! {
            _ = stopped(&mut shutdown) => Wake::Shutdown,
            _ = until(wake) => Wake::Timer,
            _ = tick(&mut pinger) => Wake::Ping,
            _ = tick(&mut pusher) => Wake::Push,
            incoming = session.next(sink) => Wake::Incoming(incoming),
        };
        let mut incoming = match woke {
            Wake::Shutdown => {
                Box::pin(session.close_and_wait(1001, "server shutting down", sink)).await;
                return (EchoEnd::Shutdown, session.totals());
            }
            Wake::Timer => {
                let now = Instant::now();
                if close_at.is_some_and(|at| at <= now) {
                    Box::pin(session.close_and_wait(f.close_code, &f.close_reason, sink)).await;
                    return (EchoEnd::ClosedAfter, session.totals());
                }
                if idle_at.is_some_and(|at| at <= now) {
                    let totals = session.totals();
                    (*session).close_silently(sink);
                    return (EchoEnd::Idle, totals);
                }
                let (ready, later): (Vec<_>, Vec<_>) = pushes.drain(..).partition(|(at, _)| *at <= now);
                pushes = later;
                for (_, text) in ready {
                    session.send(Data::Text(Utf8Bytes::from(text)), sink);
                }
                while delayed.front().is_some_and(|(at, _)| *at <= now) {
                    let Some((_, data)) = delayed.pop_front() else { break };
                    if echo(&mut session, data, f, &mut echoed, sink) {
                        return Box::pin(drop_connection(session, sink)).await;
                    }
                }
                continue;
            }
            Wake::Ping => {
                session.ping(sink);
                continue;
            }
            Wake::Push => {
                pushed += 1;
                session.send(Data::Text(Utf8Bytes::from(format!("push {pushed}"))), sink);
                continue;
            }
            Wake::Incoming(incoming) => incoming,
        };
        // What arrived, and whatever else is already readable, up to a burst.
        let mut handled = 0;
        loop {
            idle_at = f.idle_timeout.map(|d| Instant::now() + d);
            let data = match incoming {
                Incoming::Message(Data::Text(t)) if f.companion && t.starts_with(companion::PREFIX) => {
                    let answer = match companion::Request::parse(&t) {
                        Some(Ok(req)) => {
                            let now = Instant::now();
                            pushes.extend(
                                req.delays.iter().enumerate().map(|(i, d)| (now + *d, req.push(i + 1))),
                            );
                            req.ok()
                        }
                        Some(Err(why)) => format!("{}error {why}", companion::PREFIX),
                        None => unreachable!("checked by the guard"),
                    };
                    session.send(Data::Text(Utf8Bytes::from(answer)), sink);
                    None
                }
                Incoming::Message(data) => match f.delay {
                    Some(d) => {
                        delayed.push_back((Instant::now() + d, data));
                        None
                    }
                    None => Some(data),
                },
                Incoming::Control | Incoming::Pong(_) => None,
                Incoming::Ended(end) => {
                    // `next` waits for the echoes still queued, but a burst's single poll may have
                    // cut that wait short: what was queued goes out before the report.
                    Box::pin(session.flushed(CLOSE_TIMEOUT)).await;
                    return (EchoEnd::Peer(end.result()), session.totals());
                }
            };
            if let Some(data) = data {
                if echo(&mut session, data, f, &mut echoed, sink) {
                    return Box::pin(drop_connection(session, sink)).await;
                }
            }
            handled += 1;
            if handled == BURST {
                break;
            }
            // Whatever is readable now: one poll with this task's context (its wake-ups stay
            // registered); `next` is cancel-safe, and flushes the echoes when input runs dry.
            match futures_util::poll!(std::pin::pin!(session.next(sink))) {
                Poll::Ready(next) => incoming = next,
                Poll::Pending => break,
            }
        }
    }
}

/// Queues an echo; true when `--drop-after` says the connection ends now.
fn echo(
    session: &mut Session,
    data: Data,
    f: &EchoFaults,
    echoed: &mut u64,
    sink: &mut dyn EventSink,
) -> bool {
    session.send(data, sink);
    *echoed += 1;
    f.drop_after == Some(*echoed)
}

/// `--drop-after`: the echoes so far go out, then a TCP reset.
async fn drop_connection(mut session: Box<Session>, sink: &mut dyn EventSink) -> (EchoEnd, SessionTotals) {
    session.flushed(CLOSE_TIMEOUT).await;
    let totals = session.totals();
    (*session).reset(sink);
    (EchoEnd::Dropped, totals)
}

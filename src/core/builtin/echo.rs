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
        opts.deflate_fault = self.deflate_fault;
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

/// How the echo loop goes on after one wake-up or one message.
enum Then {
    Go,
    End(Finish),
}

/// How an echo session ends, and what is done on the way out.
enum Finish {
    /// The server is shutting down: close with 1001 and wait for the handshake.
    Shutdown,
    /// `--close-after`: close with the chosen code and reason and wait for the handshake.
    ClosedAfter,
    /// `--idle-timeout`: FIN without a close frame.
    Idle,
    /// `--drop-after`: the echoes so far go out, then a TCP reset.
    Dropped,
    /// The peer closed or the connection broke: what was queued goes out, then the report.
    Peer(Result<(), Error>),
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
    let mut echo = Echo::new(f);
    let mut pinger = ticker(f.ping_interval.unwrap_or_default(), f.ping_interval);
    let mut pusher = ticker(f.push_every.unwrap_or_default(), f.push_every);
    // A client that sends faster than it reads its echoes is slowed down, not buffered.
    session.pace_reads(true);
    // Output that stalls stops reading too.
    session.gate_reads(sink.backlog());
    loop {
        let wake = echo.wake_at();
        let woke = tokio::select! {
            _ = stopped(&mut shutdown) => Wake::Shutdown,
            _ = until(wake) => Wake::Timer,
            _ = tick(&mut pinger) => Wake::Ping,
            _ = tick(&mut pusher) => Wake::Push,
            incoming = session.next(sink) => Wake::Incoming(incoming),
        };
        let then = match woke {
            Wake::Shutdown => Then::End(Finish::Shutdown),
            Wake::Timer => echo.timer(&mut session, sink),
            Wake::Ping => {
                session.ping(sink);
                Then::Go
            }
            Wake::Push => {
                echo.push(&mut session, sink);
                Then::Go
            }
            Wake::Incoming(incoming) => echo.burst(&mut session, incoming, sink).await,
        };
        if let Then::End(how) = then {
            return Box::pin(finish(session, how, f, sink)).await;
        }
    }
}

/// The echo loop's state beside the session: its deadlines, counts and waiting messages.
struct Echo<'a> {
    f: &'a EchoFaults,
    close_at: Option<Instant>,
    idle_at: Option<Instant>,
    pushed: u64,
    echoed: u64,
    /// --delay: echoes wait here, so pings, closes and shutdown are still seen meanwhile.
    delayed: VecDeque<(Instant, Data)>,
    /// --companion: pushes a heartbeat-probe asked for, by due time.
    pushes: Vec<(Instant, String)>,
}

impl<'a> Echo<'a> {
    fn new(f: &'a EchoFaults) -> Self {
        Echo {
            f,
            close_at: f.close_after.map(|d| Instant::now() + d),
            idle_at: f.idle_timeout.map(|d| Instant::now() + d),
            pushed: 0,
            echoed: 0,
            delayed: VecDeque::new(),
            pushes: Vec::new(),
        }
    }

    /// The earliest of `--close-after`, `--idle-timeout`, a `--delay`ed echo and a companion
    /// push.
    fn wake_at(&self) -> Option<Instant> {
        let due = self.delayed.front().map(|(at, _)| *at);
        let push_due = self.pushes.iter().map(|(at, _)| *at).min();
        [self.close_at, self.idle_at, due, push_due].into_iter().flatten().min()
    }

    /// A timer came due: a fault fires, or the pushes and delayed echoes due go out.
    fn timer(&mut self, session: &mut Session, sink: &mut dyn EventSink) -> Then {
        let now = Instant::now();
        if self.close_at.is_some_and(|at| at <= now) {
            return Then::End(Finish::ClosedAfter);
        }
        if self.idle_at.is_some_and(|at| at <= now) {
            return Then::End(Finish::Idle);
        }
        let (ready, later): (Vec<_>, Vec<_>) = self.pushes.drain(..).partition(|(at, _)| *at <= now);
        self.pushes = later;
        for (_, text) in ready {
            session.send(Data::Text(Utf8Bytes::from(text)), sink);
        }
        while self.delayed.front().is_some_and(|(at, _)| *at <= now) {
            let Some((_, data)) = self.delayed.pop_front() else { break };
            if self.echo(session, data, sink) {
                return Then::End(Finish::Dropped);
            }
        }
        Then::Go
    }

    /// `--push-every`: the next numbered push.
    fn push(&mut self, session: &mut Session, sink: &mut dyn EventSink) {
        self.pushed += 1;
        let pushed = self.pushed;
        session.send(Data::Text(Utf8Bytes::from(format!("push {pushed}"))), sink);
    }

    /// What arrived, and whatever else is already readable, up to a burst.
    async fn burst(
        &mut self,
        session: &mut Session,
        mut incoming: Incoming,
        sink: &mut dyn EventSink,
    ) -> Then {
        let mut handled = 0;
        loop {
            if let Then::End(how) = self.received(session, incoming, sink) {
                return Then::End(how);
            }
            handled += 1;
            if handled == BURST {
                return Then::Go;
            }
            // Whatever is readable now: one poll with this task's context (its wake-ups stay
            // registered); `next` is cancel-safe, and flushes the echoes when input runs dry.
            match futures_util::poll!(std::pin::pin!(session.next(sink))) {
                Poll::Ready(next) => incoming = next,
                Poll::Pending => return Then::Go,
            }
        }
    }

    /// One thing from the peer: a message is echoed (now or after `--delay`), a companion
    /// request answered.
    #[inline]
    fn received(&mut self, session: &mut Session, incoming: Incoming, sink: &mut dyn EventSink) -> Then {
        self.idle_at = self.f.idle_timeout.map(|d| Instant::now() + d);
        let data = match incoming {
            Incoming::Message(Data::Text(t)) if self.f.companion && t.starts_with(companion::PREFIX) => {
                self.companion(session, &t, sink);
                None
            }
            Incoming::Message(data) => match self.f.delay {
                Some(d) => {
                    self.delayed.push_back((Instant::now() + d, data));
                    None
                }
                None => Some(data),
            },
            Incoming::Control | Incoming::Pong(_) => None,
            Incoming::Ended(end) => return Then::End(Finish::Peer(end.result())),
        };
        if let Some(data) = data {
            if self.echo(session, data, sink) {
                return Then::End(Finish::Dropped);
            }
        }
        Then::Go
    }

    /// A heartbeat-probe's request for pushes: scheduled, and answered.
    fn companion(&mut self, session: &mut Session, t: &str, sink: &mut dyn EventSink) {
        let answer = match companion::Request::parse(t) {
            Some(Ok(req)) => {
                let now = Instant::now();
                self.pushes.extend(req.delays.iter().enumerate().map(|(i, d)| (now + *d, req.push(i + 1))));
                req.ok()
            }
            Some(Err(why)) => format!("{}error {why}", companion::PREFIX),
            None => unreachable!("checked by the guard"),
        };
        session.send(Data::Text(Utf8Bytes::from(answer)), sink);
    }

    /// Queues an echo; true when `--drop-after` says the connection ends now.
    #[inline]
    fn echo(&mut self, session: &mut Session, data: Data, sink: &mut dyn EventSink) -> bool {
        session.send(data, sink);
        self.echoed += 1;
        self.f.drop_after == Some(self.echoed)
    }
}

/// Ends the session as `how` says; returns why it ended, and its traffic.
async fn finish(
    mut session: Box<Session>,
    how: Finish,
    f: &EchoFaults,
    sink: &mut dyn EventSink,
) -> (EchoEnd, SessionTotals) {
    match how {
        Finish::Shutdown => {
            session.close_and_wait(1001, "server shutting down", sink).await;
            (EchoEnd::Shutdown, session.totals())
        }
        Finish::ClosedAfter => {
            session.close_and_wait(f.close_code, &f.close_reason, sink).await;
            (EchoEnd::ClosedAfter, session.totals())
        }
        Finish::Idle => {
            let totals = session.totals();
            (*session).close_silently(sink);
            (EchoEnd::Idle, totals)
        }
        Finish::Dropped => {
            session.flushed(CLOSE_TIMEOUT).await;
            let totals = session.totals();
            (*session).reset(sink);
            (EchoEnd::Dropped, totals)
        }
        Finish::Peer(result) => {
            // `next` waits for the echoes still queued, but a burst's single poll may have
            // cut that wait short: what was queued goes out before the report.
            session.flushed(CLOSE_TIMEOUT).await;
            (EchoEnd::Peer(result), session.totals())
        }
    }
}

//! `wsdiag connect`: open a session, send -x messages and stdin lines, print what arrives, and
//! end by the user's rules (--count, --wait, --expect…, --ping-count, --timeout, the peer's
//! close, Ctrl-C); with --reconnect, open it again after failures, with backoff.

mod attempt;
mod input;
mod verdict;

use std::time::Duration;
use tokio::time::Instant;

use crate::commands::input::Source;
use crate::commands::signals::{recv, Signals};
use crate::core::builtin::echo_server;
use crate::core::error::Error;
use crate::core::event::{
    CloseInfo, Dir, Event, EventKind, EventSink, ReconnectReason, Side, Summary, Traffic,
};
use crate::core::session::backoff::Backoff;
use crate::core::session::client;
use crate::core::session::expect::Expectations;
use crate::core::session::stats::{EchoTracker, PingTracker};
use crate::core::session::wait::until;
use crate::core::session::{Clock, Ending, Session};
use crate::exit::ExitStatus;
use crate::output::Printer;
use crate::repl::parse::Mode;
use crate::settings::ConnectSettings;
use attempt::{Carry, Stop};

/// Without heartbeats, a connection that lived this long resets the backoff.
const HEALTHY_WITHOUT_HEARTBEAT: Duration = Duration::from_secs(10);

/// Ctrl-C (or SIGTERM), which is not an error but has its own exit status.
struct Interrupted;

/// How one attempt ended, for the reconnect decision.
enum Attempt {
    /// The run is over, whatever --reconnect says.
    Finished(Result<(), Error>),
    Interrupted,
    /// The connection failed or died; with --reconnect it may be tried again.
    Failed {
        error: Error,
        lived: Duration,
    },
}

/// What the run accumulates over its connections.
struct Totals {
    sent: Traffic,
    received: Traffic,
    close: Option<CloseInfo>,
    pings: PingTracker,
}

pub async fn run(s: ConnectSettings, printer: &mut Printer) -> ExitStatus {
    let clock = Clock::new(Instant::now());
    for w in &s.warnings {
        clock.emit(printer, EventKind::Warning { message: w.clone() });
    }
    for n in &s.notes {
        clock.emit(printer, EventKind::Note { message: n.clone() });
    }
    let mut signals = Signals::install();
    let run_deadline = s.timeout.map(|t| Instant::now() + t);
    let mut carry = Carry {
        received: 0,
        expect: Expectations::new(s.liveness.expectations.clone(), s.liveness.expect_timeout),
        echo: EchoTracker::default(),
        source: Source::open(
            &s.input_mode,
            s.read_stdin,
            Mode::Connect,
            s.connection.request.secrets(),
            printer,
        ),
        stdin_done: !s.read_stdin,
        pings_sent: 0,
        told_open: false,
    };
    let mut totals = Totals {
        sent: Traffic::default(),
        received: Traffic::default(),
        close: None,
        pings: PingTracker::default(),
    };
    let mut retry = Retry::new(&s);
    // One built-in server for the whole run: a reconnect reaches the same one.
    let (target, _server) = match echo_server::start(&s.target).await {
        Ok(started) => started,
        Err(e) => {
            carry.source.leave(printer);
            return finish(printer, &clock, &totals, None, Ok(Err(e)));
        }
    };
    let outcome: Result<Result<(), Error>, Interrupted> = loop {
        let (sig_int, sig_term, _) = signals.parts();
        let opened = tokio::select! {
            r = client::open(&target, &s.connection, 0, &clock, printer) => r,
            _ = Signals::interrupted(sig_int, sig_term) => break Err(Interrupted),
            _ = until(run_deadline) => Err(Error::RunTimeout { after: s.timeout.unwrap_or_default() }),
        };
        let result = match opened {
            Err(e @ Error::RunTimeout { .. }) => Attempt::Finished(Err(e)),
            Err(error) => Attempt::Failed { error, lived: Duration::ZERO },
            Ok(mut session) => {
                let mut run = Run { s: &s, carry: &mut carry, printer, clock: &clock, signals: &mut signals };
                run.connection(&mut session, &mut totals, run_deadline).await
            }
        };
        match result {
            Attempt::Finished(r) => break Ok(r),
            Attempt::Interrupted => break Err(Interrupted),
            Attempt::Failed { error, lived } => {
                let delay = match retry.next(error, lived) {
                    Ok((delay, reconnecting)) => {
                        clock.emit(printer, reconnecting);
                        delay
                    }
                    Err(error) => break Ok(Err(error)),
                };
                let mut run = Run { s: &s, carry: &mut carry, printer, clock: &clock, signals: &mut signals };
                if let Some(end) = run.pause(delay, &totals, run_deadline).await {
                    break end;
                }
            }
        }
    };
    carry.source.leave(printer);
    finish(printer, &clock, &totals, s.liveness.echo_rtt.then(|| carry.echo.stats()), outcome)
}

/// What one run lends each of its connections and the pauses between them.
struct Run<'a> {
    s: &'a ConnectSettings,
    carry: &'a mut Carry,
    printer: &'a mut Printer,
    clock: &'a Clock,
    signals: &'a mut Signals,
}

impl Run<'_> {
    /// Drives one opened session to its end and adds its traffic, close and pings to the
    /// totals.
    async fn connection(
        &mut self,
        session: &mut Session,
        totals: &mut Totals,
        run_deadline: Option<Instant>,
    ) -> Attempt {
        let (s, clock) = (self.s, self.clock);
        let opened_at = Instant::now();
        session.set_pings(std::mem::take(&mut totals.pings));
        let stop =
            attempt::drive(session, s, self.carry, self.printer, clock, self.signals, run_deadline).await;
        let result = conclude(stop, session, s, self.carry, self.printer, opened_at.elapsed()).await;
        let mut pings = session.take_pings();
        pings.abandon();
        totals.pings = pings;
        totals.sent.add(session.traffic(Dir::Out));
        totals.received.add(session.traffic(Dir::In));
        if totals.close.is_none() || session.close.is_some() {
            totals.close = session.close.clone();
        }
        result
    }

    /// Waits `delay` before the next attempt; SIGQUIT prints the statistics meanwhile. Some
    /// when the run ends instead (Ctrl-C, --timeout).
    async fn pause(
        &mut self,
        delay: Duration,
        totals: &Totals,
        run_deadline: Option<Instant>,
    ) -> Option<Result<Result<(), Error>, Interrupted>> {
        let (sig_int, sig_term, sig_quit) = self.signals.parts();
        let wake = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = until(Some(wake)) => return None,
                _ = Signals::interrupted(sig_int, sig_term) => return Some(Err(Interrupted)),
                _ = until(run_deadline) => {
                    return Some(Ok(Err(Error::RunTimeout { after: self.s.timeout.unwrap_or_default() })))
                }
                Some(_) = recv(sig_quit) => {
                    let echo = self.s.liveness.echo_rtt.then(|| self.carry.echo.stats());
                    let stats = EventKind::Stats { pings: totals.pings.stats(), echo, link: None };
                    self.clock.emit(self.printer, stats);
                }
            }
        }
    }
}

/// --reconnect: the backoff and the retries counted since the connection was last healthy.
struct Retry {
    backoff: Option<Backoff>,
    max_retries: Option<u32>,
    healthy_after: Duration,
    retries: u32,
}

impl Retry {
    fn new(s: &ConnectSettings) -> Self {
        let reconnect = s.liveness.reconnect;
        Retry {
            backoff: reconnect.map(|r| Backoff::new(r.base, r.max)),
            max_retries: reconnect.and_then(|r| r.max_retries),
            healthy_after: s.liveness.heartbeat.as_ref().map_or(HEALTHY_WITHOUT_HEARTBEAT, |h| h.every),
            retries: 0,
        }
    }

    /// After a failed attempt: the delay before the next and its `Reconnecting` event, or the
    /// error that ends the run (no --reconnect, not retryable, retries exhausted).
    fn next(&mut self, error: Error, lived: Duration) -> Result<(Duration, EventKind), Error> {
        let Some(b) = self.backoff.as_mut().filter(|_| retryable(&error)) else { return Err(error) };
        // Healthy means answering for a heartbeat period, not merely lasting that long.
        let alive_for = match &error {
            Error::HeartbeatDead { silent_for, .. } => lived.saturating_sub(*silent_for),
            _ => lived,
        };
        if alive_for >= self.healthy_after {
            b.reset();
            self.retries = 0;
        }
        if self.max_retries.is_some_and(|max| self.retries >= max) {
            return Err(Error::RetriesExhausted { retries: self.retries, last: Box::new(error) });
        }
        self.retries += 1;
        let delay = match &error {
            Error::Rejected { status: 429 | 503, retry_after: Some(after), .. } => *after,
            _ => b.next_delay(),
        };
        let reason = reconnect_reason(&error);
        Ok((
            delay,
            EventKind::Reconnecting { attempt: self.retries, delay, reason, message: error.to_string() },
        ))
    }
}

/// Why a retryable failure leads to a reconnect, as the event says it.
fn reconnect_reason(e: &Error) -> ReconnectReason {
    match e {
        Error::HandshakeTimeout { .. } => ReconnectReason::HandshakeTimeout,
        Error::Rejected { status, .. } => ReconnectReason::Rejected { status: *status },
        Error::UnexpectedClose { code, .. } => ReconnectReason::Closed { code: *code },
        Error::Ended(end) => ReconnectReason::Lost(end.clone()),
        Error::HeartbeatDead { .. } => ReconnectReason::HeartbeatDead,
        Error::Io { .. } => ReconnectReason::Io,
        _ => ReconnectReason::ConnectFailed,
    }
}

/// Failures worth another attempt: the network, timeouts, server trouble, dead heartbeats.
/// Not: usage, TLS, a handshake the server refuses for good, failed checks.
fn retryable(e: &Error) -> bool {
    match e {
        Error::Resolve { .. }
        | Error::NoAddress { .. }
        | Error::Refused { .. }
        | Error::ConnectTimeout { .. }
        | Error::HandshakeTimeout { .. }
        | Error::Io { .. }
        | Error::HeartbeatDead { .. } => true,
        Error::Ended(end) => !matches!(end.ending, Ending::LocalLimit(_) | Ending::TlsFailure { .. }),
        Error::Rejected { status, .. } => matches!(status, 408 | 429 | 500..=599),
        Error::UnexpectedClose { code, .. } => matches!(code, 1001 | 1006 | 1011 | 1012 | 1013 | 1014),
        _ => false,
    }
}

/// Closes as the stop reason requires and decides how the attempt ended.
async fn conclude(
    stop: Stop,
    session: &mut Session,
    s: &ConnectSettings,
    carry: &Carry,
    printer: &mut Printer,
    lived: Duration,
) -> Attempt {
    let checks = |session: &Session, why: &str| {
        let seen = verdict::Observed {
            received: carry.received,
            expect: &carry.expect,
            close: session.close.as_ref(),
            pings: session.ping_stats(),
            echo: s.liveness.echo_rtt.then(|| carry.echo.stats()),
        };
        verdict::check(s, &seen, why)
    };
    match stop {
        Stop::Interrupted => {
            close(session, 1001, "", printer, true).await;
            Attempt::Interrupted
        }
        Stop::Ended(Err(error)) => Attempt::Failed { error, lived },
        Stop::Failed(error @ Error::HeartbeatDead { .. }) => Attempt::Failed { error, lived },
        Stop::Ended(Ok(())) => {
            let server_close = session.close.clone().filter(|c| c.by == Side::Server);
            match server_close.and_then(|c| c.code.map(|code| (code, c.reason))) {
                Some((code, reason)) if code != 1000 && s.liveness.expect_close.is_none() => {
                    let error = Error::UnexpectedClose { code, reason, peer: "server" };
                    if s.liveness.reconnect.is_some() && retryable(&error) {
                        Attempt::Failed { error, lived }
                    } else {
                        Attempt::Finished(Err(error))
                    }
                }
                _ => Attempt::Finished(checks(session, "the server closed")),
            }
        }
        Stop::Timeout => {
            close(session, s.close_code, &s.close_reason, printer, true).await;
            Attempt::Finished(Err(Error::RunTimeout { after: s.timeout.unwrap_or_default() }))
        }
        Stop::Failed(error) => {
            close(session, s.close_code, &s.close_reason, printer, true).await;
            Attempt::Finished(Err(error))
        }
        Stop::CountMet => {
            close(session, s.close_code, &s.close_reason, printer, false).await;
            Attempt::Finished(checks(session, "--count was met"))
        }
        Stop::OutputClosed => {
            close(session, s.close_code, &s.close_reason, printer, false).await;
            Attempt::Finished(Ok(()))
        }
        Stop::Done(why) => {
            close(session, s.close_code, &s.close_reason, printer, true).await;
            // A close the server was expected to make cannot come after ours.
            Attempt::Finished(checks(session, why))
        }
    }
}

/// Closes and waits for the peer's answer; `show` false hides data messages still arriving
/// (after --count was met).
async fn close(session: &mut Session, code: u16, reason: &str, printer: &mut Printer, show: bool) {
    session.close_and_wait(code, reason, &mut Muted { printer, mute: !show }).await;
}

/// Passes events through, except incoming data messages when muted.
struct Muted<'a> {
    printer: &'a mut Printer,
    mute: bool,
}

impl EventSink for Muted<'_> {
    fn emit(&mut self, event: Event) {
        if !(self.mute && matches!(event.kind, EventKind::Message { dir: Dir::In, .. })) {
            self.printer.emit(event);
        }
    }
}

/// Reports the outcome, emits the summary and returns the exit status.
fn finish(
    printer: &mut Printer,
    clock: &Clock,
    totals: &Totals,
    echo: Option<crate::core::event::PingStats>,
    outcome: Result<Result<(), Error>, Interrupted>,
) -> ExitStatus {
    let status = match &outcome {
        Err(Interrupted) => ExitStatus::Interrupted,
        Ok(Ok(())) => ExitStatus::Success,
        Ok(Err(e)) => e.exit_status(),
    };
    if let Ok(Err(e)) = &outcome {
        if !printer.closed() {
            printer.error(e, clock.elapsed());
        }
    }
    let summary = Summary {
        exit: status.code(),
        duration: clock.elapsed(),
        sent: totals.sent,
        received: totals.received,
        pings: totals.pings.stats(),
        echo,
        close: totals.close.clone(),
        connections: None,
    };
    clock.emit(printer, EventKind::Summary(summary));
    status
}

//! One connection of a `connect` run: send the preamble and stdin lines, ping, beat, check
//! expectations, and stop for the first reason that applies.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

use tokio::time::{interval, Interval, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::input::{self, Effect, Input};
use crate::commands::input::{command_error, Source};
use crate::commands::signals::{recv, Signals};
use crate::core::error::Error;
use crate::core::event::{Data, EventKind, EventSink};
use crate::core::session::expect::Expectations;
use crate::core::session::heartbeat::Heartbeat;
use crate::core::session::stats::{EchoTracker, PongMatch};
use crate::core::session::wait::{tick, ticker, until};
use crate::core::session::{Clock, Deadline, Ending, Incoming, Outgoing, Session};
use crate::output::Printer;
use crate::settings::ConnectSettings;

/// Reports a command error on the printer's stderr (above the prompt in the REPL).
fn report_error(printer: &mut Printer, message: &str) {
    printer.note(&format!("error: {}", crate::output::sanitize::escape(message)));
}

/// Why an attempt stopped.
#[derive(Debug)]
pub enum Stop {
    /// The run reached its goal; the text says which, for the verdict.
    Done(&'static str),
    /// Nobody reads stdout any more: end quietly, with success.
    OutputClosed,
    /// --count was met: messages still arriving during the close are not shown.
    CountMet,
    Timeout,
    Interrupted,
    /// Bad input, an expectation that timed out, or dead heartbeats.
    Failed(Error),
    /// The connection ended by itself: the peer closed it or it broke.
    Ended(Result<(), Error>),
}

/// What a run carries from one connection to the next.
pub struct Carry {
    pub received: u64,
    pub expect: Expectations,
    pub echo: EchoTracker,
    /// Stdin: messages, commands or the REPL.
    pub source: Source,
    pub stdin_done: bool,
    /// Pings sent for --ping-interval/--ping-count (heartbeats not included).
    pub pings_sent: u64,
}

pub async fn drive(
    session: &mut Session,
    s: &ConnectSettings,
    carry: &mut Carry,
    printer: &mut Printer,
    clock: &Clock,
    signals: &mut Signals,
    run_deadline: Option<Instant>,
) -> Stop {
    let (sig_int, sig_term, sig_quit) = signals.parts();
    let p = &s.liveness;
    let mut preamble: VecDeque<Outgoing> = s.messages.iter().cloned().map(Outgoing::Data).collect();
    let drained = session.drained_handle();
    // --echo: no more is read while echoes wait to be written (back-pressure to the server).
    session.pace_reads(s.echo);
    let mut wait_deadline: Option<Instant> = None;
    let mut wait_started = false;
    // The first ping goes out at once: its RTT is the first thing a user wants to see.
    let mut pinger = ticker(Duration::ZERO, p.ping_interval);
    let mut expiry: Option<Interval> = p.ping_interval.map(|_| {
        let mut i =
            interval((p.ping_timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(250)));
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });
    let mut beat = p
        .heartbeat
        .as_ref()
        .map(|cfg| (cfg, Heartbeat::new(cfg.every, cfg.misses, Instant::now(), rand::random())));
    // --ping-count counts the pings it asked for, not heartbeats.
    let pings_done = |sent: u64, session: &Session| {
        p.ping_count.is_some_and(|n| sent >= n) && session.pings_outstanding() == 0
    };

    let gone = crate::output::stdout_gone();
    tokio::pin!(gone);
    loop {
        if printer.closed() {
            return Stop::OutputClosed;
        }
        let input_done = preamble.is_empty() && carry.stdin_done;
        if input_done && !wait_started {
            // "After the last send": the preamble and stdin are both through.
            wait_started = true;
            wait_deadline = s.wait.map(|w| Instant::now() + w);
        }
        let beat_at = beat.as_ref().map(|(_, b)| b.next_at());
        tokio::select! {
            biased;
            _ = Signals::interrupted(sig_int, sig_term) => return Stop::Interrupted,
            _ = until(run_deadline) => return Stop::Timeout,
            _ = &mut gone => return Stop::OutputClosed,
            Some(_) = recv(sig_quit) => {
                let echo = p.echo_rtt.then(|| carry.echo.stats());
                clock.emit(printer, EventKind::Stats { pings: session.ping_stats(), echo });
            }
            _ = until(carry.expect.deadline()), if carry.expect.deadline().is_some() => {
                return Stop::Failed(carry.expect.timed_out());
            }
            incoming = session.next(printer) => match incoming {
                Incoming::Message(data) => {
                    if s.echo {
                        session.submit(Outgoing::Data(data.clone()), printer);
                    }
                    if p.echo_rtt {
                        if let Some(rtt) = carry.echo.received(&data, Instant::now()) {
                            clock.emit(printer, EventKind::Rtt { seq: None, rtt });
                        }
                    }
                    if let Some((cfg, b)) = beat.as_mut().filter(|(cfg, _)| cfg.message.is_some()) {
                        if cfg.expect.as_ref().is_none_or(|re| matches!(&data, Data::Text(t) if re.is_match(t))) {
                            b.alive(Instant::now());
                        }
                    }
                    carry.received += 1;
                    let matched = carry.expect.received(&data);
                    if let Some(n) = s.count {
                        if carry.received >= n && carry.expect.done() {
                            return Stop::CountMet;
                        }
                    } else if matched && carry.expect.done() {
                        return Stop::Done("every expectation was met");
                    }
                }
                Incoming::Pong(m) => {
                    if !matches!(m, PongMatch::Unmatched) {
                        if let Some((_, b)) = beat.as_mut().filter(|(cfg, _)| cfg.message.is_none()) {
                            b.alive(Instant::now());
                        }
                    }
                    if pings_done(carry.pings_sent, session) {
                        return Stop::Done("the last ping was answered");
                    }
                }
                Incoming::Control => {}
                Incoming::Ended(end) => return Stop::Ended(end.result()),
            },
            item = input::next(&mut preamble, &mut carry.source, s.input), if !input_done && session.can_queue() => match item {
                Some(Ok(Input::Send(out))) => {
                    if let (true, Outgoing::Data(data)) = (p.echo_rtt, &out) {
                        carry.echo.sent(data, Instant::now());
                    }
                    session.submit(out, printer);
                }
                Some(Ok(Input::Command(c, n))) => match input::run_command(c, session, printer, clock).await {
                    Ok(Effect::None) => {}
                    Ok(Effect::Quit) => return Stop::Done("/quit"),
                    Err(message) => {
                        let message = command_error(&message, n);
                        if carry.source.stops_on_errors() {
                            return Stop::Failed(Error::usage(message));
                        }
                        report_error(printer, &message);
                    }
                },
                Some(Ok(Input::Bad(message))) if carry.source.stops_on_errors() => {
                    return Stop::Failed(Error::usage(message))
                }
                Some(Ok(Input::Bad(message))) => report_error(printer, &message),
                Some(Ok(Input::End)) => return Stop::Done("the REPL ended"),
                Some(Err(e)) => return Stop::Failed(e),
                None => carry.stdin_done = true,
            },
            _ = drained.notified(), if !input_done && !session.can_queue() => {}
            _ = until(wait_deadline), if wait_deadline.is_some() => return Stop::Done("--wait expired"),
            _ = tick(&mut pinger), if pinger.is_some() => {
                session.ping(printer);
                carry.pings_sent += 1;
                if p.ping_count.is_some_and(|n| carry.pings_sent >= n) {
                    pinger = None;
                }
            }
            _ = tick(&mut expiry), if expiry.is_some() => {
                session.expire_pings(p.ping_timeout, printer);
                if pings_done(carry.pings_sent, session) {
                    return Stop::Done("the last ping was answered or timed out");
                }
            }
            _ = until(beat_at), if beat_at.is_some() => {
                if let Some((cfg, b)) = beat.as_mut() {
                    match b.beat(Instant::now(), rand::random()) {
                        Err(dead) => {
                            let missed = EventKind::HeartbeatMissed { misses: dead.misses, limit: b.limit() };
                            clock.emit(printer, missed);
                            session.abandon(Ending::TimedOut(Deadline::Pong), printer);
                            let error = Error::HeartbeatDead { misses: dead.misses, silent_for: dead.silent_for };
                            return Stop::Failed(error);
                        }
                        Ok(0) => {}
                        Ok(misses) => {
                            clock.emit(printer, EventKind::HeartbeatMissed { misses, limit: b.limit() });
                        }
                    }
                    match &cfg.message {
                        Some(text) => session.submit(Outgoing::Data(Data::Text(Utf8Bytes::from(text.clone()))), printer),
                        None => session.ping(printer),
                    }
                }
            }
        }
    }
}

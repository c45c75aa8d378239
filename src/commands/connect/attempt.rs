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
use crate::settings::{ConnectSettings, HeartbeatSettings};

/// Reports a command error on the printer's stderr (above the prompt in the REPL).
fn report_error(printer: &mut Printer, message: &str) {
    printer.note(&format!("error: {}", crate::output::sanitize::escape(message)));
}

/// Why an attempt stopped.
#[derive(Debug)]
pub(super) enum Stop {
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
pub(super) struct Carry {
    pub received: u64,
    pub expect: Expectations,
    pub echo: EchoTracker,
    /// Stdin: messages, commands or the REPL.
    pub source: Source,
    pub stdin_done: bool,
    /// Pings sent for --ping-interval/--ping-count (heartbeats not included).
    pub pings_sent: u64,
    /// The line saying the connection stays open once the input is through was printed.
    pub told_open: bool,
}

/// Drives one connection until the first reason to stop: sends the preamble and stdin, pings
/// and beats, shows and checks what arrives.
pub(super) async fn drive(
    session: &mut Session,
    s: &ConnectSettings,
    carry: &mut Carry,
    printer: &mut Printer,
    clock: &Clock,
    signals: &mut Signals,
    run_deadline: Option<Instant>,
) -> Stop {
    let (sig_int, sig_term, sig_quit) = signals.parts();
    let drained = session.drained_handle();
    // --echo: no more is read while echoes wait to be written (back-pressure to the server).
    session.pace_reads(s.echo);
    let mut a = Attempt::new(s, carry, clock);
    let gone = crate::output::stdout_gone();
    tokio::pin!(gone);
    loop {
        if printer.closed() {
            return Stop::OutputClosed;
        }
        let input_done = a.input_done();
        if input_done {
            a.tell_open(printer);
        }
        let beat_at = a.beat.as_ref().map(|(_, b)| b.next_at());
        let stop = tokio::select! {
            biased;
            _ = Signals::interrupted(sig_int, sig_term) => Some(Stop::Interrupted),
            _ = until(run_deadline) => Some(Stop::Timeout),
            _ = &mut gone => Some(Stop::OutputClosed),
            Some(_) = recv(sig_quit) => {
                a.stats(session, printer);
                None
            }
            _ = until(a.carry.expect.deadline()), if a.carry.expect.deadline().is_some() => {
                Some(Stop::Failed(a.carry.expect.timed_out()))
            }
            incoming = session.next(printer) => a.incoming(incoming, session, printer),
            item = input::next(&mut a.preamble, &mut a.carry.source, s.input), if !input_done && session.can_queue() => {
                a.input(item, session, printer).await
            }
            _ = drained.notified(), if !input_done && !session.can_queue() => None,
            _ = until(a.wait_deadline), if a.wait_deadline.is_some() => Some(Stop::Done("--wait expired")),
            _ = tick(&mut a.pinger), if a.pinger.is_some() => {
                a.ping(session, printer);
                None
            }
            _ = tick(&mut a.expiry), if a.expiry.is_some() => a.expire(session, printer),
            _ = until(beat_at), if beat_at.is_some() => a.beat(session, printer),
        };
        if let Some(stop) = stop {
            return stop;
        }
    }
}

/// One attempt's state between wake-ups: what is left to send, the timers, the heartbeat.
/// Each handler returns why the attempt stops, or `None` to go on.
struct Attempt<'a> {
    s: &'a ConnectSettings,
    carry: &'a mut Carry,
    clock: &'a Clock,
    preamble: VecDeque<Outgoing>,
    /// `--wait`: when it expires, once the input is through.
    wait_deadline: Option<Instant>,
    wait_started: bool,
    pinger: Option<Interval>,
    /// Checks for pings past their timeout.
    expiry: Option<Interval>,
    beat: Option<(&'a HeartbeatSettings, Heartbeat)>,
}

impl<'a> Attempt<'a> {
    fn new(s: &'a ConnectSettings, carry: &'a mut Carry, clock: &'a Clock) -> Self {
        let p = &s.liveness;
        // The first ping goes out at once: its RTT is the first thing a user wants to see.
        let pinger = ticker(Duration::ZERO, p.ping_interval);
        let expiry: Option<Interval> = p.ping_interval.map(|_| {
            let mut i =
                interval((p.ping_timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(250)));
            i.set_missed_tick_behavior(MissedTickBehavior::Delay);
            i
        });
        let beat = p
            .heartbeat
            .as_ref()
            .map(|cfg| (cfg, Heartbeat::new(cfg.every, cfg.misses, Instant::now(), rand::random())));
        Attempt {
            s,
            carry,
            clock,
            preamble: s.messages.iter().cloned().map(Outgoing::Data).collect(),
            wait_deadline: None,
            wait_started: false,
            pinger,
            expiry,
            beat,
        }
    }

    /// Whether the preamble and stdin are both through; `--wait` starts counting then.
    fn input_done(&mut self) -> bool {
        let input_done = self.preamble.is_empty() && self.carry.stdin_done;
        if input_done && !self.wait_started {
            // "After the last send": the preamble and stdin are both through.
            self.wait_started = true;
            self.wait_deadline = self.s.wait.map(|w| Instant::now() + w);
        }
        input_done
    }

    /// Once the input is through and nothing else ends the run (`-n`, `-w`, `--timeout`, an
    /// expectation, a ping count; pings, heartbeats or `--reconnect` mean a watch, `--echo` a
    /// service),
    /// says once on stderr that the connection stays open, as users of other clients expect
    /// the run to end there. Only for a person (`tell_open`: stderr a terminal, not JSON).
    fn tell_open(&mut self, printer: &mut Printer) {
        let s = self.s;
        let l = &s.liveness;
        let ends = s.count.is_some()
            || s.wait.is_some()
            || s.timeout.is_some()
            || s.echo
            || l.ping_count.is_some()
            || l.ping_interval.is_some()
            || l.heartbeat.is_some()
            || l.reconnect.is_some()
            || l.expect_close.is_some()
            || l.expectations.iter().any(|e| !e.is_empty());
        if self.carry.told_open || ends || !s.tell_open {
            return;
        }
        self.carry.told_open = true;
        let what = match (s.read_stdin, s.messages.is_empty()) {
            (true, _) => "stdin ended",
            (false, false) => "the -x messages are sent",
            (false, true) => "nothing to send",
        };
        printer.note(&format!(
            "* {what}; the connection stays open until the server closes it or Ctrl-C \
             (-n N or -w DUR end the run)"
        ));
    }

    /// --ping-count counts the pings it asked for, not heartbeats.
    fn pings_done(&self, session: &Session) -> bool {
        self.s.liveness.ping_count.is_some_and(|n| self.carry.pings_sent >= n)
            && session.pings_outstanding() == 0
    }

    /// SIGQUIT: the statistics so far.
    fn stats(&mut self, session: &Session, printer: &mut Printer) {
        let echo = self.s.liveness.echo_rtt.then(|| self.carry.echo.stats());
        let link = Some(session.link_stats());
        self.clock.emit(printer, EventKind::Stats { pings: session.ping_stats(), echo, link });
    }

    /// What the peer sent.
    fn incoming(&mut self, incoming: Incoming, session: &mut Session, printer: &mut Printer) -> Option<Stop> {
        match incoming {
            Incoming::Message(data) => self.message(data, session, printer),
            Incoming::Pong(m) => {
                if !matches!(m, PongMatch::Unmatched) {
                    if let Some((_, b)) = self.beat.as_mut().filter(|(cfg, _)| cfg.message.is_none()) {
                        b.alive(Instant::now());
                    }
                }
                self.pings_done(session).then_some(Stop::Done("the last ping was answered"))
            }
            Incoming::Control => None,
            Incoming::Ended(end) => Some(Stop::Ended(end.result())),
        }
    }

    /// A message: echoed, timed, counted and checked against the expectations.
    fn message(&mut self, data: Data, session: &mut Session, printer: &mut Printer) -> Option<Stop> {
        let (s, p) = (self.s, &self.s.liveness);
        if s.echo {
            session.submit(Outgoing::Data(data.clone()), printer);
        }
        if p.echo_rtt {
            if let Some(rtt) = self.carry.echo.received(&data, Instant::now()) {
                self.clock.emit(printer, EventKind::Rtt { seq: None, rtt });
            }
        }
        if let Some((cfg, b)) = self.beat.as_mut().filter(|(cfg, _)| cfg.message.is_some()) {
            if cfg.expect.as_ref().is_none_or(|re| matches!(&data, Data::Text(t) if re.is_match(t))) {
                b.alive(Instant::now());
            }
        }
        self.carry.received += 1;
        let matched = self.carry.expect.received(&data);
        if let Some(n) = s.count {
            if self.carry.received >= n && self.carry.expect.done() {
                return Some(Stop::CountMet);
            }
        } else if matched && self.carry.expect.done() {
            return Some(Stop::Done("every expectation was met"));
        }
        None
    }

    /// A line of input (preamble, stdin or the REPL): sent, run as a command, or refused.
    async fn input(
        &mut self,
        item: Option<Result<Input, Error>>,
        session: &mut Session,
        printer: &mut Printer,
    ) -> Option<Stop> {
        match item {
            Some(Ok(Input::Send(out))) => {
                if let (true, Outgoing::Data(data)) = (self.s.liveness.echo_rtt, &out) {
                    self.carry.echo.sent(data, Instant::now());
                }
                session.submit(out, printer);
            }
            Some(Ok(Input::Command(c, n))) => match input::run_command(c, session, printer, self.clock).await
            {
                Ok(Effect::None) => {}
                Ok(Effect::Quit) => return Some(Stop::Done("/quit")),
                Err(message) => {
                    let message = command_error(&message, n);
                    if self.carry.source.stops_on_errors() {
                        return Some(Stop::Failed(Error::usage(message)));
                    }
                    report_error(printer, &message);
                }
            },
            Some(Ok(Input::Bad(message))) if self.carry.source.stops_on_errors() => {
                return Some(Stop::Failed(Error::usage(message)))
            }
            Some(Ok(Input::Bad(message))) => report_error(printer, &message),
            Some(Ok(Input::End)) => return Some(Stop::Done("the REPL ended")),
            Some(Err(e)) => return Some(Stop::Failed(e)),
            None => self.carry.stdin_done = true,
        }
        None
    }

    /// `--ping-interval`: the next ping; the last one `--ping-count` asks for stops the pinger.
    fn ping(&mut self, session: &mut Session, printer: &mut Printer) {
        session.ping(printer);
        self.carry.pings_sent += 1;
        if self.s.liveness.ping_count.is_some_and(|n| self.carry.pings_sent >= n) {
            self.pinger = None;
        }
    }

    /// Pings past their timeout are reported lost.
    fn expire(&mut self, session: &mut Session, printer: &mut Printer) -> Option<Stop> {
        session.expire_pings(self.s.liveness.ping_timeout, printer);
        self.pings_done(session).then_some(Stop::Done("the last ping was answered or timed out"))
    }

    /// `--heartbeat`: counts a miss if the last beat went unanswered, stops once too many
    /// were, and sends the next beat.
    fn beat(&mut self, session: &mut Session, printer: &mut Printer) -> Option<Stop> {
        let (cfg, b) = self.beat.as_mut()?;
        match b.beat(Instant::now(), rand::random()) {
            Err(dead) => {
                let missed = EventKind::HeartbeatMissed { misses: dead.misses, limit: b.limit() };
                self.clock.emit(printer, missed);
                session.abandon(Ending::TimedOut(Deadline::Pong), printer);
                let error = Error::HeartbeatDead { misses: dead.misses, silent_for: dead.silent_for };
                return Some(Stop::Failed(error));
            }
            Ok(0) => {}
            Ok(misses) => {
                self.clock.emit(printer, EventKind::HeartbeatMissed { misses, limit: b.limit() });
            }
        }
        match &cfg.message {
            Some(text) => session.submit(Outgoing::Data(Data::Text(Utf8Bytes::from(text.clone()))), printer),
            None => session.ping(printer),
        }
        None
    }
}

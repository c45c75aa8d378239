//! `wsdiag listen`: accept clients, print what they send, send them stdin lines (all of them,
//! or one with `@ID `) or REPL commands (`clients`: `/clients`, `/to`, `/kick`), and, for
//! scripts, exit once --count/--expect are met or --once's client has left.

mod clients;
mod replay;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::commands::dispatch::Effect;
use crate::commands::input::{command_error, report_error, Line, Source};
use crate::commands::serve::{self, ConnCtx, Handler};
use crate::core::error::Error;
use crate::core::event::{ConnOutcome, ConnReport, Data, EventKind, EventSink};
use crate::core::session::expect::Expectations;
use crate::core::session::wait::{stopped, tick, ticker, until};
use crate::core::session::{Incoming, Session};
use crate::exit::ExitStatus;
use crate::output::Printer;
use crate::repl::parse::Mode;
use crate::settings::ListenSettings;
use clients::Inboxes;

/// What connection handlers tell the controller.
enum Note {
    Received(Data),
    Ended(u64, Result<(), Error>),
}

pub async fn run(s: ListenSettings, mut printer: Printer) -> ExitStatus {
    let mut source = Source::open(&s.input_mode, s.read_stdin, Mode::Listen, Vec::new(), &mut printer);
    let mut notes_out = source.notes();
    let serve::Bound { listener, opts, mut sink, printer: printer_task, clock } =
        match serve::open(&s.server, printer).await {
            Ok(bound) => bound,
            Err(status) => return status,
        };

    let inboxes: Inboxes = Arc::default();
    let close_code = Arc::new(AtomicU16::new(1001));
    // Set once a client completed its upgrade: `--once` with nobody at all is a failure.
    let client_came = Arc::new(AtomicBool::new(false));
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    let handler = match &s.replay {
        Some(r) => {
            for n in &r.notes {
                clock.emit(&mut sink, EventKind::Note { message: n.clone() });
            }
            replay::handler(r, &client_came, notes_tx)
        }
        None => handler(&inboxes, &close_code, &client_came, notes_tx, s.ping_interval),
    };
    let max_accepts = s.once.then_some(1);
    let mut server =
        serve::start(listener, opts, serve::Limits::of(&s.server), max_accepts, clock, sink.clone(), handler);
    let mut stdin_done = !s.read_stdin;
    // Leaving the REPL (Ctrl-D, /quit) closes every client with 1001, like Ctrl-C.
    let mut going_away = false;

    let mut reports: Vec<ConnReport> = Vec::new();
    let mut ends: HashMap<u64, Result<(), Error>> = HashMap::new();
    let mut checks = Checks::new(&s);
    let run_deadline = s.server.max_runtime.map(|d| Instant::now() + d);
    let mut signals = crate::commands::signals::Signals::install();
    let (sig_int, sig_term, _) = signals.parts();
    // `wsdiag listen | head -1`: once the reader has gone, clients are closed with 1000 and the
    // run ends, also while nothing is being printed; checks still pending fail.
    let gone = crate::output::stdout_gone();
    tokio::pin!(gone);
    let outcome: Result<(), Option<Error>> = loop {
        tokio::select! {
            _ = crate::commands::signals::Signals::interrupted(sig_int, sig_term) => break Err(None),
            _ = until(run_deadline) => break at_cutoff(&s, &client_came, &checks, Cutoff::MaxRuntime),
            _ = &mut gone => break at_cutoff(&s, &client_came, &checks, Cutoff::OutputClosed),
            _ = until(checks.expect.deadline()), if checks.expect.deadline().is_some() => break Err(Some(checks.timed_out())),
            Some(note) = notes.recv() => {
                if checks.take(note, &mut ends) {
                    break Ok(());
                }
            }
            Some(report) = server.reports.recv() => {
                reports.push(report);
                if s.once {
                    break once_over(&reports, &mut ends, &mut notes, &checks);
                }
            },
            line = source.next(), if !stdin_done => {
                let Some(line) = line else {
                    stdin_done = true;
                    continue;
                };
                let stdin = Stdin { binary: s.binary, inboxes: &inboxes, clock: &clock, notes: notes_out.as_mut() };
                match stdin.take(line, &source, &mut sink).await {
                    Flow::Go => {}
                    Flow::Leave => {
                        going_away = true;
                        break Ok(());
                    }
                    Flow::Fail(e) => break Err(Some(e)),
                }
            }
        }
    };
    let status = status_of(&outcome);
    if status != ExitStatus::Interrupted && !going_away {
        close_code.store(1000, Ordering::Relaxed);
    }
    let mut summary = server.shutdown(&reports).await;
    summary.exit = status.code();
    drop(sink);
    // The error, then the summary: the summary is always the last line.
    if let Ok(mut printer) = printer_task.await {
        source.leave(&mut printer);
        if let Err(Some(e)) = &outcome {
            printer.error(e, clock.elapsed());
        }
        clock.emit(&mut printer, EventKind::Summary(summary));
    }
    status
}

/// The exit status: `Err(None)` is Ctrl-C.
fn status_of(outcome: &Result<(), Option<Error>>) -> ExitStatus {
    match outcome {
        Ok(()) => ExitStatus::Success,
        Err(None) => ExitStatus::Interrupted,
        Err(Some(e)) => e.exit_status(),
    }
}

/// Each upgraded client is served by `serve_client`, and counts as having come.
fn handler(
    inboxes: &Inboxes,
    close_code: &Arc<AtomicU16>,
    client_came: &Arc<AtomicBool>,
    notes_tx: mpsc::UnboundedSender<Note>,
    ping: Option<Duration>,
) -> Handler {
    let (inboxes, close_code, client_came) = (inboxes.clone(), close_code.clone(), client_came.clone());
    Arc::new(move |session, ctx| {
        client_came.store(true, Ordering::Relaxed);
        Box::pin(serve_client(session, ctx, inboxes.clone(), notes_tx.clone(), close_code.clone(), ping))
    })
}

/// `--once`: the client's report is in, and the run's verdict is its ending's and the checks'.
fn once_over(
    reports: &[ConnReport],
    ends: &mut HashMap<u64, Result<(), Error>>,
    notes: &mut mpsc::UnboundedReceiver<Note>,
    checks: &Checks,
) -> Result<(), Option<Error>> {
    // The handler's account arrives before its report; a failed upgrade has none.
    while let Ok(Note::Ended(conn, r)) = notes.try_recv() {
        ends.insert(conn, r);
    }
    let end = ends.remove(&1).unwrap_or_else(|| {
        Err(Error::ClientHandshake {
            message: format!(
                "the client's upgrade failed: {}",
                crate::output::words::conn_outcome(&reports[0].outcome)
            ),
        })
    });
    end.map_err(Some).and_then(|()| checks.at_end("the client left"))
}

/// What a stdin line means for the run.
enum Flow {
    Go,
    /// Ctrl-D or /quit: close every client with 1001 and leave.
    Leave,
    /// A command that cannot be carried out, with `--commands` but not `--keep-going`.
    Fail(Error),
}

/// Where stdin lines go: the clients, and notes above the prompt or on stderr.
struct Stdin<'a> {
    /// `--binary`: lines are binary messages.
    binary: bool,
    inboxes: &'a Inboxes,
    clock: &'a crate::core::session::Clock,
    notes: &'a mut dyn std::io::Write,
}

impl Stdin<'_> {
    async fn take(self, line: Line, source: &Source, sink: &mut dyn EventSink) -> Flow {
        match line {
            Line::Message(line, _) => {
                clients::route(clients::message(line, self.binary), self.inboxes, self.clock, sink)
            }
            Line::Command(line, n) => {
                match clients::run_command(&line, self.binary, self.inboxes, self.clock, sink, self.notes)
                    .await
                {
                    Ok(Effect::None) => {}
                    Ok(Effect::Quit) => return Flow::Leave,
                    Err(message) if source.stops_on_errors() => {
                        return Flow::Fail(Error::usage(command_error(&message, n)))
                    }
                    Err(message) => report_error(self.notes, &command_error(&message, n)),
                }
            }
            Line::End => return Flow::Leave,
        }
        Flow::Go
    }
}

/// What ended a run from outside its checks.
enum Cutoff {
    MaxRuntime,
    /// The reader of stdout went away.
    OutputClosed,
}

/// The verdict when the run is cut off (`--max-runtime`, or a closed stdout, judged the same
/// way): `--once` without a client, `--count` or `--expect` still pending fail (exit 1), so a
/// step waiting for a client cannot pass without one; without them it is exit 0.
fn at_cutoff(
    s: &ListenSettings,
    client_came: &AtomicBool,
    checks: &Checks,
    cut: Cutoff,
) -> Result<(), Option<Error>> {
    let (why, no_client) = match cut {
        Cutoff::MaxRuntime => {
            let after = humantime::format_duration(s.server.max_runtime.unwrap_or_default());
            ("--max-runtime expired", format!("no client connected within {after} (--max-runtime)"))
        }
        Cutoff::OutputClosed => {
            const WHY: &str = "the reader of stdout went away";
            (WHY, format!("{WHY} before any client connected (--once)"))
        }
    };
    if s.once && !client_came.load(Ordering::Relaxed) {
        return Err(Some(Error::ExpectFailed { message: no_client, recent: Vec::new() }));
    }
    checks.at_end(why)
}

/// Progress of --count and --expect across all clients.
struct Checks {
    count: Option<u64>,
    got: u64,
    expect: Expectations,
}

impl Checks {
    fn new(s: &ListenSettings) -> Self {
        let expect = Expectations::new(vec![s.expect.clone()], s.expect_timeout);
        Checks { count: s.count, got: 0, expect }
    }

    fn active(&self) -> bool {
        self.count.is_some() || !self.expect.is_empty()
    }

    fn satisfied(&self) -> bool {
        self.expect.done() && self.count.is_none_or(|n| self.got >= n)
    }

    /// Takes a handler's note: a message counts, an ending is kept for `--once`; true once
    /// every check is met.
    fn take(&mut self, note: Note, ends: &mut HashMap<u64, Result<(), Error>>) -> bool {
        match note {
            Note::Received(data) => self.received(&data),
            Note::Ended(conn, result) => {
                ends.insert(conn, result);
                false
            }
        }
    }

    /// Counts a message; true once every check is met.
    fn received(&mut self, data: &Data) -> bool {
        self.got += 1;
        self.expect.received(data);
        self.active() && self.satisfied()
    }

    fn timed_out(&self) -> Error {
        self.expect.timed_out()
    }

    /// The verdict when the run ends for another reason.
    fn at_end(&self, why: &str) -> Result<(), Option<Error>> {
        if !self.active() || self.satisfied() {
            return Ok(());
        }
        if !self.expect.done() {
            return Err(Some(self.expect.failure(why)));
        }
        let message = format!("{why} after {} of {} expected messages", self.got, self.count.unwrap_or(0));
        Err(Some(Error::ExpectFailed { message, recent: self.expect.recent() }))
    }
}

async fn serve_client(
    mut session: Box<Session>,
    mut ctx: ConnCtx,
    inboxes: Inboxes,
    notes: mpsc::UnboundedSender<Note>,
    close_code: Arc<AtomicU16>,
    ping: Option<Duration>,
) -> serve::Handled {
    let (tx, mut inbox) = mpsc::unbounded_channel();
    if let Ok(mut map) = inboxes.lock() {
        map.insert(ctx.conn, (ctx.peer, tx));
    }
    let mut pinger = ticker(Duration::ZERO, ping);
    let sink: &mut dyn EventSink = &mut ctx.sink;
    // Output that stalls (a paused terminal, a pipe nobody reads) stops reading from clients.
    session.gate_reads(sink.backlog());
    let result = loop {
        tokio::select! {
            _ = stopped(&mut ctx.stop) => {
                // What was ordered before the stop goes out before the close.
                while let Ok(order) = inbox.try_recv() {
                    session.submit(order, sink);
                }
                let code = close_code.load(Ordering::Relaxed);
                let reason = if code == 1001 { "server shutting down" } else { "" };
                session.close_and_wait(code, reason, sink).await;
                break Ok(());
            }
            Some(order) = inbox.recv() => session.submit(order, sink),
            _ = tick(&mut pinger) => session.ping(sink),
            incoming = session.next(sink) => match incoming {
                Incoming::Message(data) => {
                    let _ = notes.send(Note::Received(data));
                }
                Incoming::Control | Incoming::Pong(_) => {}
                Incoming::Ended(end) => break end.result(),
            },
        }
    };
    if let Ok(mut map) = inboxes.lock() {
        map.remove(&ctx.conn);
    }
    let result = result.and_then(|()| match &session.close {
        Some(c) if c.by == crate::core::event::Side::Client && c.code.is_some_and(|code| code != 1000) => {
            Err(Error::UnexpectedClose {
                code: c.code.unwrap_or(0),
                reason: c.reason.clone(),
                peer: "client",
            })
        }
        _ => Ok(()),
    });
    let outcome = match &result {
        Ok(()) => ConnOutcome::Closed,
        Err(e) => ConnOutcome::after_upgrade(e),
    };
    let _ = notes.send(Note::Ended(ctx.conn, result));
    (outcome, session.totals())
}

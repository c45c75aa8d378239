//! `wsdiag listen`: accept clients, print what they send, send them stdin lines (all of them,
//! or one with `@ID `) or REPL commands (`clients`: `/clients`, `/to`, `/kick`), and, for
//! scripts, exit once --count/--expect are met or --once's client has left.

mod clients;

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
use crate::core::event::{ConnReport, Data, EventKind, EventSink};
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
    let handler: Handler = {
        let (inboxes, close_code, ping) = (inboxes.clone(), close_code.clone(), s.ping_interval);
        let client_came = client_came.clone();
        Arc::new(move |session, ctx| {
            client_came.store(true, Ordering::Relaxed);
            Box::pin(serve_client(session, ctx, inboxes.clone(), notes_tx.clone(), close_code.clone(), ping))
        })
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
    let outcome: Result<(), Option<Error>> = loop {
        tokio::select! {
            _ = crate::commands::signals::Signals::interrupted(sig_int, sig_term) => break Err(None),
            _ = until(run_deadline) => {
                if s.once && !client_came.load(Ordering::Relaxed) {
                    break Err(Some(no_client(s.server.max_runtime.unwrap_or_default())));
                }
                break checks.at_end("--max-runtime expired");
            }
            _ = until(checks.expect.deadline()), if checks.expect.deadline().is_some() => break Err(Some(checks.timed_out())),
            Some(note) = notes.recv() => match note {
                Note::Received(data) => {
                    if checks.received(&data) {
                        break Ok(());
                    }
                }
                Note::Ended(conn, result) => {
                    ends.insert(conn, result);
                }
            },
            Some(report) = server.reports.recv() => {
                reports.push(report);
                if s.once {
                    // The handler's account arrives before its report; a failed upgrade has none.
                    while let Ok(Note::Ended(conn, r)) = notes.try_recv() {
                        ends.insert(conn, r);
                    }
                    let end = ends.remove(&1).unwrap_or_else(|| Err(Error::ClientHandshake {
                        message: format!("the client's upgrade failed: {}", reports[0].outcome),
                    }));
                    break end.map_err(Some).and_then(|()| checks.at_end("the client left"));
                }
            },
            line = source.next(), if !stdin_done => match line {
                Some(Line::Message(line, _)) => clients::route(clients::message(line, s.binary), &inboxes, &clock, &mut sink),
                Some(Line::Command(line, n)) => {
                    match clients::run_command(&line, s.binary, &inboxes, &clock, &mut sink, notes_out.as_mut()).await {
                        Ok(Effect::None) => {}
                        Ok(Effect::Quit) => {
                            going_away = true;
                            break Ok(());
                        }
                        Err(message) if source.stops_on_errors() => {
                            break Err(Some(Error::usage(command_error(&message, n))));
                        }
                        Err(message) => report_error(notes_out.as_mut(), &command_error(&message, n)),
                    }
                }
                Some(Line::End) => {
                    going_away = true;
                    break Ok(());
                }
                None => stdin_done = true,
            },
        }
    };
    let status = match &outcome {
        Ok(()) => ExitStatus::Success,
        Err(None) => ExitStatus::Interrupted,
        Err(Some(e)) => e.exit_status(),
    };
    if status != ExitStatus::Interrupted && !going_away {
        close_code.store(1000, Ordering::Relaxed);
    }
    let mut summary = server.shutdown(&reports).await;
    summary.exit = status.code();
    clock.emit(&mut sink, EventKind::Summary(summary));
    drop(sink);
    if let Ok(mut printer) = printer_task.await {
        source.leave(&mut printer);
        if let Err(Some(e)) = &outcome {
            printer.error(e, clock.elapsed());
        }
    }
    status
}

/// `--once` waited out `--max-runtime` without a client: a step waiting for one must fail.
fn no_client(after: Duration) -> Error {
    let after = humantime::format_duration(after);
    Error::ExpectFailed {
        message: format!("no client connected within {after} (--max-runtime)"),
        recent: Vec::new(),
    }
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
        Ok(()) => "closed".to_string(),
        Err(e) => e.to_string(),
    };
    let _ = notes.send(Note::Ended(ctx.conn, result));
    (outcome, session.totals())
}

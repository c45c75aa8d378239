//! What `connect` sends: the `-x` preamble, then stdin (messages, `--commands` or the REPL);
//! and what a REPL command does to the session.

use std::collections::VecDeque;

pub(super) use crate::commands::dispatch::Effect;
use crate::commands::dispatch::{dispatch, Peers};
use crate::commands::input::{command_error, Line, Source};
use crate::core::error::Error;
use crate::core::event::{Dir, EventKind};
use crate::core::session::{Clock, Outgoing, Session};
use crate::output::Printer;
use crate::repl::parse::{self, Control, Mode};
use crate::settings::InputFormat;

/// One thing the input asks for.
pub(super) enum Input {
    Send(Outgoing),
    Command(Control, u64),
    /// A malformed command: reported, then the run goes on (REPL, `--keep-going`) or ends
    /// with exit 2.
    Bad(String),
    /// The REPL ended (Ctrl-D, or Ctrl-C on an empty line): close and leave.
    End,
}

/// The next input: the preamble first, then the source; None at the end of stdin. A message
/// line that does not decode is a usage error (exit 2), as it always was.
pub(super) async fn next(
    preamble: &mut VecDeque<Outgoing>,
    source: &mut Source,
    format: InputFormat,
) -> Option<Result<Input, Error>> {
    if let Some(out) = preamble.pop_front() {
        return Some(Ok(Input::Send(out)));
    }
    Some(match source.next().await? {
        Line::Message(line, n) => {
            format.decode(line, &format!("stdin line {n}")).map(|d| Input::Send(Outgoing::Data(d)))
        }
        Line::Command(line, n) => Ok(match parse::parse(&line, Mode::Connect) {
            Ok(Control::Message(text)) => match format.decode(text.into_bytes(), "the message") {
                Ok(data) => Input::Send(Outgoing::Data(data)),
                Err(e) => Input::Bad(command_error(&e.to_string(), n)),
            },
            Ok(c) => Input::Command(c, n),
            Err(message) => Input::Bad(command_error(&message, n)),
        }),
        Line::End => Ok(Input::End),
    })
}

/// How long `/stats` waits for what was queued before it to be written.
const STATS_FLUSH_BOUND: std::time::Duration = std::time::Duration::from_millis(500);

/// Carries out a REPL command on the session and the printer. Errors: one line.
pub(super) async fn run_command(
    c: Control,
    session: &mut Session,
    printer: &mut Printer,
    clock: &Clock,
) -> Result<Effect, String> {
    if matches!(c, Control::Stats) {
        // What was queued before `/stats` is written first (bounded: a peer that stops reading
        // cannot hold the REPL), so that its bytes on the wire are known; and its frames are
        // shown before the statistics.
        session.flushed(STATS_FLUSH_BOUND).await;
        session.drain_tap(printer);
    }
    dispatch(c, &mut Server { session, printer, clock }).await
}

/// `connect`'s peer: the server at the other end of its one session.
struct Server<'a> {
    session: &'a mut Session,
    printer: &'a mut Printer,
    clock: &'a Clock,
}

impl Peers for Server<'_> {
    fn mode(&self) -> Mode {
        Mode::Connect
    }

    fn send(&mut self, out: Outgoing) -> Result<(), String> {
        self.session.submit(out, self.printer);
        Ok(())
    }

    /// Plain lines are sent by `next`, as every other message is.
    fn message(&mut self, _: String) -> Result<(), String> {
        Err("not a connect command; /help lists them".into())
    }

    fn stats(&mut self) {
        let (session, printer) = (&*self.session, &mut *self.printer);
        let link = Some(session.link_stats());
        self.clock.emit(printer, EventKind::Stats { pings: session.ping_stats(), echo: None, link });
    }

    fn note(&mut self, line: &str) {
        self.printer.note(line);
    }

    fn own(&mut self, c: Control) -> Result<(), String> {
        let printer = &mut *self.printer;
        match c {
            Control::Pretty(on) => printer.settings_mut().pretty_json = on,
            Control::Full(on) => printer.settings_mut().full_messages = on,
            Control::Verbose(v) => printer.settings_mut().verbosity = v,
            Control::Headers => {
                let Some((request, response)) = self.session.handshake() else {
                    return Err("no handshake recorded".into());
                };
                let verbosity = printer.settings().verbosity;
                printer.settings_mut().verbosity = verbosity.max(1);
                self.clock.emit(printer, EventKind::HandshakeRequest { dir: Dir::Out, raw: request });
                self.clock.emit(
                    printer,
                    EventKind::HandshakeResponse {
                        dir: Dir::In,
                        status: crate::core::net::http::status_code(&response),
                        raw: response,
                        body: Vec::new(),
                    },
                );
                printer.settings_mut().verbosity = verbosity;
            }
            _ => return Err("not a connect command; /help lists them".into()),
        }
        Ok(())
    }
}

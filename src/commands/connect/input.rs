//! What `connect` sends: the `-x` preamble, then stdin (messages, `--commands` or the REPL);
//! and what a REPL command does to the session.

use std::collections::VecDeque;

use crate::commands::input::{command_error, read_file, Line, Source};
use crate::core::error::Error;
use crate::core::event::{Dir, EventKind};
use crate::core::session::{Clock, Outgoing, Session};
use crate::output::Printer;
use crate::repl::parse::{self, Command, Mode};
use crate::settings::InputFormat;

/// One thing the input asks for.
pub enum Input {
    Send(Outgoing),
    Command(Command, u64),
    /// A malformed command: reported, then the run goes on (REPL, `--keep-going`) or ends
    /// with exit 2.
    Bad(String),
    /// The REPL ended (Ctrl-D, or Ctrl-C on an empty line): close and leave.
    End,
}

/// The next input: the preamble first, then the source; None at the end of stdin. A message
/// line that does not decode is a usage error (exit 2), as it always was.
pub async fn next(
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
            Ok(Command::Message(text)) => match format.decode(text.into_bytes(), "the message") {
                Ok(data) => Input::Send(Outgoing::Data(data)),
                Err(e) => Input::Bad(command_error(&e.to_string(), n)),
            },
            Ok(c) => Input::Command(c, n),
            Err(message) => Input::Bad(command_error(&message, n)),
        }),
        Line::End => Ok(Input::End),
    })
}

/// What a command asks of the run beyond the session.
pub enum Effect {
    None,
    Quit,
}

/// Carries out a REPL command on the session and the printer. Errors: one line.
pub async fn run_command(
    c: Command,
    session: &mut Session,
    printer: &mut Printer,
    clock: &Clock,
) -> Result<Effect, String> {
    match c {
        Command::Message(_) | Command::Clients | Command::To(..) | Command::Kick(..) => {
            return Err("not a connect command; /help lists them".into())
        }
        Command::Send(outs) => {
            for out in outs {
                session.submit(out, printer);
            }
        }
        Command::Ping(None) => session.ping(printer),
        Command::Ping(Some(payload)) => session.ping_with(payload, printer),
        Command::File { path, text } => {
            let data = read_file(&path, text).await?;
            session.submit(Outgoing::Data(data), printer);
        }
        Command::Pretty(on) => printer.settings_mut().pretty_json = on,
        Command::Verbose(v) => printer.settings_mut().verbosity = v,
        Command::Stats => {
            clock.emit(printer, EventKind::Stats { pings: session.ping_stats(), echo: None });
            let (sent, received) = (session.sent, session.received);
            printer.note(&format!(
                "* Sent {} messages ({} bytes), received {} messages ({} bytes); connected for {:.1} s",
                sent.messages,
                sent.bytes,
                received.messages,
                received.bytes,
                session.age().as_secs_f64()
            ));
        }
        Command::Headers => {
            let Some((request, response)) = session.handshake() else {
                return Err("no handshake recorded".into());
            };
            let verbosity = printer.settings().verbosity;
            printer.settings_mut().verbosity = verbosity.max(1);
            clock.emit(printer, EventKind::HandshakeRequest { dir: Dir::Out, raw: request });
            clock.emit(
                printer,
                EventKind::HandshakeResponse { dir: Dir::In, raw: response, body: Vec::new() },
            );
            printer.settings_mut().verbosity = verbosity;
        }
        Command::Help => {
            for line in parse::help(Mode::Connect) {
                printer.note(line);
            }
        }
        Command::Quit => return Ok(Effect::Quit),
    }
    Ok(Effect::None)
}

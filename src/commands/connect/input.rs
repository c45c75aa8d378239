//! What `connect` sends: the `-x` preamble, then stdin read as messages, as commands
//! (`--commands`) or through the REPL; and what a REPL command does to the session.

use std::collections::VecDeque;
use std::path::Path;

use tokio::sync::mpsc;

use crate::commands::stdin;
use crate::core::error::Error;
use crate::core::event::{Data, Dir, EventKind};
use crate::core::session::{Clock, Outgoing, Session};
use crate::output::Printer;
use crate::repl::parse::{self, Command, Mode};
use crate::repl::terminal::{self, ReplConfig, ReplInput, Terminal};
use crate::settings::{ConnectSettings, InputFormat, InputMode};

/// The largest file `/file` sends: 64 MiB.
const FILE_MAX: u64 = 64 << 20;

/// Where lines come from.
pub enum Source {
    /// Stdin lines: messages, or commands when `commands` is set (`keep_going`: a malformed
    /// one is skipped).
    Lines { rx: mpsc::Receiver<Vec<u8>>, commands: Option<bool>, number: u64 },
    /// The terminal REPL.
    Repl(Terminal),
}

/// The source `s` asks for; the REPL takes over the printer's output, so that everything
/// prints above the prompt. A terminal the REPL cannot use falls back to reading commands.
pub fn source(s: &ConnectSettings, printer: &mut Printer) -> Source {
    let lines = |commands| Source::Lines { rx: stdin::spawn_lines(s.read_stdin), commands, number: 0 };
    match &s.input_mode {
        InputMode::Messages => lines(None),
        InputMode::Commands { keep_going } => lines(Some(*keep_going)),
        InputMode::Repl { history } => {
            let cfg = ReplConfig {
                mode: Mode::Connect,
                prompt: "> ".into(),
                history: history.clone(),
                secrets: s.request.secrets(),
            };
            match terminal::start(cfg) {
                Ok((t, writer)) => {
                    printer.redirect(Box::new(writer.clone()), Box::new(writer));
                    Source::Repl(t)
                }
                Err(e) => {
                    printer.warning(&format!(
                        "the REPL cannot use this terminal ({e}); reading commands instead"
                    ));
                    lines(Some(true))
                }
            }
        }
    }
}

impl Source {
    /// `--commands` without `--keep-going`: a command that cannot be carried out ends the
    /// run (exit 2).
    pub fn stops_on_errors(&self) -> bool {
        matches!(self, Source::Lines { commands: Some(false), .. })
    }
}

/// One thing the input asks for.
pub enum Input {
    Send(Outgoing),
    Command(Command),
    /// A malformed command: reported, then the run goes on (REPL, `--keep-going`) or ends
    /// with exit 2.
    Bad {
        message: String,
        fatal: bool,
    },
    /// The REPL ended (Ctrl-D, or Ctrl-C on an empty line): close and leave.
    End,
}

/// The next input: the preamble first, then the source; None at the end of stdin.
pub async fn next(
    preamble: &mut VecDeque<Outgoing>,
    source: &mut Source,
    format: InputFormat,
) -> Option<Result<Input, Error>> {
    if let Some(out) = preamble.pop_front() {
        return Some(Ok(Input::Send(out)));
    }
    match source {
        Source::Lines { rx, commands: None, number } => {
            let line = rx.recv().await?;
            *number += 1;
            Some(format.decode(line, &format!("stdin line {number}")).map(|d| Input::Send(Outgoing::Data(d))))
        }
        Source::Lines { rx, commands: Some(keep_going), number } => {
            let line = rx.recv().await?;
            *number += 1;
            let line = String::from_utf8_lossy(&line).into_owned();
            Some(
                command(&line, format, !*keep_going)
                    .map_err(|e| Error::usage(format!("stdin line {number}: {e}"))),
            )
        }
        Source::Repl(t) => match t.input.recv().await? {
            ReplInput::Line(line) => Some(command(&line, format, false)),
            ReplInput::End => Some(Ok(Input::End)),
        },
    }
}

/// A command line: a message (decoded as the input format says), a command, or a report of
/// a malformed one.
fn command(line: &str, format: InputFormat, fatal: bool) -> Result<Input, Error> {
    match parse::parse(line, Mode::Connect) {
        Ok(Command::Message(text)) => match format.decode(text.into_bytes(), "the message") {
            Ok(data) => Ok(Input::Send(Outgoing::Data(data))),
            Err(e) => Ok(Input::Bad { message: e.to_string(), fatal }),
        },
        Ok(c) => Ok(Input::Command(c)),
        Err(message) => Ok(Input::Bad { message, fatal }),
    }
}

/// What a command asks of the run beyond the session.
pub enum Effect {
    None,
    Quit,
}

/// Carries out a REPL command on the session and the printer.
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
            let response = EventKind::HandshakeResponse { dir: Dir::In, raw: response, body: Vec::new() };
            clock.emit(printer, response);
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

/// The file as one message: binary, or text when asked and it is UTF-8. Bounded by
/// `FILE_MAX`.
async fn read_file(path: &Path, text: bool) -> Result<Data, String> {
    let show = path.display().to_string().escape_debug().to_string();
    let meta = tokio::fs::metadata(path).await.map_err(|e| format!("/file {show}: {e}"))?;
    if meta.len() > FILE_MAX {
        return Err(format!("/file {show}: {} bytes is more than the 64 MiB /file sends", meta.len()));
    }
    let bytes = tokio::fs::read(path).await.map_err(|e| format!("/file {show}: {e}"))?;
    if !text {
        return Ok(Data::Binary(bytes.into()));
    }
    String::from_utf8(bytes)
        .map(|t| Data::Text(t.into()))
        .map_err(|_| format!("/file {show} is not UTF-8 text; send it without --text"))
}

/// Reports a malformed command as a one-line error.
pub fn report_bad(printer: &mut Printer, message: &str) {
    printer.note(&format!("error: {}", crate::output::sanitize::escape(message)));
}

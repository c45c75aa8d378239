//! Stdin for `connect` and `listen`: lines read in a task (messages, or commands with
//! `--commands`), or the terminal REPL; and what both do with a `/file`.

use std::io::Write;
use std::path::Path;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::core::event::Data;
use crate::output::sanitize::escape;
use crate::output::Printer;
use crate::repl::parse::Mode;
use crate::repl::terminal::{self, PromptWriter, ReplConfig, ReplInput, Terminal};
use crate::settings::InputMode;

/// The largest file `/file` sends: 64 MiB.
const FILE_MAX: u64 = 64 << 20;

/// Where lines come from.
pub enum Source {
    /// Stdin lines: messages, or commands when `commands` is set (`keep_going`: one that
    /// cannot be carried out is reported and skipped).
    Lines { rx: mpsc::Receiver<Vec<u8>>, commands: Option<bool>, number: u64 },
    /// The terminal REPL, and its writer for lines above the prompt.
    Repl(Terminal, PromptWriter),
}

/// One line of input.
pub enum Line {
    /// A message line (`Source::Lines` without `--commands`), with its number.
    Message(Vec<u8>, u64),
    /// A command line (REPL or `--commands`), with its number (0 in the REPL).
    Command(String, u64),
    /// The REPL ended: Ctrl-D, or Ctrl-C on an empty line.
    End,
}

impl Source {
    /// The source `mode` asks for. The REPL takes over the printer's output, so that all
    /// output prints above the prompt; a terminal it cannot use falls back to commands.
    pub fn open(
        mode: &InputMode,
        read_stdin: bool,
        repl: Mode,
        secrets: Vec<String>,
        printer: &mut Printer,
    ) -> Source {
        let lines = |commands| Source::Lines { rx: spawn_lines(read_stdin), commands, number: 0 };
        match mode {
            InputMode::Messages => lines(None),
            InputMode::Commands { keep_going } => lines(Some(*keep_going)),
            InputMode::Repl { history } => {
                let prompt = match repl {
                    Mode::Connect => "> ",
                    Mode::Listen => "listen> ",
                };
                let cfg = ReplConfig { mode: repl, prompt: prompt.into(), history: history.clone(), secrets };
                match terminal::start(cfg) {
                    Ok((t, writer)) => {
                        printer.redirect(Box::new(writer.clone()), Box::new(writer.clone()));
                        Source::Repl(t, writer)
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

    /// The next line; None at the end of stdin.
    pub async fn next(&mut self) -> Option<Line> {
        match self {
            Source::Lines { rx, commands, number } => {
                let line = rx.recv().await?;
                *number += 1;
                Some(match commands {
                    None => Line::Message(line, *number),
                    Some(_) => Line::Command(String::from_utf8_lossy(&line).into_owned(), *number),
                })
            }
            Source::Repl(t, _) => match t.input.recv().await? {
                ReplInput::Line(line) => Some(Line::Command(line, 0)),
                ReplInput::End => Some(Line::End),
            },
        }
    }

    /// Leaves the REPL before the run's last lines: the terminal is restored and the printer
    /// writes to stdout and stderr again, so nothing queued for the line editor is lost when
    /// the process exits.
    pub fn leave(&mut self, printer: &mut Printer) {
        if let Source::Repl(t, _) = self {
            // What was handed to the line editor a moment ago is printed by its thread.
            std::thread::sleep(std::time::Duration::from_millis(50));
            t.restore();
            printer.redirect(Box::new(std::io::stdout()), Box::new(std::io::stderr()));
        }
    }

    /// `--commands` without `--keep-going`: a command that cannot be carried out ends the
    /// run (exit 2).
    pub fn stops_on_errors(&self) -> bool {
        matches!(self, Source::Lines { commands: Some(false), .. })
    }

    /// Where notes that are no events go (REPL help, command errors): above the prompt, or
    /// stderr.
    pub fn notes(&self) -> Box<dyn Write + Send> {
        match self {
            Source::Repl(_, w) => Box::new(w.clone()),
            Source::Lines { .. } => Box::new(std::io::stderr()),
        }
    }
}

/// A command error as a one-line message, naming the stdin line when there is one.
pub fn command_error(message: &str, number: u64) -> String {
    if number == 0 {
        message.to_string()
    } else {
        format!("stdin line {number}: {message}")
    }
}

/// Writes `error: …`, escaped, as a note.
pub fn report_error(notes: &mut dyn Write, message: &str) {
    let _ = writeln!(notes, "error: {}", escape(message));
}
/// Raw stdin lines; the channel closes at end of input (at once when stdin is not read). A
/// stdin that is closed or unreadable counts as empty; line ends (LF, CRLF) are removed.
pub fn spawn_lines(read: bool) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(16);
    if read {
        tokio::spawn(async move {
            let mut reader = BufReader::new(tokio::io::stdin());
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                if tx.send(line).await.is_err() {
                    return;
                }
            }
        });
    }
    rx
}

/// `/file`: the file as one message, binary, or text when asked and it is UTF-8. At most
/// 64 MiB.
pub async fn read_file(path: &Path, text: bool) -> Result<Data, String> {
    use tokio::io::AsyncReadExt;
    let show = path.display().to_string().escape_debug().to_string();
    let file = tokio::fs::File::open(path).await.map_err(|e| format!("/file {show}: {e}"))?;
    // Read at most one byte past the limit: fifos, devices and /proc files report no size.
    let mut bytes = Vec::new();
    file.take(FILE_MAX + 1).read_to_end(&mut bytes).await.map_err(|e| format!("/file {show}: {e}"))?;
    if bytes.len() as u64 > FILE_MAX {
        return Err(format!("/file {show}: more than the 64 MiB /file sends"));
    }
    if !text {
        return Ok(Data::Binary(bytes.into()));
    }
    String::from_utf8(bytes)
        .map(|t| Data::Text(t.into()))
        .map_err(|_| format!("/file {show} is not UTF-8 text; send it without --text"))
}

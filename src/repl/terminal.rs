//! The terminal side of the REPL: rustyline reads lines in a thread of its own (arrows,
//! Home/End, word moves, Ctrl-R, Tab completion of command names, history), and everything
//! wsdiag prints goes through rustyline's external printer, above the prompt, so a half-typed
//! line survives. The terminal mode is saved at start and restored when the REPL ends, also
//! when the connection drops while a line is being read (`tty_mode.rs`).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::completion::Completer;
use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, ConditionalEventHandler, Context, Editor, Event, EventContext, EventHandler, ExternalPrinter,
    Helper, KeyEvent, Movement, RepeatCount,
};
use tokio::sync::mpsc;

use crate::repl::parse::{names, Mode};
use crate::repl::tty_mode::SavedMode;

/// What the user did at the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplInput {
    Line(String),
    /// Ctrl-D, or Ctrl-C on an empty line: close and leave.
    End,
}

/// How the REPL is set up.
#[derive(Debug, Clone)]
pub struct ReplConfig {
    pub mode: Mode,
    pub prompt: String,
    /// Where history is kept (`None`: `--no-history`, or no state directory).
    pub history: Option<PathBuf>,
    /// Values never written to history (credentials from the request); replaced by `***`.
    pub secrets: Vec<String>,
}

/// A running REPL: lines arrive on `input`. Dropping it restores the terminal.
pub struct Terminal {
    pub input: mpsc::UnboundedReceiver<ReplInput>,
    saved: SavedMode,
    restored: bool,
}

impl Terminal {
    /// Restores the terminal as it was before the REPL, once: its attributes, bracketed
    /// paste off (the line editor turns it on while it reads), and the prompt line of a read
    /// still in progress cleared.
    pub fn restore(&mut self) {
        if self.restored {
            return;
        }
        self.restored = true;
        self.saved.restore();
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Prints whole lines above the prompt.
#[derive(Clone)]
pub struct PromptWriter {
    printer: Arc<Mutex<Box<dyn ExternalPrinter + Send>>>,
    pending: Arc<Mutex<Vec<u8>>>,
}

impl Write for PromptWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut pending = self.pending.lock().map_err(|_| io::Error::other("printer lock"))?;
        pending.extend_from_slice(buf);
        while let Some(nl) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=nl).collect();
            let text = String::from_utf8_lossy(&line).into_owned();
            let mut printer = self.printer.lock().map_err(|_| io::Error::other("printer lock"))?;
            printer.print(text).map_err(|e| io::Error::other(e.to_string()))?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Replaces every secret in `line` by `***`.
pub fn mask(line: &str, secrets: &[String]) -> String {
    let mut out = line.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

struct ReplHelper {
    mode: Mode,
}

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let word = &line[..pos];
        if !word.starts_with('/') || word.contains(char::is_whitespace) {
            return Ok((pos, Vec::new()));
        }
        let found =
            names(self.mode).iter().filter(|n| n.starts_with(word)).map(|n| format!("{n} ")).collect();
        Ok((0, found))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}
impl Highlighter for ReplHelper {}
impl Validator for ReplHelper {}
impl Helper for ReplHelper {}

/// Ctrl-C clears a half-typed line, and on an empty line ends the REPL.
struct CtrlC;

impl ConditionalEventHandler for CtrlC {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        Some(if ctx.line().is_empty() { Cmd::Interrupt } else { Cmd::Kill(Movement::WholeBuffer) })
    }
}

/// Starts the REPL on the terminal. Returns it and a writer that prints above the prompt.
/// Errors: the terminal's (for example when it cannot be put in raw mode).
pub fn start(cfg: ReplConfig) -> io::Result<(Terminal, PromptWriter)> {
    let saved = SavedMode::save();
    let fail = |e: ReadlineError| io::Error::other(e.to_string());
    let config = Config::builder().auto_add_history(false).max_history_size(1000).map_err(fail)?.build();
    let mut editor: Editor<ReplHelper, FileHistory> = Editor::with_config(config).map_err(fail)?;
    editor.set_helper(Some(ReplHelper { mode: cfg.mode }));
    editor.bind_sequence(KeyEvent::ctrl('C'), EventHandler::Conditional(Box::new(CtrlC)));
    if let Some(path) = &cfg.history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if path.exists() {
            let _ = editor.load_history(path);
        }
    }
    let printer: Box<dyn ExternalPrinter + Send> = Box::new(editor.create_external_printer().map_err(fail)?);
    let writer = PromptWriter { printer: Arc::new(Mutex::new(printer)), pending: Arc::default() };
    let (tx, input) = mpsc::unbounded_channel();
    // A plain thread, not the runtime's blocking pool: a read in progress must not hold the
    // process open when the session is over.
    std::thread::spawn(move || loop {
        match editor.readline(&cfg.prompt) {
            Ok(line) => {
                if let Some(path) = cfg.history.as_ref().filter(|_| !line.trim().is_empty()) {
                    let _ = editor.add_history_entry(mask(&line, &cfg.secrets));
                    let _ = editor.append_history(path);
                }
                if tx.send(ReplInput::Line(line)).is_err() {
                    return;
                }
            }
            Err(_) => {
                let _ = tx.send(ReplInput::End);
                return;
            }
        }
    });
    Ok((Terminal { input, saved, restored: false }, writer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_history() {
        let secrets = vec!["Bearer s3cr3t-token".to_string(), "s3cr3t-token".to_string(), "ab".to_string()];
        assert_eq!(mask("send s3cr3t-token now", &secrets), "send *** now");
        assert_eq!(mask("Authorization: Bearer s3cr3t-token", &secrets), "Authorization: ***");
        assert_eq!(mask("ab stays: too short to mask", &secrets), "ab stays: too short to mask");
    }
}

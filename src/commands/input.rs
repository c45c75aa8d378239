//! Stdin for `connect` and `listen`: lines read in a task (messages, or commands with
//! `--commands`), or the terminal REPL; and what both do with a `/file`.

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;

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
    Lines { rx: StdinLines, commands: Option<bool>, number: u64 },
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
/// Raw stdin lines; `recv` gives None at end of input (at once when stdin is not read). A
/// stdin that is closed or unreadable counts as empty; line ends (LF, CRLF) are removed.
/// Stdin is read on a thread of its own, straight into the buffer of the line being read: a
/// 64 MiB line is copied once, from the kernel, not through two buffers on its way. Lines
/// come over in batches (those one read completed: one wake-up per read, not per line), one
/// batch waiting at most: the reader stays about two batches ahead of what is sent, so a
/// connection that cannot keep up stops stdin from being read.
pub fn spawn_lines(read: bool) -> StdinLines {
    let (tx, rx) = mpsc::channel(1);
    if read {
        // A thread that cannot start leaves stdin unread: it counts as empty.
        let _ = std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || read_lines(std::io::stdin(), |batch| tx.blocking_send(batch).is_ok()));
    }
    StdinLines { rx, ready: VecDeque::new() }
}

/// Stdin's lines as the reading thread hands them over.
pub struct StdinLines {
    rx: mpsc::Receiver<Vec<Vec<u8>>>,
    ready: VecDeque<Vec<u8>>,
}

impl StdinLines {
    /// The next line; None at the end of stdin.
    pub async fn recv(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(line) = self.ready.pop_front() {
                return Some(line);
            }
            self.ready = self.rx.recv().await?.into();
        }
    }
}

/// Reads of stdin: at most 1 MiB at a time.
const READ_MAX: usize = 1 << 20;
/// A line at least this long (64 KiB) keeps the buffer it was read into.
const LONG_LINE: usize = 64 << 10;

/// Splits `input` into lines and hands them to `deliver` (which returns false to stop) in
/// batches, those each read completed, until the input ends; LF and CRLF line ends are
/// removed, a last line without LF is kept as it is. A read error ends the input, dropping
/// an unfinished line.
fn read_lines(mut input: impl std::io::Read, mut deliver: impl FnMut(Vec<Vec<u8>>) -> bool) {
    // `buf[..filled]` is what was read and not yet delivered; the rest is zeroed free space
    // (zeroed once, as the buffer grows); `buf[..scanned]` holds no line end.
    let mut buf: Vec<u8> = Vec::new();
    let (mut filled, mut scanned) = (0, 0);
    loop {
        let mut batch = Vec::new();
        let mut from = 0;
        while let Some(i) = memchr::memchr(b'\n', &buf[scanned..filled]) {
            let end = scanned + i;
            let mut line = if from == 0 && end >= LONG_LINE {
                // Only the bytes after the line end move.
                let rest = buf.split_off(end + 1);
                (filled, scanned) = (filled - end - 1, 0);
                std::mem::replace(&mut buf, rest)
            } else {
                let line = buf[from..=end].to_vec();
                (from, scanned) = (end + 1, end + 1);
                line
            };
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            batch.push(line);
        }
        if !batch.is_empty() && !deliver(batch) {
            return;
        }
        buf.copy_within(from..filled, 0);
        filled -= from;
        scanned = filled;
        if filled == buf.len() {
            // Full: double the space (a long line), by at most READ_MAX and at least 8 KiB.
            buf.resize(filled + filled.clamp(8 << 10, READ_MAX), 0);
        }
        let end = buf.len().min(filled + READ_MAX);
        let read = loop {
            match input.read(&mut buf[filled..end]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match read {
            Ok(0) => {
                buf.truncate(filled);
                if !buf.is_empty() {
                    deliver(vec![buf]);
                }
                return;
            }
            Ok(n) => filled += n,
            Err(_) => return,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.len().min(self.step).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn lines(data: &[u8], step: usize) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        read_lines(Trickle { data, step }, |batch| {
            got.extend(batch);
            true
        });
        got
    }

    /// What `BufRead::split` makes of `data`, with CR removed before each LF.
    fn expected(data: &[u8]) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        if out.last().is_some_and(Vec::is_empty) {
            out.pop();
        }
        let ended = out.len() - usize::from(!data.ends_with(b"\n") && !data.is_empty());
        for line in &mut out[..ended] {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        out
    }

    #[test]
    fn lines_are_split_as_they_were_however_the_reads_fall() {
        let long = vec![b'x'; 3 * LONG_LINE + 17];
        let mut mixed = b"a\r\n\n\r\nb".to_vec();
        mixed.extend_from_slice(b"\n");
        mixed.extend_from_slice(&long);
        mixed.extend_from_slice(b"\r\nshort\nlast\r");
        let inputs: [&[u8]; 5] = [b"", b"one", b"a\nb\r\nc\n", b"\n\n", &mixed];
        for data in inputs {
            for step in [7, 4096, READ_MAX] {
                assert_eq!(lines(data, step), expected(data), "{} bytes in reads of {step}", data.len());
            }
        }
        for data in inputs.iter().take(4) {
            assert_eq!(lines(data, 1), expected(data), "{data:?} a byte at a time");
        }
        // The last line keeps its CR when no LF follows it.
        assert_eq!(lines(b"x\r", 1), [b"x\r".to_vec()]);
    }

    #[test]
    fn lines_come_in_batches_of_one_read_and_stop_when_no_longer_wanted() {
        let mut batches = Vec::new();
        read_lines(Trickle { data: b"a\nb\nc\nd\n", step: 4 }, |batch| {
            batches.push(batch);
            false
        });
        assert_eq!(batches, [vec![b"a".to_vec(), b"b".to_vec()]], "one read's lines, then nothing");
    }
}

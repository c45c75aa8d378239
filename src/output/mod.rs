//! The only printer: turns events and errors into human lines or NDJSON. Data goes to stdout,
//! diagnostics to stderr; a closed stdout is remembered so commands can stop quietly.

pub mod channel;
mod headers;
mod http2;
pub(crate) mod human;
pub(crate) mod json;
pub mod payload;
pub mod prometheus;
mod record;
pub mod replay;
pub mod report;
pub mod sanitize;
mod stdout_gone;
pub mod words;

pub use record::Recorder;
pub use stdout_gone::stdout_gone;

use std::io::{self, Write};

use crate::core::error::Error;
use crate::core::event::{Event, EventSink};

/// How events are shown, resolved once from flags, TTY and environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSettings {
    pub json: bool,
    /// 0: messages only; 1: handshake, timings, closes; 2: also frames.
    pub verbosity: u8,
    pub color_stdout: bool,
    pub color_stderr: bool,
    pub show_secrets: bool,
    /// Print a line per pong (set when the user asked for pings).
    pub show_pongs: bool,
    /// Show data messages (servers hide them from echo's default output).
    pub show_messages: bool,
    /// Prefix lines with the connection id (servers).
    pub prefix_conn: bool,
    /// Start each human line with the UTC time (`--timestamps`, and in the REPL).
    pub timestamps: bool,
    /// The REPL: data messages in both directions, marked `<` and `>`, on one stream.
    pub repl: bool,
    /// Pretty-print JSON text messages as they arrive (`/pretty on`).
    pub pretty_json: bool,
    /// The REPL shows whole messages instead of a preview with the length (`/full on`).
    pub full_messages: bool,
    /// Show pongs (and their RTT) of pings typed as commands (REPL, `--commands`), without
    /// the ping statistics of `--ping-*` runs.
    pub command_pongs: bool,
}

impl OutputSettings {
    /// Whether each client's arrival has a line at the default verbosity, as its departure
    /// does: `listen`, which shows what its clients send (not `echo`, whose clients are load).
    pub fn arrivals(&self) -> bool {
        self.prefix_conn && self.show_messages
    }

    /// JSON with every other choice at its default: for errors found before the flags could
    /// be read.
    pub fn json_only() -> Self {
        OutputSettings {
            json: true,
            verbosity: 0,
            color_stdout: false,
            color_stderr: false,
            show_secrets: false,
            show_pongs: false,
            show_messages: true,
            prefix_conn: false,
            timestamps: false,
            repl: false,
            pretty_json: false,
            full_messages: false,
            command_pongs: false,
        }
    }

    /// Whether an event would be shown at all: lets busy servers skip events nobody sees.
    pub fn wants(&self, kind: &crate::core::event::EventKind) -> bool {
        use crate::core::event::EventKind as K;
        match kind {
            K::Frame(_) => self.verbosity >= 2,
            K::Message { .. } => self.show_messages,
            K::Ping { .. } | K::Pong { .. } => {
                self.json || self.show_pongs || self.command_pongs || self.verbosity >= 1
            }
            K::Resolved { .. }
            | K::TcpConnected { .. }
            | K::UnixConnected { .. }
            | K::Tls(_)
            | K::HandshakeRequest { .. }
            | K::InterimResponse { .. }
            | K::HandshakeResponse { .. }
            | K::Open { .. } => self.json || self.verbosity >= 1,
            K::Http2Frame { frame, .. } => self.json || self.verbosity >= http2::shown_at(frame),
            K::Accepted { .. } | K::Stream { .. } | K::Http2Connection { .. } => {
                self.json || self.verbosity >= 1 || self.arrivals()
            }
            K::Close { .. } => self.json || self.verbosity >= 1 || self.repl,
            _ => true,
        }
    }
}

pub struct Printer {
    settings: OutputSettings,
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
    closed: bool,
    /// `--record`: every event also goes to this file, in full.
    record: Option<Recorder>,
}

impl Printer {
    pub fn stdio(settings: OutputSettings) -> Self {
        Self::new(settings, Box::new(io::stdout()), Box::new(io::stderr()))
    }

    pub fn new(settings: OutputSettings, out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Self {
        if settings.color_stdout || settings.color_stderr {
            colored::control::set_override(true);
        }
        Printer { settings, out, err, closed: false, record: None }
    }

    pub fn settings(&self) -> &OutputSettings {
        &self.settings
    }

    /// Settings change in the REPL (`/verbose`, `/pretty`).
    pub fn settings_mut(&mut self) -> &mut OutputSettings {
        &mut self.settings
    }

    /// Sends what is printed somewhere else (the REPL prints above its prompt).
    pub fn redirect(&mut self, out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) {
        self.out = out;
        self.err = err;
    }

    /// Also writes every event to `recorder` (`--record`).
    pub fn record_to(&mut self, recorder: Recorder) {
        self.record = Some(recorder);
    }

    /// The settings that decide which events reach this printer at all (servers drop the
    /// others before they cross to the printer's thread): every event when recording.
    pub fn wanted(&self) -> OutputSettings {
        let mut s = self.settings;
        if self.record.is_some() {
            s.json = true;
            s.show_messages = true;
        }
        s
    }

    /// One line of data on stdout (a subcommand's result document).
    pub fn data_line(&mut self, line: &str) {
        self.out_line(line);
    }

    /// A line of wsdiag's own on stderr (REPL help, command errors), not an event.
    pub fn note(&mut self, line: &str) {
        self.err_line(line);
    }

    /// Writes one line of data to stdout and flushes it; a closed reader ends output quietly.
    fn out_line(&mut self, line: &str) {
        if self.closed {
            return;
        }
        let res = writeln!(self.out, "{line}").and_then(|_| self.out.flush());
        if let Err(e) = res {
            // Whatever the reason, stdout is gone; BrokenPipe is the common, quiet case.
            let _ = e;
            self.closed = true;
        }
    }

    /// Writes one line of data to stdout as `head`, the pieces `body` writes and a newline,
    /// then flushes; a closed reader ends output quietly.
    fn out_pieces(&mut self, head: &[u8], body: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) {
        if self.closed {
            return;
        }
        let out = &mut *self.out;
        let res = out.write_all(head).and_then(|_| body(out)).and_then(|_| out.write_all(b"\n"));
        if res.and_then(|_| out.flush()).is_err() {
            self.closed = true;
        }
    }

    /// Writes one diagnostic line to stderr (failures to write diagnostics are ignored).
    fn err_line(&mut self, line: &str) {
        let _ = writeln!(self.err, "{line}");
    }

    /// Reports an error that ends the run: `error:`, `caused by:`, `body:` and `hint:` lines on
    /// stderr, and an `error` event on stdout in JSON mode.
    pub fn error(&mut self, err: &Error, t: std::time::Duration) {
        if self.settings.json {
            let line = json::error(err, t);
            self.out_line(&line);
        }
        for line in human::error_lines(err, &self.settings) {
            self.err_line(&line);
        }
    }

    /// The `summary` of a run that ended before any traffic (a usage error, a port that cannot
    /// be bound): in JSON only, as the subcommand's last line; in human output the error says
    /// it all.
    pub fn empty_summary(&mut self, exit: u8, t: std::time::Duration, server: bool) {
        if !self.settings.json {
            return;
        }
        let summary = crate::core::event::Summary {
            exit,
            duration: t,
            sent: Default::default(),
            received: Default::default(),
            pings: Default::default(),
            echo: None,
            close: None,
            connections: server.then_some(0),
        };
        self.emit(Event { t, conn: 0, kind: crate::core::event::EventKind::Summary(summary) });
    }

    /// Prints a handshake-inspect report: raw bytes, one JSON document, or the human report.
    /// The handshake-inspect report; `raw` prints the bytes as they crossed the wire, escaped
    /// line by line when `escape` (stdout is a terminal: a hostile reply must not drive it).
    pub fn report(&mut self, report: &crate::core::inspect::Report, raw: bool, escape: bool) {
        if raw {
            let mut bytes = report::raw(report);
            if escape {
                let mut shown = String::new();
                for line in bytes.split(|&b| b == b'\n') {
                    shown.push_str(&sanitize::escape_bytes(line.strip_suffix(b"\r").unwrap_or(line)));
                    shown.push('\n');
                }
                bytes = shown.trim_end_matches('\n').as_bytes().to_vec();
                bytes.push(b'\n');
            }
            if self.out.write_all(&bytes).and_then(|_| self.out.flush()).is_err() {
                self.closed = true;
            }
            let line = format!("verdict: {}", report.verdict());
            self.err_line(&line);
            // What went wrong is on stderr too: the bytes alone do not say.
            if let Some(e) = report.last().and_then(|h| h.error.as_ref()) {
                self.err_line(&format!("error: {}", sanitize::escape(&e.to_string())));
            }
        } else if self.settings.json {
            let doc = report::json(report, &self.settings);
            self.out_line(&doc);
        } else {
            let text = report::human(report, &self.settings);
            self.out_line(text.trim_end_matches('\n'));
        }
    }

    /// A `warning:` line on stderr.
    pub fn warning(&mut self, message: &str) {
        let line = human::warning_line(message, &self.settings);
        self.err_line(&line);
    }
}

impl EventSink for Printer {
    fn emit(&mut self, event: Event) {
        if let Some(recorder) = &mut self.record {
            if let Err(e) = recorder.event(&event) {
                self.record = None;
                self.warning(&format!("--record: cannot write the record any more: {e}"));
            }
        }
        if self.settings.json {
            json::render(self, &event);
            if let crate::core::event::EventKind::Warning { message } = &event.kind {
                self.warning(message);
            }
        } else {
            human::render(self, &event);
        }
    }

    fn closed(&self) -> bool {
        self.closed
    }
}

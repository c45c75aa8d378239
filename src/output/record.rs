//! `--record FILE`: the session as NDJSON for `wsdiag replay`, beside the usual output. The
//! first line is `{"type":"recording","version":1,"url":…,"side":"client"}` (`connect`; for
//! `listen`, `"url":null,"side":"server"`); then every event
//! as `--json` prints it, except that header values are never masked and messages are whole
//! (docs/json.md). On Unix the file is created readable by its owner only: it holds the
//! request's Cookie and Authorization values.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;

use crate::core::error::Error;
use crate::core::event::Event;
use crate::output::payload::write_json_contents;
use crate::output::{json, OutputSettings};
use crate::recording::FORMAT_VERSION;

/// The open record file and how its lines are written (JSON, secrets in full).
pub struct Recorder {
    file: BufWriter<File>,
    settings: OutputSettings,
}

impl Recorder {
    /// Creates (or truncates) `path` and writes the `recording` line: for a client session of
    /// `url` (`Some`), or a server's (`None`). Errors: the file cannot be created or written
    /// (usage).
    pub fn create(path: &Path, url: Option<&str>) -> Result<Self, Error> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let cannot = |e: std::io::Error| Error::usage(format!("--record {}: {e}", path.display()));
        let file = options.open(path).map_err(cannot)?;
        let mut settings = OutputSettings::json_only();
        settings.show_secrets = true;
        let mut recorder = Recorder { file: BufWriter::new(file), settings };
        let head = json!({ "type": "recording", "version": FORMAT_VERSION, "url": url, "side": if url.is_some() { "client" } else { "server" }, "t": 0.0, "conn": 0 });
        recorder.line(&head.to_string()).map_err(cannot)?;
        Ok(recorder)
    }

    /// Writes the event's line. Errors: the write failed (the caller warns once and stops).
    /// A large message's payload is written a piece at a time, as on stdout.
    pub fn event(&mut self, event: &Event) -> std::io::Result<()> {
        if let Some((head, data, tail)) = json::streamed(event) {
            self.file.write_all(head.as_bytes())?;
            write_json_contents(data, &mut self.file)?;
            self.file.write_all(tail.as_bytes())?;
            return self.line("");
        }
        match json::event(event, &self.settings) {
            Some(line) => self.line(&line),
            None => Ok(()),
        }
    }

    /// One line, flushed at once: a run cut short keeps what it recorded.
    fn line(&mut self, line: &str) -> std::io::Result<()> {
        writeln!(self.file, "{line}")?;
        self.file.flush()
    }
}

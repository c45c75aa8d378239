//! Recordings a replay reads: a browser's HAR export (Chrome's and Firefox's
//! `_webSocketMessages`) or wsdiag's own NDJSON (`connect --record`, `connect --json`), each
//! turned into what a new connection needs (URL, request headers) and a script of messages.
//! Errors name the file and the place (a line and column, or a path into the HAR document).

mod har;
mod ndjson;

use std::path::Path;

use crate::core::error::Error;
use crate::core::replay::Script;

/// The version of the NDJSON recording format this wsdiag writes and reads (the `version`
/// field of its `recording` line).
pub const FORMAT_VERSION: u64 = 1;

/// One recorded WebSocket connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recording {
    /// Which connection of the file, for messages ("entry 2", "the recording").
    pub label: String,
    /// The URL connected to (`ws://`, `wss://`, or `builtin:…`).
    pub url: String,
    /// The upgrade request's headers as recorded, in order (including the ones a new
    /// connection makes anew).
    pub headers: Vec<(String, String)>,
    pub script: Script,
    /// What was left out, for `-v`.
    pub notes: Vec<String>,
}

/// Reads the recordings in `path`: every WebSocket entry of a HAR file, or the one
/// connection of an NDJSON recording. Errors (usage): unreadable, not UTF-8, bad or truncated
/// JSON, no WebSocket entries, a message that cannot be read.
pub fn load(path: &Path) -> Result<Vec<Recording>, Error> {
    let shown = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| Error::usage(format!("{shown}: cannot read the recording: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::usage(format!(
            "{shown}: byte {} is not UTF-8 (a recording is JSON)",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let bad = |place: String, why: String| Error::Usage {
        message: format!("{shown}: {place}: {why}"),
        hint: Some("replay reads a HAR export (Chrome, Firefox) or the NDJSON of connect --record".into()),
    };
    if ndjson::looks_like(&text) {
        ndjson::parse(&text, &bad)
    } else {
        har::parse(&text, &bad)
    }
}

/// Where a JSON syntax error is, and what it is, in words.
fn json_error(e: &serde_json::Error, line_offset: usize) -> (String, String) {
    use serde_json::error::Category;
    let why = match e.classify() {
        Category::Eof => "the JSON ends early (is the file truncated?)".to_string(),
        _ => {
            let text = e.to_string();
            let at = text.rfind(" at line ").unwrap_or(text.len());
            format!("not valid JSON: {}", &text[..at])
        }
    };
    (format!("line {}, column {}", e.line() + line_offset, e.column()), why)
}

/// `http(s)://` as `ws(s)://` (Firefox and some Chrome versions export WebSocket URLs so).
fn ws_url(url: &str) -> String {
    match url.split_once("://") {
        Some(("http", rest)) => format!("ws://{rest}"),
        Some(("https", rest)) => format!("wss://{rest}"),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests;

//! wsdiag's own NDJSON: what `connect --record` writes (a `recording` line, then the events
//! of `--json` with every header value in full), or plain `connect --json` output. Replay
//! reads the `recording` line (`version`, `url`, `side`), the first `handshake_request`
//! (`headers`, `path`, `conn`), `tls` (for the scheme when there is no URL) and every `message`
//! of that connection (`t`, `dir`, `kind`, `data`); other lines are skipped.

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::{json_error, Recording, FORMAT_VERSION};
use crate::core::error::Error;
use crate::core::event::{Data, Side};
use crate::core::replay::{Script, Step};

type Bad<'a> = &'a dyn Fn(String, String) -> Error;

/// NDJSON when the first line is a whole JSON object with a `type` (a HAR's first line is
/// not: it is pretty-printed, or the whole document).
pub(super) fn looks_like(text: &str) -> bool {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    serde_json::from_str::<Value>(first).is_ok_and(|v| v.get("type").is_some_and(Value::is_string))
}

/// What the lines say so far.
#[derive(Default)]
struct Read {
    url: Option<String>,
    /// Whose side the `out` messages are.
    recorder: Option<Side>,
    request: Option<(String, Vec<(String, String)>)>,
    /// The connection of the first `handshake_request`: a server's record holds many, and
    /// the first one is replayed.
    conn: Option<u64>,
    tls: bool,
    steps: Vec<Step>,
}

pub(super) fn parse(text: &str, bad: Bad) -> Result<Vec<Recording>, Error> {
    let mut read = Read::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let place = format!("line {}", i + 1);
        let v: Value = serde_json::from_str(line).map_err(|e| {
            let (at, why) = json_error(&e, i);
            bad(at, why)
        })?;
        let kind =
            v.get("type").and_then(Value::as_str).ok_or_else(|| bad(place.clone(), "no \"type\"".into()))?;
        match kind {
            "recording" => read.recording(&v, &place, bad)?,
            "handshake_request" if read.request.is_none() => {
                read.request = Some(request(&v, &place, bad)?);
                read.conn = v.get("conn").and_then(Value::as_u64);
            }
            "tls" => read.tls = true,
            "message" if v.get("conn").and_then(Value::as_u64) == read.conn => {
                read.steps.push(message(&v, &place, bad, read.recorder.unwrap_or(Side::Client))?)
            }
            _ => {}
        }
    }
    let (path, headers) = read.request.ok_or_else(|| {
        bad("the whole file".into(), "no handshake_request line: not a wsdiag recording".into())
    })?;
    let mut notes = Vec::new();
    let headers: Vec<(String, String)> = headers
        .into_iter()
        .filter(|(name, value)| {
            let masked = value == "***" || value.ends_with(" ***");
            if masked {
                notes.push(format!(
                    "{name} was masked in the recording and is not sent (record with --record)"
                ));
            }
            !masked
        })
        .collect();
    let url = match read.url {
        Some(url) => url,
        None => {
            let host = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("host"))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                bad("handshake_request".into(), "no Host header to rebuild the URL from".into())
            })?;
            format!("{}://{host}{path}", if read.tls { "wss" } else { "ws" })
        }
    };
    let start = read.steps.first().map_or(Duration::ZERO, |s| s.at);
    let steps = read.steps.into_iter().map(|s| Step { at: s.at.saturating_sub(start), ..s }).collect();
    Ok(vec![Recording { label: "recording".into(), url, headers, script: Script { steps }, notes }])
}

impl Read {
    fn recording(&mut self, v: &Value, place: &str, bad: Bad) -> Result<(), Error> {
        let version = v.get("version").and_then(Value::as_u64);
        match version {
            Some(FORMAT_VERSION) => {}
            Some(n) if n > FORMAT_VERSION => {
                return Err(bad(
                    place.into(),
                    format!(
                        "recording format version {n} is newer than this wsdiag reads ({FORMAT_VERSION})"
                    ),
                ))
            }
            _ => return Err(bad(place.into(), format!("\"version\" must be {FORMAT_VERSION}"))),
        }
        self.recorder = Some(match v.get("side").and_then(Value::as_str) {
            Some("server") => Side::Server,
            _ => Side::Client,
        });
        // A server's record has no URL of its own: the client's request gives one.
        self.url = match v.get("url") {
            Some(Value::String(url)) => Some(url.clone()),
            None | Some(Value::Null) if self.recorder == Some(Side::Server) => None,
            _ => return Err(bad(place.into(), "no \"url\"".into())),
        };
        Ok(())
    }
}

fn request(v: &Value, place: &str, bad: Bad) -> Result<(String, Vec<(String, String)>), Error> {
    let path = v.get("path").and_then(Value::as_str).unwrap_or("/").to_string();
    let mut headers = Vec::new();
    for h in v.get("headers").and_then(Value::as_array).into_iter().flatten() {
        match (h.get(0).and_then(Value::as_str), h.get(1).and_then(Value::as_str)) {
            (Some(n), Some(value)) => headers.push((n.to_string(), value.to_string())),
            _ => return Err(bad(place.into(), "a header is not a [name, value] pair".into())),
        }
    }
    Ok((path, headers))
}

fn message(v: &Value, place: &str, bad: Bad, recorder: Side) -> Result<Step, Error> {
    let by = match v.get("dir").and_then(Value::as_str) {
        Some("out") => recorder,
        Some("in") => recorder.other(),
        _ => return Err(bad(place.into(), "a message's \"dir\" must be \"out\" or \"in\"".into())),
    };
    let t =
        v.get("t").and_then(Value::as_f64).ok_or_else(|| bad(place.into(), "no \"t\" (seconds)".into()))?;
    let data = v.get("data");
    let data = match (v.get("kind").and_then(Value::as_str), data) {
        (Some("text"), Some(d)) => match d.get("text").and_then(Value::as_str) {
            Some(t) => Data::Text(t.into()),
            None => return Err(bad(place.into(), "a text message needs data.text".into())),
        },
        (Some("binary"), Some(d)) => {
            let b64 = d.get("bytes").and_then(Value::as_str).unwrap_or("");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| bad(place.into(), format!("data.bytes is not base64: {e}")))?;
            Data::Binary(bytes.into())
        }
        _ => return Err(bad(place.into(), "a message needs \"kind\" (text or binary) and \"data\"".into())),
    };
    Ok(Step { by, at: Duration::try_from_secs_f64(t.max(0.0)).unwrap_or_default(), data })
}

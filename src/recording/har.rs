//! HAR 1.2 exports with WebSocket messages: Chrome and Firefox write each WebSocket
//! connection as an entry whose `_webSocketMessages` lists `{type: "send"|"receive", time:
//! seconds since the epoch, opcode: 1 (text) | 2 (binary, data in base64), data}`.

use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::{json_error, ws_url, Recording};
use crate::core::error::Error;
use crate::core::event::{Data, Side};
use crate::core::replay::{Script, Step};

type Bad<'a> = &'a dyn Fn(String, String) -> Error;

pub(super) fn parse(text: &str, bad: Bad) -> Result<Vec<Recording>, Error> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        let (place, why) = json_error(&e, 0);
        bad(place, why)
    })?;
    let entries = doc
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("log.entries".into(), "missing: not a HAR file".into()))?;
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let place = format!("log.entries[{i}]");
        let websocket = entry.get("_resourceType").and_then(Value::as_str) == Some("websocket");
        let Some(messages) = entry.get("_webSocketMessages") else {
            if websocket {
                return Err(bad(place, "a WebSocket entry without _webSocketMessages".into()));
            }
            continue;
        };
        let messages = messages
            .as_array()
            .ok_or_else(|| bad(format!("{place}._webSocketMessages"), "not an array".into()))?;
        out.push(entry_recording(entry, messages, &place, out.len() + 1, bad)?);
    }
    if out.is_empty() {
        return Err(bad(
            "log.entries".into(),
            format!("no WebSocket entries among {} (none has _webSocketMessages)", entries.len()),
        ));
    }
    Ok(out)
}

fn entry_recording(
    entry: &Value,
    messages: &[Value],
    place: &str,
    n: usize,
    bad: Bad,
) -> Result<Recording, Error> {
    let url = entry
        .pointer("/request/url")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{place}.request.url"), "missing".into()))?;
    let mut headers = Vec::new();
    for (j, h) in
        entry.pointer("/request/headers").and_then(Value::as_array).into_iter().flatten().enumerate()
    {
        let field = |f: &str| h.get(f).and_then(Value::as_str).map(String::from);
        match (field("name"), field("value")) {
            (Some(name), Some(value)) => headers.push((name, value)),
            _ => return Err(bad(format!("{place}.request.headers[{j}]"), "needs a name and a value".into())),
        }
    }
    let mut steps = Vec::new();
    let mut first: Option<f64> = None;
    let mut skipped = 0;
    for (j, m) in messages.iter().enumerate() {
        let at = format!("{place}._webSocketMessages[{j}]");
        let by = match m.get("type").and_then(Value::as_str) {
            Some("send") => Side::Client,
            Some("receive") => Side::Server,
            other => {
                return Err(bad(at, format!("'type' is {}, not send or receive", shown(other))));
            }
        };
        let time = m
            .get("time")
            .and_then(Value::as_f64)
            .ok_or_else(|| bad(at.clone(), "no 'time' (seconds)".into()))?;
        let data = m.get("data").and_then(Value::as_str).unwrap_or("");
        let data = match m.get("opcode").and_then(Value::as_u64) {
            Some(1) => Data::Text(data.into()),
            Some(2) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| bad(at.clone(), format!("binary data is not base64: {e}")))?;
                Data::Binary(bytes.into())
            }
            Some(_) => {
                // Control frames, when an exporter lists them, are the connection's own.
                skipped += 1;
                continue;
            }
            None => return Err(bad(at, "no 'opcode' (1 text, 2 binary)".into())),
        };
        let start = *first.get_or_insert(time);
        let offset = Duration::try_from_secs_f64((time - start).max(0.0)).unwrap_or_default();
        steps.push(Step { by, at: offset, data });
    }
    let mut notes = Vec::new();
    if skipped > 0 {
        notes.push(format!("entry {n}: {skipped} control messages skipped"));
    }
    Ok(Recording { label: format!("entry {n}"), url: ws_url(url), headers, script: Script { steps }, notes })
}

fn shown(v: Option<&str>) -> String {
    v.map_or("missing".into(), |s| format!("'{}'", s.escape_debug()))
}

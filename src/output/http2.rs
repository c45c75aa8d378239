//! HTTP/2 frames (RFC 9113, for WebSockets over HTTP/2, RFC 8441) for display: one human line
//! per frame and its JSON fields. Names are the RFCs' (SETTINGS_ENABLE_CONNECT_PROTOCOL,
//! PROTOCOL_ERROR, …); a GOAWAY's debug data is the peer's bytes and is escaped.

use serde_json::{json, Map, Value};

use crate::core::event::http2::{Body, Frame};
use crate::core::event::Dir;
use crate::core::net::h2::error::reason_name;
use crate::core::net::h2::frames::setting_name;
use crate::output::sanitize::escape_bytes;

/// Whether a frame is shown at verbosity 1 (`-v`): flow-control updates only at 2 (`-vv`).
pub(super) fn shown_at(frame: &Frame) -> u8 {
    if frame.kind == 8 {
        2
    } else {
        1
    }
}

/// `HTTP/2 < SETTINGS stream=0 SETTINGS_ENABLE_CONNECT_PROTOCOL=1 …`
pub(super) fn line(dir: Dir, f: &Frame) -> String {
    let arrow = if dir == Dir::Out { ">" } else { "<" };
    let mut line = format!("HTTP/2 {arrow} {} stream={}", f.type_name(), f.stream);
    if f.is_ack() {
        line.push_str(" ACK");
    }
    match &f.body {
        Body::Settings(params) => {
            for (id, value) in params {
                line.push_str(&format!(" {}={value}", setting_name(*id)));
            }
        }
        Body::Ping(data) => line.push_str(&format!(" data={}", const_hex::encode(data))),
        Body::GoAway { last_stream, code, debug } => {
            line.push_str(&format!(" last_stream={last_stream} error={}", reason_name((*code).into())));
            if !debug.is_empty() {
                line.push_str(&format!(" debug=\"{}\"", escape_bytes(debug)));
            }
        }
        Body::RstStream(code) => line.push_str(&format!(" error={}", reason_name((*code).into()))),
        Body::WindowUpdate(n) => line.push_str(&format!(" increment={n}")),
        Body::Opaque => {
            let end_stream = f.kind <= 1 && f.flags & 0x1 != 0;
            line.push_str(&format!(" len={}", f.len));
            if end_stream {
                line.push_str(" END_STREAM");
            }
        }
    }
    line
}

/// The `http2_frame` event's fields (docs/json.md).
pub(super) fn json(dir: &str, f: &Frame) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("dir".into(), json!(dir));
    m.insert("frame".into(), json!(f.type_name()));
    m.insert("frame_raw".into(), json!(f.kind));
    m.insert("stream".into(), json!(f.stream));
    m.insert("flags".into(), json!(f.flags));
    m.insert("len".into(), json!(f.len));
    match &f.body {
        Body::Settings(params) => {
            m.insert("ack".into(), json!(f.is_ack()));
            let params: Vec<Value> = params
                .iter()
                .map(|(id, value)| json!({ "id": id, "name": setting_name(*id), "value": value }))
                .collect();
            m.insert("settings".into(), Value::Array(params));
        }
        Body::Ping(data) => {
            m.insert("ack".into(), json!(f.is_ack()));
            m.insert("data".into(), json!(const_hex::encode(data)));
        }
        Body::GoAway { last_stream, code, debug } => {
            m.insert("last_stream".into(), json!(last_stream));
            m.insert("error".into(), json!(reason_name((*code).into())));
            m.insert("error_code".into(), json!(code));
            m.insert("debug".into(), json!(String::from_utf8_lossy(debug)));
        }
        Body::RstStream(code) => {
            m.insert("error".into(), json!(reason_name((*code).into())));
            m.insert("error_code".into(), json!(code));
        }
        Body::WindowUpdate(n) => {
            m.insert("increment".into(), json!(n));
        }
        Body::Opaque => {}
    }
    m
}

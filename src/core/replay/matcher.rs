//! When a received message matches a recorded one (pure; no I/O, no clock).
//!
//! - The kinds must agree: a text message never matches a binary one.
//! - Binary: the bytes must be equal.
//! - Text: every span matching one of the volatile patterns is replaced by a placeholder, in
//!   both messages, first. Then, when the recorded text is JSON, the received text must be
//!   JSON with the same value (object member order and white space do not matter) once the
//!   ignored JSON pointers (RFC 6901) are removed from both; otherwise the texts must be
//!   equal.

use regex::Regex;
use serde_json::Value;

use crate::core::event::Data;

/// What a volatile span becomes before two texts are compared.
const PLACEHOLDER: &str = "\u{ab}volatile\u{bb}";

/// At most this many differences are listed for one JSON message.
pub const MAX_DIFFERENCES: usize = 20;

/// What may differ between a recorded and a received message.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// JSON pointers (RFC 6901) removed from both JSON documents before comparing.
    pub ignore: Vec<String>,
    /// Spans of text matching one of these are volatile: any text matches them.
    pub volatile: Vec<Regex>,
}

/// One place where two JSON documents differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Where, as a JSON pointer ("" is the whole document).
    pub pointer: String,
    /// The recorded value there (None: absent).
    pub recorded: Option<Value>,
    /// The received value there (None: absent).
    pub received: Option<Value>,
}

/// Why a received message does not match the recorded one.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// Text where binary was recorded, or the reverse.
    Kind,
    /// The binary payloads differ.
    Bytes,
    /// The texts differ (the recorded text is not JSON).
    Text,
    /// The recorded text is JSON; the received text is not.
    NotJson,
    /// Both are JSON with different values: the differences, in document order, at most
    /// [`MAX_DIFFERENCES`].
    Json(Vec<Difference>),
}

impl Mismatch {
    /// A short name, for reports: `kind`, `bytes`, `text`, `not_json`, `json`.
    pub fn name(&self) -> &'static str {
        match self {
            Mismatch::Kind => "kind",
            Mismatch::Bytes => "bytes",
            Mismatch::Text => "text",
            Mismatch::NotJson => "not_json",
            Mismatch::Json(_) => "json",
        }
    }
}

impl Rules {
    /// None when `received` matches `recorded`, else why not.
    pub fn compare(&self, recorded: &Data, received: &Data) -> Option<Mismatch> {
        match (recorded, received) {
            (Data::Binary(a), Data::Binary(b)) => (a != b).then_some(Mismatch::Bytes),
            (Data::Text(a), Data::Text(b)) => self.compare_text(a, b),
            _ => Some(Mismatch::Kind),
        }
    }

    fn compare_text(&self, recorded: &str, received: &str) -> Option<Mismatch> {
        let (recorded, received) = (self.mask(recorded), self.mask(received));
        let Ok(mut want) = serde_json::from_str::<Value>(&recorded) else {
            return (recorded != received).then_some(Mismatch::Text);
        };
        let Ok(mut got) = serde_json::from_str::<Value>(&received) else {
            return Some(Mismatch::NotJson);
        };
        for pointer in &self.ignore {
            remove(&mut want, pointer);
            remove(&mut got, pointer);
        }
        if want == got {
            return None;
        }
        let mut out = Vec::new();
        differences(&want, &got, &mut String::new(), &mut out);
        Some(Mismatch::Json(out))
    }

    /// `text` with every volatile span replaced by the placeholder.
    fn mask(&self, text: &str) -> String {
        let mut text = text.to_string();
        for re in &self.volatile {
            text = re.replace_all(&text, PLACEHOLDER).into_owned();
        }
        text
    }
}

/// Removes the value at `pointer` (RFC 6901), if there is one.
fn remove(doc: &mut Value, pointer: &str) {
    if pointer.is_empty() {
        *doc = Value::Null;
        return;
    }
    let Some((parent, last)) = pointer.rsplit_once('/') else { return };
    let last = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.shift_remove(&last);
        }
        Some(Value::Array(a)) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                // Kept as null so the indexes after it still line up.
                a[i] = Value::Null;
            }
        }
        _ => {}
    }
}

/// An RFC 6901 reference token for `key`.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Appends where `a` and `b` differ, deepest first-differing places, in document order.
fn differences(a: &Value, b: &Value, at: &mut String, out: &mut Vec<Difference>) {
    if out.len() >= MAX_DIFFERENCES || a == b {
        return;
    }
    let len = at.len();
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                at.push('/');
                at.push_str(&token(k));
                match y.get(k) {
                    Some(vb) => differences(va, vb, at, out),
                    None => push(out, at, Some(va), None),
                }
                at.truncate(len);
            }
            for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                at.push('/');
                at.push_str(&token(k));
                push(out, at, None, Some(vb));
                at.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                at.push_str(&format!("/{i}"));
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => differences(va, vb, at, out),
                    (va, vb) => push(out, at, va, vb),
                }
                at.truncate(len);
            }
        }
        _ => push(out, at, Some(a), Some(b)),
    }
}

fn push(out: &mut Vec<Difference>, at: &str, a: Option<&Value>, b: Option<&Value>) {
    if out.len() < MAX_DIFFERENCES {
        out.push(Difference { pointer: at.to_string(), recorded: a.cloned(), received: b.cloned() });
    }
}

//! The result of `wsdiag replay`: a few lines per recorded connection for people, or one JSON
//! document (docs/json.md). Received bytes are escaped before they reach a terminal.

use serde_json::{json, Value};

use crate::core::event::{Data, Side};
use crate::core::replay::drive::{Outcome, Verdict};
use crate::core::replay::matcher::Mismatch;
use crate::core::replay::Script;
use crate::output::payload::{json_data, preview};

/// Characters of a message shown in the human report.
const SHOWN: usize = 200;

/// One recorded connection and what its replay did.
pub struct Replayed<'a> {
    pub label: &'a str,
    pub url: &'a str,
    pub script: &'a Script,
    pub outcome: &'a Outcome,
}

/// How many steps ended each way.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub sent: usize,
    pub matched: usize,
    pub diverged: usize,
    pub missing: usize,
    pub not_reached: usize,
}

impl Counts {
    pub fn of(verdicts: &[Verdict]) -> Counts {
        let mut c = Counts::default();
        for v in verdicts {
            match v {
                Verdict::Sent => c.sent += 1,
                Verdict::Matched => c.matched += 1,
                Verdict::Diverged { .. } => c.diverged += 1,
                Verdict::Missing { .. } => c.missing += 1,
                Verdict::NotReached => c.not_reached += 1,
            }
        }
        c
    }

    fn words(&self) -> String {
        let mut parts = vec![format!("{} sent", self.sent), format!("{} matched", self.matched)];
        for (n, what) in
            [(self.diverged, "diverged"), (self.missing, "missing"), (self.not_reached, "not reached")]
        {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

impl Replayed<'_> {
    /// The first step that did not go as recorded (1-based), and its verdict.
    fn first_divergence(&self) -> Option<(usize, &Verdict)> {
        self.outcome
            .verdicts
            .iter()
            .enumerate()
            .find(|(_, v)| !matches!(v, Verdict::Sent | Verdict::Matched))
            .map(|(i, v)| (i + 1, v))
    }

    /// Whether every recorded step went as recorded.
    pub fn passed(&self) -> bool {
        self.first_divergence().is_none()
    }
}

fn shown(data: &Data) -> String {
    match data {
        Data::Text(t) => preview(t.as_bytes(), true, false, SHOWN),
        Data::Binary(b) => format!("{} ({} bytes)", preview(b, false, false, SHOWN), b.len()),
    }
}

fn value(v: &Option<Value>) -> String {
    v.as_ref().map_or("(absent)".to_string(), |v| crate::output::sanitize::escape(&v.to_string()))
}

/// The human report of one connection.
pub fn human(r: &Replayed) -> Vec<String> {
    let n = r.script.steps.len();
    let head = format!("{} ({})", r.label, crate::output::sanitize::escape(r.url));
    let Some((i, verdict)) = r.first_divergence() else {
        return vec![format!(
            "{head}: {n} messages as recorded: {}",
            Counts::of(&r.outcome.verdicts).words()
        )];
    };
    let step = &r.script.steps[i - 1];
    let from = match step.by {
        Side::Server => "from the server",
        Side::Client => "to the server",
    };
    let at = format!("{:.3} s into the recording", step.at.as_secs_f64());
    let mut lines = Vec::new();
    match verdict {
        Verdict::Diverged { mismatch, received } => {
            lines.push(format!("{head}: message {i} of {n} ({from}, {at}) differs: {}", why(mismatch)));
            lines.push(format!("  recorded: {}", shown(&step.data)));
            lines.push(format!("  received: {}", shown(received)));
            if let Mismatch::Json(diffs) = mismatch {
                for d in diffs {
                    let pointer = if d.pointer.is_empty() { "(whole)".into() } else { d.pointer.clone() };
                    lines.push(format!("  {pointer}: {} → {}", value(&d.recorded), value(&d.received)));
                }
            }
        }
        Verdict::Missing { waited } => {
            let how = match &r.outcome.ended {
                Some(end) => format!("the connection ended first ({})", ended(end)),
                None => format!("nothing came within {:.3} s", waited.as_secs_f64()),
            };
            lines.push(format!("{head}: message {i} of {n} ({from}, {at}) is missing: {how}"));
            lines.push(format!("  recorded: {}", shown(&step.data)));
        }
        _ => {
            let how = r.outcome.ended.as_ref().map_or("the replay stopped".into(), ended);
            lines.push(format!("{head}: message {i} of {n} ({from}, {at}) not reached: {how}"));
        }
    }
    let rest = Counts::of(&r.outcome.verdicts[i..]);
    lines.push(format!("  after it: {} more messages: {}", n - i, rest.words()));
    lines
}

/// How the connection ended, in the error's words.
fn ended(end: &crate::core::session::End) -> String {
    crate::output::sanitize::escape(&crate::core::error::Error::Ended(end.clone()).to_string())
}

fn why(m: &Mismatch) -> &'static str {
    match m {
        Mismatch::Kind => "text and binary",
        Mismatch::Bytes => "other bytes",
        Mismatch::Text => "other text",
        Mismatch::NotJson => "JSON was recorded, this is not JSON",
        Mismatch::Json(_) => "another JSON value",
    }
}

fn data_json(d: &Data) -> Value {
    match d {
        Data::Text(t) => json!({ "kind": "text", "text": t.as_str() }),
        Data::Binary(b) => {
            let mut v = json_data(b, false);
            v["kind"] = json!("binary");
            v
        }
    }
}

/// One connection's part of the JSON document.
fn entry_json(r: &Replayed) -> Value {
    let c = Counts::of(&r.outcome.verdicts);
    let first = r.first_divergence().map(|(i, verdict)| {
        let step = &r.script.steps[i - 1];
        let mut m = json!({
            "message": i,
            "by": if step.by == Side::Server { "server" } else { "client" },
            "at_s": (step.at.as_secs_f64() * 1e6).round() / 1e6,
            "recorded": data_json(&step.data),
        });
        match verdict {
            Verdict::Diverged { mismatch, received } => {
                m["why"] = json!(mismatch.name());
                m["received"] = data_json(received);
                if let Mismatch::Json(diffs) = mismatch {
                    m["differences"] = diffs
                        .iter()
                        .map(|d| json!({ "pointer": d.pointer, "recorded": d.recorded, "received": d.received }))
                        .collect();
                }
            }
            Verdict::Missing { waited } => {
                m["why"] = json!("missing");
                m["waited_s"] = json!((waited.as_secs_f64() * 1e6).round() / 1e6);
            }
            _ => m["why"] = json!("not_reached"),
        }
        m
    });
    json!({
        "entry": r.label,
        "url": r.url,
        "messages": r.script.steps.len(),
        "sent": c.sent,
        "matched": c.matched,
        "diverged": c.diverged,
        "missing": c.missing,
        "not_reached": c.not_reached,
        "ended": r.outcome.ended.as_ref().map(|e| e.ending.name()),
        "first_divergence": first,
    })
}

/// The JSON document: `{"type":"replay","exit":…,"entries":[…]}` on one line.
pub fn json(entries: &[Replayed], exit: u8) -> String {
    let entries: Vec<Value> = entries.iter().map(entry_json).collect();
    json!({ "type": "replay", "exit": exit, "entries": entries }).to_string()
}

//! Expectations on received messages, checked in order: a regex, or a value at a JSON path.
//! Used by `connect --expect/--expect-json` and `listen --expect`.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

use regex::Regex;
use serde_json::Value;

use crate::core::error::Error;
use crate::core::event::Data;

/// Messages kept to show what arrived instead of an expected one.
const RECENT: usize = 5;
/// Characters kept of each of them: 4,096 (text, or hex of 2,048 bytes), then `…`.
const RECENT_CHARS: usize = 4096;

#[derive(Debug, Clone)]
pub enum Expectation {
    Regex(Regex),
    /// `pointer` is a JSON pointer; `shown` is what the user wrote.
    Json {
        pointer: String,
        value: Value,
        shown: String,
    },
}

impl Expectation {
    pub fn matches(&self, data: &Data) -> bool {
        match (self, data) {
            (Expectation::Regex(re), Data::Text(t)) => re.is_match(t),
            (Expectation::Regex(re), Data::Binary(b)) => re.is_match(&crate::core::event::hex(b)),
            (Expectation::Json { pointer, value, .. }, Data::Text(t)) => serde_json::from_str::<Value>(t)
                .ok()
                .and_then(|doc| doc.pointer(pointer).cloned())
                .is_some_and(|found| &found == value),
            (Expectation::Json { .. }, Data::Binary(_)) => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Expectation::Regex(re) => format!("a message matching /{}/", re.as_str()),
            Expectation::Json { shown, .. } => format!("a JSON message with {shown}"),
        }
    }
}

/// One ordered list of expectations and how far it got.
#[derive(Debug, Clone)]
struct Lane {
    list: Vec<Expectation>,
    matched: usize,
    deadline: Option<Instant>,
}

/// Progress through ordered lists of expectations ("lanes": `--expect` patterns and
/// `--expect-json` conditions each keep their own order; one message may advance both).
/// Each expectation has `timeout` from the previous match in its lane (from the start for
/// the first).
#[derive(Debug, Clone)]
pub struct Expectations {
    lanes: Vec<Lane>,
    timeout: Duration,
    recent: VecDeque<String>,
}

impl Expectations {
    pub fn new(lanes: Vec<Vec<Expectation>>, timeout: Duration) -> Self {
        let lanes = lanes
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(|list| Lane { list, matched: 0, deadline: Some(Instant::now() + timeout) })
            .collect();
        Expectations { lanes, timeout, recent: VecDeque::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }

    pub fn done(&self) -> bool {
        self.lanes.iter().all(|l| l.matched == l.list.len())
    }

    /// When the earliest pending expectation times out (None when all are met).
    pub fn deadline(&self) -> Option<Instant> {
        self.lanes.iter().filter_map(|l| l.deadline).min()
    }

    /// Checks a message; true when it met a pending expectation.
    pub fn received(&mut self, data: &Data) -> bool {
        self.recent.push_back(shown(data));
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        let mut any = false;
        for lane in &mut self.lanes {
            if lane.list.get(lane.matched).is_some_and(|e| e.matches(data)) {
                lane.matched += 1;
                lane.deadline = (lane.matched < lane.list.len()).then(|| Instant::now() + self.timeout);
                any = true;
            }
        }
        any
    }

    /// The failure for the earliest pending expectation, `why` saying what ended the wait.
    pub fn failure(&self, why: &str) -> Error {
        let pending = self.lanes.iter().filter(|l| l.matched < l.list.len()).min_by_key(|l| l.deadline);
        let (what, n, of) = match pending {
            Some(l) => (l.list[l.matched].describe(), l.matched + 1, l.list.len()),
            None => (String::new(), 0, 0),
        };
        Error::ExpectFailed {
            message: format!("{why} before {what} arrived (expectation {n} of {of})"),
            recent: self.recent(),
        }
    }

    /// The failure when the earliest pending expectation's time ran out.
    pub fn timed_out(&self) -> Error {
        self.failure(&format!("{} passed", humantime::format_duration(self.timeout)))
    }

    /// The last messages received, oldest first.
    pub fn recent(&self) -> Vec<String> {
        self.recent.iter().cloned().collect()
    }
}

/// A recent message as a failure shows it: text, or binary as hex, cut at `RECENT_CHARS`
/// characters (a large message is not copied whole to be shown).
fn shown(data: &Data) -> String {
    match data {
        Data::Text(t) => match t.char_indices().nth(RECENT_CHARS) {
            Some((at, _)) => format!("{}…", &t[..at]),
            None => t.to_string(),
        },
        Data::Binary(b) if b.len() > RECENT_CHARS / 2 => {
            format!("{}…", crate::core::event::hex(&b[..RECENT_CHARS / 2]))
        }
        Data::Binary(b) => crate::core::event::hex(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    fn text(s: &str) -> Data {
        Data::Text(Utf8Bytes::from(s.to_string()))
    }

    #[test]
    fn json_paths_dotted_and_pointer_with_typed_values() {
        let msg = text(r#"{"status":"ok","data":[{"id":42,"on":true}],"a/b":1}"#);
        for (spec, want) in [
            ("status=ok", true),
            ("status=\"ok\"", true),
            ("data.0.id=42", true),
            ("/data/0/id=42", true),
            ("data.0.id=\"42\"", false),
            ("data.0.on=true", true),
            ("/a~1b=1", true),
            ("missing=1", false),
        ] {
            assert_eq!(Expectation::json(spec).unwrap().matches(&msg), want, "{spec}");
        }
        assert!(!Expectation::json("status=ok").unwrap().matches(&text("not json")));
        assert!(Expectation::json("no-equals").is_err());
    }

    #[test]
    fn expectations_advance_in_order_and_report_recent_messages() {
        let list = vec![Expectation::regex("^a").unwrap(), Expectation::regex("b$").unwrap()];
        let mut e = Expectations::new(vec![list], Duration::from_secs(1));
        assert!(!e.received(&text("xb")), "the second cannot match first");
        assert!(e.received(&text("ab")));
        assert!(!e.done());
        assert!(e.received(&text("xb")));
        assert!(e.done() && e.deadline().is_none());
        let mut e = Expectations::new(vec![vec![Expectation::regex("z").unwrap()]], Duration::from_secs(1));
        e.received(&text("q"));
        let err = e.failure("the server closed");
        assert!(err.to_string().contains("/z/"), "{err}");
        assert_eq!(err.recent(), ["q".to_string()]);
    }

    #[test]
    fn large_recent_messages_are_cut() {
        let mut e = Expectations::new(vec![vec![Expectation::regex("z").unwrap()]], Duration::from_secs(1));
        e.received(&text(&"é".repeat(RECENT_CHARS + 1)));
        e.received(&Data::Binary(vec![0xab; RECENT_CHARS].into()));
        e.received(&Data::Binary(vec![1, 2].into()));
        let recent = e.recent();
        assert_eq!(recent[0], format!("{}…", "é".repeat(RECENT_CHARS)));
        assert_eq!(recent[1], format!("{}…", "ab".repeat(RECENT_CHARS / 2)));
        assert_eq!(recent[2], "0102");
    }

    #[test]
    fn lanes_progress_independently_and_one_message_can_serve_both() {
        let lanes = vec![vec![Expectation::regex("b").unwrap()], vec![Expectation::json("a.b.1=2").unwrap()]];
        let mut e = Expectations::new(lanes, Duration::from_secs(1));
        assert!(e.received(&text(r#"{"a":{"b":[1,2]}}"#)));
        assert!(e.done());
    }
}

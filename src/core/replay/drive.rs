//! The replay loop over one open session, as either side: each step of the local side is sent
//! when its recorded gap (divided by the speed) has passed since the step before it happened
//! here; each step of the peer takes the next data message received, with a bound on the
//! wait, and is judged by the matcher. The first missing message, or the end of the
//! connection, ends the loop.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::{sleep_until, Instant};

use super::matcher::{Mismatch, Rules};
use super::{Pacing, Script};
use crate::core::event::{Data, EventSink, Side};
use crate::core::session::{End, Incoming, Session};

/// What became of one step of the script.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A client step, sent.
    Sent,
    /// A server step, and the message received for it matched.
    Matched,
    /// A server step, and the message received for it did not match.
    Diverged { mismatch: Mismatch, received: Data },
    /// A server step for which nothing came within the bound (or before the connection
    /// ended).
    Missing { waited: Duration },
    /// A step after the loop ended.
    NotReached,
}

/// What a replay of one script did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// One verdict per step of the script, in its order.
    pub verdicts: Vec<Verdict>,
    /// The connection ended during the replay (already reported as an event).
    pub ended: Option<End>,
}

/// Replays `script` over `session` as its `local` side (the steps by `local` are sent, the
/// others expected), reporting what crosses the wire to `sink`. The session is left open
/// (unless the peer ended it) for the caller to close.
pub async fn run(
    session: &mut Session,
    local: Side,
    script: &Script,
    pacing: Pacing,
    rules: &Rules,
    sink: &mut dyn EventSink,
) -> Outcome {
    let mut reader = Reader { session, sink, arrived: VecDeque::new(), ended: None };
    let mut verdicts = Vec::with_capacity(script.steps.len());
    let mut prev_here = Instant::now();
    let mut prev_at = script.steps.first().map_or(Duration::ZERO, |s| s.at);
    for step in &script.steps {
        let due = prev_here + pacing.delay(step.at.saturating_sub(prev_at));
        prev_at = step.at;
        if step.by == local {
            if !reader.read_until(due).await {
                break;
            }
            reader.session.send(step.data.clone(), reader.sink);
            prev_here = Instant::now();
            verdicts.push(Verdict::Sent);
        } else {
            let started = Instant::now();
            let Some((data, when)) = reader.next_message(due + pacing.reply_timeout).await else {
                verdicts.push(Verdict::Missing { waited: started.elapsed() });
                break;
            };
            prev_here = when;
            verdicts.push(match rules.compare(&step.data, &data) {
                None => Verdict::Matched,
                Some(mismatch) => Verdict::Diverged { mismatch, received: data },
            });
        }
    }
    verdicts.resize(script.steps.len(), Verdict::NotReached);
    Outcome { verdicts, ended: reader.ended }
}

/// Reads the session while the loop waits, keeping data messages for the server steps.
struct Reader<'a> {
    session: &'a mut Session,
    sink: &'a mut dyn EventSink,
    /// Data messages received and not yet taken, with when they arrived.
    arrived: VecDeque<(Data, Instant)>,
    ended: Option<End>,
}

impl Reader<'_> {
    /// Reads until `due`; false when the connection ended first.
    async fn read_until(&mut self, due: Instant) -> bool {
        while self.ended.is_none() && Instant::now() < due {
            tokio::select! {
                _ = sleep_until(due) => break,
                incoming = self.session.next(self.sink) => self.keep(incoming),
            }
        }
        self.ended.is_none()
    }

    /// The next data message received, waiting until `deadline` at most.
    async fn next_message(&mut self, deadline: Instant) -> Option<(Data, Instant)> {
        loop {
            if let Some(first) = self.arrived.pop_front() {
                return Some(first);
            }
            if self.ended.is_some() {
                return None;
            }
            tokio::select! {
                _ = sleep_until(deadline) => return None,
                incoming = self.session.next(self.sink) => self.keep(incoming),
            }
        }
    }

    fn keep(&mut self, incoming: Incoming) {
        match incoming {
            Incoming::Message(data) => self.arrived.push_back((data, Instant::now())),
            Incoming::Ended(end) => self.ended = Some(end),
            Incoming::Control | Incoming::Pong(_) => {}
        }
    }
}

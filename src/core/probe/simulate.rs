//! The probe's schedule against a model path in simulated time: how long a real run would
//! take, what it would conclude and how many connections it would hold at once. For the
//! benchmark (`benches/probe.rs`) and the tests; no I/O, no clock.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

use super::schedule::{Actions, Schedule, STOP_GRACE};
use super::search::{Outcome, Plan, Signature, Verdict};

/// A path with an idle timeout, and how a trial learns of it.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// Connections idle this long die.
    pub timeout: Duration,
    /// A hop ends them at the timeout (FIN, seen at once); otherwise the path drops them
    /// silently and a trial learns it only when it speaks, `detect` later.
    pub closing: bool,
    /// From speaking to the death being declared on a silent path: a few retransmission
    /// timeouts with the kernel's evidence, the whole pong timeout without it.
    pub detect: Duration,
    /// The round trip of an answered keepalive.
    pub rtt: Duration,
}

/// What a simulated run came to.
#[derive(Debug, Clone)]
pub struct Run {
    /// From the first trial's start to the verdict.
    pub wall: Duration,
    pub verdict: Verdict,
    /// Trials started, and the most running at once.
    pub trials: usize,
    pub peak: usize,
}

/// Runs the schedule for `plan` against `model`; rounds overlap when `overlap` (as the
/// probe runs them) or run one after another (as before they could).
pub fn run(plan: Plan, model: Model, overlap: bool) -> Run {
    let (mut schedule, first) = Schedule::with_overlap(plan, overlap);
    // Trials pending: end time (tie-broken by id), and the outcome each will report.
    let mut queue = BinaryHeap::new();
    let mut outcomes: HashMap<u64, (Duration, Outcome)> = HashMap::new();
    let (mut now, mut trials, mut peak) = (Duration::ZERO, 0, 0);
    let mut todo = vec![first];
    for _ in 0..100_000 {
        while let Some(actions) = todo.pop() {
            let Actions { start, stop } = actions;
            for s in start {
                let (end, outcome) = trial(&model, s.age);
                queue.push(Reverse((now + end, s.id)));
                outcomes.insert(s.id, (now + end, outcome));
                trials += 1;
            }
            // As the probe does, a trial asked to stop that ends within the grace reports itself.
            for s in stop {
                if outcomes.get(&s.id).is_some_and(|(end, _)| *end > now + STOP_GRACE) {
                    outcomes.remove(&s.id);
                    todo.push(schedule.stopped(s.id));
                }
            }
        }
        peak = peak.max(outcomes.len());
        if schedule.is_done() {
            break;
        }
        let Some(Reverse((at, id))) = queue.pop() else { break };
        let Some((_, outcome)) = outcomes.remove(&id) else { continue };
        now = at;
        todo.push(schedule.finished(id, &outcome));
    }
    Run { wall: now, verdict: schedule.verdict(), trials, peak }
}

/// When a trial of `age` ends after its start, and what it reports.
fn trial(m: &Model, age: Duration) -> (Duration, Outcome) {
    if age < m.timeout {
        (age + m.rtt, Outcome::Alive)
    } else if m.closing {
        (m.timeout, Outcome::Died { age: m.timeout, signature: Signature::Fin })
    } else {
        (age + m.detect, Outcome::Died { age, signature: Signature::Blackhole })
    }
}

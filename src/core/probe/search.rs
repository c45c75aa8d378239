//! The idle-timeout search of `heartbeat-probe`, as pure state: which trial ages to run next
//! and what the outcomes so far say (docs/heartbeat-probe.md). No I/O and no clock: the
//! command runs the trials and records what each one saw.
//!
//! Rounds: a *bracket* of trials at geometric ages from `min` to `max`; then *refine* rounds
//! with trials spread inside the bracket (about N+1 times narrower each round, or bisection
//! with one trial at a time) until it is within the resolution; then a *confirm* round at the
//! lower bound (all must live) and at the upper bound (most must die).

use std::time::Duration;

pub use crate::core::event::probe::{Conflict, OtherDeath, Outcome, Signature, Undecided, Verdict};

/// The signature of a death assumed, not yet seen (`Search::assume_death`); no trial reports
/// it.
const ASSUMED: Signature = Signature::Other(OtherDeath::None);

/// How the search is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The smallest and largest idle ages tried.
    pub min: Duration,
    pub max: Duration,
    /// The bracket is narrow enough at this width (`None`: 2 s or 2 % of the lower bound,
    /// whichever is larger).
    pub resolution: Option<Duration>,
    /// Trials run at once (1: one at a time, doubling then bisecting).
    pub parallel: usize,
    /// Trials at each bound in the confirm round.
    pub confirm: usize,
}

/// Which round the search is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Bracket,
    Refine,
    Confirm,
    Done,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Bracket => "bracket",
            Phase::Refine => "refine",
            Phase::Confirm => "confirm",
            Phase::Done => "done",
        }
    }
}

/// The search state.
#[derive(Debug, Clone)]
pub struct Search {
    plan: Plan,
    phase: Phase,
    /// The largest age that lived, and the smallest that died.
    lower: Option<Duration>,
    upper: Option<Duration>,
    signatures: Vec<Signature>,
    /// Contradictions seen (a death at or below a survival).
    conflicts: Vec<Conflict>,
    /// Confirm round: deaths at the lower bound, trials and deaths at the upper bound.
    confirm_lower_deaths: usize,
    confirm_upper: (usize, usize),
    /// With one trial at a time: the next doubling age during the bracket.
    next_doubling: Duration,
    inconclusive: usize,
    trials: usize,
    /// The bounds when the last refine round started; a round that moves neither stalls.
    refine_start: Option<(Option<Duration>, Option<Duration>)>,
    stalled: bool,
    alive_seen: bool,
    /// Ages at which trials died while still idle: an actively closing hop's exact timeout.
    passive: Vec<Duration>,
}

impl Search {
    pub fn new(plan: Plan) -> Self {
        let plan = Plan { parallel: plan.parallel.max(1), confirm: plan.confirm, ..plan };
        Search {
            plan,
            phase: Phase::Bracket,
            lower: None,
            upper: None,
            signatures: Vec::new(),
            conflicts: Vec::new(),
            confirm_lower_deaths: 0,
            confirm_upper: (0, 0),
            next_doubling: plan.min,
            inconclusive: 0,
            trials: 0,
            refine_start: None,
            stalled: false,
            alive_seen: false,
            passive: Vec::new(),
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The bracket so far: the largest age that lived and the smallest that died.
    pub fn bounds(&self) -> (Option<Duration>, Option<Duration>) {
        (self.lower, self.upper)
    }

    /// The resolution for the current lower bound.
    pub fn resolution(&self) -> Duration {
        self.plan.resolution.unwrap_or_else(|| {
            let two_pct = self.lower.unwrap_or_default().mul_f64(0.02);
            two_pct.max(Duration::from_secs(2))
        })
    }

    /// The ages of the next round's trials; empty once the search is done. Call after the
    /// previous round's outcomes are all recorded.
    pub fn next_round(&mut self) -> Vec<Duration> {
        loop {
            match self.phase {
                Phase::Done => return Vec::new(),
                Phase::Bracket if self.trials == 0 || self.plan.parallel == 1 => {
                    if let Some(ages) = self.bracket_ages() {
                        return ages;
                    }
                    self.after_bracket();
                }
                Phase::Bracket => self.after_bracket(),
                Phase::Refine => {
                    if self.refine_start == Some((self.lower, self.upper)) {
                        // Every trial of the last round was inconclusive: more would be too.
                        self.stalled = true;
                        self.phase = Phase::Done;
                        continue;
                    }
                    let (lower, upper) = (self.lower.unwrap_or_default(), self.upper.unwrap_or_default());
                    if upper.saturating_sub(lower) <= self.resolution() {
                        self.phase = if self.plan.confirm > 0 { Phase::Confirm } else { Phase::Done };
                        if self.phase == Phase::Confirm {
                            let mut ages = vec![lower.max(self.plan.min.min(lower)); self.plan.confirm];
                            // A hop's timer starts when the hop sees the connection, a little
                            // after the trial's clock: trials at exactly the age the first death
                            // was seen would race it. They speak an eighth of the resolution later.
                            ages.extend(vec![upper + self.resolution() / 8; self.plan.confirm]);
                            // A lower bound of zero (nothing lived) cannot be confirmed.
                            ages.retain(|a| !a.is_zero());
                            return ages;
                        }
                        continue;
                    }
                    self.refine_start = Some((self.lower, self.upper));
                    // No more trials than it takes to cut the bracket to the resolution: the
                    // fewer the ages, the sooner the round after can start as a guess on them.
                    let parts = ((upper - lower).as_secs_f64() / self.resolution().as_secs_f64()).ceil();
                    let n = (self.plan.parallel as u32).min((parts as u32).saturating_sub(1).max(1));
                    let step = (upper - lower) / (n + 1);
                    return (1..=n).map(|k| lower + step * k).filter(|a| !a.is_zero()).collect();
                }
                Phase::Confirm => {
                    self.phase = Phase::Done;
                    return Vec::new();
                }
            }
        }
    }

    /// The bracket's ages: all at once, or one doubling step at a time.
    fn bracket_ages(&mut self) -> Option<Vec<Duration>> {
        let (min, max) = (self.plan.min, self.plan.max.max(self.plan.min));
        if self.plan.parallel == 1 {
            if self.upper.is_some() || self.next_doubling > max {
                return None;
            }
            let age = self.next_doubling;
            self.next_doubling = if age >= max { max + Duration::from_nanos(1) } else { (age * 2).min(max) };
            return Some(vec![age]);
        }
        let n = self.plan.parallel;
        let ratio = max.as_secs_f64() / min.as_secs_f64().max(1e-3);
        Some(
            (0..n)
                .map(|i| {
                    let f = if n == 1 { 0.0 } else { i as f64 / (n - 1) as f64 };
                    Duration::from_secs_f64(min.as_secs_f64() * ratio.powf(f))
                })
                .collect(),
        )
    }

    fn after_bracket(&mut self) {
        self.phase = if self.upper.is_none() { Phase::Done } else { Phase::Refine };
        if self.upper.is_some() && self.lower.is_none() {
            // Even the shortest idle killed it: search below it, from zero.
            self.lower = Some(Duration::ZERO);
        }
        // Trials that died while idle, at the same age, were closed by a hop's timer: that
        // age is the timeout. No refining is needed; the confirm round checks just below it.
        if let (Some(&first), Some(&last)) = (self.passive.iter().min(), self.passive.iter().max()) {
            let spread_ok = last - first <= Duration::from_millis(250).max(first.mul_f64(0.01));
            if self.passive.len() >= 2 && spread_ok && self.conflicts.is_empty() {
                let below = first.saturating_sub(self.resolution() / 4);
                if self.lower.is_some_and(|l| l < below) {
                    self.lower = Some(below);
                }
            }
        }
    }

    /// Records one trial of age `age` (the age it was planned for).
    pub fn record(&mut self, age: Duration, outcome: &Outcome) {
        self.trials += 1;
        let confirming = self.phase == Phase::Confirm;
        match outcome {
            Outcome::Inconclusive => self.inconclusive += 1,
            Outcome::Alive => {
                self.alive_seen = true;
                // At the upper bound in the confirm round a few may live (a race with the hop's
                // timer); most must die, which `verdict` checks.
                let at_upper = confirming && Some(age) != self.lower;
                if let Some(u) = self.upper.filter(|u| age >= *u && !at_upper) {
                    self.conflicts.push(Conflict::LivedAboveDeath { lived: age, died: u });
                }
                if at_upper {
                    self.confirm_upper.0 += 1;
                } else if !confirming {
                    self.lower = Some(self.lower.map_or(age, |l| l.max(age)));
                }
            }
            // Still idle and alive at its age, it died later (a hop's timer, while a TCP
            // keepalive trial waited for its probe's answer): a survival at `age` and a death
            // at the later age.
            Outcome::Died { age: died, signature } if *died > age + Duration::from_millis(5) => {
                self.trials -= 1;
                self.record(age, &Outcome::Alive);
                if !confirming {
                    self.trials -= 1;
                    self.record(*died, &Outcome::Died { age: *died, signature: signature.clone() });
                    self.passive.push(*died);
                } else {
                    self.signatures.push(signature.clone());
                }
            }
            Outcome::Died { age: died, signature } => {
                self.signatures.push(signature.clone());
                let died = (*died).min(age);
                if !confirming && age.saturating_sub(died) > Duration::from_millis(5) {
                    self.passive.push(died);
                }
                if confirming && Some(age) == self.lower {
                    self.confirm_lower_deaths += 1;
                    self.conflicts.push(Conflict::LowerBoundDied { age });
                } else if confirming {
                    self.confirm_upper.0 += 1;
                    self.confirm_upper.1 += 1;
                } else {
                    if let Some(l) = self.lower.filter(|l| died <= *l && !l.is_zero()) {
                        self.conflicts.push(Conflict::DiedBelowLife { died, lived: l });
                    }
                    self.upper = Some(self.upper.map_or(died, |u| u.min(died)));
                }
            }
        }
    }

    /// The search as it would be if the trial of `age` died when it spoke, for a round
    /// started before that is known (`schedule`). Its signature is a placeholder until
    /// `settle` gives the real one.
    pub fn assume_death(&self, age: Duration) -> Search {
        let mut s = self.clone();
        s.record(age, &Outcome::Died { age, signature: ASSUMED });
        s
    }

    /// The death `assume_death` assumed happened, with this signature.
    pub fn settle(&mut self, signature: &Signature) {
        if let Some(s) = self.signatures.iter_mut().find(|s| **s == ASSUMED) {
            *s = signature.clone();
        }
    }

    /// What the outcomes so far say.
    pub fn verdict(&self) -> Verdict {
        if let Some(c) = self.conflicts.first() {
            return Verdict::Inconclusive { why: Undecided::Contradiction(c.clone()) };
        }
        let nothing_below = self.upper.is_some() && !self.alive_seen && self.inconclusive > 0;
        if self.stalled || nothing_below {
            return Verdict::Inconclusive { why: Undecided::BracketInconclusive };
        }
        match (self.lower, self.upper) {
            (_, None) if self.inconclusive > 0 && self.inconclusive == self.trials => {
                Verdict::Inconclusive { why: Undecided::NothingConclusive }
            }
            (_, None) => Verdict::NoTimeout { max: self.plan.max },
            (lower, Some(upper)) => {
                let (tried, died) = self.confirm_upper;
                // Confirmed means both bounds were tried again; a lower bound of zero was not.
                let confirmed = self.phase == Phase::Done
                    && self.confirm_lower_deaths == 0
                    && (tried == 0 || died * 2 > tried)
                    && lower.is_some_and(|l| !l.is_zero());
                Verdict::Bounded {
                    lower: lower.unwrap_or_default(),
                    upper,
                    confirmed: confirmed && self.plan.confirm > 0,
                    signature: most_common(&self.signatures),
                }
            }
        }
    }
}

fn most_common(s: &[Signature]) -> Signature {
    let mut best = (0, Signature::Other(OtherDeath::None));
    for x in s {
        let n = s.iter().filter(|y| y.name() == x.name()).count();
        if n > best.0 {
            best = (n, x.clone());
        }
    }
    best.1
}

#[cfg(test)]
mod tests;

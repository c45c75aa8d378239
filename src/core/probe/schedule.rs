//! When `heartbeat-probe` starts and stops its trials: the search's rounds, overlapped. Pure
//! state like `search`: the command starts and stops the connections and reports what each
//! trial saw; this says what to do next.
//!
//! A round's trials end in order of their ages, and the next round depends only on where the
//! first death falls. So as soon as every trial of a round below age `b` lived and `b` is the
//! shortest still idle, the round that would follow if `b` died is started: its trials idle
//! while `b` still does. When `b` dies when it speaks, that round is already under way; when
//! `b` lives (or dies otherwise), it is stopped and the next guess started. A started round
//! can guess in turn (the confirm trials start while the refine trials still idle), up to
//! `MAX_RUNNING` rounds with trials running at once. With one trial at a time nothing overlaps.

use std::time::Duration;

use super::search::{Outcome, Phase, Plan, Search, Verdict};

/// Rounds with trials running at once (the real one and the guesses after it): at most this
/// many times `--parallel` connections.
pub const MAX_RUNNING: usize = 3;

/// How long a trial asked to stop may still end by itself before it is stopped: a hop that
/// closes idle connections closes all those past its timeout at once, and each of those deaths
/// counts (the same age twice is what tells a closing hop).
pub const STOP_GRACE: Duration = Duration::from_millis(100);

/// A trial to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    pub id: u64,
    /// How long it stays silent.
    pub age: Duration,
    /// The round it belongs to.
    pub phase: Phase,
}

/// A trial to stop before its age: its outcome no longer matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    pub id: u64,
    pub age: Duration,
    /// The trial whose outcome made it moot.
    pub by: u64,
    /// It belonged to a guess that `by` proved wrong (else `by` died after a shorter idle).
    pub unneeded: bool,
}

/// What to do after an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actions {
    pub start: Vec<Start>,
    pub stop: Vec<Stop>,
}

/// One round: the search as it stands after it was planned and its outcomes so far.
#[derive(Debug, Clone)]
struct Level {
    search: Search,
    phase: Phase,
    /// Trials still running: id and age.
    running: Vec<(u64, Duration)>,
    /// Trials asked to stop and not yet gone (one may still report what it saw).
    stopping: Vec<(u64, Duration)>,
    /// A trial of the round died: the round ends with its shorter trials.
    died: bool,
    /// The age in the round before whose death this round assumes (`None`: it follows that
    /// round's end).
    assumed: Option<Duration>,
}

impl Level {
    /// Nothing of the round is still running.
    fn idle(&self) -> bool {
        self.running.is_empty() && self.stopping.is_empty()
    }
}

/// The rounds under way: the first is real, each later one a guess on the one before.
#[derive(Debug, Clone)]
pub struct Schedule {
    levels: Vec<Level>,
    next_id: u64,
    overlap: bool,
    /// The search once it is done.
    done: Option<Search>,
}

impl Schedule {
    /// A schedule for `plan`, and the first trials to start (ids from 1).
    pub fn new(plan: Plan) -> (Schedule, Actions) {
        Schedule::with_overlap(plan, true)
    }

    /// The connection id the next connection gets (0 is the canary's; trials count from 1).
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// As `new`; rounds overlap only if `overlap` (and never with one trial at a time).
    pub fn with_overlap(plan: Plan, overlap: bool) -> (Schedule, Actions) {
        let overlap = overlap && plan.parallel > 1;
        let mut s = Schedule { levels: Vec::new(), next_id: 1, overlap, done: None };
        let mut actions = Actions::default();
        let _ = s.open(Search::new(plan), None, &mut actions);
        s.extend(&mut actions);
        (s, actions)
    }

    /// Whether the search is done (nothing runs and nothing is left to start).
    pub fn is_done(&self) -> bool {
        self.done.is_some()
    }

    /// The search as it stands for what is known for sure (the real round's).
    pub fn search(&self) -> &Search {
        self.done.as_ref().or(self.levels.first().map(|l| &l.search)).expect("a level or done")
    }

    /// What the outcomes say (see `Search::verdict`).
    pub fn verdict(&self) -> Verdict {
        self.search().verdict()
    }

    /// The real round's phase.
    pub fn phase(&self) -> Phase {
        self.levels.first().map_or(Phase::Done, |l| l.phase)
    }

    /// Trials running, and the longest age among them.
    pub fn running(&self) -> (usize, Duration) {
        let all = self.levels.iter().flat_map(|l| l.running.iter());
        all.fold((0, Duration::ZERO), |(n, m), (_, a)| (n + 1, m.max(*a)))
    }

    /// Trial `id` ended with `outcome`; ids of dropped guesses are ignored. A trial asked to
    /// stop that ended first counts, as every trial that ran.
    pub fn finished(&mut self, id: u64, outcome: &Outcome) -> Actions {
        let mut actions = Actions::default();
        if let Some(l) = self.levels.iter_mut().find(|l| l.stopping.iter().any(|(t, _)| *t == id)) {
            let k = l.stopping.iter().position(|(t, _)| *t == id).expect("stopping");
            let (_, age) = l.stopping.remove(k);
            l.search.record(age, outcome);
            self.extend(&mut actions);
            return actions;
        }
        let Some(i) = self.levels.iter().position(|l| l.running.iter().any(|(t, _)| *t == id)) else {
            return actions;
        };
        let level = &mut self.levels[i];
        let shortest = level.running.iter().map(|(_, a)| *a).min();
        let k = level.running.iter().position(|(t, _)| *t == id).expect("running");
        let (_, age) = level.running.remove(k);
        level.search.record(age, outcome);
        let spoke_and_died = match outcome {
            Outcome::Died { age: died, .. } => died.abs_diff(age) <= Duration::from_millis(5),
            _ => false,
        };
        let guessed = self.levels.get(i + 1).is_some_and(|n| n.assumed == Some(age));
        if spoke_and_died && shortest == Some(age) && guessed && !self.levels[i].died {
            // The guess was right: the next round is already running.
            if let Outcome::Died { signature, .. } = outcome {
                for l in &mut self.levels[i + 1..] {
                    l.search.settle(signature);
                }
            }
            self.die(i, age, id, &mut actions);
        } else {
            self.drop_after(i, id, &mut actions);
            if matches!(outcome, Outcome::Died { .. }) {
                self.die(i, age, id, &mut actions);
            }
        }
        self.extend(&mut actions);
        actions
    }

    /// Trial `id` stopped as asked, without an outcome.
    pub fn stopped(&mut self, id: u64) -> Actions {
        let mut actions = Actions::default();
        for l in &mut self.levels {
            l.stopping.retain(|(t, _)| *t != id);
        }
        self.extend(&mut actions);
        actions
    }

    /// Trial `id` of level `i`, of `age`, died: the longer ones of its round are moot.
    fn die(&mut self, i: usize, age: Duration, id: u64, actions: &mut Actions) {
        let level = &mut self.levels[i];
        level.died = true;
        let (moot, keep) = level.running.drain(..).partition(|&(_, a)| a > age);
        level.running = keep;
        for &(t, a) in &moot {
            actions.stop.push(Stop { id: t, age: a, by: id, unneeded: false });
        }
        level.stopping.extend(moot);
    }

    /// Drops the guesses after level `i`, stopping their trials (made moot by trial `by`).
    fn drop_after(&mut self, i: usize, by: u64, actions: &mut Actions) {
        for l in self.levels.drain(i + 1..) {
            actions.stop.extend(l.running.into_iter().map(|(id, age)| Stop { id, age, by, unneeded: true }));
        }
        // Their stopping trials no longer count anywhere.
    }

    /// Plans the round after `search` (assuming the death at `assumed`, if any) and starts it.
    /// `Err`: the search has no next round (it is done: here it is).
    fn open(
        &mut self,
        mut search: Search,
        assumed: Option<Duration>,
        actions: &mut Actions,
    ) -> Result<(), Box<Search>> {
        let before = search.phase();
        let ages = search.next_round();
        if ages.is_empty() {
            return Err(Box::new(search));
        }
        let phase = if search.phase() == before { before } else { search.phase() };
        let mut running = Vec::with_capacity(ages.len());
        for age in ages {
            let id = self.next_id;
            self.next_id += 1;
            running.push((id, age));
            actions.start.push(Start { id, age, phase });
        }
        self.levels.push(Level { search, phase, running, stopping: Vec::new(), died: false, assumed });
        Ok(())
    }

    /// Advances the rounds: a finished real round gives way to the next one (started now, or
    /// already started as a guess); the last round guesses its successor.
    fn extend(&mut self, actions: &mut Actions) {
        loop {
            // The real round is over: the next round, if it was guessed, is now real.
            if self.levels.len() > 1 && self.levels[0].idle() {
                self.levels.remove(0);
                self.levels[0].assumed = None;
                continue;
            }
            let Some(last) = self.levels.last() else { return };
            if last.idle() {
                // Over (real or a guess): what follows it.
                let real = self.levels.len() == 1;
                if let Err(search) = self.open(last.search.clone(), None, actions) {
                    if real {
                        self.levels.clear();
                        self.done = Some(*search);
                    }
                    return;
                }
                continue;
            }
            let busy = self.levels.iter().filter(|l| !l.idle()).count();
            if !self.overlap || last.died || last.running.is_empty() || busy >= MAX_RUNNING {
                return;
            }
            // Everything shorter lived: guess that the shortest still idle dies.
            let shortest = last.running.iter().map(|(_, a)| *a).min().expect("running");
            let guess = last.search.assume_death(shortest);
            if self.open(guess, Some(shortest), actions).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;

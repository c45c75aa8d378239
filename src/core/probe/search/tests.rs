//! The search against simulated paths: bracket, refine, confirm, and the verdicts.

use super::*;

/// A path that kills connections idle longer than `timeout` (FIN at the timeout).
fn path(timeout: Duration) -> impl Fn(Duration) -> Outcome {
    move |age| {
        if age < timeout {
            Outcome::Alive
        } else {
            Outcome::Died { age: timeout, signature: Signature::Fin }
        }
    }
}

/// Runs the whole search against `path`; returns the verdict, the rounds and the time a
/// real run would take (each round lasts its longest trial plus `pong`).
fn run(plan: Plan, path: impl Fn(Duration) -> Outcome, pong: Duration) -> (Verdict, usize, Duration) {
    let mut s = Search::new(plan);
    let (mut rounds, mut wall) = (0, Duration::ZERO);
    loop {
        let ages = s.next_round();
        if ages.is_empty() {
            break;
        }
        rounds += 1;
        assert!(rounds < 100, "the search must end");
        let mut longest = Duration::ZERO;
        for age in ages {
            let outcome = path(age);
            let took = match &outcome {
                Outcome::Died { age: died, .. } => *died,
                _ => age + pong,
            };
            longest = longest.max(took);
            s.record(age, &outcome);
        }
        wall += longest;
    }
    (s.verdict(), rounds, wall)
}

fn plan(parallel: usize) -> Plan {
    Plan {
        min: Duration::from_secs(5),
        max: Duration::from_secs(1800),
        resolution: None,
        parallel,
        confirm: 3,
    }
}

fn bounded(v: &Verdict) -> (Duration, Duration, bool) {
    match v {
        Verdict::Bounded { lower, upper, confirmed, .. } => (*lower, *upper, *confirmed),
        other => panic!("{other:?}"),
    }
}

#[test]
fn brackets_refines_and_confirms_a_60s_proxy_within_the_resolution() {
    let t = Duration::from_secs(60);
    let (v, _, wall) = run(plan(8), path(t), Duration::from_millis(50));
    let (lower, upper, confirmed) = bounded(&v);
    assert!(lower < t && upper >= t && upper - lower <= Duration::from_secs(2), "{lower:?}..{upper:?}");
    assert!(confirmed);
    assert!(wall <= t * 3, "a 60 s hop costs {wall:?}, at most 3 times its timeout");
}

#[test]
fn a_350s_nat_under_20_minutes_and_a_timeout_below_min() {
    let t = Duration::from_secs(350);
    let (v, _, wall) = run(plan(8), path(t), Duration::from_secs(10));
    let (lower, upper, _) = bounded(&v);
    assert!(lower < t && upper >= t && upper - lower <= t.mul_f64(0.02).max(Duration::from_secs(2)));
    assert!(wall <= t * 3, "a 350 s NAT costs {wall:?}, at most 3 times its timeout");

    let t = Duration::from_secs(4);
    let (v, _, _) = run(plan(8), path(t), Duration::from_millis(50));
    let (lower, upper, _) = bounded(&v);
    assert!(lower < t && upper >= t && upper - lower <= Duration::from_secs(2), "{lower:?}..{upper:?}");
}

#[test]
fn one_at_a_time_doubles_then_bisects() {
    let t = Duration::from_secs(45);
    let (v, rounds, _) = run(plan(1), path(t), Duration::from_millis(50));
    let (lower, upper, _) = bounded(&v);
    assert!(lower < t && upper >= t && upper - lower <= Duration::from_secs(2));
    assert!(rounds > 5, "one trial a round: {rounds}");
}

#[test]
fn a_hop_whose_timer_starts_after_the_trials_clock_is_confirmed() {
    // Each connection's timer starts when the hop sees it, 0-3 ms after the trial's clock:
    // the first death seen is the earliest, and trials speaking at exactly that age
    // would mostly outlive their own timers.
    let t = Duration::from_secs(60);
    let n = std::cell::Cell::new(0u64);
    let path = |age: Duration| {
        n.set(n.get() + 1);
        let fires = t + Duration::from_millis(n.get() % 4);
        if age < fires {
            Outcome::Alive
        } else {
            Outcome::Died { age: fires, signature: Signature::Fin }
        }
    };
    let (v, _, _) = run(plan(8), path, Duration::from_millis(50));
    let (lower, upper, confirmed) = bounded(&v);
    assert!(confirmed, "{v:?}");
    assert!(lower < t && t <= upper && upper - lower <= Duration::from_secs(2), "{v:?}");
}

#[test]
fn no_timeout_up_to_max() {
    let (v, _, _) = run(plan(8), |_| Outcome::Alive, Duration::ZERO);
    assert_eq!(v, Verdict::NoTimeout { max: Duration::from_secs(1800) });
}

#[test]
fn non_monotonic_paths_are_inconclusive() {
    // Dies at 10 s but lives at 100 s: no idle timeout explains that.
    let odd = |age: Duration| {
        if age >= Duration::from_secs(10) && age < Duration::from_secs(60) {
            Outcome::Died { age, signature: Signature::Rst }
        } else {
            Outcome::Alive
        }
    };
    let (v, _, _) = run(plan(8), odd, Duration::ZERO);
    assert!(matches!(v, Verdict::Inconclusive { .. }), "{v:?}");
}

#[test]
fn a_refine_round_that_learns_nothing_ends_the_search() {
    // Deaths at 2 s, but nothing below it is conclusive.
    let path = |age: Duration| {
        if age >= Duration::from_secs(2) {
            Outcome::Died { age: Duration::from_secs(2), signature: Signature::Fin }
        } else {
            Outcome::Inconclusive
        }
    };
    let plan = Plan { min: Duration::from_millis(500), ..plan(8) };
    let (v, rounds, _) = run(plan, path, Duration::ZERO);
    assert!(matches!(v, Verdict::Inconclusive { .. }), "{v:?}");
    assert!(rounds <= 3, "{rounds}");
    // With the resolution finer than the bracket, refine rounds run and stall.
    let plan = Plan { min: Duration::from_millis(500), resolution: Some(Duration::from_millis(100)), ..plan };
    let (v, rounds, _) = run(plan, path, Duration::ZERO);
    assert!(matches!(v, Verdict::Inconclusive { .. }), "{v:?}");
    assert!(rounds <= 3, "a round that learns nothing ends it: {rounds}");
}

#[test]
fn servers_that_keep_talking_are_not_survivals() {
    let talk = |_| Outcome::Inconclusive;
    let (v, _, _) = run(plan(8), talk, Duration::ZERO);
    assert!(matches!(v, Verdict::Inconclusive { .. }), "{v:?}");
}

#[test]
fn a_survivor_at_the_upper_bound_while_confirming_is_a_race_not_a_contradiction() {
    let t = Duration::from_secs(3);
    let mut s = Search::new(plan(8));
    let mut first_at_upper = true;
    loop {
        let ages = s.next_round();
        if ages.is_empty() {
            break;
        }
        for age in ages {
            let confirming = s.phase() == Phase::Confirm;
            let outcome = if confirming && age >= t && first_at_upper {
                first_at_upper = false;
                Outcome::Alive
            } else if age < t {
                Outcome::Alive
            } else {
                Outcome::Died { age: t, signature: Signature::Fin }
            };
            s.record(age, &outcome);
        }
    }
    let (lower, upper, confirmed) = bounded(&s.verdict());
    assert!(lower < t && upper >= t && confirmed, "2 of 3 died at the upper bound: still confirmed");
}

#[test]
fn a_death_after_the_planned_age_is_a_survival_and_a_later_death() {
    let mut s = Search::new(plan(8));
    let _ = s.next_round();
    s.record(
        Duration::from_secs(5),
        &Outcome::Died { age: Duration::from_secs(7), signature: Signature::Fin },
    );
    assert_eq!(s.bounds(), (Some(Duration::from_secs(5)), Some(Duration::from_secs(7))));
}

#[test]
fn the_most_common_death_is_the_signature() {
    let mut s = Search::new(plan(8));
    let _ = s.next_round();
    s.record(Duration::from_secs(5), &Outcome::Alive);
    for sig in [Signature::Blackhole, Signature::Blackhole, Signature::Rst] {
        s.record(Duration::from_secs(100), &Outcome::Died { age: Duration::from_secs(100), signature: sig });
    }
    match s.verdict() {
        Verdict::Bounded { signature, .. } => assert_eq!(signature, Signature::Blackhole),
        other => panic!("{other:?}"),
    }
}

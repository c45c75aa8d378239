//! The overlapped schedule against model paths: the same verdicts as rounds one after
//! another, in less time, within the bound on connections.

use super::*;
use crate::core::probe::search::Signature;
use crate::core::probe::simulate::{run, Model};

fn plan() -> Plan {
    Plan {
        min: Duration::from_secs(5),
        max: Duration::from_secs(1800),
        resolution: None,
        parallel: 8,
        confirm: 3,
    }
}

fn model(secs: f64, closing: bool) -> Model {
    Model {
        timeout: Duration::from_secs_f64(secs),
        closing,
        detect: Duration::from_millis(700),
        rtt: Duration::from_millis(1),
    }
}

fn bounds(v: &Verdict) -> (Duration, Duration, bool, &'static str) {
    match v {
        Verdict::Bounded { lower, upper, confirmed, signature } => {
            (*lower, *upper, *confirmed, signature.name())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn overlapped_rounds_find_the_same_bounds_sooner() {
    for secs in [6.0, 13.0, 60.0, 100.0, 240.0, 350.0, 1000.0] {
        for closing in [false, true] {
            let m = model(secs, closing);
            let (seq, ovl) = (run(plan(), m, false), run(plan(), m, true));
            let (l, u, confirmed, sig) = bounds(&ovl.verdict);
            assert_eq!(bounds(&seq.verdict), (l, u, confirmed, sig), "{secs} s, closing {closing}");
            assert!(confirmed && l < m.timeout && m.timeout <= u, "{secs} s: {l:?}..{u:?}");
            assert_eq!(sig, if closing { "fin" } else { "blackhole" });
            assert!(ovl.wall <= seq.wall, "{secs} s: {:?} > {:?}", ovl.wall, seq.wall);
            assert!(ovl.peak <= MAX_RUNNING * 8, "{secs} s: {} at once", ovl.peak);
        }
    }
}

/// With the kernel's evidence (a death declared 0.7 s after speaking) and overlapped rounds;
/// docs/benchmarks.md has the figures (and the worst cases, near 4x). Rounds one after another
/// with the pong timeout took 4.5x and 5.4x.
#[test]
fn silent_paths_take_at_most_three_timeouts_and_closing_hops_two() {
    for secs in [6.0, 60.0, 350.0] {
        let r = run(plan(), model(secs, false), true);
        let ratio = r.wall.as_secs_f64() / secs;
        assert!(ratio <= 3.0, "{secs} s: {ratio:.2}x");
        let r = run(plan(), model(secs, true), true);
        let ratio = r.wall.as_secs_f64() / secs;
        assert!(ratio <= 2.05, "closing {secs} s: {ratio:.2}x");
    }
}

#[test]
fn a_wrong_guess_is_stopped_and_replaced() {
    let (mut s, first) = Schedule::new(plan());
    assert!(first.start.len() > 8, "the bracket and a guess on its shortest rung: {first:?}");
    let rung = |k: usize| first.start[k];
    assert_eq!(first.start[8].phase, Phase::Refine);
    // The 5 s rung lives: the guesses below it are moot, a guess on the next rung starts.
    let a = s.finished(rung(0).id, &Outcome::Alive);
    assert_eq!(a.stop.len(), first.start.len() - 8, "{a:?}");
    assert!(a.stop.iter().all(|x| x.by == rung(0).id && x.id > 8));
    assert!(a.start.len() >= 8);
    assert!(a.start.iter().all(|x| x.age >= rung(0).age && x.age < rung(1).age), "{a:?}");
    // The next rung dies when it speaks: the guess becomes the real round.
    let died = Outcome::Died { age: rung(1).age, signature: Signature::Blackhole };
    let b = s.finished(rung(1).id, &died);
    assert!(b.stop.iter().all(|x| x.id <= 8 && x.age > rung(1).age), "only longer rungs stop: {b:?}");
    for x in &b.stop {
        s.stopped(x.id);
    }
    assert_eq!(s.phase(), Phase::Refine);
    assert_eq!(s.search().bounds(), (Some(rung(0).age), Some(rung(1).age)));
}

#[test]
fn one_trial_at_a_time_never_overlaps() {
    let p = Plan { parallel: 1, ..plan() };
    let (_, first) = Schedule::new(p);
    assert_eq!(first.start.len(), 1);
    let m = model(60.0, false);
    let (seq, ovl) = (run(p, m, false), run(p, m, true));
    assert_eq!((seq.wall, seq.peak), (ovl.wall, ovl.peak));
    assert!(bounds(&ovl.verdict).2);
}

/// A hop that closes idle connections, below the second-longest rung (two rungs die while
/// idle at the same age): two rounds, whatever guesses ran meanwhile.
#[test]
fn closing_hops_take_two_rounds_below_the_longest_rungs() {
    for k in 0..100 {
        let secs = 6.0 * 120f64.powf(k as f64 / 99.0);
        let r = run(plan(), model(secs, true), true);
        let ratio = r.wall.as_secs_f64() / secs;
        assert!(ratio <= 2.05, "{secs:.1} s: {ratio:.2}x");
    }
}

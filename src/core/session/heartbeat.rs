//! The heartbeat schedule: a beat every period with ±10 % jitter, and death after a number of
//! beats in a row went unanswered. Pure state: the caller passes the time and the randomness.

use std::time::Duration;
use tokio::time::Instant;

use crate::core::session::backoff::jitter;

#[derive(Debug, Clone)]
pub struct Heartbeat {
    every: Duration,
    limit: u32,
    next: Instant,
    awaiting: bool,
    misses: u32,
    last_life: Instant,
}

/// A heartbeat that went unanswered too often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dead {
    pub misses: u32,
    /// Time since the last sign of life (an answer, or the start).
    pub silent_for: Duration,
}

impl Heartbeat {
    /// The first beat comes one jittered period after `now`; `unit` is random in [0, 1).
    pub fn new(every: Duration, limit: u32, now: Instant, unit: f64) -> Self {
        Heartbeat {
            every,
            limit,
            next: now + jitter(every, unit),
            awaiting: false,
            misses: 0,
            last_life: now,
        }
    }

    /// When the next beat is due.
    pub fn next_at(&self) -> Instant {
        self.next
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// An answer arrived: the connection is alive.
    pub fn alive(&mut self, now: Instant) {
        self.awaiting = false;
        self.misses = 0;
        self.last_life = now;
    }

    /// A beat is due: returns how many beats in a row are now unanswered (0 when the last one
    /// was answered), or `Dead` when that reaches the limit. Otherwise the caller sends a beat.
    pub fn beat(&mut self, now: Instant, unit: f64) -> Result<u32, Dead> {
        if self.awaiting {
            self.misses += 1;
            if self.misses >= self.limit {
                return Err(Dead {
                    misses: self.misses,
                    silent_for: now.saturating_duration_since(self.last_life),
                });
            }
        }
        self.awaiting = true;
        self.next = now + jitter(self.every, unit);
        Ok(self.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answered_beats_never_die_and_unanswered_ones_die_at_the_limit() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut h = Heartbeat::new(s(10), 2, t0, 0.5);
        assert_eq!(h.next_at(), t0 + s(10));
        for i in 1..=5 {
            let now = t0 + s(10 * i);
            assert_eq!(h.beat(now, 0.5), Ok(0));
            h.alive(now + Duration::from_millis(5));
        }
        let last_answer = t0 + s(50) + Duration::from_millis(5);
        assert_eq!(h.beat(t0 + s(60), 0.5), Ok(0), "the first unanswered beat is sent");
        assert_eq!(h.beat(t0 + s(70), 0.5), Ok(1), "one miss, below the limit of 2");
        assert_eq!(h.beat(t0 + s(80), 0.5), Err(Dead { misses: 2, silent_for: t0 + s(80) - last_answer }));
    }

    #[test]
    fn beats_are_jittered_within_ten_percent() {
        let t0 = Instant::now();
        let mut h = Heartbeat::new(Duration::from_secs(10), 3, t0, 0.0);
        assert_eq!(h.next_at(), t0 + Duration::from_secs(9));
        h.beat(t0, 0.999).unwrap();
        assert!(h.next_at() < t0 + Duration::from_secs(11));
        assert!(h.next_at() > t0 + Duration::from_millis(10_990));
    }
}

//! Reconnect delays: exponential backoff with full jitter, `rand(0, min(max, base · 2^n))`.
//! With the default 5 s base the first delay is random in 0–5 s, as RFC 6455 §7.2.3 asks.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Self {
        Backoff { base, max, failures: 0 }
    }

    /// The ceiling of the next delay.
    pub fn window(&self) -> Duration {
        let factor = 2u32.saturating_pow(self.failures.min(30));
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The next delay, drawn with `unit`, a number in [0, 1).
    pub fn next_delay_with(&mut self, unit: f64) -> Duration {
        let delay = self.window().mul_f64(unit.clamp(0.0, 1.0));
        self.failures = self.failures.saturating_add(1);
        delay
    }

    pub fn next_delay(&mut self) -> Duration {
        self.next_delay_with(rand::random::<f64>())
    }

    /// After a connection stayed healthy: start again from the base.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// `period` with ±10 % jitter, drawn with `unit` in [0, 1).
pub fn jitter(period: Duration, unit: f64) -> Duration {
    period.mul_f64(0.9 + 0.2 * unit.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_double_up_to_the_cap_and_reset() {
        let s = Duration::from_secs;
        let mut b = Backoff::new(s(1), s(5));
        let windows: Vec<Duration> = (0..5)
            .map(|_| {
                let w = b.window();
                b.next_delay_with(0.5);
                w
            })
            .collect();
        assert_eq!(windows, vec![s(1), s(2), s(4), s(5), s(5)]);
        b.reset();
        assert_eq!(b.window(), s(1));
    }

    #[test]
    fn full_jitter_spans_zero_to_the_window() {
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(60));
        assert_eq!(b.clone().next_delay_with(0.0), Duration::ZERO);
        assert_eq!(b.next_delay_with(0.999_999).as_millis(), 4999);
        for _ in 0..1000 {
            let mut fresh = Backoff::new(Duration::from_secs(5), Duration::from_secs(60));
            assert!(fresh.next_delay() < Duration::from_secs(5));
        }
    }

    #[test]
    fn heartbeat_jitter_stays_within_ten_percent() {
        let p = Duration::from_secs(10);
        assert_eq!(jitter(p, 0.0), Duration::from_secs(9));
        assert_eq!(jitter(p, 0.5), Duration::from_secs(10));
        assert!(jitter(p, 0.999) < Duration::from_secs(11));
    }
}

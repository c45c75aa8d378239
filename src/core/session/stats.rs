//! Round-trip statistics like ping(8) prints: pings matched to pongs by their sequence
//! number, application echoes matched to what was sent, and a histogram for percentiles.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

use hdrhistogram::Histogram;

use crate::core::event::{Data, PingStats};

/// RTT samples in microseconds, 1 µs to 1 h, three significant digits. The histogram
/// (about 180 KiB) is made at the first sample, so sessions that never measure cost nothing.
#[derive(Debug, Clone, Default)]
pub struct RttHistogram {
    hist: Option<Box<Histogram<u64>>>,
}

impl RttHistogram {
    pub fn record(&mut self, rtt: Duration) {
        let us = (rtt.as_micros() as u64).clamp(1, 3_600_000_000);
        let hist = self.hist.get_or_insert_with(|| {
            Box::new(Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"))
        });
        let _ = hist.record(us);
    }

    pub fn count(&self) -> u64 {
        self.hist.as_ref().map_or(0, |h| h.len())
    }

    /// Fills the distribution fields of `stats` (left None without samples).
    fn fill(&self, stats: &mut PingStats) {
        let Some(hist) = self.hist.as_deref() else { return };
        if hist.is_empty() {
            return;
        }
        let us = |v: u64| Some(Duration::from_micros(v));
        stats.min = us(hist.min());
        stats.max = us(hist.max());
        stats.avg = Some(Duration::from_secs_f64(hist.mean() / 1e6));
        stats.stddev = Some(Duration::from_secs_f64(hist.stdev() / 1e6));
        stats.p50 = us(hist.value_at_quantile(0.50));
        stats.p90 = us(hist.value_at_quantile(0.90));
        stats.p99 = us(hist.value_at_quantile(0.99));
    }
}

/// What became of a pong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PongMatch {
    /// It answered an outstanding ping.
    Matched { seq: u64, rtt: Duration },
    /// It answered a ping that had already timed out.
    Late { seq: u64, after: Duration },
    /// Not one of ours (or a duplicate).
    Unmatched,
}

/// Pings sent and their pongs; sequence numbers run across reconnects.
#[derive(Debug, Clone, Default)]
pub struct PingTracker {
    next_seq: u64,
    outstanding: HashMap<u64, Instant>,
    /// Timed-out pings, so a late pong is counted as late rather than unmatched.
    expired: HashMap<u64, Instant>,
    sent: u64,
    received: u64,
    late: u64,
    unmatched: u64,
    timeouts: u64,
    hist: RttHistogram,
}

/// Expired pings remembered for late pongs.
const EXPIRED_KEPT: usize = 4096;

impl PingTracker {
    /// Registers a ping sent now; returns its sequence number (from 1).
    pub fn sent(&mut self, now: Instant) -> u64 {
        self.next_seq += 1;
        self.sent += 1;
        self.outstanding.insert(self.next_seq, now);
        self.next_seq
    }

    pub fn pong(&mut self, seq: Option<u64>, now: Instant) -> PongMatch {
        let Some(seq) = seq else {
            self.unmatched += 1;
            return PongMatch::Unmatched;
        };
        if let Some(sent) = self.outstanding.remove(&seq) {
            let rtt = now.saturating_duration_since(sent);
            self.received += 1;
            self.hist.record(rtt);
            return PongMatch::Matched { seq, rtt };
        }
        if let Some(sent) = self.expired.remove(&seq) {
            self.late += 1;
            return PongMatch::Late { seq, after: now.saturating_duration_since(sent) };
        }
        self.unmatched += 1;
        PongMatch::Unmatched
    }

    /// Marks pings older than `timeout` as timed out; returns their sequence numbers.
    pub fn expire(&mut self, now: Instant, timeout: Duration) -> Vec<u64> {
        let mut gone: Vec<u64> = self
            .outstanding
            .iter()
            .filter(|(_, &at)| now.saturating_duration_since(at) >= timeout)
            .map(|(&s, _)| s)
            .collect();
        gone.sort_unstable();
        for seq in &gone {
            if let Some(at) = self.outstanding.remove(seq) {
                self.timeouts += 1;
                if self.expired.len() < EXPIRED_KEPT {
                    self.expired.insert(*seq, at);
                }
            }
        }
        gone
    }

    /// The sequence numbers of the pings still waiting for their pong, oldest first.
    pub fn waiting(&self) -> Vec<u64> {
        let mut seqs: Vec<u64> = self.outstanding.keys().copied().collect();
        seqs.sort_unstable();
        seqs
    }

    /// Pings still waiting for their pong.
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// Forgets outstanding pings of a connection that is gone (they count as lost).
    pub fn abandon(&mut self) {
        self.timeouts += self.outstanding.len() as u64;
        self.outstanding.clear();
    }

    pub fn stats(&self) -> PingStats {
        let mut s = PingStats {
            sent: self.sent,
            received: self.received,
            late: self.late,
            unmatched: self.unmatched,
            timeouts: self.timeouts,
            ..PingStats::default()
        };
        self.hist.fill(&mut s);
        s
    }
}

/// Messages sent to an echoing server, matched with their echoes.
#[derive(Debug, Clone, Default)]
pub struct EchoTracker {
    pending: VecDeque<(Data, Instant)>,
    sent: u64,
    hist: RttHistogram,
}

/// Sent messages remembered while waiting for their echoes.
const ECHO_PENDING: usize = 10_000;

impl EchoTracker {
    pub fn sent(&mut self, data: &Data, now: Instant) {
        self.sent += 1;
        if self.pending.len() == ECHO_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back((data.clone(), now));
    }

    /// The RTT when `data` echoes a pending message (the oldest equal one).
    pub fn received(&mut self, data: &Data, now: Instant) -> Option<Duration> {
        let i = self.pending.iter().position(|(d, _)| d == data)?;
        let (_, at) = self.pending.remove(i)?;
        let rtt = now.saturating_duration_since(at);
        self.hist.record(rtt);
        Some(rtt)
    }

    pub fn stats(&self) -> PingStats {
        let mut s = PingStats { sent: self.sent, received: self.hist.count(), ..PingStats::default() };
        s.timeouts = 0;
        self.hist.fill(&mut s);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    #[test]
    fn pongs_match_by_sequence_late_and_unmatched_apart() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut p = PingTracker::default();
        let a = p.sent(t0);
        let b = p.sent(t0 + ms(10));
        let c = p.sent(t0 + ms(20));
        assert_eq!(p.pong(Some(b), t0 + ms(15)), PongMatch::Matched { seq: b, rtt: ms(5) });
        assert_eq!(p.expire(t0 + ms(1000), ms(500)), vec![a, c]);
        assert_eq!(p.pong(Some(a), t0 + ms(1200)), PongMatch::Late { seq: a, after: ms(1200) });
        assert_eq!(p.pong(Some(a), t0 + ms(1300)), PongMatch::Unmatched, "a duplicate");
        assert_eq!(p.pong(None, t0), PongMatch::Unmatched);
        let s = p.stats();
        assert_eq!((s.sent, s.received, s.late, s.unmatched, s.timeouts), (3, 1, 1, 2, 2));
        assert_eq!(s.min, Some(ms(5)));
        assert!((s.loss_pct() - 66.666).abs() < 0.01, "{}", s.loss_pct());
    }

    #[test]
    fn percentiles_come_from_the_histogram() {
        let t0 = Instant::now();
        let mut p = PingTracker::default();
        for i in 1..=100u64 {
            let seq = p.sent(t0);
            p.pong(Some(seq), t0 + Duration::from_millis(i));
        }
        let s = p.stats();
        let ms = |d: Option<Duration>| d.unwrap().as_secs_f64() * 1000.0;
        assert!((ms(s.p50) - 50.0).abs() < 0.1, "{:?}", s.p50);
        assert!((ms(s.p90) - 90.0).abs() < 0.1, "{:?}", s.p90);
        assert!((ms(s.p99) - 99.0).abs() < 0.1, "{:?}", s.p99);
        assert!((ms(s.avg) - 50.5).abs() < 0.1);
        assert!((ms(s.stddev) - 28.87).abs() < 0.1, "{:?}", s.stddev);
    }

    #[test]
    fn echoes_match_what_was_sent() {
        let t0 = Instant::now();
        let text = |s: &str| Data::Text(Utf8Bytes::from(s.to_string()));
        let mut e = EchoTracker::default();
        e.sent(&text("a"), t0);
        e.sent(&text("b"), t0 + Duration::from_millis(1));
        assert_eq!(e.received(&text("b"), t0 + Duration::from_millis(4)), Some(Duration::from_millis(3)));
        assert_eq!(e.received(&text("zzz"), t0), None);
        assert_eq!(e.stats().received, 1);
        assert_eq!(e.stats().sent, 2);
    }
}

//! `heartbeat-probe`'s core: the search over idle ages (`search`, pure) and one trial
//! connection (`trial`).

pub mod search;
pub mod trial;

use std::time::Duration;

use search::{Signature, Verdict};

/// The account of a whole probe (the `result` event).
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub verdict: Verdict,
    /// The canary died despite its traffic: after this long, how, and in words.
    pub lifetime_cap: Option<(Duration, Signature, String)>,
    /// The shortest silence after which the server spoke by itself during a trial.
    pub server_keepalive: Option<Duration>,
    /// Half the confirmed lower bound, to be sent with ±10 % jitter.
    pub recommended: Option<Duration>,
    /// The longest interval worth trying: the lower bound less one pong timeout, at least
    /// the recommended one.
    pub aggressive: Option<Duration>,
    /// A pong timeout for heartbeats: four times the canary's slowest round trip, at least
    /// 1 s.
    pub pong_timeout: Option<Duration>,
    /// The canary's median round trip.
    pub rtt: Option<Duration>,
    pub trials: usize,
    pub duration: Duration,
    pub exit: u8,
    /// `--classify`: which keepalive kinds kept a connection alive past the timeout.
    pub classified: Vec<trial::Classified>,
}

impl ProbeResult {
    /// The intervals that follow from a lower bound and the canary's round trips.
    pub fn advise(
        lower: Duration,
        rtts: &[Duration],
    ) -> (Option<Duration>, Option<Duration>, Option<Duration>) {
        let slowest = rtts.iter().max().copied();
        let pong = slowest.map(|r| (r * 4).max(Duration::from_secs(1)));
        if lower.is_zero() {
            return (None, None, pong);
        }
        let recommended = lower / 2;
        let aggressive = lower.saturating_sub(pong.unwrap_or(Duration::from_secs(1))).max(recommended);
        (Some(recommended), Some(aggressive), pong)
    }
}

//! `heartbeat-probe`'s core: the search over idle ages (`search`, pure), when its trials
//! start and stop with rounds overlapped (`schedule`, pure; `simulate` runs it against a model
//! path) and one trial connection (`trial`).

pub mod schedule;
pub mod search;
pub mod simulate;
pub mod trial;

use std::time::Duration;

pub use crate::core::event::probe::ProbeResult;

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

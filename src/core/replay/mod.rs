//! Replaying a recorded session: the recorded messages as a script, the rules that say when a
//! received message matches a recorded one (`matcher`, pure), and the thin loop that paces the
//! sends and waits for the replies (`drive`).

pub mod drive;
pub mod matcher;

#[cfg(test)]
mod tests;

use crate::core::session::wait::MAX_DURATION;
use std::time::Duration;

use crate::core::event::{Data, Side};

/// One recorded data message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Who sent it: the client's messages are sent again, the server's are expected back.
    pub by: Side,
    /// When, from the start of the recording (only the gaps between steps matter).
    pub at: Duration,
    pub data: Data,
}

/// A recording's data messages, in the order they crossed the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub steps: Vec<Step>,
}

/// How the client's messages are paced and how long a reply may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// The recorded gaps are divided by this: 2.0 is twice as fast; 0.0 sends each message as
    /// soon as the replies recorded before it are in.
    pub speed: f64,
    /// Bound on the wait for each expected message, from when it could first arrive.
    pub reply_timeout: Duration,
}

impl Pacing {
    /// The wait before a step recorded `gap` after the step before it.
    pub fn delay(&self, gap: Duration) -> Duration {
        if self.speed <= 0.0 || !self.speed.is_finite() {
            return Duration::ZERO;
        }
        // A tiny speed stretches a gap beyond any duration: it waits the longest an option may.
        Duration::try_from_secs_f64(gap.as_secs_f64() / self.speed).unwrap_or(MAX_DURATION).min(MAX_DURATION)
    }
}

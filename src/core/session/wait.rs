//! Waiting helpers for `select!` loops: optional deadlines and tickers that, when absent,
//! never fire, and a shutdown signal.

use std::time::Duration;
use tokio::time::Instant;

use tokio::sync::watch;
use tokio::time::{interval_at, Interval, MissedTickBehavior};

/// The longest duration any option takes: 3650 days. Deadlines are instants, and an instant
/// this far ahead is representable on every system.
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 24 * 3600);

/// Sleeps until the instant, or forever when there is none. The timer is boxed, so a future
/// that waits on several optional deadlines (every session's) stays small while none is set.
pub async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => Box::pin(tokio::time::sleep_until(d)).await,
        None => std::future::pending().await,
    }
}

/// A ticker whose first tick comes after `first`, then every `period`.
pub fn ticker(first: Duration, period: Option<Duration>) -> Option<Interval> {
    period.map(|p| {
        let mut i = interval_at(Instant::now() + first, p);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    })
}

/// The next tick, or never when there is no ticker.
pub async fn tick(ticker: &mut Option<Interval>) {
    match ticker {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Resolves once `shutdown` turns true (or its sender is gone).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

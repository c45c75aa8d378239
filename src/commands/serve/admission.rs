//! Admission: how many connections a server takes at once, and the handshake slots a newer
//! connection may take from an older one that has had its chance.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// How many connections a server takes at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Upgraded sessions; a connection beyond them is refused at once.
    pub connections: usize,
    /// Connections still in their TLS handshake or upgrade; a new one drops the oldest.
    pub pending: usize,
}

impl Limits {
    pub fn of(s: &crate::settings::ServerSettings) -> Self {
        Limits { connections: s.max_connections, pending: s.max_pending }
    }
}

/// Handshakes in progress, oldest first, each with the sender that drops it.
pub(super) type Pending =
    Arc<std::sync::Mutex<std::collections::VecDeque<(u64, Instant, tokio::sync::oneshot::Sender<()>)>>>;

/// A handshake this old may be dropped for a newer connection when `--max-pending` is
/// reached; a burst of younger ones is an overload, and the newcomer is refused instead.
const EVICTABLE_AFTER: Duration = Duration::from_secs(1);

/// A handshake slot for connection `conn`: the oldest handshake still waiting makes room if
/// it has had its chance (a second, or the whole --handshake-timeout if shorter). False when
/// there is no room.
pub(super) fn take_slot(
    pending: &Pending,
    limits: Limits,
    handshake_timeout: Duration,
    conn: u64,
    evict: tokio::sync::oneshot::Sender<()>,
) -> bool {
    let Ok(mut waiting) = pending.lock() else { return true };
    let old_enough = EVICTABLE_AFTER.min(handshake_timeout);
    let full = waiting.len() >= limits.pending;
    if full && waiting.front().is_some_and(|(_, since, _)| since.elapsed() >= old_enough) {
        if let Some((_, _, oldest)) = waiting.pop_front() {
            let _ = oldest.send(());
        }
    }
    let room = waiting.len() < limits.pending;
    if room {
        waiting.push_back((conn, Instant::now(), evict));
    }
    room
}

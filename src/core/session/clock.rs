//! The run's time origin: turns instants of tokio's clock into event timestamps.

use std::time::Duration;

use tokio::time::Instant;

use crate::core::event::{Event, EventKind, EventSink};

/// The run's time origin; turns instants into event timestamps. Time is tokio's clock, so
/// tests can pause and advance it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn new(start: Instant) -> Self {
        Clock { start }
    }

    /// A clock whose origin is now.
    pub fn now() -> Self {
        Clock { start: Instant::now() }
    }

    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Emits an event of connection 0 (a client's run), now.
    pub fn emit(&self, sink: &mut dyn EventSink, kind: EventKind) {
        self.emit_at(sink, Instant::now(), kind);
    }

    /// Emits an event of connection `conn`, now.
    pub fn emit_for(&self, sink: &mut dyn EventSink, conn: u64, kind: EventKind) {
        let t = self.start.elapsed();
        sink.emit(Event { t, conn, kind });
    }

    pub fn emit_at(&self, sink: &mut dyn EventSink, at: Instant, kind: EventKind) {
        self.emit_for_at(sink, 0, at, kind);
    }

    /// Emits an event of connection `conn` that happened at `at`.
    pub fn emit_for_at(&self, sink: &mut dyn EventSink, conn: u64, at: Instant, kind: EventKind) {
        let t = at.saturating_duration_since(self.start);
        sink.emit(Event { t, conn, kind });
    }
}

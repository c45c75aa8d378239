//! Events queued for a slow consumer, with a limit that makes producers wait.

use crate::core::event::EventKind;

/// Events queued for a slow consumer (a paused terminal, a pipe nobody reads), in bytes of
/// their estimated size ([`Backlog::weight`]), with a limit. Producers wait for room
/// ([`Backlog::room`]) instead of queueing without bound.
#[derive(Debug)]
pub struct Backlog {
    bytes: std::sync::atomic::AtomicUsize,
    limit: usize,
    /// The consumer is gone: there is always room (nothing will be written anyway).
    gone: std::sync::atomic::AtomicBool,
    room: tokio::sync::Notify,
}

impl Backlog {
    /// A backlog that is full at `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Backlog {
            bytes: Default::default(),
            limit,
            gone: Default::default(),
            room: tokio::sync::Notify::new(),
        }
    }

    /// The estimated memory an event holds while queued, bytes: a fixed part plus its
    /// payloads (message data, frame previews, handshake heads and bodies).
    pub fn weight(kind: &EventKind) -> usize {
        const BASE: usize = 256;
        BASE + match kind {
            EventKind::Message { data, .. } => data.len(),
            EventKind::Frame(f) => f.preview.len(),
            EventKind::HandshakeRequest { raw, .. } | EventKind::InterimResponse { raw, .. } => raw.len(),
            EventKind::HandshakeResponse { raw, body, .. } => raw.len() + body.len(),
            EventKind::Ping { payload, .. } | EventKind::Pong { payload, .. } => payload.len(),
            _ => 0,
        }
    }

    /// Counts an event in.
    pub fn add(&self, weight: usize) {
        self.bytes.fetch_add(weight, std::sync::atomic::Ordering::Relaxed);
    }

    /// Counts an event out (written); wakes producers when room appears.
    pub fn remove(&self, weight: usize) {
        let before = self.bytes.fetch_sub(weight, std::sync::atomic::Ordering::Relaxed);
        if before >= self.limit && before - weight < self.limit {
            self.room.notify_waiters();
        }
    }

    /// The consumer is gone: producers never wait again.
    pub fn close(&self) {
        self.gone.store(true, std::sync::atomic::Ordering::Relaxed);
        self.room.notify_waiters();
    }

    /// Whether the backlog is at or over its limit.
    pub fn full(&self) -> bool {
        !self.gone.load(std::sync::atomic::Ordering::Relaxed)
            && self.bytes.load(std::sync::atomic::Ordering::Relaxed) >= self.limit
    }

    /// Waits until the backlog is under its limit (at once if it is).
    pub async fn room(&self) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.full() {
                return;
            }
            notified.await;
        }
    }
}

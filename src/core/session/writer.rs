//! The writing side of a session: messages wait in an outbox and are handed to the protocol
//! layer whenever the session is polled (`Session::next`, `Session::flushed`); `next` flushes
//! only when there is nothing more to read, so a burst of echoes costs one write, not one per
//! message, and there is no task per connection.
//!
//! Writes are always driven before the next read, so nothing queued is overtaken by what
//! arrives next: an echo queued just before the peer's close frame, FIN or protocol violation
//! is written before the close reply, the close code or the end of the connection.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Sink;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{Ending, Ws};
use crate::core::event::Traffic;
use crate::core::session::ending::Deadline;

/// Messages waiting to be written, and what became of the last writes.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    queue: VecDeque<(Message, bool)>,
    /// Bytes queued or handed to the protocol layer and not yet flushed.
    pub(super) queued: usize,
    /// Something was handed over since the last flush.
    unflushed: bool,
    /// The first write failure, and when it happened.
    pub(super) failure: Option<Ending>,
    pub(super) failed_at: Option<tokio::time::Instant>,
    /// Notified (one permit) whenever the outbox was flushed empty.
    pub(super) drained: Arc<Notify>,
}

impl Outbox {
    /// Queues a message; `data` says whether it counts in the sent traffic.
    pub(super) fn push(&mut self, msg: Message, data: bool) {
        self.queued += msg.len();
        self.queue.push_back((msg, data));
    }

    /// Whether anything waits to be written or flushed.
    pub(super) fn pending(&self) -> bool {
        !self.queue.is_empty() || self.unflushed
    }

    /// Hands queued messages to the protocol layer while it takes them, then flushes. Ready
    /// when everything was flushed, nothing more can be written (a failure, or the closing
    /// handshake is over), or there was nothing to do; Pending while the socket is full.
    /// Data messages handed over are added to `sent`.
    pub(super) fn poll_write(&mut self, ws: &mut Ws, sent: &mut Traffic, cx: &mut Context<'_>) -> Poll<()> {
        match self.poll_feed(ws, sent, cx) {
            Poll::Ready(()) => self.poll_flush(ws, cx),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Hands queued messages to the protocol layer (which writes when its buffer fills) without
    /// flushing: Ready once the queue is empty (or a write failed), Pending while the protocol
    /// layer takes no more.
    pub(super) fn poll_feed(&mut self, ws: &mut Ws, sent: &mut Traffic, cx: &mut Context<'_>) -> Poll<()> {
        if self.failure.is_some() {
            return Poll::Ready(());
        }
        while let Some((msg, _)) = self.queue.front() {
            let len = msg.len();
            match Pin::new(&mut *ws).poll_ready(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return self.failed(e),
                Poll::Pending => return Poll::Pending,
            }
            let Some((msg, data)) = self.queue.pop_front() else { break };
            if let Err(e) = Pin::new(&mut *ws).start_send(msg) {
                return self.failed(e);
            }
            self.unflushed = true;
            if data {
                // Counted once handed to the protocol layer, which writes as its buffer fills:
                // what never left the outbox is never counted.
                sent.messages += 1;
                sent.bytes += len as u64;
            }
        }
        Poll::Ready(())
    }

    /// Flushes what was handed over; Ready when done (or failed), Pending while the socket is
    /// full.
    pub(super) fn poll_flush(&mut self, ws: &mut Ws, cx: &mut Context<'_>) -> Poll<()> {
        if self.failure.is_some() {
            return Poll::Ready(());
        }
        if self.unflushed {
            match Pin::new(&mut *ws).poll_flush(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return self.failed(e),
                Poll::Pending => return Poll::Pending,
            }
            self.unflushed = false;
        }
        if self.queued > 0 && self.queue.is_empty() {
            self.queued = 0;
            self.drained.notify_one();
        }
        Poll::Ready(())
    }

    /// A write failed: after the closing handshake nothing more may be sent and nothing broke
    /// (what was queued is dropped); anything else is the session's ending.
    fn failed(&mut self, e: WsError) -> Poll<()> {
        use tokio_tungstenite::tungstenite::error::ProtocolError;
        let ending = match e {
            WsError::ConnectionClosed
            | WsError::AlreadyClosed
            | WsError::Protocol(ProtocolError::SendAfterClosing) => None,
            WsError::Io(io) => Some(match io_ending(&io) {
                Ending::Reset { .. } => Ending::Reset { on_write: true },
                other => other,
            }),
            other => Some(Ending::IoFailure { message: other.to_string() }),
        };
        self.queue.clear();
        self.queued = 0;
        self.unflushed = false;
        if let Some(ending) = ending {
            self.failure.get_or_insert(ending);
            self.failed_at.get_or_insert_with(tokio::time::Instant::now);
        }
        self.drained.notify_one();
        Poll::Ready(())
    }
}

/// The ending an I/O error means.
pub(super) fn io_ending(io: &std::io::Error) -> Ending {
    use std::io::ErrorKind;
    if let Some(tls) = crate::core::net::tls::classify(io, "") {
        return Ending::TlsFailure { message: tls.to_string() };
    }
    // Over HTTP/2 (RFC 8441) the stream, not TCP, ends: named by its frame and error code.
    if let Some(h2) = crate::core::net::h2::H2Error::find(io) {
        return Ending::IoFailure { message: format!("the HTTP/2 stream ended: {h2}") };
    }
    match io.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            Ending::Reset { on_write: false }
        }
        ErrorKind::UnexpectedEof => Ending::PeerFin { mid_frame: true },
        ErrorKind::TimedOut => Ending::TimedOut(Deadline::TcpUserTimeout),
        _ => Ending::IoFailure { message: io.to_string() },
    }
}

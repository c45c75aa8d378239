//! The writer task of a session: batches queued frames and flushes when the queue runs dry,
//! and reports a failed write to the reader instead of dropping it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::{mpsc as tmpsc, Notify};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::{Ending, Ws};
use crate::core::session::ending::Deadline;

/// State shared with the writer task.
#[derive(Debug, Default)]
pub(super) struct Shared {
    /// Bytes queued and not yet flushed.
    pub(super) queued: AtomicUsize,
    /// Notified whenever the writer has drained its queue.
    pub(super) drained: Arc<Notify>,
    /// The first write failure.
    pub(super) failure: Mutex<Option<Ending>>,
    /// Notified when a write failed.
    pub(super) failed: Notify,
}

/// The ending an I/O error means.
pub(super) fn io_ending(io: &std::io::Error) -> Ending {
    use std::io::ErrorKind;
    if let Some(tls) = crate::core::net::tls::classify(io, "") {
        return Ending::TlsFailure { message: tls.to_string() };
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

/// Feeds queued messages without flushing while more are ready, and flushes when the queue
/// runs dry: a flush per message costs several times the CPU. A write that fails is
/// reported to the reader (`Session::next`), not dropped.
pub(super) async fn write_loop(
    mut sink: SplitSink<Ws, Message>,
    mut rx: tmpsc::UnboundedReceiver<Message>,
    shared: Arc<Shared>,
) {
    while let Some(msg) = rx.recv().await {
        let mut batch = msg.len();
        let mut result = sink.feed(msg).await;
        while result.is_ok() {
            let Ok(msg) = rx.try_recv() else { break };
            batch += msg.len();
            result = sink.feed(msg).await;
        }
        if result.is_ok() {
            result = sink.flush().await;
        }
        shared.queued.fetch_sub(batch, Ordering::Relaxed);
        if let Err(e) = result {
            let ending = match e {
                // After the closing handshake: nothing more may be sent, nothing broke.
                WsError::ConnectionClosed
                | WsError::AlreadyClosed
                | WsError::Protocol(tokio_tungstenite::tungstenite::error::ProtocolError::SendAfterClosing) => {
                    None
                }
                WsError::Io(io) => Some(match io_ending(&io) {
                    Ending::Reset { .. } => Ending::Reset { on_write: true },
                    other => other,
                }),
                other => Some(Ending::IoFailure { message: other.to_string() }),
            };
            if let Some(ending) = ending {
                if let Ok(mut slot) = shared.failure.lock() {
                    slot.get_or_insert(ending);
                }
                shared.failed.notify_one();
                shared.drained.notify_waiters();
                return;
            }
        }
        shared.drained.notify_one();
    }
}

//! Events from many connections, printed in arrival order by one printer thread. Events that
//! would not be shown are dropped before they cross the channel, so a busy server pays little.
//! The channel is bounded in bytes (a [`Backlog`]): when the reader of the output stalls (a
//! paused terminal, `| less`, a stuck pipe), sessions stop reading from their peers instead of
//! queueing events without bound, and nothing is dropped.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::core::event::{Backlog, Event, EventSink};
use crate::output::{OutputSettings, Printer};

/// Events (by estimated size) that may wait for the printer: 4 MiB.
pub const BACKLOG_BYTES: usize = 4 << 20;

/// A cloneable sink for connection tasks.
#[derive(Clone)]
pub struct ChannelSink {
    tx: mpsc::UnboundedSender<(Event, usize)>,
    settings: OutputSettings,
    backlog: Arc<Backlog>,
}

impl EventSink for ChannelSink {
    fn emit(&mut self, event: Event) {
        if self.settings.wants(&event.kind) {
            let weight = Backlog::weight(&event.kind);
            self.backlog.add(weight);
            if self.tx.send((event, weight)).is_err() {
                self.backlog.remove(weight);
            }
        }
    }

    fn wants_data(&self) -> bool {
        self.settings.show_messages
    }

    fn closed(&self) -> bool {
        self.tx.is_closed()
    }

    fn backlog(&self) -> Option<Arc<Backlog>> {
        Some(self.backlog.clone())
    }
}

/// Moves the printer onto a thread of its own (a blocked stdout blocks only it); it ends,
/// returning the printer, when every sink is dropped. Once stdout is closed it goes on: what
/// belongs on stdout is dropped, and stderr's lines (connections ending, the totals) still
/// print, while the command notices the closed stdout and stops.
pub fn spawn_printer(mut printer: Printer) -> (ChannelSink, JoinHandle<Printer>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Event, usize)>();
    let settings = printer.wanted();
    let backlog = Arc::new(Backlog::new(BACKLOG_BYTES));
    let task = {
        let backlog = backlog.clone();
        tokio::task::spawn_blocking(move || {
            while let Some((event, weight)) = rx.blocking_recv() {
                printer.emit(event);
                backlog.remove(weight);
            }
            backlog.close();
            printer
        })
    };
    (ChannelSink { tx, settings, backlog }, task)
}

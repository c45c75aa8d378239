//! Events from many connections, printed in arrival order by one printer task. Events that
//! would not be shown are dropped before they cross the channel, so a busy server pays little.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::core::event::{Event, EventSink};
use crate::output::{OutputSettings, Printer};

/// A cloneable sink for connection tasks.
#[derive(Clone)]
pub struct ChannelSink {
    tx: mpsc::UnboundedSender<Event>,
    settings: OutputSettings,
}

impl EventSink for ChannelSink {
    fn emit(&mut self, event: Event) {
        if self.settings.wants(&event.kind) {
            let _ = self.tx.send(event);
        }
    }

    fn wants_data(&self) -> bool {
        self.settings.show_messages
    }

    fn closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// Moves the printer into a task; it ends, returning the printer, when every sink is dropped
/// or stdout is closed.
pub fn spawn_printer(mut printer: Printer) -> (ChannelSink, JoinHandle<Printer>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let settings = *printer.settings();
    let task = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            printer.emit(event);
            if printer.closed() {
                break;
            }
        }
        printer
    });
    (ChannelSink { tx, settings }, task)
}

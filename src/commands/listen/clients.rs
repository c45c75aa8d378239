//! The clients `listen` talks to: each connection's inbox, and what stdin lines and REPL
//! commands (`/clients`, `/to`, `/kick`, plain lines to everyone) send them.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::commands::dispatch::{dispatch, Effect, Peers};
use crate::core::event::{Data, EventKind, EventSink};
use crate::core::session::{Clock, Outgoing};
use crate::repl::parse::{self, Control, Mode};

/// Each connected client's address and inbox (what its handler is to send), by connection
/// id.
pub(super) type Inboxes =
    Arc<Mutex<BTreeMap<u64, (crate::core::event::Endpoint, mpsc::UnboundedSender<Outgoing>)>>>;

/// A stdin line as a message: binary with `--binary`, else text (invalid UTF-8 replaced).
pub(super) fn message(line: Vec<u8>, binary: bool) -> Data {
    if binary {
        Data::Binary(Bytes::from(line))
    } else {
        Data::Text(Utf8Bytes::from(String::from_utf8_lossy(&line).into_owned()))
    }
}

/// Sends a stdin line to every client, or to one with an `@ID ` prefix; warns when nobody
/// gets it.
pub(super) fn route(line: Data, inboxes: &Inboxes, clock: &Clock, sink: &mut dyn EventSink) {
    let target = match &line {
        Data::Text(t) => t.strip_prefix('@').and_then(|rest| {
            let (id, msg) = rest.split_once(' ')?;
            Some((id.parse::<u64>().ok()?, msg.to_string()))
        }),
        Data::Binary(_) => None,
    };
    let result = match target {
        Some((id, msg)) => to(inboxes, id, Outgoing::Data(Data::Text(Utf8Bytes::from(msg)))),
        None => everyone(inboxes, Outgoing::Data(line)),
    };
    if let Err(e) = result {
        clock.emit(sink, EventKind::Warning { message: format!("{e}; the line was not sent") });
    }
}

fn everyone(inboxes: &Inboxes, order: Outgoing) -> Result<(), String> {
    let map = inboxes.lock().map_err(|_| "the client list is unavailable".to_string())?;
    if map.is_empty() {
        return Err("no client is connected".into());
    }
    for (_, tx) in map.values() {
        let _ = tx.send(order.clone());
    }
    Ok(())
}

fn to(inboxes: &Inboxes, id: u64, order: Outgoing) -> Result<(), String> {
    let map = inboxes.lock().map_err(|_| "the client list is unavailable".to_string())?;
    let (_, tx) = map.get(&id).ok_or_else(|| format!("no client {id} is connected"))?;
    let _ = tx.send(order);
    Ok(())
}

/// Carries out a REPL command line. Errors: one line.
pub(super) async fn run_command(
    line: &str,
    binary: bool,
    inboxes: &Inboxes,
    clock: &Clock,
    sink: &mut dyn EventSink,
    notes: &mut dyn Write,
) -> Result<Effect, String> {
    let c = parse::parse(line, Mode::Listen)?;
    dispatch(c, &mut Clients { inboxes, binary, clock, sink, notes }).await
}

/// `listen`'s peers: every connected client, or one by its id.
struct Clients<'a> {
    inboxes: &'a Inboxes,
    /// `--binary`: lines are binary messages.
    binary: bool,
    clock: &'a Clock,
    sink: &'a mut dyn EventSink,
    notes: &'a mut dyn Write,
}

impl Peers for Clients<'_> {
    fn mode(&self) -> Mode {
        Mode::Listen
    }

    fn send(&mut self, out: Outgoing) -> Result<(), String> {
        everyone(self.inboxes, out)
    }

    fn message(&mut self, text: String) -> Result<(), String> {
        route(message(text.into_bytes(), self.binary), self.inboxes, self.clock, self.sink);
        Ok(())
    }

    fn stats(&mut self) {
        let n = self.inboxes.lock().map(|m| m.len()).unwrap_or(0);
        let _ = writeln!(
            self.notes,
            "* {} connected; the summary at the end counts every client served",
            count(n)
        );
    }

    fn note(&mut self, line: &str) {
        let _ = writeln!(self.notes, "{line}");
    }

    fn own(&mut self, c: Control) -> Result<(), String> {
        match c {
            Control::Clients => {
                let map = self.inboxes.lock().map_err(|_| "the client list is unavailable".to_string())?;
                let _ = writeln!(self.notes, "* {} connected", count(map.len()));
                for (id, (peer, _)) in map.iter() {
                    let _ = writeln!(self.notes, "*   [{id}] {peer}");
                }
            }
            Control::To(id, text) => {
                to(self.inboxes, id, Outgoing::Data(message(text.into_bytes(), self.binary)))?
            }
            Control::Kick(id, status) => to(self.inboxes, id, Outgoing::Close(status))?,
            _ => return Err("not available in listen; /help lists the commands".into()),
        }
        Ok(())
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 client".into()
    } else {
        format!("{n} clients")
    }
}

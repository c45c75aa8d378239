//! The clients `listen` talks to: each connection's inbox, and what stdin lines and REPL
//! commands (`/clients`, `/to`, `/kick`, plain lines to everyone) send them.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::commands::input::read_file;
use crate::core::event::{Data, EventKind, EventSink};
use crate::core::session::{Clock, Outgoing};
use crate::repl::parse::{self, Command, Mode};

/// What a connection handler is asked to do.
#[derive(Debug, Clone)]
pub enum Order {
    Send(Outgoing),
    /// A ping: sequence-numbered (RTT in the statistics) or with a chosen payload.
    Ping(Option<Bytes>),
}

/// Each connected client's address and inbox, by connection id.
pub type Inboxes = Arc<Mutex<BTreeMap<u64, (SocketAddr, mpsc::UnboundedSender<Order>)>>>;

/// What a command asks of the run.
pub enum Effect {
    None,
    Quit,
}

/// A stdin line as a message: binary with `--binary`, else text (invalid UTF-8 replaced).
pub fn message(line: Vec<u8>, binary: bool) -> Data {
    if binary {
        Data::Binary(Bytes::from(line))
    } else {
        Data::Text(Utf8Bytes::from(String::from_utf8_lossy(&line).into_owned()))
    }
}

/// Sends a stdin line to every client, or to one with an `@ID ` prefix; warns when nobody
/// gets it.
pub fn route(line: Data, inboxes: &Inboxes, clock: &Clock, sink: &mut dyn EventSink) {
    let target = match &line {
        Data::Text(t) => t.strip_prefix('@').and_then(|rest| {
            let (id, msg) = rest.split_once(' ')?;
            Some((id.parse::<u64>().ok()?, msg.to_string()))
        }),
        Data::Binary(_) => None,
    };
    let result = match target {
        Some((id, msg)) => to(inboxes, id, Order::Send(Outgoing::Data(Data::Text(Utf8Bytes::from(msg))))),
        None => everyone(inboxes, Order::Send(Outgoing::Data(line))),
    };
    if let Err(e) = result {
        clock.emit(sink, EventKind::Warning { message: format!("{e}; the line was not sent") });
    }
}

fn everyone(inboxes: &Inboxes, order: Order) -> Result<(), String> {
    let map = inboxes.lock().map_err(|_| "the client list is unavailable".to_string())?;
    if map.is_empty() {
        return Err("no client is connected".into());
    }
    for (_, tx) in map.values() {
        let _ = tx.send(order.clone());
    }
    Ok(())
}

fn to(inboxes: &Inboxes, id: u64, order: Order) -> Result<(), String> {
    let map = inboxes.lock().map_err(|_| "the client list is unavailable".to_string())?;
    let (_, tx) = map.get(&id).ok_or_else(|| format!("no client {id} is connected"))?;
    let _ = tx.send(order);
    Ok(())
}

/// Carries out a REPL command line. Errors: one line.
pub async fn run_command(
    line: &str,
    binary: bool,
    inboxes: &Inboxes,
    clock: &Clock,
    sink: &mut dyn EventSink,
    notes: &mut dyn Write,
) -> Result<Effect, String> {
    match parse::parse(line, Mode::Listen)? {
        Command::Message(text) => route(message(text.into_bytes(), binary), inboxes, clock, sink),
        Command::Send(outs) => {
            for out in outs {
                everyone(inboxes, Order::Send(out))?;
            }
        }
        Command::Ping(payload) => everyone(inboxes, Order::Ping(payload))?,
        Command::File { path, text } => {
            everyone(inboxes, Order::Send(Outgoing::Data(read_file(&path, text).await?)))?
        }
        Command::Clients => {
            let map = inboxes.lock().map_err(|_| "the client list is unavailable".to_string())?;
            let _ = writeln!(notes, "* {} connected", count(map.len()));
            for (id, (peer, _)) in map.iter() {
                let _ = writeln!(notes, "*   [{id}] {peer}");
            }
        }
        Command::Stats => {
            let n = inboxes.lock().map(|m| m.len()).unwrap_or(0);
            let _ = writeln!(
                notes,
                "* {} connected; the summary at the end counts every client served",
                count(n)
            );
        }
        Command::To(id, text) => {
            to(inboxes, id, Order::Send(Outgoing::Data(message(text.into_bytes(), binary))))?
        }
        Command::Kick(id, status) => to(inboxes, id, Order::Send(Outgoing::Close(status)))?,
        Command::Help => {
            for line in parse::help(Mode::Listen) {
                let _ = writeln!(notes, "{line}");
            }
        }
        Command::Quit => return Ok(Effect::Quit),
        Command::Headers | Command::Pretty(_) | Command::Verbose(_) => {
            return Err("not available in listen; /help lists the commands".into())
        }
    }
    Ok(Effect::None)
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 client".into()
    } else {
        format!("{n} clients")
    }
}

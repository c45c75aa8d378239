//! `wsdiag connect`: open a session, send -x messages and stdin lines, print what arrives,
//! and end by the user's rules (--count, --wait, --timeout, the peer's close, Ctrl-C).

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::sleep_until;

use crate::core::client::{self, ClientSpec};
use crate::core::echo_server;
use crate::core::error::Error;
use crate::core::event::{Data, Dir, Event, EventKind, EventSink, Side, Summary};
use crate::core::session::{Clock, Incoming, Session};
use crate::core::wait::{tick, ticker, until};
use crate::exit::ExitStatus;
use crate::output::Printer;
use crate::settings::{ConnectSettings, InputFormat};

/// How long to wait for the peer's answer to our close frame.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the main loop stopped on our side.
#[derive(Debug)]
enum Stop {
    CountMet,
    WaitDone,
    Timeout,
    Interrupted,
    OutputClosed,
    BadInput(Error),
    /// The connection ended by itself: the peer closed it or it broke.
    Ended(Result<(), Error>),
}

pub async fn run(s: ConnectSettings, printer: &mut Printer) -> ExitStatus {
    let clock = Clock::new(Instant::now());
    for w in &s.warnings {
        clock.emit(printer, EventKind::Warning { message: w.clone() });
    }
    let run_deadline = s.timeout.map(|t| Instant::now() + t);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let opened = tokio::select! {
        r = open(&s, &clock, printer) => r,
        _ = &mut ctrl_c => return finish(printer, &clock, None, Err(Interrupted)),
        _ = until(run_deadline) => Err(Error::RunTimeout { after: s.timeout.unwrap_or_default() }),
    };
    let mut session = match opened {
        Ok(session) => session,
        Err(e) => return finish(printer, &clock, None, Ok(Err(e))),
    };

    let mut input = spawn_input(&s);
    let drained = session.drained_handle();
    let mut input_done = false;
    let mut wait_deadline: Option<Instant> = None;
    let mut received = 0u64;
    // The first ping goes out at once: its RTT is the first thing a user wants to see.
    let mut pinger = ticker(Duration::ZERO, s.ping_interval);

    let stop = loop {
        if printer.closed() {
            break Stop::OutputClosed;
        }
        tokio::select! {
            biased;
            _ = &mut ctrl_c => break Stop::Interrupted,
            _ = until(run_deadline) => break Stop::Timeout,
            incoming = session.next(printer) => match incoming {
                Incoming::Message(_) => {
                    received += 1;
                    if s.count.is_some_and(|n| received >= n) {
                        break Stop::CountMet;
                    }
                }
                Incoming::Control => {}
                Incoming::Ended(result) => break Stop::Ended(result),
            },
            item = input.recv(), if !input_done && session.can_queue() => match item {
                Some(Ok(data)) => session.send(data, printer),
                Some(Err(e)) => break Stop::BadInput(e),
                None => {
                    input_done = true;
                    wait_deadline = s.wait.map(|w| Instant::now() + w);
                }
            },
            _ = drained.notified(), if !input_done && !session.can_queue() => {}
            _ = until(wait_deadline), if wait_deadline.is_some() => break Stop::WaitDone,
            _ = tick(&mut pinger), if pinger.is_some() => session.ping(printer),
        }
    };

    let outcome = match stop {
        Stop::Ended(result) => ended(&session, result, s.count, received),
        Stop::Interrupted => {
            close(&mut session, 1001, "", printer, true).await;
            Err(Interrupted)
        }
        other => {
            let quiet = matches!(other, Stop::CountMet | Stop::OutputClosed);
            close(&mut session, s.close_code, &s.close_reason, printer, !quiet).await;
            Ok(match other {
                Stop::Timeout => Err(Error::RunTimeout { after: s.timeout.unwrap_or_default() }),
                Stop::BadInput(e) => Err(e),
                _ => Ok(()),
            })
        }
    };
    finish(printer, &clock, Some(&session), outcome)
}

/// Ctrl-C, which is not an error but has its own exit status.
struct Interrupted;

async fn open(s: &ConnectSettings, clock: &Clock, printer: &mut Printer) -> Result<Session, Error> {
    let target = echo_server::start(&s.target).await?;
    let spec = ClientSpec {
        target,
        request: s.request.clone(),
        tls: s.tls.clone(),
        connect_timeout: s.connect_timeout,
        handshake_timeout: s.handshake_timeout,
        tap: s.tap,
        key: None,
    };
    client::open(&spec, clock, printer).await
}

/// The peer ended the connection: decide whether that was what the user expected.
fn ended(
    session: &Session,
    result: Result<(), Error>,
    count: Option<u64>,
    received: u64,
) -> Result<Result<(), Error>, Interrupted> {
    Ok(result.and_then(|()| {
        if let Some(c) = &session.close {
            if let (Side::Server, Some(code)) = (c.by, c.code) {
                if code != 1000 {
                    return Err(Error::UnexpectedClose { code, reason: c.reason.clone(), peer: "server" });
                }
            }
        }
        match count {
            Some(expected) if received < expected => {
                Err(Error::CountNotMet { expected, got: received, peer: "server" })
            }
            _ => Ok(()),
        }
    }))
}

/// Sends our close frame and reads until the peer answers (bounded), so no reply that arrived
/// before the close is lost. `show` false hides late data messages (after --count was met).
async fn close(session: &mut Session, code: u16, reason: &str, printer: &mut Printer, show: bool) {
    if session.peer_closed() {
        return;
    }
    session.close(code, reason, printer);
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    let mut sink = Muted { printer, mute: !show };
    loop {
        tokio::select! {
            incoming = session.next(&mut sink) => if let Incoming::Ended(_) = incoming { break },
            _ = sleep_until(deadline.into()) => break,
        }
    }
}

/// Passes events through, except incoming data messages when muted.
struct Muted<'a> {
    printer: &'a mut Printer,
    mute: bool,
}

impl EventSink for Muted<'_> {
    fn emit(&mut self, event: Event) {
        if !(self.mute && matches!(event.kind, EventKind::Message { dir: Dir::In, .. })) {
            self.printer.emit(event);
        }
    }
}

/// Reports the outcome, emits the summary and returns the exit status.
fn finish(
    printer: &mut Printer,
    clock: &Clock,
    session: Option<&Session>,
    outcome: Result<Result<(), Error>, Interrupted>,
) -> ExitStatus {
    let status = match &outcome {
        Err(Interrupted) => ExitStatus::Interrupted,
        Ok(Ok(())) => ExitStatus::Success,
        Ok(Err(e)) => e.exit_status(),
    };
    if let Ok(Err(e)) = &outcome {
        if !printer.closed() {
            printer.error(e, clock.elapsed());
        }
    }
    let summary = Summary {
        exit: status.code(),
        duration: clock.elapsed(),
        sent: session.map(|s| s.sent).unwrap_or_default(),
        received: session.map(|s| s.received).unwrap_or_default(),
        pings: session.map(|s| s.ping_stats()).unwrap_or_default(),
        close: session.and_then(|s| s.close.clone()),
        connections: None,
    };
    clock.emit(printer, EventKind::Summary(summary));
    status
}

/// Feeds -x messages, then stdin lines, into a bounded channel; the channel closes at the end.
fn spawn_input(s: &ConnectSettings) -> mpsc::Receiver<Result<Data, Error>> {
    let (tx, rx) = mpsc::channel(16);
    let messages = s.messages.clone();
    let read_stdin = s.read_stdin;
    let format = s.input;
    tokio::spawn(async move {
        for m in messages {
            if tx.send(Ok(m)).await.is_err() {
                return;
            }
        }
        if read_stdin {
            read_lines(tx, format).await;
        }
    });
    rx
}

async fn read_lines(tx: mpsc::Sender<Result<Data, Error>>, format: InputFormat) {
    let mut reader = BufReader::new(tokio::io::stdin());
    let mut number = 0u64;
    loop {
        let mut line = Vec::new();
        // A stdin that is closed or unreadable counts as empty.
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        let item = format.decode(line, &format!("stdin line {number}"));
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}

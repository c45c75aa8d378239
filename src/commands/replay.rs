//! `wsdiag replay`: each chosen recording in turn: connect as `connect` would, replay the
//! script (`core::replay::drive`), close, and report; the exit status is the worst outcome.

use tokio::time::Instant;

use crate::commands::signals::Signals;
use crate::core::builtin::echo_server;
use crate::core::error::Error;
use crate::core::event::{EventKind, Side};
use crate::core::replay::drive::{self, Outcome};
use crate::core::session::{client, Clock, Session};
use crate::exit::ExitStatus;
use crate::output::replay::{human, json, Replayed};
use crate::output::Printer;
use crate::settings::{ReplayRun, ReplaySettings};

/// Replays every chosen recording and prints the result; the exit status per docs/replay.md.
pub async fn run(s: ReplaySettings, printer: &mut Printer) -> ExitStatus {
    let clock = Clock::new(Instant::now());
    for w in &s.warnings {
        clock.emit(printer, EventKind::Warning { message: w.clone() });
    }
    let mut signals = Signals::install();
    let mut done: Vec<(&ReplayRun, Outcome)> = Vec::new();
    let mut failure: Option<Error> = None;
    let mut interrupted = false;
    for (conn, r) in s.runs.iter().enumerate() {
        for n in &r.notes {
            clock.emit(printer, EventKind::Note { message: n.clone() });
        }
        let (sig_int, sig_term, _) = signals.parts();
        // A built-in echo server lives as long as the entry's connection.
        let (mut session, _server) = tokio::select! {
            opened = open(r, conn as u64, &clock, printer) => match opened {
                Ok(opened) => opened,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            },
            _ = Signals::interrupted(sig_int, sig_term) => {
                interrupted = true;
                break;
            }
        };
        let (sig_int, sig_term, _) = signals.parts();
        let outcome = tokio::select! {
            o = drive::run(&mut session, Side::Client, &r.script, s.pacing, &s.rules, printer) => Some(o),
            _ = Signals::interrupted(sig_int, sig_term) => None,
        };
        let Some(outcome) = outcome else {
            session.close_and_wait(1001, "", printer).await;
            interrupted = true;
            break;
        };
        if outcome.ended.is_none() {
            session.close_and_wait(1000, "", printer).await;
        }
        done.push((r, outcome));
    }
    let replayed: Vec<Replayed> = done
        .iter()
        .map(|(r, outcome)| Replayed { label: &r.label, url: &r.url, script: &r.script, outcome })
        .collect();
    let status = status(&replayed, failure.as_ref(), interrupted);
    // The result document is the last line on stdout (and carries the exit status).
    if let Some(e) = &failure {
        printer.error(e, clock.elapsed());
    }
    if s.json_report {
        printer.data_line(&json(&replayed, status.code()));
    } else {
        for line in replayed.iter().flat_map(human) {
            printer.data_line(&line);
        }
    }
    status
}

/// Interrupted, else a connection's failure, else a check failure when a recorded message
/// did not go as recorded (a divergence, a missing reply); a connection that ended before its
/// script was done is that ending's status when no reply differed.
fn status(replayed: &[Replayed], failure: Option<&Error>, interrupted: bool) -> ExitStatus {
    if interrupted {
        return ExitStatus::Interrupted;
    }
    if let Some(e) = failure {
        return e.exit_status();
    }
    use crate::core::replay::drive::Verdict;
    let differed = replayed.iter().any(|r| {
        r.outcome.verdicts.iter().any(|v| matches!(v, Verdict::Diverged { .. } | Verdict::Missing { .. }))
    });
    if differed {
        return ExitStatus::CheckFailed;
    }
    match replayed.iter().find(|r| !r.passed()).and_then(|r| r.outcome.ended.clone()) {
        Some(end) => Error::Ended(end).exit_status(),
        None => ExitStatus::Success,
    }
}

async fn open(
    r: &ReplayRun,
    conn: u64,
    clock: &Clock,
    printer: &mut Printer,
) -> Result<(Session, Option<echo_server::EchoServer>), Error> {
    let (target, server) = echo_server::start(&r.target).await?;
    Ok((client::open(&target, &r.connection, conn, clock, printer).await?, server))
}

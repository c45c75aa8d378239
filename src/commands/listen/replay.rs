//! `listen --replay`: a mock server. Each client is played the server's side of the
//! recording: its recorded messages are waited for (exact match) and the recorded replies and
//! server-initiated messages are sent at their recorded offsets. A client that deviates is
//! logged with the divergence, and its connection's outcome is a failed check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::Note;
use crate::commands::serve::{ConnCtx, Handled, Handler};
use crate::core::error::Error;
use crate::core::event::{ConnOutcome, Endpoint, EventSink, Side};
use crate::core::replay::drive::{self, Verdict};
use crate::core::replay::matcher::Rules;
use crate::core::session::wait::stopped;
use crate::core::session::Session;
use crate::output::replay::{human, Replayed};
use crate::settings::ServedReplay;

pub(super) fn handler(
    replay: &ServedReplay,
    client_came: &Arc<AtomicBool>,
    notes: mpsc::UnboundedSender<Note>,
) -> Handler {
    let (replay, client_came) = (replay.clone(), client_came.clone());
    Arc::new(move |session, ctx| {
        client_came.store(true, Ordering::Relaxed);
        Box::pin(play(session, ctx, replay.clone(), notes.clone()))
    })
}

async fn play(
    mut session: Box<Session>,
    mut ctx: ConnCtx,
    replay: ServedReplay,
    notes: mpsc::UnboundedSender<Note>,
) -> Handled {
    let sink: &mut dyn EventSink = &mut ctx.sink;
    session.gate_reads(sink.backlog());
    let rules = Rules::default();
    let outcome = tokio::select! {
        o = drive::run(&mut session, Side::Server, &replay.script, replay.pacing, &rules, sink) => Some(o),
        _ = stopped(&mut ctx.stop) => None,
    };
    let sink: &mut dyn EventSink = &mut ctx.sink;
    let Some(outcome) = outcome else {
        session.close_and_wait(1001, "server shutting down", sink).await;
        let _ = notes.send(Note::Ended(ctx.conn, Ok(())));
        return (ConnOutcome::Shutdown, session.totals());
    };
    let deviated =
        outcome.verdicts.iter().any(|v| matches!(v, Verdict::Diverged { .. } | Verdict::Missing { .. }));
    let result = if deviated {
        let peer = match &ctx.peer {
            Endpoint::Tcp(a) => a.to_string(),
            Endpoint::Unix(p) => p.to_string(),
        };
        let r = Replayed { label: "the client", url: &peer, script: &replay.script, outcome: &outcome };
        let lines: Vec<String> = human(&r).iter().map(|l| l.trim().to_string()).collect();
        Err(Error::ExpectFailed { message: lines.join("; "), recent: Vec::new() })
    } else {
        match &outcome.ended {
            Some(end) => end.result(),
            None => Ok(()),
        }
    };
    if outcome.ended.is_none() {
        let code = if deviated { 1008 } else { 1000 };
        session.close_and_wait(code, "", sink).await;
    }
    let conn_outcome = match &result {
        Ok(()) => ConnOutcome::Closed,
        Err(e) => ConnOutcome::after_upgrade(e),
    };
    let _ = notes.send(Note::Ended(ctx.conn, result));
    (conn_outcome, session.totals())
}

//! `wsdiag echo`: a conformant echo server with fault injection, one session per client,
//! a line per connection when it ends, and totals at the end.

use std::sync::Arc;
use tokio::time::Instant;

use crate::commands::serve::{self, ConnCtx, Handler};
use crate::core::builtin::echo::{self, EchoFaults};
use crate::core::event::{EventKind, EventSink};
use crate::core::session::wait::until;
use crate::exit::ExitStatus;
use crate::output::Printer;
use crate::settings::EchoSettings;

pub async fn run(s: EchoSettings, printer: Printer) -> ExitStatus {
    let serve::Bound { listener, mut opts, mut sink, printer: printer_task, clock } =
        match serve::open(&s.server, printer).await {
            Ok(bound) => bound,
            Err(status) => return status,
        };
    s.faults.apply(&mut opts);
    let faults = Arc::new(s.faults.clone());
    let handler: Handler = Arc::new(move |session, ctx| Box::pin(echo_one(session, ctx, faults.clone())));
    let mut server =
        serve::start(listener, opts, serve::Limits::of(&s.server), None, clock, sink.clone(), handler);

    let deadline = s.server.max_runtime.map(|d| Instant::now() + d);
    let mut reports = Vec::new();
    let mut signals = crate::commands::signals::Signals::install();
    let (sig_int, sig_term, _) = signals.parts();
    // `wsdiag echo | head -1`: once the reader has gone, nobody sees what is served.
    let gone = crate::output::stdout_gone();
    tokio::pin!(gone);
    let status = loop {
        tokio::select! {
            _ = crate::commands::signals::Signals::interrupted(sig_int, sig_term) => break ExitStatus::Interrupted,
            _ = until(deadline) => break ExitStatus::Success,
            _ = &mut gone => break ExitStatus::Success,
            Some(r) = server.reports.recv() => reports.push(r),
        }
    };
    let mut summary = server.shutdown(&reports).await;
    summary.exit = status.code();
    clock.emit(&mut sink, EventKind::Summary(summary));
    drop(sink);
    let _ = printer_task.await;
    status
}

async fn echo_one(
    session: Box<crate::core::session::Session>,
    mut ctx: ConnCtx,
    faults: Arc<EchoFaults>,
) -> serve::Handled {
    let (end, totals) =
        echo::run(session, &faults, &mut ctx.sink as &mut dyn EventSink, ctx.stop.clone()).await;
    (end.outcome(), totals)
}

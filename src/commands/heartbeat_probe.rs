//! `wsdiag heartbeat-probe`: run the search's rounds of silent trial connections with a
//! canary alongside, report every trial and the conclusion, and decide the exit status.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use crate::commands::signals::Signals;
use crate::core::builtin::echo_server;
use crate::core::error::Error;
use crate::core::event::probe::{Seen, TimingOnly};
use crate::core::event::EventKind;
use crate::core::net::target::Target;
use crate::core::probe::search::{Outcome, Search, Undecided, Verdict};
use crate::core::probe::trial::{self, CanaryReport, Keepalive, TrialConfig, TrialReport};
use crate::core::probe::ProbeResult;
use crate::core::session::Clock;
use crate::exit::ExitStatus;
use crate::output::{prometheus, Printer};
use crate::settings::probe::HeartbeatProbeSettings;

/// How often the canary pings.
const CANARY_EVERY: Duration = Duration::from_secs(1);

pub async fn run(s: HeartbeatProbeSettings, printer: &mut Printer) -> ExitStatus {
    let clock = Clock::now();
    for w in &s.warnings {
        clock.emit(printer, EventKind::Warning { message: w.clone() });
    }
    for n in &s.notes {
        clock.emit(printer, EventKind::Note { message: n.clone() });
    }
    let target = match echo_server::start(&s.target).await {
        Ok(t) => t,
        Err(e) => return fail(printer, &clock, &e),
    };
    let spec = trial_spec(&s, target);
    let target = spec.target.display();
    if let Some((interval, wanted)) = s.verify {
        return verify(&s, &spec, interval, wanted, &clock, printer, &target).await;
    }
    let (canary_tx, canary_rx) = watch::channel(CanaryReport::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut canary = {
        let spec = spec.clone();
        tokio::spawn(async move { trial::canary(&spec, CANARY_EVERY, &clock, canary_tx, stop_rx).await })
    };

    let mut signals = Signals::install();
    let started = Instant::now();
    let mut search = Search::new(s.plan);
    let progress = Progress { bar: s.progress.then(progress_bar) };
    let rounds = Rounds::run(&spec, &mut search, &canary_rx, &progress, &mut signals, &clock, printer).await;
    let rounds = match rounds {
        Ok(r) => r,
        Err(e) => {
            let _ = stop_tx.send(true);
            return fail(printer, &clock, &e);
        }
    };
    if let Some(bar) = &progress.bar {
        bar.finish_and_clear();
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(3), &mut canary).await;
    let report = canary_rx.borrow().clone();

    let (verdict, status) = conclude(&s, &search, &report, rounds.interrupted);
    let classified = match (&verdict, s.classify && !rounds.interrupted) {
        (Verdict::Bounded { lower, upper, .. }, true) if !lower.is_zero() => {
            classify(&spec, *lower / 2, (*upper + *upper / 2).max(*upper + Duration::from_secs(1)), &clock)
                .await
        }
        _ => Vec::new(),
    };
    let mut result = probe_result(verdict, report, &rounds, started, status, classified);
    result.timing_only = timing_only(&s);
    if let Some(path) = &s.prometheus {
        if let Err(e) = write_metrics(path, &prometheus::probe(&target, &result)) {
            clock.emit(printer, EventKind::ProbeResult(result));
            return fail(printer, &clock, &e);
        }
    }
    if status == ExitStatus::CheckFailed {
        let upper = bounds(&result.verdict).1;
        let message = format!(
            "connections idle for {:.1} s or more die, below --fail-below {:.1} s",
            upper.as_secs_f64(),
            s.fail_below.unwrap_or_default().as_secs_f64()
        );
        printer.error(&Error::ExpectFailed { message, recent: Vec::new() }, clock.elapsed());
    }
    // The result is the last line, also after an error.
    clock.emit(printer, EventKind::ProbeResult(result));
    status
}

/// How every trial connects and what it sends.
fn trial_spec(s: &HeartbeatProbeSettings, target: Target) -> TrialConfig {
    TrialConfig {
        target,
        connection: s.connection.clone(),
        kind: s.kind.clone(),
        pong_timeout: s.pong_timeout,
    }
}

/// What the search's rounds left behind.
#[derive(Debug, Default)]
struct Rounds {
    /// Trials that finished.
    trials: usize,
    /// The shortest silence after which the server spoke by itself.
    server_keepalive: Option<Duration>,
    /// A signal stopped them.
    interrupted: bool,
}

impl Rounds {
    /// Runs the search's rounds of trials until it is done, the canary dies or a signal comes,
    /// reporting each trial as it ends. Errors: a trial could not connect.
    async fn run(
        spec: &TrialConfig,
        search: &mut Search,
        canary: &watch::Receiver<CanaryReport>,
        progress: &Progress,
        signals: &mut Signals,
        clock: &Clock,
        printer: &mut Printer,
    ) -> Result<Rounds, Error> {
        let (sig_int, sig_term, _) = signals.parts();
        let (mut done, mut next_id) = (Rounds::default(), 1u64);
        loop {
            if canary.borrow().died.is_some() {
                return Ok(done);
            }
            let phase = search.phase();
            let ages = search.next_round();
            if ages.is_empty() {
                return Ok(done);
            }
            let phase = if search.phase() == phase { phase.name() } else { search.phase().name() };
            let mut round = Round::start(spec, ages, phase, &mut next_id, clock);
            progress.show(&round, search);
            loop {
                let joined = tokio::select! {
                    j = round.set.join_next() => j,
                    _ = Signals::interrupted(sig_int, sig_term) => {
                        done.interrupted = true;
                        return Ok(done);
                    }
                };
                let Some(joined) = joined else { break };
                let report = match joined {
                    Ok((age, result)) => {
                        let report = result?;
                        if let Some(after) = report.server_traffic_after {
                            done.server_keepalive =
                                Some(done.server_keepalive.map_or(after, |k| k.min(after)));
                        }
                        search.record(age, &report.outcome);
                        round.finished(age, &report);
                        progress.show(&round, search);
                        report
                    }
                    // Stopped because a shorter one died: reported too, as every trial that ran.
                    Err(e) => match round.stopped.remove(&e.id()) {
                        Some(report) => report,
                        None => continue,
                    },
                };
                done.trials += 1;
                // With the live line, trials are in it and in --json, not a line each.
                if progress.bar.is_none() {
                    clock.emit(printer, EventKind::Trial { phase, report });
                }
            }
        }
    }
}

/// One round of trials in flight.
struct Round {
    set: JoinSet<(Duration, Result<TrialReport, Error>)>,
    /// Each trial's age, id and handle, to stop those a death answers for.
    handles: Vec<(Duration, u64, AbortHandle)>,
    /// The report of each trial stopped so, by its task.
    stopped: HashMap<tokio::task::Id, TrialReport>,
    /// Trials still running.
    running: usize,
    /// The longest age in the round.
    longest: Duration,
    /// The search's phase, by name.
    phase: &'static str,
}

impl Round {
    /// Starts a trial per age, numbered from `next_id` on.
    fn start(
        spec: &TrialConfig,
        ages: Vec<Duration>,
        phase: &'static str,
        next_id: &mut u64,
        clock: &Clock,
    ) -> Self {
        let mut set = JoinSet::new();
        let (running, longest) = (ages.len(), ages.iter().max().copied().unwrap_or_default());
        let mut handles = Vec::new();
        for age in ages {
            let (spec, id, clock) = (spec.clone(), *next_id, *clock);
            *next_id += 1;
            handles.push((
                age,
                id,
                set.spawn(async move { (age, trial::run(&spec, id, age, &clock).await) }),
            ));
        }
        Round { set, handles, stopped: HashMap::new(), running, longest, phase }
    }

    /// The trial of `age` ended with `outcome`. A connection that died after an idle age
    /// answers for every longer one: those trials are stopped instead of waited for (a silent
    /// path shows a death only when a trial speaks, at its full age).
    fn finished(&mut self, age: Duration, report: &TrialReport) {
        self.running = self.running.saturating_sub(1);
        if let Outcome::Died { .. } = report.outcome {
            for (longer, id, handle) in self.handles.iter().filter(|(a, _, _)| *a > age) {
                if !handle.is_finished() {
                    handle.abort();
                    self.running = self.running.saturating_sub(1);
                    // A trial that ends as it is stopped reports its own result instead.
                    self.stopped.insert(handle.id(), stopped(*id, *longer, report.id));
                }
            }
            self.handles.retain(|(a, _, _)| *a <= age);
        }
    }
}

/// The report of trial `id` (of `age`), stopped because trial `by` died after a shorter idle.
fn stopped(id: u64, age: Duration, by: u64) -> TrialReport {
    TrialReport {
        id,
        age,
        outcome: Outcome::Inconclusive,
        rtt: None,
        server_traffic_after: None,
        seen: Seen::Stopped { by },
    }
}

/// The live progress line on stderr (`None`: no line, a trial event each instead).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// Shows the round's state and the search's bounds.
    fn show(&self, round: &Round, search: &Search) {
        let Some(bar) = &self.bar else { return };
        let (phase, running, longest) = (round.phase, round.running, round.longest);
        let (lower, upper) = search.bounds();
        let bound = |d: Option<Duration>| d.map_or("?".to_string(), |d| format!("{:.1} s", d.as_secs_f64()));
        bar.set_message(format!(
            "{phase}: {running} trials running (up to {:.1} s idle), bounds {} to {}",
            longest.as_secs_f64(),
            bound(lower),
            bound(upper)
        ));
    }
}

/// The verdict and the exit status, from the search and the canary.
fn conclude(
    s: &HeartbeatProbeSettings,
    search: &Search,
    canary: &CanaryReport,
    interrupted: bool,
) -> (Verdict, ExitStatus) {
    // A canary that dies despite its pings says nothing about idle time: a lifetime cap, or a
    // server that went away.
    let verdict = match &canary.died {
        Some((after, _, _)) => Verdict::Inconclusive { why: Undecided::LifetimeCap { after: *after } },
        None => search.verdict(),
    };
    let (lower, _) = bounds(&verdict);
    let status = if interrupted {
        ExitStatus::Interrupted
    } else if canary.died.is_some() || matches!(verdict, Verdict::Inconclusive { .. }) {
        ExitStatus::Timeout
    } else if matches!(verdict, Verdict::Bounded { .. }) && s.fail_below.is_some_and(|f| lower < f) {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    };
    (verdict, status)
}

/// A bounded verdict's (lower, upper) bounds; zero for any other.
fn bounds(verdict: &Verdict) -> (Duration, Duration) {
    match verdict {
        Verdict::Bounded { lower, upper, .. } => (*lower, *upper),
        _ => (Duration::ZERO, Duration::ZERO),
    }
}

/// Why trials read no kernel TCP facts, if they did not.
fn timing_only(s: &HeartbeatProbeSettings) -> Option<TimingOnly> {
    if s.connection.dial.unix.is_some() {
        Some(TimingOnly::UnixSocket)
    } else if !crate::core::net::socket::HAS_TCP_INFO {
        Some(TimingOnly::Platform(crate::core::net::socket::PLATFORM))
    } else {
        None
    }
}

/// The account of the whole probe, with the advice that follows from its bounds.
fn probe_result(
    verdict: Verdict,
    canary: CanaryReport,
    rounds: &Rounds,
    started: Instant,
    status: ExitStatus,
    classified: Vec<trial::Classified>,
) -> ProbeResult {
    let (recommended, aggressive, pong_timeout) = ProbeResult::advise(bounds(&verdict).0, &canary.rtts);
    let mut rtts = canary.rtts.clone();
    rtts.sort();
    ProbeResult {
        verdict,
        lifetime_cap: canary.died,
        server_keepalive: rounds.server_keepalive,
        recommended,
        aggressive,
        pong_timeout,
        rtt: rtts.get(rtts.len() / 2).copied(),
        trials: rounds.trials,
        duration: started.elapsed(),
        exit: status.code(),
        classified,
        timing_only: None,
    }
}

/// `--classify`: a connection per keepalive kind, each held past the timeout, at once.
async fn classify(
    spec: &TrialConfig,
    every: Duration,
    wanted: Duration,
    clock: &Clock,
) -> Vec<trial::Classified> {
    let kinds = [Keepalive::WsPing, Keepalive::Data, Keepalive::TcpKeepalive];
    let runs = kinds.map(|kind| trial::classify(spec, kind, every, wanted, clock));
    let [a, b, c] = runs;
    // Over HTTP/2, the connection's own PING frames too.
    let h2_ping = async {
        match spec.connection.dial.http2 {
            Some(_) => Some(trial::classify(spec, Keepalive::H2Ping, every, wanted, clock).await),
            None => None,
        }
    };
    // With a companion at the far end, server-to-client traffic too.
    let (a, b, c, h2, push, late) = tokio::join!(
        a,
        b,
        c,
        h2_ping,
        trial::server_push(spec, every, wanted, clock),
        trial::late_push(spec, wanted, clock)
    );
    let failed = |kind, e: Error| trial::Classified {
        kind,
        refreshes: false,
        detail: format!("could not connect: {e}"),
    };
    let mut out: Vec<trial::Classified> =
        [a, b, c].into_iter().zip(kinds).map(|(r, kind)| r.unwrap_or_else(|e| failed(kind, e))).collect();
    if spec.connection.dial.unix.is_some() {
        // Its trial ran silent: there are no TCP keepalives to switch on.
        for c in out.iter_mut().filter(|c| c.kind == Keepalive::TcpKeepalive) {
            c.refreshes = false;
            c.detail = "not applicable: there is no TCP over a Unix socket".into();
        }
    }
    if let Some(r) = h2 {
        out.push(r.unwrap_or_else(|e| failed(Keepalive::H2Ping, e)));
    }
    for (r, kind) in [(push, Keepalive::ServerPush), (late, Keepalive::LatePush)] {
        match r {
            Ok(Some(c)) => out.push(c),
            Ok(None) => {}
            Err(e) => out.push(failed(kind, e)),
        }
    }
    out
}

/// `--verify`: one connection with the heartbeat, held for `wanted`.
async fn verify(
    s: &HeartbeatProbeSettings,
    spec: &TrialConfig,
    interval: Duration,
    wanted: Duration,
    clock: &Clock,
    printer: &mut Printer,
    target: &str,
) -> ExitStatus {
    let mut signals = Signals::install();
    let (sig_int, sig_term, _) = signals.parts();
    let report = tokio::select! {
        r = trial::verify(spec, interval, wanted, clock) => match r {
            Ok(r) => r,
            Err(e) => return fail(printer, clock, &e),
        },
        _ = Signals::interrupted(sig_int, sig_term) => return ExitStatus::Interrupted,
    };
    let status = if report.died.is_none() { ExitStatus::Success } else { ExitStatus::CheckFailed };
    if let Some(path) = &s.prometheus {
        if let Err(e) = write_metrics(path, &prometheus::verify(target, &report)) {
            return fail(printer, clock, &e);
        }
    }
    clock.emit(printer, EventKind::Verify(report));
    status
}

/// Writes the metrics next to `path` and renames them over it, so a collector never reads
/// half a file. Errors: the file system's.
fn write_metrics(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let tmp = path.with_extension("prom.tmp");
    let fail =
        |source| Error::Io { context: format!("cannot write --prometheus {}", path.display()), source };
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// The live progress line on stderr: a spinner, elapsed time and the search's state.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn fail(printer: &mut Printer, clock: &Clock, e: &Error) -> ExitStatus {
    printer.error(e, clock.elapsed());
    e.exit_status()
}

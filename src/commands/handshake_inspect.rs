//! `wsdiag handshake-inspect`: perform only the opening handshake, show it exactly, judge it,
//! follow redirects on request, and close cleanly.

use crate::core::builtin::echo_server;
use crate::core::error::Error;
use crate::core::inspect::{self, Inspect, Report};
use crate::core::wire::handshake;
use crate::core::wire::verdict::Level;
use crate::exit::ExitStatus;
use crate::output::Printer;
use crate::settings::{InspectSettings, MAX_REDIRECTS};

pub async fn run(s: InspectSettings, printer: &mut Printer) -> ExitStatus {
    for w in &s.warnings {
        printer.warning(w);
    }
    if !s.output.json {
        for n in &s.notes {
            printer.note(&format!("* {}", crate::output::sanitize::escape(n)));
        }
    }
    let mut target = match echo_server::start(&s.target).await {
        Ok(t) => t,
        Err(e) => {
            printer.error(&e, std::time::Duration::ZERO);
            return e.exit_status();
        }
    };
    let key = s.key.clone().unwrap_or_else(handshake::generate_key);
    let how = Inspect { key: &key, close: s.close };
    let mut hops = Vec::new();
    let mut follow_error = None;
    loop {
        let hop = inspect::inspect(&target, &s.connection, how).await;
        let location = hop
            .response
            .as_ref()
            .filter(|r| (300..400).contains(&r.status))
            .and_then(|r| r.header("Location").map(str::to_string));
        hops.push(hop);
        let Some(location) = location.filter(|_| s.follow) else {
            break;
        };
        if hops.len() > MAX_REDIRECTS {
            follow_error = Some(Error::usage(format!("more than {MAX_REDIRECTS} redirects")));
            break;
        }
        match inspect::redirect_target(&target, &location) {
            Ok(next) => target = next,
            Err(e) => {
                follow_error = Some(e);
                break;
            }
        }
    }
    let mut report = Report { hops, exit: 0 };
    if let (Some(e), Some(last)) = (follow_error, report.hops.last_mut()) {
        last.error.get_or_insert(Error::BadHandshake { message: e.to_string() });
    }
    let status = exit_status(&report);
    report.exit = status.code();
    printer.report(&report, s.raw, s.raw_escaped);
    status
}

fn exit_status(report: &Report) -> ExitStatus {
    let Some(hop) = report.last() else {
        return ExitStatus::Usage;
    };
    if let Some(e) = &hop.error {
        return e.exit_status();
    }
    match &hop.response {
        Some(r) if !r.opened() => ExitStatus::Handshake,
        Some(_) if hop.checks.iter().any(|c| c.level == Level::Fail) => ExitStatus::CheckFailed,
        Some(_) => ExitStatus::Success,
        None => ExitStatus::Handshake,
    }
}

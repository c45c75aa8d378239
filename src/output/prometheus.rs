//! `heartbeat-probe --prometheus FILE`: the result as node-exporter textfile metrics
//! (Prometheus text exposition format 0.0.4), labelled with the target.

use std::fmt::Write;

use crate::core::probe::search::Verdict;
use crate::core::probe::trial::VerifyReport;
use crate::core::probe::ProbeResult;

/// A label value with `\`, `"` and line breaks escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn metric(out: &mut String, name: &str, help: &str, target: &str, value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    let _ = writeln!(out, "{name}{{target=\"{}\"}} {value}", label(target));
}

/// The metrics of a search.
pub fn probe(target: &str, r: &ProbeResult) -> String {
    let mut out = String::new();
    let (lower, upper, confirmed, inconclusive) = match &r.verdict {
        Verdict::Bounded { lower, upper, confirmed, .. } => (Some(*lower), Some(*upper), *confirmed, false),
        Verdict::NoTimeout { .. } => (None, None, false, false),
        Verdict::Inconclusive { .. } => (None, None, false, true),
    };
    if let Some(l) = lower {
        metric(
            &mut out,
            "wsdiag_idle_timeout_lower_seconds",
            "Longest idle time a connection survived.",
            target,
            l.as_secs_f64(),
        );
    }
    if let Some(u) = upper {
        metric(
            &mut out,
            "wsdiag_idle_timeout_upper_seconds",
            "Shortest idle time that killed a connection.",
            target,
            u.as_secs_f64(),
        );
    }
    metric(
        &mut out,
        "wsdiag_idle_timeout_found",
        "1 when an idle timeout was bracketed.",
        target,
        f64::from(u8::from(upper.is_some())),
    );
    metric(
        &mut out,
        "wsdiag_idle_timeout_confirmed",
        "1 when the confirm round agreed.",
        target,
        f64::from(u8::from(confirmed)),
    );
    metric(
        &mut out,
        "wsdiag_probe_inconclusive",
        "1 when the probe was inconclusive.",
        target,
        f64::from(u8::from(inconclusive)),
    );
    if let Some(rec) = r.recommended {
        metric(
            &mut out,
            "wsdiag_heartbeat_recommended_seconds",
            "Recommended heartbeat interval.",
            target,
            rec.as_secs_f64(),
        );
    }
    if let Some((cap, _, _)) = &r.lifetime_cap {
        metric(
            &mut out,
            "wsdiag_lifetime_cap_seconds",
            "The canary died after this long despite its pings.",
            target,
            cap.as_secs_f64(),
        );
    }
    metric(&mut out, "wsdiag_probe_trials", "Trial connections run.", target, r.trials as f64);
    metric(
        &mut out,
        "wsdiag_probe_duration_seconds",
        "How long the probe ran.",
        target,
        r.duration.as_secs_f64(),
    );
    metric(&mut out, "wsdiag_probe_exit_code", "The probe's exit code.", target, f64::from(r.exit));
    out
}

/// The metrics of `--verify`.
pub fn verify(target: &str, v: &VerifyReport) -> String {
    let mut out = String::new();
    metric(
        &mut out,
        "wsdiag_verify_survived",
        "1 when the heartbeat kept the connection alive.",
        target,
        f64::from(u8::from(v.died.is_none())),
    );
    metric(
        &mut out,
        "wsdiag_verify_interval_seconds",
        "The heartbeat interval verified.",
        target,
        v.interval.as_secs_f64(),
    );
    metric(
        &mut out,
        "wsdiag_verify_held_seconds",
        "How long the connection was held.",
        target,
        v.held.as_secs_f64(),
    );
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_are_escaped() {
        assert_eq!(super::label("ws://h/\"x\"\n"), "ws://h/\\\"x\\\"\\n");
    }
}

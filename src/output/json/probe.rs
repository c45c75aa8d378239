//! The heartbeat-probe's JSON objects (docs/json.md): the `trial` event, the `verify` and
//! `result` documents, and how a death looked (`signature`).

use serde_json::{json, Map, Value};

use super::{obj, opt_ms, secs};
use crate::core::probe::search::{Outcome, Signature, Verdict};
use crate::core::probe::trial::{TrialReport, VerifyReport};
use crate::core::probe::ProbeResult;
use crate::core::wire::close;
use crate::output::words;

fn signature_json(s: &Signature) -> Value {
    match s {
        Signature::Close { code, reason } => {
            json!({ "signature": "close", "code": code, "name": code.map(close::name), "reason": reason })
        }
        other => json!({ "signature": other.name() }),
    }
}

/// A `trial` event: its id, phase, idle age, outcome and how it was seen.
pub(super) fn trial_json(phase: &str, r: &TrialReport) -> Map<String, Value> {
    let mut m = obj(json!({
        "id": r.id,
        "phase": phase,
        "age_s": secs(r.age),
        "detail": r.seen.name(),
        "message": words::seen(&r.seen),
        "rtt_ms": opt_ms(r.rtt),
        "server_traffic_after_s": r.server_traffic_after.map(secs),
    }));
    match &r.outcome {
        Outcome::Alive => {
            m.insert("outcome".into(), json!("alive"));
        }
        Outcome::Died { age, signature } => {
            m.insert("outcome".into(), json!("died"));
            m.insert("died_after_s".into(), json!(secs(*age)));
            m.extend(obj(signature_json(signature)));
        }
        Outcome::Inconclusive => {
            m.insert("outcome".into(), json!("inconclusive"));
            m.insert("why".into(), json!(r.seen.name()));
        }
    }
    m
}

/// The `verify` document of `heartbeat-probe --verify` (docs/json.md).
pub(super) fn verify_json(v: &VerifyReport) -> Map<String, Value> {
    let mut rtts = v.rtts.clone();
    rtts.sort();
    let mut m = obj(json!({
        "interval_s": secs(v.interval),
        "for_s": secs(v.wanted),
        "held_s": secs(v.held),
        "survived": v.died.is_none(),
        "pings": v.pings,
        "pongs": v.rtts.len(),
        "rtt_ms": opt_ms(rtts.get(rtts.len() / 2).copied()),
    }));
    if let Some((sig, why)) = &v.died {
        m.extend(obj(signature_json(sig)));
        m.insert("why".into(), json!(why.name()));
        m.insert("message".into(), json!(words::seen(why)));
    }
    m
}

/// The `result` document of `heartbeat-probe` (docs/json.md).
pub(super) fn probe_json(r: &ProbeResult) -> Map<String, Value> {
    let mut m = obj(json!({
        "exit": r.exit,
        "trials": r.trials,
        "duration_s": secs(r.duration),
        "lifetime_cap_s": r.lifetime_cap.as_ref().map(|(d, _, _)| secs(*d)),
        "server_keepalive_s": r.server_keepalive.map(secs),
        "recommended_interval_s": r.recommended.map(secs),
        "aggressive_interval_s": r.aggressive.map(secs),
        "pong_timeout_s": r.pong_timeout.map(secs),
        "rtt_ms": opt_ms(r.rtt),
        "timing_only": r.timing_only.map(|t| t.name()),
    }));
    if !r.classified.is_empty() {
        let kinds: Vec<Value> = r
            .classified
            .iter()
            .map(|c| json!({ "kind": c.kind.name(), "refreshes": c.refreshes, "detail": c.detail }))
            .collect();
        m.insert("classify".into(), Value::Array(kinds));
    }
    match &r.verdict {
        Verdict::NoTimeout { max } => {
            m.insert("verdict".into(), json!("no_timeout"));
            m.insert("max_s".into(), json!(secs(*max)));
        }
        Verdict::Bounded { lower, upper, confirmed, signature } => {
            m.insert("verdict".into(), json!("bounded"));
            m.insert("lower_s".into(), json!(secs(*lower)));
            m.insert("upper_s".into(), json!(secs(*upper)));
            m.insert("confirmed".into(), json!(confirmed));
            m.extend(obj(signature_json(signature)));
        }
        Verdict::Inconclusive { why } => {
            m.insert("verdict".into(), json!("inconclusive"));
            m.insert("why".into(), json!(why.name()));
            m.insert("message".into(), json!(words::undecided(why)));
        }
    }
    m
}

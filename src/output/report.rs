//! The handshake-inspect report: human (curl-style bytes, a check list, timings, TLS facts),
//! one JSON document, or the raw bytes.

use std::time::Duration;

use colored::Colorize;
use serde_json::{json, Value};

use crate::core::inspect::{CloseOutcome, Hop, HopTimings, Report, TlsFacts};
use crate::core::net::certs::EXPIRY_WARN_DAYS;
use crate::core::net::h2::frames::setting_name;
use crate::core::wire::verdict::Level;
use crate::output::headers;
use crate::output::human::ms;
use crate::output::payload::json_data;
use crate::output::sanitize::{escape, escape_bytes};
use crate::output::OutputSettings;

const BODY_SHOWN: usize = 4096;

pub fn human(report: &Report, s: &OutputSettings) -> String {
    let mut out = String::new();
    for (i, hop) in report.hops.iter().enumerate() {
        if report.hops.len() > 1 {
            out.push_str(&format!("== hop {} of {}: {}\n", i + 1, report.hops.len(), hop.url));
        }
        hop_human(hop, s, &mut out);
        out.push('\n');
    }
    let verdict = report.verdict();
    let hop = report.last();
    let counts = hop.map(|h| {
        let n = |l: Level| h.checks.iter().filter(|c| c.level == l).count();
        (n(Level::Pass), n(Level::Warn), n(Level::Fail))
    });
    let line = match (verdict, counts, hop.and_then(|h| h.error.as_ref())) {
        (_, _, Some(e)) => format!("Verdict: ERROR: {}", escape_bytes(e.to_string().as_bytes())),
        ("rejected", _, _) => {
            let response = hop.and_then(|h| h.response.as_ref());
            let (status, wanted) = response.map_or((0, 101), |r| (r.status, r.wanted_status()));
            format!("Verdict: REJECTED: the server answered {status}, not {wanted}")
        }
        (v, Some((p, w, f)), _) => {
            let warnings = if w == 1 { "warning" } else { "warnings" };
            format!("Verdict: {}: {p} passed, {w} {warnings}, {f} failed", v.to_uppercase())
        }
        (v, None, _) => format!("Verdict: {}", v.to_uppercase()),
    };
    out.push_str(&paint(&line, s.color_stdout, verdict));
    out.push('\n');
    out
}

fn paint(text: &str, color: bool, level: &str) -> String {
    if !color {
        return text.to_string();
    }
    match level {
        "pass" => text.green().to_string(),
        "warn" => text.yellow().to_string(),
        _ => text.red().to_string(),
    }
}

fn hop_human(hop: &Hop, s: &OutputSettings, out: &mut String) {
    if let Some(selection) = &hop.proxy {
        out.push_str(&format!("* {}\n", escape(&crate::output::words::proxy_selection(selection))));
    }
    if let Some(addr) = &hop.addr {
        let addr = escape(&addr.to_string());
        let proxy = if hop.tunnel.is_some() { " (the proxy)" } else { "" };
        out.push_str(&format!("* Connected to {addr}{proxy}\n"));
    }
    if let Some(tunnel) = &hop.tunnel {
        for line in crate::output::human::tunnel_lines(tunnel, s.show_secrets) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if let Some(tls) = &hop.tls {
        tls_human(tls, s, out);
    }
    if let Some(h2) = &hop.http2 {
        let settings: Vec<String> =
            h2.settings.iter().map(|(id, v)| format!("{}={v}", setting_name(*id))).collect();
        let shown = if settings.is_empty() { "none received".to_string() } else { settings.join(", ") };
        out.push_str(&format!("* HTTP/2 server SETTINGS: {shown}\n"));
        if let Some(id) = h2.stream_id {
            out.push_str(&format!("* HTTP/2 extended CONNECT on stream {id}\n"));
        }
    }
    for line in headers::lines(&hop.request, s.show_secrets) {
        if !hop.request.is_empty() {
            out.push_str(&format!("> {}\n", escape_bytes(&line)));
        }
    }
    if let Some(r) = &hop.response {
        for line in headers::lines(&r.raw, s.show_secrets) {
            out.push_str(&format!("< {}\n", escape_bytes(&line)));
        }
        if !r.opened() && !r.rest.is_empty() {
            out.push_str("<\n");
            let shown = &r.rest[..r.rest.len().min(BODY_SHOWN)];
            for line in String::from_utf8_lossy(shown).lines() {
                out.push_str(&format!("< {}\n", escape_bytes(line.as_bytes())));
            }
            if r.rest.len() > BODY_SHOWN {
                out.push_str(&format!("< … ({} bytes of body kept)\n", r.rest.len()));
            }
        }
    }
    if !hop.checks.is_empty() {
        out.push_str("\nChecks:\n");
        for c in &hop.checks {
            let tag = paint(&format!("{:<4}", c.level.name()), s.color_stdout, c.level.name());
            out.push_str(&format!("  {tag}  {:<13} {}\n", c.id, escape_bytes(c.message.as_bytes())));
        }
    }
    let t = timing_parts(&hop.timings);
    if !t.is_empty() {
        let parts: Vec<String> = t.iter().map(|(n, d)| format!("{n} {}", ms(*d))).collect();
        out.push_str(&format!("\nTimings: {}\n", parts.join(", ")));
    }
    if let Some(c) = &hop.close {
        out.push_str(&format!("Close: {}\n", close_text(c)));
    }
    if let Some(e) = &hop.error {
        out.push_str(&format!("\nError: {}\n", escape_bytes(e.to_string().as_bytes())));
        if let Some(cause) = e.cause() {
            out.push_str(&format!("  caused by: {}\n", escape_bytes(cause.as_bytes())));
        }
        if let Some(hint) = e.hint() {
            out.push_str(&format!("  hint: {hint}\n"));
        }
    }
}

fn tls_human(tls: &TlsFacts, s: &OutputSettings, out: &mut String) {
    if let Some(i) = &tls.info {
        let alpn = i.alpn.as_deref().unwrap_or("none");
        let sni = i.sni.as_deref().unwrap_or("none (IP address)");
        // The server chose ALPN and wrote the certificates: untrusted text, escaped.
        let (alpn, sni) = (escape(alpn), escape(sni));
        out.push_str(&format!("* TLS {} {}, ALPN {alpn}, SNI {sni}\n", i.version, i.cipher));
    }
    for (n, c) in tls.certs.iter().enumerate() {
        out.push_str(&format!("*   certificate {n}: {}\n", escape(&c.subject)));
        if !c.sans.is_empty() {
            let sans: Vec<String> = c.sans.iter().map(|s| escape(s)).collect();
            out.push_str(&format!("*     SAN: {}\n", sans.join(", ")));
        }
        out.push_str(&format!("*     issuer: {}\n", escape(&c.issuer)));
        let left = if c.days_left < 0 {
            paint("EXPIRED", s.color_stdout, "fail")
        } else if c.days_left < EXPIRY_WARN_DAYS {
            paint(&format!("{} days left: renew soon", c.days_left), s.color_stdout, "warn")
        } else {
            format!("{} days left", c.days_left)
        };
        out.push_str(&format!("*     valid: {} to {} ({left})\n", c.not_before, c.not_after));
    }
    let verification = match (&tls.verify_failure, tls.insecure, tls.verified) {
        (None, _, true) => "ok".to_string(),
        (None, _, false) => return,
        (Some(f), true, _) => format!("FAILED ({f}), ignored because of --insecure"),
        (Some(f), false, _) => format!("FAILED ({f})"),
    };
    out.push_str(&format!("*   verification: {verification}\n"));
}

fn timing_parts(t: &HopTimings) -> Vec<(&'static str, Duration)> {
    [
        ("dns", t.dns),
        ("tcp", t.tcp),
        ("proxy", t.proxy),
        ("tls", t.tls),
        ("request sent", t.sent),
        ("first byte", t.first_byte),
        ("headers", t.headers),
    ]
    .into_iter()
    .filter_map(|(n, d)| d.map(|d| (n, d)))
    .collect()
}

fn close_text(c: &CloseOutcome) -> String {
    match c {
        CloseOutcome::Answered(Some(code)) => {
            format!("the server answered our close with {code} ({})", crate::core::wire::close::name(*code))
        }
        CloseOutcome::Answered(None) => "the server answered our close without a code".into(),
        CloseOutcome::NoAnswer => "the server dropped the connection without answering our close".into(),
        CloseOutcome::TimedOut => "the server did not answer our close within 2 s".into(),
        CloseOutcome::Skipped => "not closed (--no-close)".into(),
    }
}

/// The request and response bytes exactly, hop after hop.
pub fn raw(report: &Report) -> Vec<u8> {
    let mut out = Vec::new();
    for hop in &report.hops {
        out.extend_from_slice(&hop.request);
        if let Some(r) = &hop.response {
            out.extend_from_slice(&r.raw);
            if !r.opened() {
                out.extend_from_slice(&r.rest);
            }
        }
    }
    out
}

fn ms_value(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| json!((d.as_secs_f64() * 1e6).round() / 1e3))
}

pub fn json(report: &Report, s: &OutputSettings) -> String {
    let hops: Vec<Value> = report.hops.iter().map(|h| hop_json(h, s)).collect();
    json!({
        "type": "handshake_inspect",
        "verdict": report.verdict(),
        "exit": report.exit,
        "hops": hops,
    })
    .to_string()
}

fn hop_json(hop: &Hop, s: &OutputSettings) -> Value {
    let t = &hop.timings;
    let request = (!hop.request.is_empty()).then(|| crate::output::json::head(&hop.request, s.show_secrets));
    let response = hop.response.as_ref().map(|r| {
        let mut m = crate::output::json::head(&r.raw, s.show_secrets);
        if !r.opened() && !r.rest.is_empty() {
            m.insert("body".into(), json_data(&r.rest, true));
        }
        Value::Object(m)
    });
    let checks: Vec<Value> = hop
        .checks
        .iter()
        .map(|c| json!({ "id": c.id, "level": c.level.name(), "message": c.message }))
        .collect();
    json!({
        "url": hop.url,
        "proxy": hop.proxy.as_ref().map(crate::output::json::selection),
        "tunnel": hop.tunnel.as_ref().map(|t| crate::output::json::tunnel(t, s.show_secrets)),
        "addr": hop.addr.as_ref().map(|a| a.to_string()),
        "tls": hop.tls.as_ref().map(tls_json),
        "http2": hop.http2.as_ref().map(|h| json!({
            "settings": h.settings.iter().map(|(id, v)| json!({ "id": id, "name": setting_name(*id), "value": v })).collect::<Vec<_>>(),
            "stream": h.stream_id,
        })),
        "request": request,
        "response": response,
        "checks": checks,
        "timings_ms": {
            "dns": ms_value(t.dns),
            "tcp": ms_value(t.tcp),
            "proxy": ms_value(t.proxy),
            "tls": ms_value(t.tls),
            "request_sent": ms_value(t.sent),
            "first_byte": ms_value(t.first_byte),
            "headers": ms_value(t.headers),
        },
        "close": hop.close.as_ref().map(close_text),
        "error": hop.error.as_ref().map(|e| json!({
            "exit": e.exit_status().code(),
            "message": e.to_string(),
            "cause": e.cause(),
            "hint": e.hint(),
        })),
    })
}

fn tls_json(t: &TlsFacts) -> Value {
    let certs: Vec<Value> = t
        .certs
        .iter()
        .map(|c| {
            json!({
                "subject": c.subject,
                "issuer": c.issuer,
                "sans": c.sans,
                "not_before": c.not_before,
                "not_after": c.not_after,
                "days_left": c.days_left,
            })
        })
        .collect();
    json!({
        "version": t.info.as_ref().map(|i| i.version.clone()),
        "cipher": t.info.as_ref().map(|i| i.cipher.clone()),
        "alpn": t.info.as_ref().and_then(|i| i.alpn.clone()),
        "sni": t.info.as_ref().and_then(|i| i.sni.clone()),
        "certificates": certs,
        "verification": {
            "performed": t.verified,
            "ok": t.verified && t.verify_failure.is_none(),
            "error": t.verify_failure,
            "ignored": t.insecure,
        },
    })
}

#[cfg(test)]
mod tls_tests {
    use super::*;
    use crate::core::event::TlsInfo;
    use crate::core::net::certs::CertFacts;

    #[test]
    fn certificate_text_and_alpn_from_the_server_are_escaped() {
        let hostile = "evil\x1b]0;pwned\x07\u{202e}\u{9b}2J";
        let tls = TlsFacts {
            info: Some(TlsInfo { alpn: Some(hostile.into()), ..Default::default() }),
            certs: vec![CertFacts {
                subject: hostile.into(),
                issuer: hostile.into(),
                sans: vec![hostile.into()],
                not_before: String::new(),
                not_after: String::new(),
                days_left: 100,
            }],
            verify_failure: None,
            verified: true,
            insecure: false,
        };
        let s = OutputSettings {
            json: false,
            verbosity: 1,
            color_stdout: false,
            color_stderr: false,
            show_secrets: false,
            show_pongs: false,
            show_messages: true,
            prefix_conn: false,
            timestamps: false,
            repl: false,
            pretty_json: false,
            full_messages: false,
            command_pongs: false,
        };
        let mut out = String::new();
        tls_human(&tls, &s, &mut out);
        for bad in ['\x1b', '\x07', '\u{202e}', '\u{9b}'] {
            assert!(!out.contains(bad), "{bad:?} reached the terminal: {out:?}");
        }
        assert_eq!(out.matches("evil").count(), 4, "{out}");
    }
}

//! Human output: received messages on stdout, curl-style handshake and frame lines on stderr.

use std::time::Duration;

use colored::Colorize;

use crate::core::error::Error;
use crate::core::event::probe::TimingOnly;
use crate::core::event::{Carrier, ConnOutcome, Endpoint, HttpProtocol};
use crate::core::event::{
    CloseInfo, ConnReport, Data, Dir, Event, EventKind, FrameRecord, PingStats, Side, Summary, Timings,
    Traffic,
};
use crate::core::net::proxy::TunnelInfo;
use crate::core::probe::search::{Outcome, Signature, Verdict};
use crate::core::probe::trial::{Keepalive, TrialReport, VerifyReport};
use crate::core::probe::ProbeResult;
use crate::core::wire::close;
use crate::core::wire::frame_log::opcode_name;
use crate::output::headers;
use crate::output::payload::{self, hex, preview};
use crate::output::sanitize::{escape, escape_bytes};
use crate::output::words;
use crate::output::{OutputSettings, Printer};

const PREVIEW_CHARS: usize = 64;
const BODY_SHOWN: usize = 2048;
/// Characters of a refusal's body on its `body:` line.
const BODY_LINE: usize = 160;

/// Writes lines with the connection prefix servers use (`[3] `).
struct Lines<'a> {
    p: &'a mut Printer,
    prefix: String,
}

impl Lines<'_> {
    fn out(&mut self, line: &str) {
        for part in line.split('\n') {
            let part = format!("{}{}{part}", self.stamp(), self.prefix);
            self.p.out_line(&part);
        }
    }

    /// A received message on one line, written a piece at a time: a large one is never
    /// rendered whole (64 MiB of binary is 128 MiB of hex). Pretty JSON is rendered whole.
    fn message(&mut self, data: &Data, pretty: bool) {
        if pretty && matches!(data, Data::Text(_)) {
            return self.out(&message_text(data, true));
        }
        let head = format!("{}{}", self.stamp(), self.prefix);
        self.p.out_pieces(head.as_bytes(), &mut |w| payload::write_message(data, w));
    }

    fn err(&mut self, line: &str) {
        let line = format!("{}{}{line}", self.stamp(), self.prefix);
        self.p.err_line(&line);
    }

    /// `HH:MM:SS.mmm ` (UTC) with `--timestamps` and in the REPL.
    fn stamp(&self) -> String {
        if !self.p.settings().timestamps {
            return String::new();
        }
        let now = humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string();
        format!("{} ", now.get(11..23).unwrap_or_default())
    }
}

pub(crate) fn render(p: &mut Printer, ev: &Event) {
    let s = *p.settings();
    let prefix = if s.prefix_conn { format!("[{}] ", ev.conn) } else { String::new() };
    let mut l = Lines { p, prefix };
    let v = s.verbosity;
    let info = |text: String| paint(&format!("* {text}"), s.color_stderr, |t| t.dimmed());
    match &ev.kind {
        EventKind::Listening { addr, tls, fingerprint } => {
            let scheme = if *tls { "wss" } else { "ws" };
            l.prefix.clear();
            match addr {
                Endpoint::Tcp(addr) => l.err(&info(format!("Listening on {scheme}://{addr}/"))),
                Endpoint::Unix(path) => {
                    l.err(&info(format!("Listening on unix:{} ({scheme})", escape(&path.to_string()))))
                }
            }
            if let Some(f) = fingerprint {
                l.err(&info(format!("TLS certificate SHA-256 fingerprint {f}")));
            }
        }
        EventKind::Accepted { peer } if v >= 1 || s.arrivals() => {
            l.err(&info(format!("Accepted {}", escape(&peer.to_string()))))
        }
        EventKind::Http2Connection { protocol, max_streams } if v >= 1 || s.arrivals() => {
            let how = if *protocol == HttpProtocol::H2 { "ALPN h2" } else { "h2c, prior knowledge" };
            l.err(&info(format!(
                "HTTP/2 ({how}): SETTINGS_ENABLE_CONNECT_PROTOCOL=1, up to {max_streams} streams"
            )))
        }
        EventKind::Stream { peer, protocol, connection, stream_id } if v >= 1 || s.arrivals() => {
            l.err(&info(format!(
                "Stream {stream_id} of connection {connection} ({protocol}) from {}",
                escape(&peer.to_string())
            )))
        }
        EventKind::Disconnected(r) => l.err(&info(disconnected_line(r))),
        EventKind::Message { dir, data } if s.repl => {
            // Both directions, marked and colored, each line escaped.
            let (mark, color): (&str, fn(colored::ColoredString) -> colored::ColoredString) = match dir {
                Dir::In => ("< ", |t| t.green()),
                Dir::Out => ("> ", |t| t.cyan()),
            };
            for line in repl_message(data, s.pretty_json, s.full_messages) {
                l.out(&paint(&format!("{mark}{line}"), s.color_stdout, color));
            }
        }
        EventKind::Message { dir: Dir::In, data } if s.show_messages => l.message(data, s.pretty_json),
        EventKind::Message { dir: Dir::Out, .. } => {}
        EventKind::Resolved { host, addrs, took } if v >= 1 => {
            let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            l.err(&info(format!("Resolved {} to {} in {}", escape(host), list.join(", "), ms(*took))));
        }
        EventKind::TcpConnected { addr, took } if v >= 1 => {
            l.err(&info(format!("Connected to {addr} in {}", ms(*took))));
        }
        EventKind::UnixConnected { path, took } if v >= 1 => {
            l.err(&info(format!("Connected to unix:{} in {}", escape(&path.to_string()), ms(*took))));
        }
        EventKind::Proxy(selection) if v >= 1 => l.err(&info(escape(&words::proxy_selection(selection)))),
        EventKind::Tunnel(t) if v >= 1 => {
            for line in tunnel_lines(t, s.show_secrets) {
                let painted = match line.as_bytes().first() {
                    Some(b'>') => paint(&line, s.color_stderr, |t| t.cyan()),
                    Some(b'<') if t.open => paint(&line, s.color_stderr, |t| t.green()),
                    Some(b'<') => paint(&line, s.color_stderr, |t| t.red()),
                    _ => line,
                };
                l.err(&painted);
            }
        }
        EventKind::Tls(t) if v >= 1 => {
            let alpn = t.alpn.as_deref().unwrap_or("none");
            let sni = t.sni.as_deref().map(escape).unwrap_or_else(|| "none".into());
            l.err(&info(format!(
                "TLS {} {}, ALPN {}, SNI {sni}, in {}",
                t.version,
                t.cipher,
                escape(alpn),
                ms(t.took)
            )));
        }
        EventKind::Http2Frame { dir, frame } if v >= super::http2::shown_at(frame) => {
            l.err(&info(super::http2::line(*dir, frame)));
        }
        EventKind::HandshakeRequest { dir, raw } if v >= 1 => {
            let arrow = arrow(*dir);
            for line in headers::lines(raw, s.show_secrets) {
                l.err(&paint(&format!("{arrow} {}", escape_bytes(&line)), s.color_stderr, |t| t.cyan()));
            }
        }
        EventKind::InterimResponse { dir, raw, status } if v >= 1 => {
            let arrow = arrow(*dir);
            for line in headers::lines(raw, s.show_secrets) {
                l.err(&paint(&format!("{arrow} {}", escape_bytes(&line)), s.color_stderr, |t| t.yellow()));
            }
            l.err(&info(format!(
                "Interim reply {status} skipped; the final response follows (RFC 9110 §15.2)"
            )));
        }
        EventKind::HandshakeResponse { dir, raw, status, body } if v >= 1 => {
            // 101 upgrades over HTTP/1.1; 200 opens the stream over HTTP/2 (RFC 8441 §5).
            let h2 = raw.starts_with(b":");
            let ok = *status == Some(101) || (h2 && status.is_some_and(|s| (200..300).contains(&s)));
            let arrow = arrow(*dir);
            for line in headers::lines(raw, s.show_secrets) {
                let text = format!("{arrow} {}", escape_bytes(&line));
                l.err(&paint(&text, s.color_stderr, |t| if ok { t.green() } else { t.red() }));
            }
            if !body.is_empty() {
                l.err(arrow);
                for line in body_lines(body) {
                    l.err(&format!("{arrow} {line}"));
                }
            }
        }
        EventKind::Open { subprotocol, timings, deflate } if v >= 1 => {
            if let Some(proto) = subprotocol {
                l.err(&info(format!("Subprotocol: {}", escape(proto))));
            }
            if let Some(a) = deflate {
                l.err(&info(format!("Compression: {}", words::deflate_agreement(a))));
            }
            l.err(&info(format!("Upgraded: {}", timing_list(timings))));
        }
        EventKind::Frame(f) if v >= 2 => {
            let line = frame_line(f);
            l.err(&paint(&line, s.color_stderr, |t| t.dimmed()));
        }
        EventKind::Pong { seq: Some(seq), rtt: Some(rtt), .. }
            if s.show_pongs || s.command_pongs || v >= 1 =>
        {
            l.err(&format!("* pong seq={seq} rtt={}", ms(*rtt)));
        }
        EventKind::Pong { seq: None, rtt: Some(rtt), payload, .. }
            if s.show_pongs || s.command_pongs || v >= 1 =>
        {
            l.err(&format!("* pong \"{}\" rtt={}", escape_bytes(payload), ms(*rtt)));
        }
        EventKind::Pong { seq: Some(seq), rtt: None, dir: Dir::In, late: true, .. }
            if s.show_pongs || v >= 1 =>
        {
            l.err(&info(format!("Late pong seq={seq}")));
        }
        EventKind::Pong { rtt: None, dir: Dir::In, payload, expected, .. } if s.show_pongs || v >= 1 => {
            l.err(&info(unmatched_pong(payload, expected)));
        }
        EventKind::PingTimeout { seq, after } if s.show_pongs || v >= 1 => {
            l.err(&format!("* ping seq={seq} timed out after {}", humantime::format_duration(*after)));
        }
        EventKind::Rtt { seq: None, rtt } if s.show_pongs || v >= 1 => {
            l.err(&format!("* echo rtt={}", ms(*rtt)));
        }
        EventKind::HeartbeatMissed { misses, limit } => {
            l.err(&warning_line(&format!("heartbeat unanswered ({misses} in a row; dead at {limit})"), &s));
        }
        EventKind::Reconnecting { attempt, delay, message, .. } => {
            let wait = format!("{:.3} s", delay.as_secs_f64());
            l.err(&info(format!("Reconnecting in {wait} (attempt {attempt}): {}", escape(message))));
        }
        EventKind::Stats { pings, echo, link } => {
            for line in stats_lines("ping", pings) {
                l.err(&line);
            }
            if let Some(e) = echo {
                for line in stats_lines("echo", e) {
                    l.err(&line);
                }
            }
            if let Some(k) = link {
                l.err(&info(format!(
                    "Sent {}, received {}; connected for {:.1} s",
                    traffic(&k.sent),
                    traffic(&k.received),
                    k.connected.as_secs_f64()
                )));
            }
        }
        // Servers prefix lines with the client's id; a server's pong may be withheld (--no-pong).
        EventKind::Ping { dir: Dir::In, .. } if v >= 1 && s.prefix_conn => {
            l.err(&info("Ping from client".into()))
        }
        EventKind::Ping { dir: Dir::In, .. } if v >= 1 => l.err(&info("Ping from server (answered)".into())),
        EventKind::Close { close, reply } if v >= 1 || s.repl => l.err(&info(close_line(close, *reply))),
        EventKind::Ended(end) if v >= 1 || s.repl => {
            l.err(&info(format!("Ended: {}", escape(&end.describe()))))
        }
        EventKind::Trial { phase, report } => l.err(&info(trial_line(phase, report))),
        EventKind::ProbeResult(r) => {
            for line in probe_lines(r) {
                l.out(&line);
            }
        }
        EventKind::Verify(v) => l.out(&verify_line(v)),
        EventKind::Note { message } if v >= 1 => l.err(&info(escape(message))),
        EventKind::Warning { message } => {
            let line = warning_line(message, &s);
            l.err(&line);
        }
        EventKind::Summary(sum) if sum.connections.is_some() => {
            l.prefix.clear();
            l.err(&info(traffic_summary(sum)));
        }
        EventKind::Summary(sum) => {
            let asked = s.show_pongs && sum.echo.is_none();
            if sum.pings.sent > 0 && (s.show_pongs || s.command_pongs || v >= 1) || (asked && !s.repl) {
                for line in stats_lines("ping", &sum.pings) {
                    l.err(&line);
                }
            }
            if let Some(e) = &sum.echo {
                for line in stats_lines("echo", e) {
                    l.err(&line);
                }
            }
            if v >= 1 || s.repl {
                l.err(&info(traffic_summary(sum)));
            }
        }
        _ => {}
    }
}

/// curl's convention: `>` for what this end sent, `<` for what it received.
fn arrow(dir: Dir) -> &'static str {
    match dir {
        Dir::Out => ">",
        Dir::In => "<",
    }
}

fn secs1(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn signature_text(s: &Signature) -> String {
    match s {
        Signature::Fin => "fin: TCP FIN without a close frame (an L7 proxy's idle timeout)".into(),
        Signature::Close { code: Some(c), reason } if reason.is_empty() => {
            format!("close: a close frame with {c} ({})", close::name(*c))
        }
        Signature::Close { code: Some(c), reason } => {
            format!("close: a close frame with {c} ({}) \"{}\"", close::name(*c), escape(reason))
        }
        Signature::Close { code: None, .. } => "close: a close frame without a status code".into(),
        Signature::Rst => "rst: TCP reset (a NAT gateway or L4 balancer)".into(),
        Signature::Blackhole => {
            "blackhole: data sent and never acknowledged (a NAT or firewall dropped the flow)".into()
        }
        Signature::Other(other) => format!("other: {}", escape(&words::other_death(other))),
    }
}

/// `Trial 3 (refine): idle 12.0 s: alive, answered after 0.3 ms`.
fn trial_line(phase: &str, r: &TrialReport) -> String {
    let what = match &r.outcome {
        Outcome::Alive => "alive".to_string(),
        Outcome::Died { signature, .. } => format!("died ({})", signature.name()),
        Outcome::Inconclusive => "inconclusive".to_string(),
    };
    format!("Trial {} ({phase}): idle {}: {what}, {}", r.id, secs1(r.age), escape(&words::seen(&r.seen)))
}

/// `heartbeat-probe --verify`'s verdict, on stdout.
fn verify_line(v: &VerifyReport) -> String {
    let what = format!("a ping every {} (±10 %)", secs1(v.interval));
    match &v.died {
        None => format!(
            "Verified: {what} kept the connection alive for {} ({} pings answered)",
            secs1(v.held),
            v.rtts.len()
        ),
        Some((sig, why)) => format!(
            "Not verified: with {what} the connection died after {} ({}): {}",
            secs1(v.held),
            sig.name(),
            escape(&words::seen(why))
        ),
    }
}

/// The probe's report, on stdout.
fn probe_lines(r: &ProbeResult) -> Vec<String> {
    let mut out = Vec::new();
    match &r.verdict {
        Verdict::Bounded { lower, upper, confirmed, signature } => {
            let how = if *confirmed { "confirmed" } else { "not confirmed" };
            out.push(format!("Idle timeout: between {} and {} ({how})", secs1(*lower), secs1(*upper)));
            out.push(format!("How it dies: {}", signature_text(signature)));
        }
        Verdict::NoTimeout { max } => out.push(format!("Idle timeout: none up to {} (--max)", secs1(*max))),
        Verdict::Inconclusive { why } => {
            out.push(format!("Idle timeout: inconclusive: {}", escape(&words::undecided(why))))
        }
    }
    if let (Some(rec), Some(agg)) = (r.recommended, r.aggressive) {
        out.push(format!("Heartbeat: every {} with ±10 % jitter (aggressive: {})", secs1(rec), secs1(agg)));
    }
    for c in &r.classified {
        let line = match (c.kind, c.refreshes) {
            (Keepalive::LatePush, _) => format!("A server push after the timeout: {}", escape(&c.detail)),
            (kind, true) => format!("Keepalive {}: keeps it alive ({})", kind.name(), escape(&c.detail)),
            (kind, false) => format!("Keepalive {}: does not ({})", kind.name(), escape(&c.detail)),
        };
        out.push(line);
    }
    if let Some(p) = r.pong_timeout {
        let rtt = r.rtt.map(|d| format!(" (canary round trip {})", ms(d))).unwrap_or_default();
        out.push(format!("Pong timeout: {}{rtt}", secs1(p)));
    }
    match &r.lifetime_cap {
        Some((d, sig, why)) => out.push(format!(
            "Lifetime cap: the canary died after {} despite its pings ({}): {}",
            secs1(*d),
            sig.name(),
            escape(&words::seen(why))
        )),
        None => out.push("Lifetime cap: none seen".into()),
    }
    match r.server_keepalive {
        Some(d) => out.push(format!("Server keepalive: the server spoke after {} of silence", secs1(d))),
        None => out.push("Server keepalive: none seen".into()),
    }
    match r.timing_only {
        Some(TimingOnly::UnixSocket) => out
            .push("TCP facts: none over a Unix socket; a silent connection is told from timing alone".into()),
        Some(TimingOnly::Platform(os)) => out
            .push(format!("TCP facts: not readable on {os}; a silent connection is told from timing alone")),
        None => {}
    }
    if r.classified.iter().any(|c| c.kind == Keepalive::ServerPush) {
        out.push("Directions: client-to-server and server-to-client traffic tested (companion)".into());
    } else {
        out.push("Directions: client-to-server traffic only (server-to-client not tested)".into());
    }
    out.push(format!("Trials: {} in {}", r.trials, secs1(r.duration)));
    out
}

/// A data message as text: escaped text (pretty-printed when it is JSON and `pretty`), or
/// binary as hex. Lines of pretty JSON are separated by `\n`, each escaped.
/// Characters of a message the REPL shows before cutting it (its length shown instead).
const REPL_PREVIEW: usize = 200;

/// A message in the REPL: binary marked `[binary N bytes]` before its hex (so `deadbeef`
/// typed and `/binary deadbeef` look apart); a long one cut to a preview with its length,
/// unless `full` (`/full on`).
fn repl_message(data: &Data, pretty: bool, full: bool) -> Vec<String> {
    let len = data.len();
    let text = message_text(data, pretty);
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    if let Data::Binary(_) = data {
        lines[0] = format!("[binary {len} bytes] {}", lines[0]);
    }
    if full {
        return lines;
    }
    let (mut shown, mut budget, mut cut): (Vec<String>, usize, bool) = (Vec::new(), REPL_PREVIEW, false);
    for line in &lines {
        if budget == 0 {
            // Whole lines left out: the last one shown says so.
            if let Some(last) = shown.last_mut() {
                last.push('…');
            }
            cut = true;
            break;
        }
        let (part, was_cut) = crate::output::sanitize::truncate(line, budget);
        budget = budget.saturating_sub(line.chars().count());
        shown.push(part);
        if was_cut {
            cut = true;
            break;
        }
    }
    if let (true, Some(last)) = (cut, shown.last_mut()) {
        last.push_str(&format!(" ({len} bytes; /full on shows whole messages)"));
    }
    shown
}

fn message_text(data: &Data, pretty: bool) -> String {
    match data {
        Data::Text(t) if pretty => match serde_json::from_str::<serde_json::Value>(t) {
            Ok(v) => serde_json::to_string_pretty(&v)
                .unwrap_or_default()
                .split('\n')
                .map(escape)
                .collect::<Vec<_>>()
                .join("\n"),
            Err(_) => escape(t),
        },
        Data::Text(t) => escape(t),
        Data::Binary(b) => hex(b),
    }
}

fn paint(text: &str, color: bool, f: impl Fn(colored::ColoredString) -> colored::ColoredString) -> String {
    if color {
        f(text.normal()).to_string()
    } else {
        text.to_string()
    }
}

/// Milliseconds with three significant digits.
pub(crate) fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    match v {
        v if v >= 100.0 => format!("{v:.0} ms"),
        v if v >= 10.0 => format!("{v:.1} ms"),
        v if v >= 1.0 => format!("{v:.2} ms"),
        v => format!("{v:.3} ms"),
    }
}

/// The proxy's tunnel as lines, each escaped and marked: `*` for facts and SOCKS5 steps, `>`
/// for the CONNECT request (credentials masked unless `show_secrets`), `<` for the reply.
pub(crate) fn tunnel_lines(t: &TunnelInfo, show_secrets: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(tls) = &t.tls {
        let sni = tls.sni.as_deref().map(escape).unwrap_or_else(|| "none".into());
        lines.push(format!(
            "* TLS to the proxy: {} {}, SNI {sni}, in {}",
            tls.version,
            tls.cipher,
            ms(tls.took)
        ));
    }
    if !t.request.is_empty() {
        for line in headers::lines(&t.request, show_secrets) {
            lines.push(format!("> {}", escape_bytes(&line)));
        }
    }
    if !t.response.is_empty() {
        for line in headers::lines(&t.response, show_secrets) {
            lines.push(format!("< {}", escape_bytes(&line)));
        }
    }
    if !t.body.is_empty() {
        lines.push("<".into());
        lines.extend(body_lines(&t.body).into_iter().map(|l| format!("< {l}")));
    }
    for step in &t.steps {
        lines.push(format!("* SOCKS5 {}", escape(step)));
    }
    let target = escape(&t.target);
    lines.push(if t.open {
        format!("* Tunnel to {target} open in {}", ms(t.took))
    } else {
        format!("* Tunnel to {target} not opened (after {})", ms(t.took))
    });
    lines
}

fn timing_list(t: &Timings) -> String {
    let parts: Vec<String> = [
        ("dns", t.dns),
        ("tcp", t.tcp),
        ("proxy", t.proxy),
        ("tls", t.tls),
        ("http2", t.http2),
        ("upgrade", t.upgrade),
    ]
    .iter()
    .filter_map(|(name, d)| d.map(|d| format!("{name} {}", ms(d))))
    .collect();
    parts.join(", ")
}

/// Why a pong matched no ping: its payload against those of the pings waiting (RFC 6455
/// §5.5.3: a pong echoes its ping's payload), or no ping waiting at all.
fn unmatched_pong(payload: &[u8], expected: &[tokio_tungstenite::tungstenite::Bytes]) -> String {
    let got = preview(payload, true, false, PREVIEW_CHARS);
    if expected.is_empty() {
        return format!(
            "Unmatched pong {got}: no ping was waiting for a pong (an unsolicited pong, allowed as a heartbeat, RFC 6455 §5.5.3)"
        );
    }
    let due: Vec<String> = expected.iter().map(|p| preview(p, true, false, PREVIEW_CHARS)).collect();
    let pings = if due.len() == 1 { "the ping waiting" } else { "any of the pings waiting" };
    format!(
        "Unmatched pong {got}: its payload does not echo {pings} ({}); a pong echoes its ping's payload (RFC 6455 §5.5.3)",
        due.join(", ")
    )
}

fn frame_line(f: &FrameRecord) -> String {
    let arrow = if f.dir == Dir::Out { ">>" } else { "<<" };
    let rsv: String = f.rsv.iter().map(|&b| if b { '1' } else { '0' }).collect();
    let mask = if f.masked { " masked" } else { "" };
    let mut line =
        format!("{arrow} {} fin={} rsv={rsv}{mask} len={}", opcode_name(f.opcode), u8::from(f.fin), f.len);
    if let Some(n) = f.inflated {
        // The payload is compressed: the message itself shows it inflated.
        line.push_str(&format!(" inflated={n} (compressed)"));
    } else if let Some((code, _)) = f.close_payload() {
        line.push_str(&format!(" code={code} ({})", close::name(code)));
        // The reason's bytes as sent: invalid UTF-8 as `\xNN`, as text previews show it.
        let reason = &f.preview[2..];
        if !reason.is_empty() {
            line.push_str(&format!(" reason=\"{}\"", escape_bytes(reason).replace('"', "\\\"")));
        }
    } else if f.len > 0 {
        let as_text =
            matches!(f.opcode, 0x1 | 0x9 | 0xA) || (f.opcode == 0 && std::str::from_utf8(&f.preview).is_ok());
        line.push(' ');
        line.push_str(&preview(&f.preview, as_text, f.truncated(), PREVIEW_CHARS));
    }
    line
}

fn close_line(c: &CloseInfo, reply: bool) -> String {
    let who = if c.by == Side::Client { "client" } else { "server" };
    let code = match c.code {
        Some(code) => format!("{code} ({})", close::name(code)),
        None => "no status code".to_string(),
    };
    let reason = if c.reason.is_empty() { String::new() } else { format!(" \"{}\"", escape(&c.reason)) };
    if reply {
        format!("Close acknowledged by {who}: {code}{reason}")
    } else {
        format!("Closed by {who}: {code}{reason}")
    }
}

/// ping(8)-style statistics: counts and loss, then the RTT distribution.
fn stats_lines(kind: &str, p: &PingStats) -> Vec<String> {
    let (sent, got) =
        if kind == "ping" { ("pings sent", "pongs received") } else { ("messages sent", "echoes received") };
    let mut first = format!("--- {} {sent}, {} {got}, {:.1}% loss", p.sent, p.received, p.loss_pct());
    if kind == "ping" {
        first.push_str(&format!(", {} timed out, {} late, {} unmatched", p.timeouts, p.late, p.unmatched));
    }
    let mut lines = vec![first];
    if let (Some(min), Some(avg), Some(max), Some(sd)) = (p.min, p.avg, p.max, p.stddev) {
        let f = |d: Option<Duration>| {
            d.map_or_else(|| "-".into(), |d| format!("{:.3}", d.as_secs_f64() * 1000.0))
        };
        lines.push(format!(
            "{kind} rtt min/avg/max/stddev = {}/{}/{}/{} ms, p50/p90/p99 = {}/{}/{} ms",
            f(Some(min)),
            f(Some(avg)),
            f(Some(max)),
            f(Some(sd)),
            f(p.p50),
            f(p.p90),
            f(p.p99)
        ));
    }
    lines
}

/// "1 message", "2 messages".
fn count(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "3 messages (120 bytes)"; with permessage-deflate "3 messages (120 bytes, 41 on the wire,
/// 2.9x)".
fn traffic(t: &Traffic) -> String {
    match t.wire_bytes {
        Some(wire) if t.bytes > 0 => format!(
            "{} ({}, {wire} on the wire, {:.1}x)",
            count(t.messages, "message"),
            count(t.bytes, "byte"),
            t.bytes as f64 / wire.max(1) as f64
        ),
        _ => format!("{} ({})", count(t.messages, "message"), count(t.bytes, "byte")),
    }
}

fn disconnected_line(r: &ConnReport) -> String {
    let close = match &r.close {
        Some(c) => {
            let code = c.code.map_or_else(|| "no code".to_string(), |c| format!("{c} ({})", close::name(c)));
            let who = if c.by == Side::Client { "client" } else { "server" };
            format!(", close {code} by {who}")
        }
        None => String::new(),
    };
    let over = match r.carrier {
        Some(Carrier { protocol, stream: Some(st) }) => {
            format!(" (stream {} of connection {}, {protocol})", st.stream_id, st.connection)
        }
        Some(Carrier { protocol, stream: None }) if protocol.is_http2() => format!(" ({protocol})"),
        _ => String::new(),
    };
    if let ConnOutcome::Http2Closed { .. } = r.outcome {
        // Its traffic is its streams', each on a line of its own.
        return format!(
            "Disconnected {}{over} after {:.3} s: {}",
            r.peer,
            r.duration.as_secs_f64(),
            escape(&words::conn_outcome(&r.outcome))
        );
    }
    format!(
        "Disconnected {}{over} after {:.3} s: {}; in {}, out {}{close}",
        r.peer,
        r.duration.as_secs_f64(),
        escape(&words::conn_outcome(&r.outcome)),
        traffic(&r.received),
        traffic(&r.sent),
    )
}

fn traffic_summary(sum: &Summary) -> String {
    let served = sum.connections.map(|n| format!("Served {}: ", count(n, "connection"))).unwrap_or_default();
    format!(
        "{served}Sent {}, received {} in {:.3} s",
        traffic(&sum.sent),
        traffic(&sum.received),
        sum.duration.as_secs_f64()
    )
}

fn body_lines(body: &[u8]) -> Vec<String> {
    let shown = &body[..body.len().min(BODY_SHOWN)];
    let text = String::from_utf8_lossy(shown);
    let mut lines: Vec<String> = text.lines().map(escape).collect();
    if body.len() > BODY_SHOWN {
        lines.push(format!("… ({} bytes in all)", body.len()));
    }
    lines
}

pub(crate) fn warning_line(message: &str, s: &OutputSettings) -> String {
    format!("{} {message}", paint("warning:", s.color_stderr, |t| t.yellow().bold()))
}

pub(crate) fn error_lines(err: &Error, s: &OutputSettings) -> Vec<String> {
    let label = paint("error:", s.color_stderr, |t| t.red().bold());
    let mut lines = Vec::new();
    push_text(&mut lines, &label, "error:".len(), &err.to_string(), err.has_own_lines());
    if let Some(cause) = err.cause() {
        push_text(&mut lines, "  caused by:", "  caused by:".len(), &cause, err.has_own_lines());
    }
    // With -v the proxy's reply and the body were already shown.
    if s.verbosity == 0 {
        for (name, value) in err.headers() {
            lines.push(format!("  < {}: {}", escape(name), escape(value)));
        }
    }
    if let (Some(body), 0) = (err.body(), s.verbosity) {
        // One line of the body, however long it is (a plain HTTP server's page), with its
        // length when cut; `-v` shows it whole.
        let text = String::from_utf8_lossy(&body[..body.len().min(BODY_SHOWN)]);
        let (shown, cut) = crate::output::sanitize::truncate(&escape(text.trim_end()), BODY_LINE);
        let length = if cut || body.len() > BODY_SHOWN {
            format!(" ({} bytes; -v shows it)", body.len())
        } else {
            String::new()
        };
        lines.push(format!("  body: {shown}{length}"));
    }
    for m in err.recent() {
        lines.push(format!("  received: {}", escape(m)));
    }
    if let Some(hint) = err.hint() {
        lines.push(format!("  hint: {hint}"));
    }
    lines
}

/// `label text`, escaped; with `keep_breaks`, each further line of `text` becomes a line of its
/// own, indented to start under the text (a regex error's caret stays under its mark).
fn push_text(lines: &mut Vec<String>, label: &str, label_width: usize, text: &str, keep_breaks: bool) {
    if !keep_breaks {
        lines.push(format!("{label} {}", escape(text)));
        return;
    }
    let mut parts = text.split('\n');
    lines.push(format!("{label} {}", escape(parts.next().unwrap_or_default())));
    let indent = " ".repeat(label_width + 1);
    lines.extend(parts.map(|part| format!("{indent}{}", escape(part))));
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[test]
    fn frame_lines_show_header_fields_and_close_codes() {
        let mut f = FrameRecord {
            dir: Dir::In,
            at: Instant::now(),
            fin: true,
            rsv: [false, false, false],
            opcode: 8,
            masked: false,
            len: 5,
            preview: vec![0x03, 0xF0, b'b', b'a', b'd'],
            inflated: None,
        };
        assert_eq!(
            frame_line(&f),
            "<< close fin=1 rsv=000 len=5 code=1008 (policy violation) reason=\"bad\""
        );
        f.dir = Dir::Out;
        f.opcode = 1;
        f.masked = true;
        f.rsv = [true, false, false];
        f.preview = b"hel".to_vec();
        assert_eq!(frame_line(&f), ">> text fin=1 rsv=100 masked len=5 \"hel…\"");
        // permessage-deflate: the wire length, the message's inflated length, no preview.
        f.inflated = Some(12);
        assert_eq!(frame_line(&f), ">> text fin=1 rsv=100 masked len=5 inflated=12 (compressed)");
    }

    #[test]
    fn milliseconds_keep_three_significant_digits() {
        assert_eq!(ms(Duration::from_micros(153)), "0.153 ms");
        assert_eq!(ms(Duration::from_micros(3_104)), "3.10 ms");
        assert_eq!(ms(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(ms(Duration::from_millis(250)), "250 ms");
    }
}

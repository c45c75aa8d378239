//! NDJSON output: one object per event with "type", "t" (seconds) and "conn" (schema in
//! docs/json.md).

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::core::error::Error;
use crate::core::event::{CloseInfo, Data, Dir, Event, EventKind, PingStats, Side, Timings};
use crate::core::net::proxy::{Selection, TunnelInfo};
use crate::core::session::{End, Ending, Limit};
use crate::core::wire::close;
use crate::core::wire::frame_log::opcode_name;
use crate::output::headers;
use crate::output::payload::{json_data, write_json_contents};
use crate::output::words;
use crate::output::{OutputSettings, Printer};
use probe::{probe_json, trial_json, verify_json};

mod probe;

fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e6
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn opt_ms(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| json!(millis(d)))
}

fn dir(d: Dir) -> &'static str {
    match d {
        Dir::Out => "out",
        Dir::In => "in",
    }
}

fn side(s: Side) -> &'static str {
    match s {
        Side::Client => "client",
        Side::Server => "server",
    }
}

fn stats_json(p: &PingStats) -> Value {
    json!({
        "sent": p.sent,
        "received": p.received,
        "loss_pct": (p.loss_pct() * 1000.0).round() / 1000.0,
        "timeouts": p.timeouts,
        "late": p.late,
        "unmatched": p.unmatched,
        "min_ms": opt_ms(p.min),
        "avg_ms": opt_ms(p.avg),
        "max_ms": opt_ms(p.max),
        "stddev_ms": opt_ms(p.stddev),
        "p50_ms": opt_ms(p.p50),
        "p90_ms": opt_ms(p.p90),
        "p99_ms": opt_ms(p.p99),
    })
}

pub(crate) fn close_json(c: &CloseInfo) -> Value {
    json!({
        "by": side(c.by),
        "code": c.code,
        "reason": c.reason,
        "name": c.code.map(close::name),
    })
}

fn timings(t: &Timings) -> Value {
    json!({
        "dns_ms": opt_ms(t.dns),
        "tcp_ms": opt_ms(t.tcp),
        "proxy_ms": opt_ms(t.proxy),
        "tls_ms": opt_ms(t.tls),
        "http2_ms": opt_ms(t.http2),
        "upgrade_ms": opt_ms(t.upgrade),
    })
}

/// The `proxy` event's fields: which proxy and why.
pub(crate) fn selection(sel: &Selection) -> Value {
    json!({
        "proxy": sel.proxy.as_ref().map(|p| p.display()),
        "source": words::proxy_source(&sel.source),
        "no_proxy": sel.bypass.as_ref().map(|(list, entry)| json!({ "list": words::no_proxy_source(list), "entry": entry })),
        "ignored": sel.ignored,
    })
}

/// The `tunnel` event's fields: the CONNECT exchange (heads parsed like the upgrade's) or the
/// SOCKS5 steps.
pub(crate) fn tunnel(t: &TunnelInfo, show: bool) -> Value {
    let mut m = obj(json!({
        "proxy": t.proxy,
        "target": t.target,
        "open": t.open,
        "ms": millis(t.took),
        "tls": t.tls.as_ref().map(|i| json!({ "version": i.version, "cipher": i.cipher, "sni": i.sni, "ms": millis(i.took) })),
        "request": (!t.request.is_empty()).then(|| Value::Object(head(&t.request, show))),
        "response": (!t.response.is_empty()).then(|| Value::Object(head(&t.response, show))),
        "steps": t.steps,
    }));
    if !t.body.is_empty() {
        m.insert("body".into(), json_data(&t.body, true));
    }
    Value::Object(m)
}

/// A handshake head as raw text plus its parsed start line and headers.
pub(crate) fn head(raw: &[u8], show: bool) -> Map<String, Value> {
    let lines = headers::lines(raw, show);
    let mut m = Map::new();
    m.insert("raw".into(), json!(String::from_utf8_lossy(&headers::masked(raw, show))));
    if raw.starts_with(b":") {
        // HTTP/2 HEADERS (RFC 8441): no start line; the pseudo-header fields say it.
        let pairs = headers::all_pairs(&lines);
        let pseudo = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        m.insert("version".into(), json!("HTTP/2"));
        if let Some(status) = pseudo(":status") {
            m.insert("status".into(), json!(status.parse::<u16>().ok()));
        } else {
            m.insert("method".into(), json!(pseudo(":method")));
            m.insert("path".into(), json!(pseudo(":path")));
            m.insert("protocol".into(), json!(pseudo(":protocol")));
        }
        let pairs: Vec<Value> = pairs.into_iter().map(|(n, v)| json!([n, v])).collect();
        m.insert("headers".into(), Value::Array(pairs));
        return m;
    }
    let start = lines.first().map(|l| String::from_utf8_lossy(l).into_owned()).unwrap_or_default();
    let mut parts = start.splitn(3, ' ');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if a.starts_with("HTTP/") {
        m.insert("version".into(), json!(a));
        m.insert("status".into(), json!(b.parse::<u16>().ok()));
        m.insert("reason".into(), json!(c));
    } else {
        m.insert("method".into(), json!(a));
        m.insert("path".into(), json!(b));
        m.insert("version".into(), json!(c));
    }
    let pairs: Vec<Value> = headers::pairs(&lines).into_iter().map(|(n, v)| json!([n, v])).collect();
    m.insert("headers".into(), Value::Array(pairs));
    m
}

/// The JSON line for an event, or None for events with no JSON form.
pub(crate) fn event(ev: &Event, s: &OutputSettings) -> Option<String> {
    let (kind, m): (&str, Map<String, Value>) = match &ev.kind {
        EventKind::Listening { addr, tls, fingerprint } => {
            // A Unix socket has no URL of its own: clients pass its path and any URL.
            let url = match addr {
                crate::core::event::Endpoint::Tcp(a) => {
                    Some(format!("{}://{a}/", if *tls { "wss" } else { "ws" }))
                }
                crate::core::event::Endpoint::Unix(_) => None,
            };
            (
                "listening",
                obj(json!({ "addr": addr.to_string(), "url": url, "tls": tls, "fingerprint": fingerprint })),
            )
        }
        EventKind::Accepted { peer } => ("accepted", obj(json!({ "peer": peer.to_string() }))),
        EventKind::Http2Connection { protocol, max_streams } => (
            "http2_connection",
            obj(
                json!({ "protocol": protocol.name(), "enable_connect_protocol": true, "max_concurrent_streams": max_streams }),
            ),
        ),
        EventKind::Stream { peer, protocol, connection, stream_id } => (
            "stream",
            obj(json!({
                "peer": peer.to_string(),
                "protocol": protocol.name(),
                "connection": connection,
                "stream_id": stream_id,
            })),
        ),
        EventKind::Disconnected(r) => (
            "disconnected",
            obj(json!({
                "peer": r.peer.to_string(),
                "duration_s": secs(r.duration),
                "sent": traffic_json(&r.sent),
                "received": traffic_json(&r.received),
                "close": r.close.as_ref().map(close_json),
                "outcome": r.outcome.name(),
                "message": words::conn_outcome(&r.outcome),
                "protocol": r.carrier.map(|c| c.protocol.name()),
                "stream_id": r.carrier.and_then(|c| c.stream).map(|s| s.stream_id),
                "connection": r.carrier.and_then(|c| c.stream).map(|s| s.connection),
            })),
        ),
        EventKind::Resolved { host, addrs, took } => {
            let addrs: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            ("resolved", obj(json!({ "host": host, "addrs": addrs, "ms": millis(*took) })))
        }
        EventKind::TcpConnected { addr, took } => {
            ("tcp_connected", obj(json!({ "addr": addr.to_string(), "ms": millis(*took) })))
        }
        EventKind::UnixConnected { path, took } => {
            ("unix_connected", obj(json!({ "path": path.to_string(), "ms": millis(*took) })))
        }
        EventKind::Proxy(sel) => ("proxy", obj(selection(sel))),
        EventKind::Tunnel(t) => ("tunnel", obj(tunnel(t, s.show_secrets))),
        EventKind::Tls(t) => (
            "tls",
            obj(
                json!({ "version": t.version, "cipher": t.cipher, "alpn": t.alpn, "sni": t.sni, "ms": millis(t.took) }),
            ),
        ),
        EventKind::Http2Frame { dir: d, frame } => ("http2_frame", super::http2::json(dir(*d), frame)),
        EventKind::HandshakeRequest { dir: d, raw } => {
            let mut m = head(raw, s.show_secrets);
            m.insert("dir".into(), json!(dir(*d)));
            ("handshake_request", m)
        }
        EventKind::InterimResponse { dir: d, raw, status } => {
            let mut m = head(raw, s.show_secrets);
            m.insert("status".into(), json!(status));
            m.insert("dir".into(), json!(dir(*d)));
            ("interim_response", m)
        }
        EventKind::HandshakeResponse { dir: d, raw, status, body } => {
            let mut m = head(raw, s.show_secrets);
            m.insert("status".into(), json!(status));
            m.insert("dir".into(), json!(dir(*d)));
            if !body.is_empty() {
                m.insert("body".into(), json_data(body, true));
            }
            ("handshake_response", m)
        }
        EventKind::Open { subprotocol, timings: t, deflate } => (
            "open",
            obj(
                json!({ "subprotocol": subprotocol, "timings": timings(t), "deflate": deflate.as_ref().map(deflate_json) }),
            ),
        ),
        EventKind::Frame(f) => {
            let mut m = obj(json!({
                "dir": dir(f.dir),
                "fin": f.fin,
                "rsv": f.rsv,
                "opcode": opcode_name(f.opcode),
                "opcode_raw": f.opcode,
                "masked": f.masked,
                "len": f.len,
                "data": json_data(&f.preview, f.opcode != 0x2),
                "truncated": f.truncated(),
            }));
            if let Some((code, reason)) = f.close_payload() {
                m.insert("code".into(), json!(code));
                m.insert("reason".into(), json!(reason));
            }
            if let Some(n) = f.inflated {
                m.insert("inflated".into(), json!(n));
            }
            ("frame", m)
        }
        EventKind::Message { dir: d, data } => ("message", message_json(*d, data, None)),
        EventKind::Ping { dir: d, payload, seq } => {
            ("ping", obj(json!({ "dir": dir(*d), "seq": seq, "data": json_data(payload, true) })))
        }
        EventKind::Pong { dir: d, payload, seq, rtt, late, expected } => (
            "pong",
            obj(json!({
                "dir": dir(*d),
                "seq": seq,
                "rtt_ms": opt_ms(*rtt),
                "late": late,
                "data": json_data(payload, true),
                "expected": expected.iter().map(|p| json_data(p, true)).collect::<Vec<_>>(),
            })),
        ),
        EventKind::PingTimeout { seq, after } => {
            ("ping_timeout", obj(json!({ "seq": seq, "after_ms": millis(*after) })))
        }
        EventKind::Rtt { seq, rtt } => (
            "rtt",
            obj(
                json!({ "kind": if seq.is_some() { "ping" } else { "echo" }, "seq": seq, "rtt_ms": millis(*rtt) }),
            ),
        ),
        EventKind::HeartbeatMissed { misses, limit } => {
            ("heartbeat_missed", obj(json!({ "misses": misses, "limit": limit })))
        }
        EventKind::Reconnecting { attempt, delay, reason, message } => (
            "reconnecting",
            obj(
                json!({ "attempt": attempt, "delay_ms": millis(*delay), "reason": reason.name(), "message": message }),
            ),
        ),
        EventKind::Stats { pings, echo, link } => (
            "stats",
            obj(json!({
                "pings": stats_json(pings),
                "echo": echo.as_ref().map(stats_json),
                "sent": link.as_ref().map(|k| traffic_json(&k.sent)),
                "received": link.as_ref().map(|k| traffic_json(&k.received)),
                "connected_ms": link.as_ref().map(|k| millis(k.connected)),
            })),
        ),
        EventKind::Close { close, reply } => {
            let mut m = obj(close_json(close));
            m.insert("reply".into(), json!(reply));
            ("close", m)
        }
        EventKind::Warning { message } => ("warning", obj(json!({ "message": message }))),
        EventKind::Note { message } => ("note", obj(json!({ "message": message }))),
        EventKind::Ended(end) => ("end", end_json(end)),
        EventKind::Trial { phase, report } => ("trial", trial_json(phase, report)),
        EventKind::ProbeResult(r) => ("result", probe_json(r)),
        EventKind::Verify(v) => ("verify", verify_json(v)),
        EventKind::Summary(sum) => {
            let p = &sum.pings;
            (
                "summary",
                obj(json!({
                    "exit": sum.exit,
                    "duration_s": secs(sum.duration),
                    "sent": traffic_json(&sum.sent),
                    "received": traffic_json(&sum.received),
                    "pings": stats_json(p),
                    "echo": sum.echo.as_ref().map(stats_json),
                    "close": sum.close.as_ref().map(close_json),
                    "connections": sum.connections,
                })),
            )
        }
    };
    Some(finish(kind, m, ev))
}

/// The line: the event's fields after `type`, `t` and `conn`.
fn finish(kind: &str, mut m: Map<String, Value>, ev: &Event) -> String {
    m.insert("type".into(), json!(kind));
    m.insert("t".into(), json!(secs(ev.t)));
    m.insert("conn".into(), json!(ev.conn));
    order(m)
}

/// A `message` event's fields; `payload` stands in for the payload's string when given.
fn message_json(d: Dir, data: &Data, payload: Option<&str>) -> Map<String, Value> {
    let data_json = match (data, payload) {
        (Data::Text(_), Some(p)) => json!({ "text": p }),
        (Data::Text(t), None) => json!({ "text": t.as_str() }),
        (Data::Binary(_), Some(p)) => json!({ "bytes": p }),
        (Data::Binary(b), None) => json_data(b, false),
    };
    let kind = if matches!(data, Data::Text(_)) { "text" } else { "binary" };
    obj(json!({ "dir": dir(d), "kind": kind, "len": data.len(), "data": data_json }))
}

/// Writes an event's line to stdout: a `message` of at least `STREAMED` bytes around its
/// payload, written a piece at a time; anything else whole.
pub(crate) fn render(p: &mut Printer, ev: &Event) {
    if let Some((head, data, tail)) = streamed(ev) {
        p.out_pieces(head.as_bytes(), &mut |w| {
            write_json_contents(data, w)?;
            w.write_all(tail.as_bytes())
        });
        return;
    }
    if let Some(line) = event(ev, p.settings()) {
        p.out_line(&line);
    }
}

/// A `message` event of at least `STREAMED` bytes as its JSON line cut around the payload's
/// string: the text before the contents (with the opening quote), the payload, and the text
/// after (from the closing quote, without LF). The payload is written a piece at a time between
/// them (`payload::write_json_contents`), as stdout and `--record` do. None for other events,
/// which are rendered whole.
pub(crate) fn streamed(ev: &Event) -> Option<(String, &Data, String)> {
    let EventKind::Message { dir: d, data } = &ev.kind else { return None };
    if data.len() < STREAMED {
        return None;
    }
    let line = finish("message", message_json(*d, data, Some(STAND_IN)), ev);
    let quoted = Value::from(STAND_IN).to_string();
    let at = line.find(&quoted)?;
    Some((line[..=at].to_string(), data, line[at + quoted.len() - 1..].to_string()))
}

/// Payloads of at least 64 KiB are written in pieces in JSON too (`streamed`).
const STREAMED: usize = 64 << 10;
/// What stands for the payload while the rest of a `message` line is rendered: NUL characters
/// are escaped in JSON, so no other field's text can look like it.
const STAND_IN: &str = "\u{0}payload\u{0}";

/// The `end` event's fields (docs/json.md): the ending's name, the party it concerns, a
/// sentence, and the fields of that kind of ending.
fn end_json(end: &End) -> Map<String, Value> {
    let mut m = obj(json!({
        "ending": end.ending.name(),
        "party": side(end.party),
        "description": end.describe(),
    }));
    let extra = match &end.ending {
        Ending::Closed { code, reason } => {
            json!({ "code": code, "name": code.map(close::name), "reason": reason })
        }
        Ending::PeerFin { mid_frame } => json!({ "mid_frame": mid_frame }),
        Ending::Reset { on_write } => json!({ "on_write": on_write }),
        Ending::TimedOut(deadline) => json!({ "deadline": deadline.name() }),
        Ending::Violation { rule, bytes } => {
            json!({ "rule": rule, "bytes": base64::engine::general_purpose::STANDARD.encode(bytes) })
        }
        Ending::LocalLimit(Limit::MessageSize { size, max }) => {
            json!({ "limit": "message_size", "size": size, "max": max })
        }
        Ending::TlsFailure { message } | Ending::IoFailure { message } => json!({ "message": message }),
        Ending::Local => json!({}),
    };
    m.extend(obj(extra));
    m
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Serialises with "type", "t" and "conn" first, so lines read well and grep well.
/// Serialises with "type", "t" and "conn" first, so lines read well and grep well; "t" always
/// in plain decimal notation (serde would write 5e-6).
fn order(mut m: Map<String, Value>) -> String {
    let kind = m.remove("type").unwrap_or(Value::Null);
    let t = m.remove("t").and_then(|v| v.as_f64()).unwrap_or(0.0);
    let conn = m.remove("conn").unwrap_or(Value::Null);
    let rest = Value::Object(m).to_string();
    let rest = &rest[1..rest.len() - 1];
    let sep = if rest.is_empty() { "" } else { "," };
    format!("{{\"type\":{kind},\"t\":{t:.6},\"conn\":{conn}{sep}{rest}}}")
}

pub(crate) fn error(err: &Error, t: Duration) -> String {
    let mut m = obj(json!({
        "exit": err.exit_status().code(),
        "message": err.to_string(),
        "cause": err.cause(),
        "hint": err.hint(),
    }));
    if !err.headers().is_empty() {
        let pairs: Vec<Value> = err.headers().iter().map(|(n, v)| json!([n, v])).collect();
        m.insert("headers".into(), Value::Array(pairs));
    }
    if let Some(body) = err.body() {
        m.insert("body".into(), json_data(body, true));
    }
    if !err.recent().is_empty() {
        m.insert("recent".into(), json!(err.recent()));
    }
    m.insert("type".into(), json!("error"));
    m.insert("t".into(), json!(secs(t)));
    m.insert("conn".into(), json!(0));
    order(m)
}

/// permessage-deflate as agreed (the `open` event's `deflate`).
fn deflate_json(a: &crate::core::event::deflate::Agreement) -> Value {
    json!({
        "server_no_context_takeover": a.server_no_context_takeover,
        "client_no_context_takeover": a.client_no_context_takeover,
        "server_max_window_bits": a.server_max_window_bits,
        "client_max_window_bits": a.client_max_window_bits,
    })
}

/// A direction's traffic: `messages`, `bytes`, and `wire_bytes` with permessage-deflate.
fn traffic_json(t: &crate::core::event::Traffic) -> Value {
    let mut m = obj(json!({ "messages": t.messages, "bytes": t.bytes }));
    if let Some(wire) = t.wire_bytes {
        m.insert("wire_bytes".into(), json!(wire));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use crate::core::event::{Data, Dir, Event, EventKind};
    use crate::output::payload::write_json_contents;

    #[test]
    fn a_message_written_around_its_payload_is_the_line_rendered_whole() {
        let text = "\"é\u{1b}✓\\\n\u{202e}".repeat(30_000);
        let bytes: Vec<u8> = (0..200_001).map(|i: usize| (i * 31 % 256) as u8).collect();
        for data in [Data::Text(text.into()), Data::Binary(bytes.into())] {
            let ev = Event {
                t: std::time::Duration::from_millis(1500),
                conn: 7,
                kind: EventKind::Message { dir: Dir::In, data: data.clone() },
            };
            let whole = super::event(&ev, &crate::output::OutputSettings::json_only()).unwrap();
            let (head, _, tail) = super::streamed(&ev).unwrap();
            let mut line = head.into_bytes();
            write_json_contents(&data, &mut line).unwrap();
            line.extend_from_slice(tail.as_bytes());
            assert_eq!(String::from_utf8(line).unwrap(), whole);
        }
    }

    #[test]
    fn leading_fields_and_plain_decimal_time() {
        let mut m = serde_json::Map::new();
        m.insert("x".into(), serde_json::json!(1));
        m.insert("t".into(), serde_json::json!(0.000005));
        m.insert("conn".into(), serde_json::json!(3));
        m.insert("type".into(), serde_json::json!("ping"));
        let line = super::order(m);
        assert_eq!(line, r#"{"type":"ping","t":0.000005,"conn":3,"x":1}"#);
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["t"], 0.000005);
    }
}

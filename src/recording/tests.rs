use std::io::Write;

use super::*;
use crate::core::event::{Data, Side};

fn load_text(text: &str) -> Result<Vec<Recording>, String> {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    load(f.path()).map_err(|e| e.to_string())
}

const HAR: &str = r#"{"log": {"version": "1.2", "entries": [
  {"request": {"url": "https://example.com/app.js", "headers": []}},
  {"_resourceType": "websocket",
   "request": {"url": "wss://example.com/ws", "headers": [
     {"name": "Host", "value": "example.com"}, {"name": "Cookie", "value": "s=1"}]},
   "_webSocketMessages": [
     {"type": "send", "time": 1700000000.5, "opcode": 1, "data": "hi"},
     {"type": "receive", "time": 1700000000.75, "opcode": 2, "data": "AAEC"}]}
]}}"#;

#[test]
fn a_har_entry_becomes_a_script_with_offsets_from_its_first_message() {
    let r = load_text(HAR).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].url, "wss://example.com/ws");
    assert_eq!(r[0].label, "entry 1");
    assert_eq!(r[0].headers[1], ("Cookie".into(), "s=1".into()));
    let steps = &r[0].script.steps;
    assert_eq!((steps[0].by, steps[0].data.clone()), (Side::Client, Data::Text("hi".into())));
    assert_eq!(steps[1].by, Side::Server);
    assert_eq!(steps[1].at.as_millis(), 250);
    assert_eq!(steps[1].data, Data::Binary(vec![0, 1, 2].into()));
}

#[test]
fn bad_files_name_the_place() {
    let cut = &HAR[..HAR.len() - 40];
    let e = load_text(cut).unwrap_err();
    assert!(e.contains("line 8, column 42: the JSON ends early"), "{e}");
    let e = load_text(r#"{"log": {"entries": [{"request": {"url": "https://a/"}}]}}"#).unwrap_err();
    assert!(e.contains("log.entries: no WebSocket entries among 1"), "{e}");
    let e = load_text(&HAR.replace("\"receive\"", "\"recv\"")).unwrap_err();
    assert!(e.contains("log.entries[1]._webSocketMessages[1]: 'type' is 'recv'"), "{e}");
    let e = load_text(&HAR.replace("AAEC", "!!")).unwrap_err();
    assert!(e.contains("not base64"), "{e}");
    let e = load_text("{\"type\":\"recording\",\"version\":1,\"url\":\"ws://a/\"}\n{\"type\":\"message\",")
        .unwrap_err();
    assert!(e.contains("line 2, column") && e.contains("truncated"), "{e}");
    let e = load_text("{\"type\":\"recording\",\"version\":2,\"url\":\"ws://a/\"}\n").unwrap_err();
    assert!(e.contains("line 1: recording format version 2 is newer"), "{e}");
}

#[test]
fn connect_json_output_replays_without_its_masked_secrets() {
    let text = r#"{"type":"tls","version":"TLSv1_3","t":0.01,"conn":0}
{"type":"handshake_request","method":"GET","path":"/chat?x=1","headers":[["Host","example.com:8443"],["Cookie","***"],["X-A","1"]],"t":0.01,"conn":0}
{"type":"message","dir":"out","kind":"text","len":2,"data":{"text":"hi"},"t":0.5,"conn":0}
{"type":"message","dir":"in","kind":"binary","len":1,"data":{"bytes":"/w=="},"t":0.75,"conn":0}
{"type":"summary","exit":0,"t":1.0,"conn":0}
"#;
    let r = load_text(text).unwrap();
    assert_eq!(r[0].url, "wss://example.com:8443/chat?x=1");
    assert_eq!(r[0].headers, [("Host".into(), "example.com:8443".into()), ("X-A".into(), "1".into())]);
    assert!(r[0].notes[0].contains("Cookie was masked"), "{:?}", r[0].notes);
    assert_eq!(r[0].script.steps[1].at.as_millis(), 250);
    assert_eq!(r[0].script.steps[1].by, Side::Server);
}

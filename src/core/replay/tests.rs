//! The matcher on its own, and the replay loop over in-process sessions on tokio's paused
//! clock (pacing, a changed reply, a missing reply).

use std::time::Duration;

use regex::Regex;
use serde_json::json;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Bytes;

use super::drive::{run, Verdict};
use super::matcher::{Difference, Mismatch, Rules};
use super::{Pacing, Script, Step};
use crate::core::event::{Collect, Data, Discard, Side};
use crate::core::session::{Clock, Incoming, Session};
use crate::core::wire::tap::TapConfig;

fn text(s: &str) -> Data {
    Data::Text(s.into())
}

fn rules(ignore: &[&str], volatile: &[&str]) -> Rules {
    Rules {
        ignore: ignore.iter().map(|p| p.to_string()).collect(),
        volatile: volatile.iter().map(|r| Regex::new(r).unwrap()).collect(),
    }
}

#[test]
fn kinds_bytes_and_plain_text_must_be_equal() {
    let r = Rules::default();
    assert_eq!(r.compare(&text("hi"), &text("hi")), None);
    assert_eq!(r.compare(&text("hi"), &text("ho")), Some(Mismatch::Text));
    let bin = |b: &'static [u8]| Data::Binary(Bytes::from_static(b));
    assert_eq!(r.compare(&bin(b"\x00\x01"), &bin(b"\x00\x01")), None);
    assert_eq!(r.compare(&bin(b"\x00\x01"), &bin(b"\x00\x02")), Some(Mismatch::Bytes));
    assert_eq!(r.compare(&text("hi"), &bin(b"hi")), Some(Mismatch::Kind));
}

#[test]
fn json_is_compared_as_values_and_the_first_differences_are_named() {
    let r = Rules::default();
    assert_eq!(r.compare(&text(r#"{"a":1,"b":[1,2]}"#), &text(r#"{ "b": [1, 2], "a": 1 }"#)), None);
    assert_eq!(r.compare(&text(r#"{"a":1}"#), &text("a=1")), Some(Mismatch::NotJson));
    let m = r.compare(&text(r#"{"a":1,"b":[1,2],"c/d":0}"#), &text(r#"{"a":2,"b":[1],"e":true,"c/d":0}"#));
    assert_eq!(
        m,
        Some(Mismatch::Json(vec![
            Difference { pointer: "/a".into(), recorded: Some(json!(1)), received: Some(json!(2)) },
            Difference { pointer: "/b/1".into(), recorded: Some(json!(2)), received: None },
            Difference { pointer: "/e".into(), recorded: None, received: Some(json!(true)) },
        ]))
    );
}

#[test]
fn ignored_pointers_and_volatile_spans_may_differ() {
    let recorded = text(r#"{"id":"a1","at":"2026-01-01T00:00:00Z","n":[{"ts":1,"v":2}],"x/y":1}"#);
    let received = text(r#"{"id":"b2","at":"2026-12-04T11:00:00Z","n":[{"ts":9,"v":2}],"x/y":2}"#);
    assert!(
        matches!(Rules::default().compare(&recorded, &received), Some(Mismatch::Json(d)) if d.len() == 4)
    );
    let r = rules(&["/id", "/n/0/ts", "/x~1y"], &[r"\d{4}-\d\d-\d\dT[\d:]+Z"]);
    assert_eq!(r.compare(&recorded, &received), None);
    // A volatile span in plain text.
    let r = rules(&[], &[r"id=\w+"]);
    assert_eq!(r.compare(&text("ok id=17 done"), &text("ok id=abc done")), None);
    assert_eq!(r.compare(&text("ok id=17 done"), &text("no id=abc done")), Some(Mismatch::Text));
}

const TAP: TapConfig = TapConfig { frames: false, preview: 64 };

/// A client session and, on a task, a server that answers each message with `reply(text)`
/// after `think`.
async fn served(reply: fn(&str) -> Option<String>, think: Duration) -> Session {
    let (a, b) = tokio::io::duplex(64 << 10);
    let cfg = WebSocketConfig::default();
    let client = Session::over(a, Side::Client, cfg, TAP, Clock::now(), 1).await;
    let mut server = Session::over(b, Side::Server, cfg, TAP, Clock::now(), 2).await;
    tokio::spawn(async move {
        loop {
            match server.next(&mut Discard).await {
                Incoming::Message(Data::Text(t)) => {
                    if let Some(answer) = reply(&t) {
                        tokio::time::sleep(think).await;
                        server.send(text(&answer), &mut Discard);
                    }
                }
                Incoming::Ended(_) => break,
                _ => {}
            }
        }
    });
    client
}

fn script(steps: &[(Side, u64, &str)]) -> Script {
    Script {
        steps: steps
            .iter()
            .map(|(by, ms, t)| Step { by: *by, at: Duration::from_millis(*ms), data: text(t) })
            .collect(),
    }
}

/// Two exchanges recorded 1 s apart (and 10 ms each way).
fn two_exchanges() -> Script {
    script(&[
        (Side::Client, 5_000, "a"),
        (Side::Server, 5_010, "a"),
        (Side::Client, 6_010, "b"),
        (Side::Server, 6_020, "b"),
    ])
}

#[tokio::test(start_paused = true)]
async fn the_recorded_gaps_are_kept_divided_by_the_speed() {
    for (speed, took) in [(1.0, 1_000), (2.0, 500), (0.0, 0), (0.5, 2_000)] {
        let mut client = served(|t| Some(t.to_string()), Duration::from_millis(10)).await;
        let pacing = Pacing { speed, reply_timeout: Duration::from_secs(5) };
        let start = Instant::now();
        let outcome = run(
            &mut client,
            Side::Client,
            &two_exchanges(),
            pacing,
            &Rules::default(),
            &mut Collect::default(),
        )
        .await;
        assert_eq!(outcome.verdicts, [Verdict::Sent, Verdict::Matched, Verdict::Sent, Verdict::Matched]);
        // The server thinks 10 ms per reply; the pause before "b" is the recorded gap after
        // the reply to "a", divided by the speed.
        let expected = Duration::from_millis(20 + took);
        assert_eq!(start.elapsed(), expected, "speed {speed}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_changed_reply_diverges_and_the_run_goes_on() {
    let mut client = served(|t| Some(if t == "a" { "A".into() } else { t.into() }), Duration::ZERO).await;
    let pacing = Pacing { speed: 0.0, reply_timeout: Duration::from_secs(5) };
    let outcome =
        run(&mut client, Side::Client, &two_exchanges(), pacing, &Rules::default(), &mut Discard).await;
    assert_eq!(
        outcome.verdicts,
        [
            Verdict::Sent,
            Verdict::Diverged { mismatch: Mismatch::Text, received: text("A") },
            Verdict::Sent,
            Verdict::Matched
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_reply_waits_its_bound_and_ends_the_loop() {
    let mut client = served(|t| (t != "a").then(|| t.to_string()), Duration::ZERO).await;
    let pacing = Pacing { speed: 1.0, reply_timeout: Duration::from_secs(3) };
    let start = Instant::now();
    let outcome =
        run(&mut client, Side::Client, &two_exchanges(), pacing, &Rules::default(), &mut Discard).await;
    // The reply was due 10 ms after the send, plus the bound.
    assert_eq!(start.elapsed(), Duration::from_millis(3_010));
    assert_eq!(
        outcome.verdicts,
        [
            Verdict::Sent,
            Verdict::Missing { waited: Duration::from_millis(3_010) },
            Verdict::NotReached,
            Verdict::NotReached
        ]
    );
}

#[test]
fn a_tiny_speed_waits_the_longest_an_option_may_instead_of_overflowing() {
    let pacing = Pacing { speed: 1e-300, reply_timeout: Duration::from_secs(5) };
    let longest = crate::core::session::wait::MAX_DURATION;
    assert_eq!(pacing.delay(Duration::from_secs(1)), longest);
    assert_eq!(Pacing { speed: 1.0, ..pacing }.delay(Duration::from_secs(u64::MAX)), longest);
    assert_eq!(Pacing { speed: 4.0, ..pacing }.delay(Duration::from_secs(2)), Duration::from_millis(500));
}

//! Trials, the canary and `--verify` over `tokio::io::duplex` on the paused clock: a peer that
//! answers, one that goes silent, one that closes, one that talks first; and how an unanswered
//! keepalive is judged.

use tokio::io::{AsyncReadExt, DuplexStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::*;
use crate::core::event::{Collect, EventKind, Side};
use crate::core::wire::tap::TapConfig;

const TAP: TapConfig = TapConfig { frames: false, preview: 64 };
const AGE: Duration = Duration::from_secs(30);
const PONG_TIMEOUT: Duration = Duration::from_secs(5);

async fn session(io: DuplexStream, local: Side) -> Session {
    Session::over(io, local, WebSocketConfig::default(), TAP, Clock::now(), 1).await
}

/// A client session and the raw bytes of the server's end.
async fn raw() -> (Session, DuplexStream) {
    let (a, b) = tokio::io::duplex(64 << 10);
    (session(a, Side::Client).await, b)
}

/// A client session and a server that answers: pings by the protocol layer, messages echoed.
/// The server's task returns the close code it received, if any.
async fn answering() -> (Session, JoinHandle<Option<u16>>) {
    let (a, b) = tokio::io::duplex(64 << 10);
    let client = session(a, Side::Client).await;
    let mut server = session(b, Side::Server).await;
    let task = tokio::spawn(async move {
        let mut sink = Collect::default();
        loop {
            match server.next(&mut sink).await {
                Incoming::Message(data) => server.send(data, &mut sink),
                Incoming::Ended(_) => break,
                _ => {}
            }
        }
        sink.events.iter().find_map(|e| match &e.kind {
            EventKind::Close { close, .. } => close.code,
            _ => None,
        })
    });
    (client, task)
}

/// Runs a trial of age [`AGE`]; returns its report and how long it took.
async fn trial(kind: &Kind, session: Session) -> (TrialReport, Duration) {
    let start = Instant::now();
    let report = Trial::new(kind, PONG_TIMEOUT, 9, AGE, session).run().await;
    (report, start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn a_trial_whose_peer_answers_its_ping_lives_and_closes_with_1000() {
    let (client, server) = answering().await;
    let (report, took) = trial(&Kind::WsPing, client).await;
    assert_eq!(report.outcome, Outcome::Alive, "{:?}", report.seen);
    assert_eq!((report.id, report.age), (9, AGE));
    assert!(report.rtt.is_some_and(|rtt| rtt < PONG_TIMEOUT), "{:?}", report.rtt);
    assert!(took >= AGE && took < AGE + PONG_TIMEOUT, "took {took:?}");
    // The trial's connection is closed normally: the server received a close frame with 1000.
    let code = tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap();
    assert_eq!(code, Some(1000));
}

#[tokio::test(start_paused = true)]
async fn a_trial_over_a_peer_gone_silent_is_dead_at_its_age_after_the_pong_timeout() {
    let (client, _peer) = raw().await;
    let (report, took) = trial(&Kind::WsPing, client).await;
    assert_eq!(report.outcome, Outcome::Died { age: AGE, signature: Signature::Blackhole });
    assert_eq!(report.seen, Seen::Unanswered { timeout: PONG_TIMEOUT });
    assert_eq!(report.rtt, None);
    assert_eq!(took, AGE + PONG_TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn a_fin_while_idle_is_a_closing_death_at_the_time_it_came() {
    let (client, peer) = raw().await;
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(12)).await;
        drop(peer);
    });
    let (report, took) = trial(&Kind::WsPing, client).await;
    let Outcome::Died { age, signature } = &report.outcome else { panic!("{report:?}") };
    assert_eq!(*signature, Signature::Fin);
    assert!(*age >= Duration::from_secs(12) && *age < Duration::from_secs(13), "{age:?}");
    assert!(matches!(&report.seen, Seen::DiedIdle { after, .. } if *after == *age), "{:?}", report.seen);
    assert!(took < AGE, "a death while idle ends the trial at once: took {took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_hangs_up_when_spoken_to_killed_the_trial_at_its_age() {
    let (client, mut peer) = raw().await;
    tokio::spawn(async move {
        let mut ping = [0u8; 64];
        let _ = peer.read(&mut ping).await;
        drop(peer);
    });
    let (report, _) = trial(&Kind::WsPing, client).await;
    assert_eq!(report.outcome, Outcome::Died { age: AGE, signature: Signature::Fin });
    assert!(matches!(&report.seen, Seen::DiedWhenSpoke { idle, .. } if *idle == AGE), "{:?}", report.seen);
}

#[tokio::test(start_paused = true)]
async fn traffic_from_the_server_while_idle_voids_the_trial_and_shows_its_period() {
    let (a, b) = tokio::io::duplex(64 << 10);
    let client = session(a, Side::Client).await;
    let mut server = session(b, Side::Server).await;
    tokio::spawn(async move {
        let mut sink = Discard;
        tokio::time::sleep(Duration::from_secs(7)).await;
        server.send(Data::Text("tick".into()), &mut sink);
        server.wait_end(&mut sink).await
    });
    let (report, took) = trial(&Kind::WsPing, client).await;
    assert_eq!(report.outcome, Outcome::Inconclusive);
    assert_eq!(report.seen, Seen::ServerTraffic { after: Duration::from_secs(7) });
    assert_eq!(report.server_traffic_after, Some(Duration::from_secs(7)));
    assert!(took < AGE, "took {took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_data_keepalive_is_answered_by_a_message_that_expect_matches() {
    let kind = |re: &str| Kind::Data { payload: "hb".into(), expect: Some(Regex::new(re).unwrap()) };
    let (client, _server) = answering().await;
    let (report, _) = trial(&kind("^hb$"), client).await;
    assert_eq!(report.outcome, Outcome::Alive, "{:?}", report.seen);

    let (client, _server) = answering().await;
    let (report, _) = trial(&kind("^ok$"), client).await;
    assert_eq!(report.outcome, Outcome::Inconclusive);
    assert_eq!(report.seen, Seen::UnexpectedAnswer { text: "hb".into() });
}

#[tokio::test(start_paused = true)]
async fn a_canary_whose_pings_are_answered_lives_and_times_each_one() {
    let (client, server) = answering().await;
    let (report_tx, report_rx) = tokio::sync::watch::channel(CanaryReport::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(4500)).await;
        let _ = stop_tx.send(true);
    });
    keep_talking(client, Duration::from_secs(1), PONG_TIMEOUT, report_tx, stop_rx).await;
    let report = report_rx.borrow().clone();
    assert!(report.died.is_none(), "{:?}", report.died);
    // Pings at 0, 1, 2, 3 and 4 s, each answered.
    assert_eq!(report.rtts.len(), 5, "{:?}", report.rtts);
    let code = tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap();
    assert_eq!(code, Some(1000), "a stopped canary closes normally");
}

#[tokio::test(start_paused = true)]
async fn a_canary_whose_ping_goes_unanswered_dies_a_black_hole_after_the_pong_timeout() {
    let (client, _peer) = raw().await;
    let (report_tx, report_rx) = tokio::sync::watch::channel(CanaryReport::default());
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    keep_talking(client, Duration::from_secs(1), PONG_TIMEOUT, report_tx, stop_rx).await;
    let (after, signature, why) = report_rx.borrow().died.clone().expect("the canary must die");
    assert_eq!((after, signature), (PONG_TIMEOUT, Signature::Blackhole));
    assert_eq!(why, Seen::PingUnacknowledged { timeout: PONG_TIMEOUT });
}

#[tokio::test(start_paused = true)]
async fn verify_holds_an_answering_connection_for_as_long_as_asked() {
    let (client, _server) = answering().await;
    let (interval, wanted) = (Duration::from_secs(10), Duration::from_secs(60));
    let report = hold(client, interval, wanted, PONG_TIMEOUT).await;
    assert!(report.died.is_none(), "{:?}", report.died);
    assert_eq!(report.held, wanted);
    // A ping every 9 to 11 s: 5 or 6 within the minute, each answered.
    assert!((5..=6).contains(&report.pings), "{} pings", report.pings);
    assert_eq!(report.rtts.len() as u64, report.pings);
}

#[tokio::test(start_paused = true)]
async fn verify_fails_when_a_ping_goes_unanswered_and_says_how_long_it_held() {
    let (client, _peer) = raw().await;
    let (interval, wanted) = (Duration::from_secs(10), Duration::from_secs(60));
    let report = hold(client, interval, wanted, PONG_TIMEOUT).await;
    let (signature, why) = report.died.clone().expect("the connection must be reported dead");
    assert_eq!(signature, Signature::Blackhole);
    assert_eq!(why, Seen::PingUnanswered { timeout: PONG_TIMEOUT });
    assert_eq!(report.pings, 1);
    // The first ping at 9 to 11 s, then the pong timeout.
    assert!(
        report.held >= Duration::from_secs(14) && report.held <= Duration::from_secs(16),
        "{:?}",
        report.held
    );
}

fn end(ending: Ending) -> End {
    End { ending, party: Side::Server, t: Duration::ZERO }
}

#[test]
fn an_unanswered_keepalive_is_judged_by_how_and_when_the_connection_died() {
    let fin = || Answer::Ended(end(Ending::PeerFin { mid_frame: false }));
    let rst = || Answer::Ended(end(Ending::Reset { on_write: false }));
    let (open, s) = (Duration::from_secs(41), Duration::from_secs);
    // TCP keepalive probes: a closing hop dies at its own time, a reset at the trial's age.
    let (outcome, detail) = unanswered(fin(), true, AGE, open, s(11));
    assert_eq!(outcome, Outcome::Died { age: open, signature: Signature::Fin });
    assert!(matches!(detail, Seen::DiedDuringProbes { after, .. } if after == open), "{detail:?}");
    let (outcome, _) = unanswered(rst(), true, AGE, open, s(11));
    assert_eq!(outcome, Outcome::Died { age: AGE, signature: Signature::Rst });
    // A WebSocket keepalive: dead within a second of speaking, the path had forgotten it.
    let (outcome, _) = unanswered(rst(), false, AGE, open, s(1));
    assert_eq!(outcome, Outcome::Died { age: AGE, signature: Signature::Rst });
    // Dead later, unanswered: the keepalive was taken and ignored; no verdict on the age.
    let (outcome, detail) = unanswered(fin(), false, AGE, open, s(2));
    assert!(matches!(outcome, Outcome::Inconclusive), "{outcome:?}");
    assert!(matches!(detail, Seen::DiedUnanswered { after, .. } if after == s(2)), "{detail:?}");
}

fn info(unacked: u32, retransmits: u32) -> TcpInfo {
    TcpInfo { unacked, retransmits, ..TcpInfo::default() }
}

#[test]
fn a_black_hole_is_data_unacknowledged_through_two_timeouts_of_its_own() {
    let before = info(0, 0);
    assert!(!black_hole(&before, &info(1, 0)), "just sent");
    assert!(!black_hole(&before, &info(1, 1)), "one timeout can be a lost segment");
    assert!(black_hole(&before, &info(1, 2)));
    assert!(!black_hole(&before, &info(0, 2)), "acknowledged at last");
    // Windows counts timeout episodes over the connection's life: only new ones count.
    assert!(!black_hole(&info(0, 5), &info(1, 6)));
    assert!(black_hole(&info(0, 5), &info(1, 7)));
}

#[tokio::test(start_paused = true)]
async fn the_canary_must_be_answered_lately_and_alive() {
    let mut c = CanaryReport::default();
    assert!(!canary_alive(&c, Instant::now()), "never answered");
    c.last_pong = Some(Instant::now());
    tokio::time::advance(CANARY_FRESH).await;
    assert!(canary_alive(&c, Instant::now()));
    tokio::time::advance(Duration::from_millis(1)).await;
    assert!(!canary_alive(&c, Instant::now()), "answered too long ago");
    c.last_pong = Some(Instant::now());
    c.died = Some((Duration::from_secs(9), Signature::Rst, Seen::PingsUnanswered));
    assert!(!canary_alive(&c, Instant::now()), "dead");
}

//! One trial of `heartbeat-probe`: a fresh connection that stays completely silent for its
//! age, then sends one keepalive and waits for the answer; and the canary, a connection that
//! keeps talking, to tell a lifetime cap or a dead server from an idle timeout.

use std::time::Duration;

use regex::Regex;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::core::error::Error;
pub use crate::core::event::probe::{Classified, Keepalive, TrialReport, VerifyReport};
use crate::core::event::probe::{OtherDeath, Outcome, Seen, Signature};
use crate::core::event::{Data, Discard};
use crate::core::net::target::Target;
use crate::core::session::client;
use crate::core::session::connection::ConnectionConfig;
use crate::core::session::wait::until;
use crate::core::session::{Clock, End, Ending, Incoming, Session};

/// A death this soon after the keepalive was sent was caused by it.
const SPOKE_AND_DIED: Duration = Duration::from_secs(1);

/// Why the wait for an answer ended without one.
enum Answer {
    Ended(End),
    /// A message that `--expect` does not match.
    Unexpected(String),
}

/// What a trial sends after its idle period.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A ping with a random payload; the pong answers.
    WsPing,
    /// A text message; any message back (or one matching `expect`) answers.
    Data { payload: String, expect: Option<Regex> },
    /// TCP keepalive probes from the kernel (the first a second after they are switched
    /// on), nothing at the WebSocket level; the probe's acknowledgement answers (TCP_INFO).
    TcpKeepalive,
    /// An HTTP/2 PING frame on the connection under the WebSocket (RFC 9113 §6.7); its ACK
    /// answers. It crosses only as far as the first HTTP/2 endpoint (a proxy answers it
    /// itself), so it says whether that hop keeps the connection.
    H2Ping,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::WsPing => "ws-ping",
            Kind::Data { .. } => "data",
            Kind::TcpKeepalive => "tcp-keepalive",
            Kind::H2Ping => "h2-ping",
        }
    }
}

/// How every trial connects and what it sends.
#[derive(Debug, Clone)]
pub struct TrialConfig {
    pub target: Target,
    /// How to connect: small buffers, no keepalive, TCP_USER_TIMEOUT near the pong timeout.
    pub connection: ConnectionConfig,
    pub kind: Kind,
    /// How long the answer to the keepalive may take.
    pub pong_timeout: Duration,
}

/// How the path killed the connection, from its ending.
pub fn signature(end: &End) -> Signature {
    match &end.ending {
        Ending::PeerFin { .. } => Signature::Fin,
        Ending::Closed { code, reason } => Signature::Close { code: *code, reason: reason.clone() },
        Ending::Reset { .. } => Signature::Rst,
        Ending::TimedOut(_) => Signature::Blackhole,
        _ => Signature::Other(OtherDeath::Ended(end.clone())),
    }
}

/// Runs one trial of idle age `age`. Errors: the connection could not be opened (the
/// command's exit status says why).
pub async fn run(spec: &TrialConfig, id: u64, age: Duration, clock: &Clock) -> Result<TrialReport, Error> {
    let mut sink = Discard;
    let session = client::open(&spec.target, &spec.connection, id, clock, &mut sink).await?;
    Ok(Trial::new(&spec.kind, spec.pong_timeout, id, age, session).run().await)
}

/// A trial under way: what it sends and how long the answer may take, its connection, and
/// when the connection opened.
struct Trial<'a> {
    kind: &'a Kind,
    pong_timeout: Duration,
    id: u64,
    age: Duration,
    session: Session,
    sink: Discard,
    opened: Instant,
}

impl<'a> Trial<'a> {
    /// A trial over a connection opened just now.
    fn new(kind: &'a Kind, pong_timeout: Duration, id: u64, age: Duration, session: Session) -> Self {
        Trial { kind, pong_timeout, id, age, session, sink: Discard, opened: Instant::now() }
    }

    /// Silence for the trial's age, then the keepalive and the wait for its answer.
    async fn run(mut self) -> TrialReport {
        if let Some(early) = self.idle().await {
            return early;
        }
        let sent = Instant::now();
        self.speak();
        let answered = tokio::time::timeout(self.pong_timeout, self.answer(sent)).await;
        let (outcome, seen) = match answered {
            Ok(Ok(())) => {
                let rtt = sent.elapsed();
                close_normally(&mut self.session, &mut self.sink).await;
                return self.report(Outcome::Alive, Some(rtt), None, Seen::Answered { rtt });
            }
            Ok(Err(answer)) => unanswered(
                answer,
                matches!(self.kind, Kind::TcpKeepalive),
                self.age,
                self.opened.elapsed(),
                sent.elapsed(),
            ),
            Err(_) => silent(&self.session, self.age, self.pong_timeout),
        };
        self.report(outcome, None, None, seen)
    }

    fn report(
        &self,
        outcome: Outcome,
        rtt: Option<Duration>,
        server_traffic_after: Option<Duration>,
        seen: Seen,
    ) -> TrialReport {
        TrialReport { id: self.id, age: self.age, outcome, rtt, server_traffic_after, seen }
    }

    /// Silence: anything the server sends voids the trial, and reveals its keepalive period.
    /// `Some`: the trial ended during it.
    async fn idle(&mut self) -> Option<TrialReport> {
        let opened = self.opened;
        loop {
            tokio::select! {
                _ = until(Some(opened + self.age)) => return None,
                incoming = self.session.next(&mut self.sink) => match incoming {
                    Incoming::Ended(end) => {
                        let died = opened.elapsed();
                        let outcome = Outcome::Died { age: died, signature: signature(&end) };
                        return Some(self.report(outcome, None, None, Seen::DiedIdle { after: died, end }));
                    }
                    // The peer's close frame: its ending follows (bounded by the close timeout).
                    Incoming::Control if self.session.close.is_some() => {}
                    _ => {
                        let after = opened.elapsed();
                        self.session.close(1000, "", &mut self.sink);
                        return Some(self.report(Outcome::Inconclusive, None, Some(after), Seen::ServerTraffic { after }));
                    }
                },
            }
        }
    }

    /// Sends the keepalive (or switches the kernel's probes on).
    fn speak(&mut self) {
        match self.kind {
            Kind::WsPing => {
                let payload: [u8; 8] = rand::random();
                self.session.ping_with(Bytes::copy_from_slice(&payload), &mut self.sink);
            }
            Kind::Data { payload, .. } => {
                self.session.send(Data::Text(Utf8Bytes::from(payload.clone())), &mut self.sink)
            }
            Kind::TcpKeepalive => {
                if let Some(s) = self.session.socket() {
                    let _ = s.set_keepalive(Some(Duration::from_secs(1)));
                }
            }
            // Sent by `answer`, which waits on the same handle for the ACK.
            Kind::H2Ping => {}
        }
    }

    /// Waits (unbounded: the caller bounds it) for the answer to the keepalive sent at `sent`.
    async fn answer(&mut self, sent: Instant) -> Result<(), Answer> {
        if matches!(self.kind, Kind::TcpKeepalive) {
            return self.probes_acked(sent).await;
        }
        if matches!(self.kind, Kind::H2Ping) {
            return self.h2_ping_acked().await;
        }
        loop {
            match self.session.next(&mut self.sink).await {
                Incoming::Pong(_) if matches!(self.kind, Kind::WsPing) => return Ok(()),
                Incoming::Message(data) => {
                    if let Kind::Data { expect, .. } = self.kind {
                        let text = match &data {
                            Data::Text(t) => t.to_string(),
                            Data::Binary(b) => String::from_utf8_lossy(b).into_owned(),
                        };
                        if expect.as_ref().is_none_or(|re| re.is_match(&text)) {
                            return Ok(());
                        }
                        return Err(Answer::Unexpected(text));
                    }
                }
                Incoming::Ended(end) => return Err(Answer::Ended(end)),
                _ => {}
            }
        }
    }

    /// Sends an HTTP/2 PING and waits for its ACK; a connection that fails meanwhile ends the
    /// session, which says how.
    async fn h2_ping_acked(&mut self) -> Result<(), Answer> {
        let mut handle = self.session.take_http2_ping();
        let ping = async {
            match handle.as_mut() {
                Some(pp) => pp.ping(h2::Ping::opaque()).await.is_ok(),
                None => false,
            }
        };
        tokio::pin!(ping);
        let mut failed = false;
        loop {
            tokio::select! {
                acked = &mut ping, if !failed => {
                    if acked {
                        return Ok(());
                    }
                    failed = true;
                }
                incoming = self.session.next(&mut self.sink) => {
                    if let Incoming::Ended(end) = incoming {
                        return Err(Answer::Ended(end));
                    }
                }
            }
        }
    }

    /// Answered once an acknowledgement arrived after the probes were switched on (TCP_INFO,
    /// polled).
    async fn probes_acked(&mut self, sent: Instant) -> Result<(), Answer> {
        let mut poll = tokio::time::interval(Duration::from_millis(50));
        loop {
            tokio::select! {
                _ = poll.tick() => {
                    let info = self.session.socket().and_then(|s| s.tcp_info().ok());
                    // Only Linux says when the last ACK came; elsewhere this waits for the answer.
                    let acked = info.is_some_and(|i| {
                        i.probes == Some(0)
                            && i.last_ack_recv.is_some_and(|a| a + Duration::from_millis(20) < sent.elapsed())
                    });
                    if acked {
                        return Ok(());
                    }
                }
                incoming = self.session.next(&mut self.sink) => {
                    if let Incoming::Ended(end) = incoming {
                        return Err(Answer::Ended(end));
                    }
                }
            }
        }
    }
}

/// The keepalive went unanswered (`answer`), `since_open` after the upgrade and `since_sent`
/// after it was sent: how the trial turned out, and how that was seen.
fn unanswered(
    answer: Answer,
    tcp_keepalive: bool,
    age: Duration,
    since_open: Duration,
    since_sent: Duration,
) -> (Outcome, Seen) {
    match answer {
        Answer::Unexpected(text) => {
            let text: String = text.chars().take(60).collect();
            (Outcome::Inconclusive, Seen::UnexpectedAnswer { text })
        }
        // Probes are no WebSocket traffic: a death while waiting for their answer is a death
        // while idle, at its age since the upgrade.
        // A hop that closes (FIN, close frame) does so at its timer; a black hole or a reset
        // shows when the probes speak, so that death counts at the trial's age.
        Answer::Ended(end) if tcp_keepalive => {
            let sig = signature(&end);
            let died = match sig {
                Signature::Fin | Signature::Close { .. } => since_open,
                _ => age,
            };
            (Outcome::Died { age: died, signature: sig }, Seen::DiedDuringProbes { after: since_open, end })
        }
        // Killed by speaking: the path had forgotten the connection.
        Answer::Ended(end) if since_sent <= SPOKE_AND_DIED => {
            (Outcome::Died { age, signature: signature(&end) }, Seen::DiedWhenSpoke { idle: age, end })
        }
        // Died later, still unanswered: the keepalive was taken but not answered.
        Answer::Ended(end) => (Outcome::Inconclusive, Seen::DiedUnanswered { after: since_sent, end }),
    }
}

/// Ends a finished trial's connection with a normal close, waiting a moment for it to go out.
async fn close_normally(session: &mut Session, sink: &mut Discard) {
    session.close(1000, "", sink);
    session.flushed(Duration::from_millis(200)).await;
}

/// No answer within the pong timeout: a black hole when the data is still unacknowledged
/// (TCP_INFO), a slow server when it was acknowledged.
fn silent(session: &Session, age: Duration, timeout: Duration) -> (Outcome, Seen) {
    let info = session.socket().and_then(|s| s.tcp_info().ok());
    match info {
        Some(i) if i.unacked > 0 || i.retransmits > 0 || i.probes.is_some_and(|p| p > 0) => (
            Outcome::Died { age, signature: Signature::Blackhole },
            Seen::Blackhole { timeout, unacked: i.unacked, retransmits: i.total_retransmits },
        ),
        Some(_) => (Outcome::Inconclusive, Seen::AckedUnanswered { timeout }),
        None => (Outcome::Died { age, signature: Signature::Blackhole }, Seen::Unanswered { timeout }),
    }
}

/// How the canary ended, or its pings so far.
#[derive(Debug, Clone, Default)]
pub struct CanaryReport {
    /// Round-trip times of its pings.
    pub rtts: Vec<Duration>,
    /// It died despite its traffic: after this long, how, and how that was seen.
    pub died: Option<(Duration, Signature, Seen)>,
}

/// Runs the canary until `stop` resolves: a ping every `every`, each answered within
/// `pong_timeout`. Errors: it could not connect.
pub async fn canary(
    spec: &TrialConfig,
    every: Duration,
    clock: &Clock,
    report: tokio::sync::watch::Sender<CanaryReport>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), Error> {
    let mut sink = Discard;
    let session = client::open(&spec.target, &spec.connection, 0, clock, &mut sink).await?;
    keep_talking(session, every, spec.pong_timeout, report, stop).await;
    Ok(())
}

/// The canary over an opened connection: pings every `every` until `stop` resolves, each
/// answered within `pong_timeout`; how it went in `report`.
async fn keep_talking(
    mut session: Session,
    every: Duration,
    pong_timeout: Duration,
    report: tokio::sync::watch::Sender<CanaryReport>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut sink = Discard;
    let opened = Instant::now();
    let mut next_ping = Instant::now();
    let mut waiting: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = crate::core::session::wait::stopped(&mut stop) => {
                close_normally(&mut session, &mut sink).await;
                return;
            }
            _ = until(Some(next_ping)), if waiting.is_none() => {
                session.ping(&mut sink);
                waiting = Some(Instant::now());
                next_ping = Instant::now() + every;
            }
            _ = until(waiting.map(|w| w + pong_timeout)), if waiting.is_some() => {
                let acked = session.socket().and_then(|s| s.tcp_info().ok()).is_some_and(|i| i.unacked == 0);
                let (sig, why) = if acked {
                    (Signature::Other(OtherDeath::PingsUnanswered), Seen::PingsUnanswered)
                } else {
                    (Signature::Blackhole, Seen::PingUnacknowledged { timeout: pong_timeout })
                };
                report.send_modify(|r| r.died = Some((opened.elapsed(), sig, why)));
                return;
            }
            incoming = session.next(&mut sink) => match incoming {
                Incoming::Pong(_) => {
                    if let Some(at) = waiting.take() {
                        let rtt = at.elapsed();
                        report.send_modify(|r| r.rtts.push(rtt));
                    }
                }
                Incoming::Ended(end) => {
                    let sig = signature(&end);
                    report.send_modify(|r| r.died = Some((opened.elapsed(), sig, Seen::Ended { end })));
                    return;
                }
                _ => {}
            },
        }
    }
}

/// Holds one connection for `wanted` with a ping every `interval` (±10 % jitter), each
/// answered within the pong timeout. Errors: it could not connect.
pub async fn verify(
    spec: &TrialConfig,
    interval: Duration,
    wanted: Duration,
    clock: &Clock,
) -> Result<VerifyReport, Error> {
    let mut sink = Discard;
    let session = client::open(&spec.target, &spec.connection, 1, clock, &mut sink).await?;
    Ok(hold(session, interval, wanted, spec.pong_timeout).await)
}

/// `verify` over an opened connection.
async fn hold(
    mut session: Session,
    interval: Duration,
    wanted: Duration,
    pong_timeout: Duration,
) -> VerifyReport {
    let mut sink = Discard;
    let opened = Instant::now();
    let jittered = || interval.mul_f64(0.9 + 0.2 * rand::random::<f64>());
    let mut next_ping = opened + jittered();
    let mut waiting: Option<Instant> = None;
    let mut report =
        VerifyReport { interval, wanted, held: Duration::ZERO, died: None, pings: 0, rtts: Vec::new() };
    loop {
        tokio::select! {
            _ = until(Some(opened + wanted)) => {
                close_normally(&mut session, &mut sink).await;
                break;
            }
            _ = until(Some(next_ping)), if waiting.is_none() => {
                session.ping(&mut sink);
                report.pings += 1;
                waiting = Some(Instant::now());
                next_ping = Instant::now() + jittered();
            }
            _ = until(waiting.map(|w| w + pong_timeout)), if waiting.is_some() => {
                report.died = Some((Signature::Blackhole, Seen::PingUnanswered { timeout: pong_timeout }));
                break;
            }
            incoming = session.next(&mut sink) => match incoming {
                Incoming::Pong(_) => {
                    if let Some(at) = waiting.take() {
                        report.rtts.push(at.elapsed());
                    }
                }
                Incoming::Ended(end) => {
                    report.died = Some((signature(&end), Seen::Ended { end }));
                    break;
                }
                _ => {}
            },
        }
    }
    report.held = opened.elapsed().min(wanted);
    report
}

/// Holds a connection for `wanted` (longer than the idle timeout) with keepalives of `kind`
/// every `every`, then checks with a ping that it is still alive. Errors: it could not
/// connect.
pub async fn classify(
    spec: &TrialConfig,
    kind: Keepalive,
    every: Duration,
    wanted: Duration,
    clock: &Clock,
) -> Result<Classified, Error> {
    let mut sink = Discard;
    let mut session = client::open(&spec.target, &spec.connection, 0, clock, &mut sink).await?;
    let opened = Instant::now();
    if kind == Keepalive::TcpKeepalive {
        if let Some(s) = session.socket() {
            let _ = s.set_keepalive(Some(every));
        }
    }
    let payload = match &spec.kind {
        Kind::Data { payload, .. } => payload.clone(),
        Kind::WsPing | Kind::TcpKeepalive | Kind::H2Ping => "ping".to_string(),
    };
    // HTTP/2 PINGs go from a task of their own: one at a time, each waiting for its ACK.
    let h2_pinger = match (kind, session.take_http2_ping()) {
        (Keepalive::H2Ping, Some(mut pp)) => Some(tokio::spawn(async move {
            while pp.ping(h2::Ping::opaque()).await.is_ok() {
                tokio::time::sleep(every).await;
            }
        })),
        _ => None,
    };
    let _stop_pinger = AbortOnDrop(h2_pinger);
    let mut next = opened + every;
    let result = |refreshes, detail: String| Ok(Classified { kind, refreshes, detail });
    loop {
        tokio::select! {
            _ = until(Some(opened + wanted)) => break,
            _ = until(Some(next)), if !matches!(kind, Keepalive::TcpKeepalive | Keepalive::H2Ping) => {
                match kind {
                    Keepalive::WsPing => session.ping(&mut sink),
                    _ => session.send(Data::Text(Utf8Bytes::from(payload.clone())), &mut sink),
                }
                next = Instant::now() + every;
            }
            incoming = session.next(&mut sink) => {
                if let Incoming::Ended(end) = incoming {
                    let detail = format!("died after {:.1} s: {}", opened.elapsed().as_secs_f64(), end.describe());
                    return result(false, detail);
                }
            }
        }
    }
    // Still open as far as this end knows: one ping says whether the path agrees.
    let sent = Instant::now();
    session.ping_with(Bytes::from_static(b"wsdiag-classify"), &mut sink);
    let answered = tokio::time::timeout(spec.pong_timeout, async {
        loop {
            match session.next(&mut sink).await {
                Incoming::Pong(_) => return None,
                Incoming::Ended(end) => return Some(end.describe()),
                _ => {}
            }
        }
    })
    .await;
    match answered {
        Ok(None) => {
            close_normally(&mut session, &mut sink).await;
            result(
                true,
                format!(
                    "alive after {:.1} s, answered in {:.1} ms",
                    wanted.as_secs_f64(),
                    sent.elapsed().as_secs_f64() * 1000.0
                ),
            )
        }
        Ok(Some(why)) => {
            result(false, format!("died when checked after {:.1} s: {why}", wanted.as_secs_f64()))
        }
        Err(_) => result(false, format!("no answer when checked after {:.1} s", wanted.as_secs_f64())),
    }
}

/// Asks the far end for pushes; `Ok(false)` when it is no companion (it echoed the request).
async fn ask_companion(session: &mut Session, request: String, timeout: Duration) -> Result<bool, String> {
    let mut sink = Discard;
    session.send(Data::Text(Utf8Bytes::from(request.clone())), &mut sink);
    let answer = tokio::time::timeout(timeout, async {
        loop {
            match session.next(&mut sink).await {
                Incoming::Message(Data::Text(t)) => return Ok(t.to_string()),
                Incoming::Message(_) => return Ok(String::new()),
                Incoming::Ended(end) => return Err(end.describe()),
                _ => {}
            }
        }
    })
    .await
    .map_err(|_| "no answer to the companion request".to_string())??;
    Ok(answer.starts_with(crate::core::builtin::companion::PREFIX) && answer != request)
}

/// Server-to-client traffic alone: the companion pushes every `every` while the client stays
/// silent for `wanted`; then a ping checks the path. `None`: no companion.
pub async fn server_push(
    spec: &TrialConfig,
    every: Duration,
    wanted: Duration,
    clock: &Clock,
) -> Result<Option<Classified>, Error> {
    use crate::core::builtin::companion::Request;
    let mut sink = Discard;
    let mut session = client::open(&spec.target, &spec.connection, 0, clock, &mut sink).await?;
    let opened = Instant::now();
    let count = (wanted.as_secs_f64() / every.as_secs_f64()).ceil() as u32;
    let kind = Keepalive::ServerPush;
    match ask_companion(&mut session, Request::push_every(every, count, "keep"), spec.pong_timeout).await {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(why) => {
            return Ok(Some(Classified {
                kind,
                refreshes: false,
                detail: format!("died before its pushes: {why}"),
            }))
        }
    }
    loop {
        tokio::select! {
            _ = until(Some(opened + wanted)) => break,
            incoming = session.next(&mut sink) => {
                if let Incoming::Ended(end) = incoming {
                    let detail = format!("died after {:.1} s: {}", opened.elapsed().as_secs_f64(), end.describe());
                    return Ok(Some(Classified { kind, refreshes: false, detail }));
                }
            }
        }
    }
    let sent = Instant::now();
    session.ping_with(Bytes::from_static(b"wsdiag-classify"), &mut sink);
    let answered = tokio::time::timeout(spec.pong_timeout, async {
        loop {
            match session.next(&mut sink).await {
                Incoming::Pong(_) => return true,
                Incoming::Ended(_) => return false,
                _ => {}
            }
        }
    })
    .await
    .unwrap_or(false);
    let detail = if answered {
        format!(
            "alive after {:.1} s of pushes only, answered in {:.1} ms",
            wanted.as_secs_f64(),
            sent.elapsed().as_secs_f64() * 1000.0
        )
    } else {
        format!("no answer when checked after {:.1} s of pushes only", wanted.as_secs_f64())
    };
    close_normally(&mut session, &mut sink).await;
    Ok(Some(Classified { kind, refreshes: answered, detail }))
}

/// A push after the idle timeout, to a client that stayed silent: delivered, the connection
/// closed first (the client knows), or lost (the client is left blind). `refreshes` means
/// delivered. `None`: no companion.
pub async fn late_push(
    spec: &TrialConfig,
    after: Duration,
    clock: &Clock,
) -> Result<Option<Classified>, Error> {
    use crate::core::builtin::companion::Request;
    let mut sink = Discard;
    let mut session = client::open(&spec.target, &spec.connection, 0, clock, &mut sink).await?;
    let kind = Keepalive::LatePush;
    match ask_companion(&mut session, Request::push_after(after, "late"), spec.pong_timeout).await {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(why) => {
            return Ok(Some(Classified { kind, refreshes: false, detail: format!("died first: {why}") }))
        }
    }
    let asked = Instant::now();
    let outcome = tokio::time::timeout(after + spec.pong_timeout, async {
        loop {
            match session.next(&mut sink).await {
                Incoming::Message(Data::Text(t)) if t.contains(" push late ") => return Ok(()),
                Incoming::Ended(end) => return Err(end.describe()),
                _ => {}
            }
        }
    })
    .await;
    let (refreshes, detail) = match outcome {
        Ok(Ok(())) => (true, format!("delivered after {:.1} s of silence", asked.elapsed().as_secs_f64())),
        Ok(Err(why)) => (false, format!("the connection ended first, after {:.1} s: {why}", asked.elapsed().as_secs_f64())),
        Err(_) => (false, format!("lost: nothing arrived {:.1} s after it was due, and the connection looks open: the client is left blind", spec.pong_timeout.as_secs_f64())),
    };
    Ok(Some(Classified { kind, refreshes, detail }))
}

#[cfg(test)]
mod tests;

/// Aborts a spawned task when dropped (the HTTP/2 pinger of a classify trial).
struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}

//! What `heartbeat-probe` reports, as the contract carries it: trials and how they ended, the
//! search's verdict, `--verify` and `--classify` (the `trial`, `result` and `verify` events).

use std::time::Duration;

use crate::core::event::End;

/// What one trial saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It stayed silent for its age, then its keepalive was answered.
    Alive,
    /// The path killed it: while idle at `age` (the hop closed it actively), or when it spoke
    /// after its idle age (`age` is that age).
    Died { age: Duration, signature: Signature },
    /// It tells nothing about the idle timeout (the server sent traffic while it was idle, or
    /// the server was slow); the trial's [`Seen`] says which.
    Inconclusive,
}

/// How the path killed a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// TCP FIN without a close frame (an L7 proxy's idle timeout).
    Fin,
    /// A close frame with this code and reason (a WebSocket-aware gateway or the server).
    Close { code: Option<u16>, reason: String },
    /// TCP reset (NAT gateways, L4 balancers), on the next packet.
    Rst,
    /// Silence: data sent and never acknowledged (a NAT or firewall that dropped the flow).
    Blackhole,
    /// Anything else.
    Other(OtherDeath),
}

/// A death of another kind than FIN, close, reset or silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtherDeath {
    /// The connection ended so (a TLS alert, a protocol violation, a local limit).
    Ended(End),
    /// The server's TCP acknowledged pings but it answered none: it takes pings but does not
    /// pong.
    PingsUnanswered,
    /// No death was seen at all (no signature to report).
    None,
}

impl Signature {
    /// A stable name for JSON and reports.
    pub fn name(&self) -> &'static str {
        match self {
            Signature::Fin => "fin",
            Signature::Close { .. } => "close",
            Signature::Rst => "rst",
            Signature::Blackhole => "blackhole",
            Signature::Other(_) => "other",
        }
    }
}

/// What the search concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No trial died up to `max`.
    NoTimeout { max: Duration },
    /// Connections idle for `lower` survive; idle for `upper` they die. `confirmed` when the
    /// confirm round agreed; `signature` is how most of them died.
    Bounded { lower: Duration, upper: Duration, confirmed: bool, signature: Signature },
    /// The outcomes contradict each other (a death below a survival) or tell nothing.
    Inconclusive { why: Undecided },
}

/// Why the search could not bound the idle timeout (JSON `result.why`, docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecided {
    /// Two trials contradict each other.
    Contradiction(Conflict),
    /// Every trial inside the bracket was inconclusive.
    BracketInconclusive,
    /// No trial was conclusive.
    NothingConclusive,
    /// The canary died `after` this long despite its pings: a lifetime cap or a server gone,
    /// not an idle timeout.
    LifetimeCap { after: Duration },
}

impl Undecided {
    /// A stable name for JSON (`contradiction`, `bracket_inconclusive`, `nothing_conclusive`,
    /// `lifetime_cap`).
    pub fn name(&self) -> &'static str {
        match self {
            Undecided::Contradiction(_) => "contradiction",
            Undecided::BracketInconclusive => "bracket_inconclusive",
            Undecided::NothingConclusive => "nothing_conclusive",
            Undecided::LifetimeCap { .. } => "lifetime_cap",
        }
    }
}

/// Two trials that contradict each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A connection idle for `lived` lived, one idle for `died` (no longer) died.
    LivedAboveDeath { lived: Duration, died: Duration },
    /// A connection idle for `age`, the lower bound, died in the confirm round.
    LowerBoundDied { age: Duration },
    /// A connection died after `died` idle, one idle for `lived` (no shorter) lived.
    DiedBelowLife { died: Duration, lived: Duration },
}

/// A finished trial.
#[derive(Debug, Clone)]
pub struct TrialReport {
    pub id: u64,
    /// The idle age it was planned for.
    pub age: Duration,
    pub outcome: Outcome,
    /// The answer's round trip, when it lived.
    pub rtt: Option<Duration>,
    /// When the server broke the silence, the time since the upgrade (its keepalive period).
    pub server_traffic_after: Option<Duration>,
    /// How the result was seen.
    pub seen: Seen,
}

/// How a trial's result was seen (JSON `trial.detail`, docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The keepalive was answered after `rtt`.
    Answered { rtt: Duration },
    /// The connection ended `after` the upgrade while it was idle.
    DiedIdle { after: Duration, end: End },
    /// The server sent traffic `after` this much silence.
    ServerTraffic { after: Duration },
    /// The server answered with `text` (its first 60 characters), which the expected pattern
    /// does not match.
    UnexpectedAnswer { text: String },
    /// The connection ended while the kernel's keepalive probes ran, `after` the upgrade.
    DiedDuringProbes { after: Duration, end: End },
    /// The connection ended as soon as it spoke after `idle` of silence.
    DiedWhenSpoke { idle: Duration, end: End },
    /// No answer, and the connection ended `after` the keepalive was sent.
    DiedUnanswered { after: Duration, end: End },
    /// No answer within `timeout` while the data stayed unacknowledged: `unacked` segments,
    /// `retransmits` retransmissions (TCP_INFO).
    Blackhole { timeout: Duration, unacked: u32, retransmits: u32 },
    /// The data was acknowledged but not answered within `timeout`.
    AckedUnanswered { timeout: Duration },
    /// No answer within `timeout`, and TCP_INFO unavailable to tell more.
    Unanswered { timeout: Duration },
    /// The connection ended so (the canary, `--verify`).
    Ended { end: End },
    /// A ping stayed unacknowledged by TCP for `timeout` (the canary).
    PingUnacknowledged { timeout: Duration },
    /// A ping went unanswered for `timeout` (`--verify`).
    PingUnanswered { timeout: Duration },
    /// The server's TCP acknowledged pings but it answered none (the canary).
    PingsUnanswered,
    /// Stopped before its age: trial `by` died after a shorter idle, which answers for this
    /// one (a connection idle longer would die too).
    Stopped { by: u64 },
}

impl Seen {
    /// A stable name for JSON (`answered`, `died_idle`, `server_traffic`, `unexpected_answer`,
    /// `died_during_probes`, `died_when_spoke`, `died_unanswered`, `blackhole`,
    /// `acked_unanswered`, `unanswered`, `ended`, `ping_unacknowledged`, `ping_unanswered`,
    /// `pings_unanswered`, `stopped`).
    pub fn name(&self) -> &'static str {
        match self {
            Seen::Answered { .. } => "answered",
            Seen::DiedIdle { .. } => "died_idle",
            Seen::ServerTraffic { .. } => "server_traffic",
            Seen::UnexpectedAnswer { .. } => "unexpected_answer",
            Seen::DiedDuringProbes { .. } => "died_during_probes",
            Seen::DiedWhenSpoke { .. } => "died_when_spoke",
            Seen::DiedUnanswered { .. } => "died_unanswered",
            Seen::Blackhole { .. } => "blackhole",
            Seen::AckedUnanswered { .. } => "acked_unanswered",
            Seen::Unanswered { .. } => "unanswered",
            Seen::Ended { .. } => "ended",
            Seen::PingUnacknowledged { .. } => "ping_unacknowledged",
            Seen::PingUnanswered { .. } => "ping_unanswered",
            Seen::PingsUnanswered => "pings_unanswered",
            Seen::Stopped { .. } => "stopped",
        }
    }
}

/// What `--verify` saw.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The heartbeat interval (each ping within ±10 % of it) and how long it was to hold.
    pub interval: Duration,
    pub wanted: Duration,
    /// How long the connection was held.
    pub held: Duration,
    /// It died: how, and how that was seen.
    pub died: Option<(Signature, Seen)>,
    pub pings: u64,
    /// The pongs' round trips.
    pub rtts: Vec<Duration>,
}

/// A keepalive kind `--classify` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keepalive {
    /// WebSocket pings (opcode 0x9).
    WsPing,
    /// Data messages (the trial `--payload`).
    Data,
    /// TCP keepalive probes from the kernel, and nothing else.
    TcpKeepalive,
    /// HTTP/2 PING frames (RFC 9113 §6.7) on the connection under the WebSocket (RFC 8441).
    H2Ping,
    /// Pushes from a companion server, the client silent.
    ServerPush,
    /// One push from a companion after the idle timeout (`refreshes`: it was delivered).
    LatePush,
}

impl Keepalive {
    pub fn name(self) -> &'static str {
        match self {
            Keepalive::WsPing => "ws-ping",
            Keepalive::Data => "data",
            Keepalive::TcpKeepalive => "tcp-keepalive",
            Keepalive::H2Ping => "h2-ping",
            Keepalive::ServerPush => "server-push",
            Keepalive::LatePush => "push-after-timeout",
        }
    }
}

/// Whether one keepalive kind kept a connection alive past the idle timeout.
#[derive(Debug, Clone)]
pub struct Classified {
    pub kind: Keepalive,
    pub refreshes: bool,
    pub detail: String,
}

/// Why trials could not read the kernel's TCP facts (unacknowledged data, retransmissions),
/// so black holes were told from timing alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimingOnly {
    /// The connections ran over a Unix-domain socket: there is no TCP.
    UnixSocket,
    /// This system has no way to read them (its name).
    Platform(&'static str),
}

impl TimingOnly {
    /// A stable name for JSON (`unix_socket`, `platform`).
    pub fn name(self) -> &'static str {
        match self {
            TimingOnly::UnixSocket => "unix_socket",
            TimingOnly::Platform(_) => "platform",
        }
    }
}

/// The account of a whole probe (the `result` event).
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub verdict: Verdict,
    /// The canary died despite its traffic: after this long, how, and how that was seen.
    pub lifetime_cap: Option<(Duration, Signature, Seen)>,
    /// The shortest silence after which the server spoke by itself during a trial.
    pub server_keepalive: Option<Duration>,
    /// Half the confirmed lower bound, to be sent with ±10 % jitter.
    pub recommended: Option<Duration>,
    /// The longest interval worth trying: the lower bound less one pong timeout, at least
    /// the recommended one.
    pub aggressive: Option<Duration>,
    /// A pong timeout for heartbeats: four times the canary's slowest round trip, at least
    /// 1 s.
    pub pong_timeout: Option<Duration>,
    /// The canary's median round trip.
    pub rtt: Option<Duration>,
    pub trials: usize,
    pub duration: Duration,
    pub exit: u8,
    /// `--classify`: which keepalive kinds kept a connection alive past the timeout.
    pub classified: Vec<Classified>,
    /// Set when no kernel TCP facts were read: black holes told from timing alone.
    pub timing_only: Option<TimingOnly>,
}

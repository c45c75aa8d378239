//! What `heartbeat-probe` reports, as the contract carries it: trials and how they ended, the
//! search's verdict, `--verify` and `--classify` (the `trial`, `result` and `verify` events).

use std::time::Duration;

/// What one trial saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It stayed silent for its age, then its keepalive was answered.
    Alive,
    /// The path killed it: while idle at `age` (the hop closed it actively), or when it spoke
    /// after its idle age (`age` is that age).
    Died { age: Duration, signature: Signature },
    /// It tells nothing about the idle timeout (the server sent traffic while it was idle, or
    /// the server was slow); `why` says which.
    Inconclusive { why: String },
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
    /// Anything else (a TLS alert, a protocol violation).
    Other(String),
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
    Inconclusive { why: String },
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
    /// How the death was seen, in words.
    pub detail: String,
}

/// What `--verify` saw.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The heartbeat interval (each ping within ±10 % of it) and how long it was to hold.
    pub interval: Duration,
    pub wanted: Duration,
    /// How long the connection was held.
    pub held: Duration,
    /// It died: how, and in words.
    pub died: Option<(Signature, String)>,
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
    /// The canary died despite its traffic: after this long, how, and in words.
    pub lifetime_cap: Option<(Duration, Signature, String)>,
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

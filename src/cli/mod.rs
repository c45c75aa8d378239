//! Command-line types (clap derive) and nothing else: validation lives in `settings`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod liveness;
mod proxy;
mod replay;
mod server;

pub use liveness::LivenessArgs;
pub use proxy::ProxyArgs;
pub use replay::{ReplayArgs, ReportFormat};
pub use server::{EchoArgs, FaultArgs, ListenArgs, ServerArgs};

const EXIT_CODES: &str = "\
Exit codes:
  0    success (also when stdout is closed by the reader, e.g. `| head -1`, but for a listen
       check still pending: 1)
  1    a check failed: --count, --expect*, --max-rtt or --max-loss not met, an unexpected close code
  2    usage error
  3    could not connect (DNS, refused, unreachable, connect timeout) or, for servers, listen
  4    TLS failure
  5    handshake rejected or invalid (non-101 reply, bad Sec-WebSocket-Accept, bad negotiation)
  6    connection lost or protocol violated after the handshake (1006, reset, invalid frame)
  7    timed out waiting (handshake, --timeout) or dead heartbeats
  130  interrupted (Ctrl-C), after a clean close with 1001";

/// A WebSocket diagnostic tool: see the handshake and every frame, script health checks, serve
/// test clients with injected faults.
#[derive(Debug, Parser)]
#[command(name = "wsdiag", version, propagate_version = true, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Connect to a WebSocket server, send messages and print what comes back
    #[command(after_help = CONNECT_AFTER_HELP)]
    Connect(Box<ConnectArgs>),
    /// Accept WebSocket clients, print what they send and talk back from stdin
    #[command(after_help = server::LISTEN_AFTER_HELP)]
    Listen(Box<ListenArgs>),
    /// Run an echo server, with fault injection, for testing clients
    #[command(after_help = server::ECHO_AFTER_HELP)]
    Echo(Box<EchoArgs>),
    /// Perform only the opening handshake, show it exactly and judge it against RFC 6455
    #[command(after_help = INSPECT_AFTER_HELP, disable_version_flag = true)]
    HandshakeInspect(Box<InspectArgs>),
    /// Find how long an idle connection survives on a path, how the path kills it, and the
    /// heartbeat interval that keeps it alive
    #[command(after_help = PROBE_AFTER_HELP)]
    HeartbeatProbe(Box<HeartbeatProbeArgs>),
    /// Replay a recorded session (a browser's HAR export, or connect --record) against a
    /// server and check that its replies are the recorded ones
    #[command(after_help = replay::REPLAY_AFTER_HELP)]
    Replay(Box<ReplayArgs>),
}

const CONNECT_AFTER_HELP: &str = "\
Examples:
  wsdiag connect builtin:echo -x hello -n 1 -vv
  wsdiag connect wss://example.com/ws -H 'X-Token: abc' -s chat.v1 -v
  printf 'a\\nb\\n' | wsdiag connect ws://127.0.0.1:8080/ -n 2 --json
  wsdiag connect wss://127.0.0.1:8443/ --cacert ca.pem --ping-interval 1s -w 5s

URL is ws://HOST[:PORT]/PATH?QUERY, wss://…, or builtin:echo (an echo server started
in-process on an ephemeral loopback port).

Exit codes:
  0 success · 1 check failed · 2 usage · 3 connect · 4 TLS · 5 handshake rejected ·
  6 connection lost or protocol violated after the handshake, or --max-message exceeded ·
  7 timed out · 130 interrupted";

const INSPECT_AFTER_HELP: &str = "\
Examples:
  wsdiag handshake-inspect builtin:echo
  wsdiag handshake-inspect wss://example.com/ws -s chat.v1 --offer-deflate
  wsdiag handshake-inspect ws://127.0.0.1:8080/ --version 8        # see the server's 426
  wsdiag handshake-inspect ws://127.0.0.1:8080/old -L --json

Exit codes:
  0 every check passed (warnings allowed) · 1 a check failed on a 101 reply · 2 usage ·
  3 connect · 4 TLS · 5 handshake rejected (non-101) or not HTTP · 7 timed out";

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// ws:// or wss:// URL, or builtin:echo (or the URL in --from-curl)
    #[arg(required_unless_present = "from_curl")]
    pub url: Option<String>,

    /// Print the request and response bytes exactly as sent and received, without prefixes
    #[arg(long, conflicts_with = "json")]
    pub raw: bool,

    /// Sec-WebSocket-Version to send (another value shows the server's 426 reply)
    #[arg(long = "version", value_name = "N", default_value = "13")]
    pub ws_version: String,

    /// Fixed Sec-WebSocket-Key (16 bytes, base64), for reproducible output (--key is the TLS
    /// client key, as in connect)
    #[arg(long, value_name = "KEY")]
    pub ws_key: Option<String>,

    /// Request method (RFC 6455 requires GET; others test the server's reaction)
    #[arg(long, value_name = "METHOD", default_value = "GET")]
    pub method: String,

    /// Follow 3xx redirects (at most 10), showing each hop
    #[arg(short = 'L', long)]
    pub follow: bool,

    /// Do not close the connection after a successful upgrade (drop it without a close frame)
    #[arg(long)]
    pub no_close: bool,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub transport: TransportArgs,

    /// Print one JSON document instead of the report (schema: docs/json.md)
    #[arg(long, help_heading = "Output")]
    pub json: bool,

    /// When to use colors (NO_COLOR in the environment means never, unless 'always')
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, help_heading = "Output")]
    pub color: ColorChoice,

    /// Show Authorization, Cookie and similar header values instead of masking them
    #[arg(long, help_heading = "Output")]
    pub show_secrets: bool,
}

const PROBE_AFTER_HELP: &str = "\
Examples:
  wsdiag heartbeat-probe 'builtin:echo?idle-timeout=4s'
  wsdiag heartbeat-probe wss://example.com/ws --max 10m --json > probe.ndjson
  wsdiag heartbeat-probe ws://127.0.0.1:8080/ --fail-below 55s      # a CI gate

Trials are fresh connections that stay silent for an idle age, then send one keepalive:
a bracket of geometric ages from --min to --max, refine rounds inside it, and a confirm
round at both bounds. A canary connection pings every second meanwhile.

Exit codes:
  0 measured (or no timeout up to --max) · 1 lower bound below --fail-below · 2 usage ·
  3 connect · 4 TLS · 5 handshake rejected · 7 inconclusive (contradicting results,
  the canary died: a lifetime cap or a dead server)";

/// What a trial sends after its idle time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProbeKind {
    /// A ping frame with a random payload
    WsPing,
    /// A text message (--payload); any answer, or one matching --expect
    Data,
    /// TCP keepalive probes (the kernel's), answered by their acknowledgement (Linux only)
    TcpKeepalive,
    /// HTTP/2 PING frames, answered by the first HTTP/2 endpoint on the path (a proxy answers
    /// them itself); with --http2 or --http2-prior-knowledge
    H2Ping,
}

#[derive(Debug, Args)]
pub struct HeartbeatProbeArgs {
    /// ws:// or wss:// URL, or builtin:echo (or the URL in --from-curl)
    #[arg(required_unless_present = "from_curl")]
    pub url: Option<String>,

    /// The shortest idle time tried
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration)]
    pub min: Duration,

    /// The longest idle time tried
    #[arg(long, value_name = "DUR", default_value = "30m", value_parser = parse_duration)]
    pub max: Duration,

    /// Stop refining when the bounds are this close [default: 2s or 2% of the lower bound, whichever is larger]
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub resolution: Option<Duration>,

    /// Trials per round; up to three rounds overlap (so up to 3×N connections); 1 runs one at a time (doubling, then bisection), for servers that limit connections
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,

    /// Trials at each bound in the final round (0: no confirm round)
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(0..=16))]
    pub confirm: u16,

    /// How long the answer to a trial's keepalive may take (also the TCP_USER_TIMEOUT of trials)
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub pong_timeout: Duration,

    /// What a trial sends after its idle time
    #[arg(long, value_enum, value_name = "KIND", default_value_t = ProbeKind::WsPing)]
    pub kind: ProbeKind,

    /// The message a `--kind data` trial sends
    #[arg(long, value_name = "TEXT", default_value = "ping")]
    pub payload: String,

    /// With --kind data: the answer must match this regex
    #[arg(long, value_name = "REGEX")]
    pub expect: Option<String>,

    /// Exit 1 when connections idle for less than DUR already die (a CI gate)
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub fail_below: Option<Duration>,

    /// Instead of searching: hold one connection with a ping every DUR (±10 % jitter) for --for,
    /// and report whether it survived (exit 1 when it did not)
    #[arg(long, value_name = "DUR", value_parser = parse_duration, requires = "verify_for")]
    pub verify: Option<Duration>,

    /// How long --verify holds the connection
    #[arg(long = "for", id = "verify_for", value_name = "DUR", value_parser = parse_duration, requires = "verify")]
    pub verify_for: Option<Duration>,

    /// After the search: which keepalive kinds (ws-ping, data, tcp-keepalive, and over HTTP/2
    /// h2-ping) keep a connection alive past the timeout (client-to-server traffic)
    #[arg(long)]
    pub classify: bool,

    /// Write the result as node-exporter textfile metrics to FILE (replaced atomically)
    #[arg(long, value_name = "FILE")]
    pub prometheus: Option<PathBuf>,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// ws:// or wss:// URL, or builtin:echo (or the URL in --from-curl)
    #[arg(required_unless_present = "from_curl")]
    pub url: Option<String>,

    /// Send MSG after connecting (repeatable; sent in order, before stdin lines)
    #[arg(short = 'x', long = "send", value_name = "MSG")]
    pub send: Vec<String>,

    /// Send messages as binary frames instead of text
    #[arg(long)]
    pub binary: bool,

    /// Decode each message from hex before sending (implies --binary)
    #[arg(long, conflicts_with = "base64")]
    pub hex: bool,

    /// Decode each message from base64 before sending (implies --binary)
    #[arg(long)]
    pub base64: bool,

    /// Do not read messages from stdin
    #[arg(long)]
    pub no_stdin: bool,

    /// Send every data message received back unchanged (same type, same bytes), as a client
    /// echo; stdin is not read
    #[arg(long, conflicts_with = "echo_rtt")]
    pub echo: bool,

    #[command(flatten)]
    pub repl: ReplArgs,

    /// Exit after N messages have been received
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,

    /// After the last send, wait this long for replies, then close [default: until the peer
    /// closes, --count is met or --timeout expires]
    #[arg(short = 'w', long, value_name = "DUR", value_parser = parse_duration)]
    pub wait: Option<Duration>,

    /// Bound on the whole run; when it expires wsdiag closes and exits 7
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Close code sent when wsdiag closes the connection
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u16).range(1000..=4999))]
    pub close_code: u16,

    /// Close reason sent when wsdiag closes the connection (at most 123 bytes)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub close_reason: String,

    /// Largest message or frame accepted, in bytes; a bigger one ends the run, after a close
    /// with 1009 (message too big), with exit 6. 0 for no limit
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_message: usize,

    /// Also write the session to FILE as a versioned NDJSON record with every header and
    /// message in full, for `wsdiag replay` (the terminal shows the usual output)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    #[command(flatten)]
    pub liveness: LivenessArgs,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// What goes into the opening handshake request.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Request")]
pub struct RequestArgs {
    /// Add a request header (repeatable); @FILE reads headers from FILE, one per line
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// Take the URL, headers, cookies, subprotocols and -k from a curl command, as a browser's
    /// developer tools copy it ("Copy as cURL"); its WebSocket handshake headers are made anew
    #[arg(long, value_name = "COMMAND")]
    pub from_curl: Option<String>,

    /// Origin header value
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,

    /// Offer a subprotocol (repeatable, in order of preference)
    #[arg(short = 's', long = "subprotocol", value_name = "NAME")]
    pub subprotocols: Vec<String>,

    /// HTTP Basic authentication
    #[arg(long, value_name = "USER:PASS", conflicts_with = "bearer")]
    pub auth: Option<String>,

    /// Authorization: Bearer TOKEN
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,

    /// Offer permessage-deflate (RFC 7692) as browsers do ("permessage-deflate;
    /// client_max_window_bits") and use it if the server agrees
    #[arg(long, alias = "offer-deflate")]
    pub deflate: bool,

    /// Offer permessage-deflate with these parameters, e.g. 'server_no_context_takeover;
    /// server_max_window_bits=10' (implies --deflate)
    #[arg(long, value_name = "PARAMS")]
    pub deflate_params: Option<String>,
}

/// How the connection is made.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub struct TransportArgs {
    /// Bound on DNS resolution plus TCP connect
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Bound on the TLS handshake plus the HTTP upgrade
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub handshake_timeout: Duration,

    /// Trust only the CA certificates in this PEM file (instead of the built-in and system roots)
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Client certificate chain (PEM), for servers that require client authentication
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// Private key for --cert (PEM)
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Do not verify the server's certificate (prints a warning)
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Server name sent in TLS SNI and checked against the certificate [default: URL host]
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,

    /// Connect to this Unix-domain socket instead of the URL's host and port, which still give
    /// the Host header, the TLS server name and the path (as curl's --unix-socket); a missing
    /// path or a file that is not a socket exits 3. Not on Windows
    #[arg(long, value_name = "PATH", conflicts_with_all = ["proxy", "abstract_unix_socket"])]
    pub unix_socket: Option<PathBuf>,

    /// Like --unix-socket, with a Linux abstract socket name (no file). Linux only
    #[arg(long, value_name = "NAME", conflicts_with = "proxy")]
    pub abstract_unix_socket: Option<String>,

    /// WebSocket over HTTP/2 (RFC 8441), as browsers open it on an h2 origin: offer ALPN h2 in
    /// TLS (wss:// only) and send an extended CONNECT; exit 5 if the server does not select h2
    /// or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL
    #[arg(long, conflicts_with = "http2_prior_knowledge")]
    pub http2: bool,

    /// WebSocket over HTTP/2 without asking first: cleartext h2c on ws://, or h2 over TLS on
    /// wss:// whatever ALPN selects (as curl's --http2-prior-knowledge)
    #[arg(long)]
    pub http2_prior_knowledge: bool,

    #[command(flatten)]
    pub proxy: ProxyArgs,
}

/// How events are shown.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// -v: handshake and timings on stderr; -vv: also every frame both ways
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Show every frame both ways (same as -vv)
    #[arg(long)]
    pub frames: bool,

    /// Print NDJSON events on stdout, one object per line (schema: docs/json.md)
    #[arg(long)]
    pub json: bool,

    /// When to use colors (NO_COLOR in the environment means never, unless 'always')
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Show Authorization, Cookie and similar header values instead of masking them
    #[arg(long)]
    pub show_secrets: bool,

    /// Start each human output line with the time (UTC, HH:MM:SS.mmm); always on in the REPL
    #[arg(long)]
    pub timestamps: bool,
}

/// How stdin is read: the REPL on a terminal, commands or messages on a pipe.
#[derive(Debug, Args)]
pub struct ReplArgs {
    /// Stdin lines are REPL commands (/ping, /raw, /close …), not messages, also on a pipe
    #[arg(long)]
    pub commands: bool,

    /// With --commands, a malformed command is reported and skipped instead of ending the run (exit 2)
    #[arg(long, requires = "commands")]
    pub keep_going: bool,

    /// Do not read or write the REPL's history file ($XDG_STATE_HOME/wsdiag/history on Linux,
    /// ~/Library/Application Support/wsdiag/history on macOS, %APPDATA%\wsdiag\history on Windows)
    #[arg(long)]
    pub no_history: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// A duration option's value (humantime's syntax with a unit: `500ms`, `1m30s`), from 0 to
/// `MAX_DURATION` (3650 days). Errors: the one-line reason, with examples.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    const EXAMPLES: &str = "examples: 500ms, 10s, 1.5s, 1m30s";
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("a duration cannot be negative ({EXAMPLES})"));
    }
    if t.parse::<f64>().is_ok() {
        return Err(format!("a unit is needed: {t}s or {t}ms, for example"));
    }
    let too_long = || "too long: at most 3650d".to_string();
    let d = humantime::parse_duration(t).map_err(|e| match e {
        humantime::DurationError::UnknownUnit { unit, .. } => {
            format!("unknown unit '{unit}' (ms, s, m, h, d; {EXAMPLES})")
        }
        humantime::DurationError::NumberOverflow => too_long(),
        _ => format!("not a duration ({EXAMPLES})"),
    })?;
    if d > crate::core::session::wait::MAX_DURATION {
        return Err(too_long());
    }
    Ok(d)
}

/// Value names of numbers and durations: such a value may start with `-` (`--timeout -1s`,
/// `-n -1`), so the value's own check says what is wrong with it instead of the parser taking
/// it for an unknown flag.
const NUMERIC_VALUES: [&str; 7] = ["DUR", "N", "BYTES", "CODE", "STATUS", "PCT", "PORT"];

/// The parser: `Cli`'s command, with values of [`NUMERIC_VALUES`] allowed to start with `-`.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let numeric = |a: &clap::Arg| {
        a.get_value_names().is_some_and(|names| names.iter().any(|n| NUMERIC_VALUES.contains(&n.as_str())))
    };
    Cli::command()
        .mut_subcommands(|sub| sub.mut_args(|a| if numeric(&a) { a.allow_hyphen_values(true) } else { a }))
}

/// Parses a command line with [`command`]. Errors: clap's (usage, `--help`, `--version`).
pub fn parse(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut matches = command().try_get_matches_from(args).map_err(negative)?;
    Cli::from_arg_matches_mut(&mut matches)
}

/// A negative value for an unsigned number says so, instead of "invalid digit found in string".
fn negative(e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let invalid_digit = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<std::num::ParseIntError>())
        .is_some_and(|p| *p.kind() == std::num::IntErrorKind::InvalidDigit);
    match (e.kind(), e.get(ContextKind::InvalidValue), e.get(ContextKind::InvalidArg)) {
        (ErrorKind::ValueValidation, Some(ContextValue::String(v)), Some(ContextValue::String(arg)))
            if invalid_digit && v.starts_with('-') =>
        {
            let message = format!("invalid value '{v}' for '{arg}': it cannot be negative\n\nFor more information, try '--help'.\n");
            clap::Error::raw(ErrorKind::ValueValidation, message)
        }
        _ => e,
    }
}

/// The subcommand named on a command line that also asks for `--json` (anywhere before `--`),
/// so an argument-parsing error can keep the JSON contract; empty when the line names none
/// (`wsdiag bogus --json`). None without `--json`.
pub fn json_subcommand(args: &[std::ffi::OsString]) -> Option<String> {
    use clap::CommandFactory;
    let words: Vec<&str> =
        args.iter().skip(1).filter_map(|a| a.to_str()).take_while(|a| *a != "--").collect();
    if !words.contains(&"--json") {
        return None;
    }
    let cmd = Cli::command();
    let named = words.iter().find_map(|w| {
        let sub =
            cmd.get_subcommands().find(|s| s.get_name() == *w || s.get_all_aliases().any(|a| a == *w))?;
        let has_json = sub.get_arguments().any(|a| a.get_long() == Some("json"));
        has_json.then(|| sub.get_name().to_string())
    });
    Some(named.unwrap_or_default())
}

/// clap's error as a usage error: its message (the lines before the first blank one, joined),
/// its tips as the hint.
pub fn usage_of(e: &clap::Error) -> crate::core::error::Error {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let mut message: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
        message.push(line.trim());
    }
    let message = message.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message).to_string();
    let tips: Vec<&str> = lines.filter_map(|l| l.trim().strip_prefix("tip: ")).collect();
    let hint = (!tips.is_empty()).then(|| crate::core::error::Hint::Text(tips.join("; ")));
    crate::core::error::Error::Usage { message, hint }
}

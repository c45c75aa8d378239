//! Command-line types of the servers: `echo` and `listen`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{parse_duration, OutputArgs};

pub(super) const ECHO_AFTER_HELP: &str = "\
Examples:
  wsdiag echo --port 9001
  wsdiag echo --idle-timeout 60s            # behave like nginx's proxy_read_timeout
  wsdiag echo --no-pong                     # a dead server that still holds TCP
  wsdiag echo --close-after 5s --close-code 1012 --tls-self-signed
  wsdiag echo --tls-self-signed -v          # browsers' WebSockets over HTTP/2 (ALPN h2) too
  wsdiag connect 'builtin:echo?drop-after=3' -x a -x b -x c -x d -n 4

The same fault options work as query parameters of builtin:echo, e.g.
builtin:echo?idle-timeout=3s&close-after=10s&close-code=4000.

Exit codes: 0 stopped by --max-runtime or a closed stdout (| head -1) · 2 usage · 3 cannot bind · 130 Ctrl-C (clients get 1001)";

pub(super) const LISTEN_AFTER_HELP: &str = "\
Examples:
  wsdiag listen --port 8080 -v                    # print clients' handshakes and messages
  wsdiag listen --once --expect 'hello' --json    # CI: did my client connect and say hello?
  echo '@1 hi there' | wsdiag listen --port 8080  # send to client 1 only

Lines on stdin are sent to every client, or to one with an '@ID ' prefix.

Exit codes: 0 success · 1 --expect/--count not met, the client closed with a code other than
1000, or no client came before --max-runtime (--once) · 2 usage · 3 cannot bind · 5 the client's
upgrade failed (--once) · 6 the client's connection broke (--once) · 130 Ctrl-C";

/// Where and how a server listens.
#[derive(Debug, Args)]
#[command(next_help_heading = "Server")]
pub struct ServerArgs {
    /// Port to listen on (0: an ephemeral port, printed on stderr)
    #[arg(short = 'p', long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,

    /// Address to bind (anything wider than loopback must be asked for)
    #[arg(short = 'b', long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: String,

    /// Serve on this Unix-domain socket instead of TCP. The file is created with mode 0600
    /// (only the owner may connect) and removed at exit; a stale socket file is replaced, one
    /// a server still answers on is not (exit 3). Not on Windows
    #[arg(long, value_name = "PATH", conflicts_with_all = ["port", "bind", "abstract_unix_socket"])]
    pub unix_socket: Option<PathBuf>,

    /// Serve on a Linux abstract Unix socket (a name, no file). Linux only
    #[arg(long, value_name = "NAME", conflicts_with_all = ["port", "bind"])]
    pub abstract_unix_socket: Option<String>,

    /// Refuse connections beyond this many upgraded sessions at once
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_connections: usize,

    /// At most this many connections still in their TLS handshake or upgrade; a new one drops
    /// the oldest if it has waited a second, so slow or silent clients cannot lock others out
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_pending: usize,

    /// Largest message accepted (bigger ones close the connection with 1009)
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub max_message: usize,

    /// Bound on a client's TLS handshake plus HTTP upgrade
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub handshake_timeout: Duration,

    /// Accept only these subprotocols (repeatable); the first one the client offers is selected
    #[arg(short = 's', long = "subprotocol", value_name = "NAME")]
    pub subprotocols: Vec<String>,

    /// Add a header to every 101 response (repeatable)
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// Serve TLS with this certificate chain (PEM)
    #[arg(long, value_name = "FILE", requires = "key", conflicts_with = "tls_self_signed")]
    pub cert: Option<PathBuf>,

    /// Private key for --cert (PEM)
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// Serve TLS with a fresh self-signed certificate for localhost (its SHA-256 fingerprint is
    /// printed)
    #[arg(long)]
    pub tls_self_signed: bool,

    /// Stop after this long (servers otherwise run until Ctrl-C)
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub max_runtime: Option<Duration>,

    /// Decline permessage-deflate (RFC 7692), which is otherwise accepted when a client offers it
    #[arg(long, conflicts_with = "deflate_params")]
    pub no_deflate: bool,

    /// What to ask of a client that offers permessage-deflate, e.g. 'client_no_context_takeover;
    /// server_max_window_bits=10' (the client's own requests are honoured too)
    #[arg(long, value_name = "PARAMS")]
    pub deflate_params: Option<String>,

    /// Serve HTTP/1.1 only: no ALPN h2 over TLS, and no cleartext HTTP/2 (h2c, prior
    /// knowledge). Otherwise WebSockets are served over HTTP/2 too, as extended CONNECT
    /// streams (RFC 8441), the way browsers open them on an h2 connection
    #[arg(long)]
    pub no_http2: bool,
}

/// Faults the echo server injects, to test clients' heartbeat and reconnect logic.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Fault injection")]
pub struct FaultArgs {
    /// Wait this long before each echo
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub delay: Option<Duration>,

    /// Reset the connection (TCP RST) after echoing N messages
    #[arg(long, value_name = "N")]
    pub drop_after: Option<u64>,

    /// Close each connection this long after it opened, with --close-code
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub close_after: Option<Duration>,

    /// Close code for --close-after
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u16).range(1000..=4999))]
    pub close_code: u16,

    /// Close reason for --close-after
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub close_reason: String,

    /// Ignore pings (a dead server that still holds TCP)
    #[arg(long)]
    pub no_pong: bool,

    /// Close silently (TCP FIN, no close frame) after DUR without traffic, like a proxy's idle timeout
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub idle_timeout: Option<Duration>,

    /// Ping each client every DUR
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub ping_interval: Option<Duration>,

    /// Send an unsolicited text message ("push N") every DUR
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub push_every: Option<Duration>,

    /// Refuse every upgrade with this HTTP status and a short body
    #[arg(long, value_name = "STATUS", value_parser = clap::value_parser!(u16).range(300..=599))]
    pub reject: Option<u16>,

    /// Answer heartbeat-probe's in-band push requests ("wsdiag-companion …", see
    /// docs/heartbeat-probe.md), so it can test server-to-client traffic
    #[arg(long)]
    pub companion: bool,

    /// Break permessage-deflate on purpose: unnegotiated (compressed messages although the
    /// offer was declined), corrupt (compressed data that does not inflate), break-context
    /// (context kept across messages despite server_no_context_takeover)
    #[arg(long, value_name = "KIND", value_parser = ["unnegotiated", "corrupt", "break-context"])]
    pub deflate_fault: Option<String>,
}

#[derive(Debug, Args)]
pub struct EchoArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    #[command(flatten)]
    pub faults: FaultArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// Serve a single client, then exit with its connection's outcome (1 when no client
    /// connected before --max-runtime)
    #[arg(long)]
    pub once: bool,

    /// Exit 0 after N messages have been received (from all clients)
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,

    /// A received message must match REGEX (repeatable, in order); exit 0 once all matched
    #[arg(long, value_name = "REGEX")]
    pub expect: Vec<String>,

    /// How long each --expect may wait for its match
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration)]
    pub expect_timeout: Duration,

    /// Send stdin lines as binary messages
    #[arg(long)]
    pub binary: bool,

    /// Do not read stdin
    #[arg(long)]
    pub no_stdin: bool,

    #[command(flatten)]
    pub repl: super::ReplArgs,

    /// Ping each client every DUR and print each round-trip time
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub ping_interval: Option<Duration>,

    /// A mock server: play the server's side of a recording (a connect --record file, or a
    /// HAR file's first WebSocket entry) to each client, checking what it sends (stdin is not
    /// read)
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,

    /// Also write every connection to FILE as a versioned NDJSON record with headers and
    /// messages in full; `wsdiag replay FILE URL` replays the first client against URL
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// With --replay: bound on the wait for each recorded client message, from when it was due
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration, requires = "replay")]
    pub reply_timeout: Duration,

    #[command(flatten)]
    pub output: OutputArgs,
}

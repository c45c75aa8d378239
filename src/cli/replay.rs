//! `wsdiag replay`: a recorded session (a browser's HAR export or wsdiag's NDJSON record)
//! played again against a server, its replies judged against the recorded ones.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{parse_duration, OutputArgs, RequestArgs, TransportArgs};

pub(super) const REPLAY_AFTER_HELP: &str = "\
Examples:
  wsdiag connect builtin:echo -x hello -x world --record session.ndjson
  wsdiag replay session.ndjson
  wsdiag replay page.har wss://staging.example.com/ws --url-match /ws --speed 0
  wsdiag replay page.har --ignore /timestamp --match-regex 'id=[0-9a-f]+' --report json

FILE is a HAR export from a browser's developer tools (every entry with
_webSocketMessages: Chrome, Firefox) or the NDJSON of connect --record (or connect --json).
The recorded request headers are sent again (Cookie, Authorization… masked in output unless
--show-secrets), except the ones made anew for each connection (Host, Upgrade, Connection,
Sec-WebSocket-Key, -Version, -Extensions). Client messages are sent with the recorded gaps;
each server message must arrive, in order, and match (docs/replay.md says how).

Exit codes:
  0 every recorded reply matched · 1 a reply differed or did not come · 2 usage (also a
  bad or truncated FILE) · 3 connect · 4 TLS · 5 handshake rejected · 6 connection lost
  before the replay was done · 130 interrupted";

/// How the result is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A few lines for people
    Human,
    /// One JSON document (schema: docs/json.md)
    Json,
}

/// `wsdiag replay FILE [URL]` and its options.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording: a HAR file or wsdiag's NDJSON record
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Connect here instead of the recorded URL (ws://, wss:// or builtin:echo)
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    /// Replay only the Nth WebSocket entry of a HAR file (from 1)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub entry: Option<u32>,

    /// Replay only the HAR entries whose URL matches REGEX
    #[arg(long, value_name = "REGEX", conflicts_with = "entry")]
    pub url_match: Option<String>,

    /// Divide the recorded gaps between messages by F: 2 is twice as fast; 0 sends each
    /// message as soon as the replies recorded before it are in
    #[arg(long, value_name = "F", default_value_t = 1.0, allow_negative_numbers = true)]
    pub speed: f64,

    /// Bound on the wait for each recorded server message, from when it was due
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration)]
    pub reply_timeout: Duration,

    /// Leave out this JSON pointer (RFC 6901, e.g. /ts or /items/0/id) of JSON messages when
    /// comparing (repeatable)
    #[arg(long, value_name = "JSON_POINTER")]
    pub ignore: Vec<String>,

    /// Text matching REGEX may differ: such spans are blanked in both messages before
    /// comparing (repeatable)
    #[arg(long, value_name = "REGEX")]
    pub match_regex: Vec<String>,

    /// How the result is printed on stdout
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Human, help_heading = "Output")]
    pub report: ReportFormat,

    #[command(flatten)]
    pub request: RequestArgs,

    #[command(flatten)]
    pub transport: TransportArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

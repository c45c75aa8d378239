//! `connect` flags for latency, keepalive, reconnect and CI assertions.

use std::time::Duration;

use clap::Args;

use super::parse_duration;

/// `connect`'s liveness flags (the settings turn them into `LivenessSettings`).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Pings and round trips")]
pub struct LivenessArgs {
    /// Send a ping every DUR and print each round-trip time
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub ping_interval: Option<Duration>,

    /// Stop after N pings (answered or timed out) and print ping(8)-style statistics
    #[arg(long, value_name = "N")]
    pub ping_count: Option<u64>,

    /// A ping unanswered this long counts as lost (a later pong counts as late)
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration)]
    pub ping_timeout: Duration,

    /// Match each message sent with its echo and report application round-trip times
    #[arg(long)]
    pub echo_rtt: bool,

    /// Keep the connection alive with a ping every DUR (±10 % jitter); see --heartbeat-misses
    #[arg(long, value_name = "DUR", value_parser = parse_duration, help_heading = "Keepalive")]
    pub heartbeat: Option<Duration>,

    /// Declare the connection dead after N heartbeats in a row go unanswered
    #[arg(long, value_name = "N", default_value_t = 2, help_heading = "Keepalive")]
    pub heartbeat_misses: u32,

    /// Send this text message as the heartbeat instead of a ping frame
    #[arg(long, value_name = "TEXT", requires = "heartbeat", help_heading = "Keepalive")]
    pub heartbeat_message: Option<String>,

    /// With --heartbeat-message: only a message matching REGEX answers it [default: any message]
    #[arg(long, value_name = "REGEX", requires = "heartbeat_message", help_heading = "Keepalive")]
    pub heartbeat_expect: Option<String>,

    /// Enable TCP keepalive probes after DUR idle (every DUR after that)
    #[arg(long, value_name = "DUR", value_parser = parse_duration, help_heading = "Keepalive")]
    pub tcp_keepalive: Option<Duration>,

    /// Fail when sent data stays unacknowledged this long (black-holed paths): TCP_USER_TIMEOUT
    /// on Linux, TCP_RXT_CONNDROPTIME on macOS, TCP_MAXRT on Windows (whole seconds there)
    #[arg(long, value_name = "DUR", value_parser = parse_duration, help_heading = "Keepalive")]
    pub tcp_user_timeout: Option<Duration>,

    /// Re-establish a lost connection with exponential backoff and full jitter
    #[arg(long, help_heading = "Reconnect")]
    pub reconnect: bool,

    /// Backoff base: the first delay is random in 0..BASE, then the window doubles
    #[arg(long, value_name = "DUR", default_value = "5s", value_parser = parse_duration, help_heading = "Reconnect")]
    pub backoff_base: Duration,

    /// Largest backoff window
    #[arg(long, value_name = "DUR", default_value = "60s", value_parser = parse_duration, help_heading = "Reconnect")]
    pub backoff_max: Duration,

    /// Give up after N reconnect attempts in a row [default: no limit]
    #[arg(long, value_name = "N", help_heading = "Reconnect")]
    pub max_retries: Option<u32>,

    /// A received message must match REGEX (repeatable, in order); exit 0 once all matched
    #[arg(long, value_name = "REGEX", help_heading = "Assertions")]
    pub expect: Vec<String>,

    /// A received JSON message must have PATH equal to VALUE (JSON pointer /a/0/b or dotted a.0.b;
    /// VALUE is JSON, or else a string); repeatable, checked in order with --expect
    #[arg(long, value_name = "PATH=VALUE", help_heading = "Assertions")]
    pub expect_json: Vec<String>,

    /// How long each expectation may wait for its match
    #[arg(long, value_name = "DUR", default_value = "10s", value_parser = parse_duration, help_heading = "Assertions")]
    pub expect_timeout: Duration,

    /// The server must close the connection with this code
    #[arg(long, value_name = "CODE", help_heading = "Assertions")]
    pub expect_close: Option<u16>,

    /// Fail when the ping (or --echo-rtt) p99 round-trip time is above DUR
    #[arg(long, value_name = "DUR", value_parser = parse_duration, help_heading = "Assertions")]
    pub max_rtt: Option<Duration>,

    /// Fail when more than PCT percent of pings are lost
    #[arg(long, value_name = "PCT", help_heading = "Assertions")]
    pub max_loss: Option<f64>,
}

//! `connect` settings: what to send, when to stop, and the liveness options (pings,
//! heartbeats, reconnect, assertions), validated.

use std::time::Duration;

use regex::Regex;

use super::transport::dial_config;
use super::{apply_curl, output_settings, proxy_config, request_config, Env, InputFormat, InputMode};
use crate::cli::{ConnectArgs, LivenessArgs};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::event::Data;
use crate::core::session::connection::{Buffers, ConnectionConfig};
use crate::core::session::expect::Expectation;
use crate::core::wire::tap::{TapConfig, FRAME_PREVIEW};
use crate::output::OutputSettings;

#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub target: TargetChoice,
    /// How to connect: `--max-message` is in its buffers, the TCP options in its dial.
    pub connection: ConnectionConfig,
    pub messages: Vec<Data>,
    pub read_stdin: bool,
    pub input: InputFormat,
    /// Messages, commands, or the REPL.
    pub input_mode: InputMode,
    pub count: Option<u64>,
    pub wait: Option<Duration>,
    pub timeout: Option<Duration>,
    pub close_code: u16,
    pub close_reason: String,
    pub output: OutputSettings,
    /// Printed before connecting (e.g. --insecure).
    pub warnings: Vec<String>,
    /// Shown with -v before connecting (what --from-curl dropped or ignored).
    pub notes: Vec<String>,
    /// `--echo`: send every data message received back unchanged.
    pub echo: bool,
    /// Say when the input is through and the connection stays open: for a person (stderr a
    /// terminal), not in JSON.
    pub tell_open: bool,
    pub liveness: LivenessSettings,
    /// `--record FILE`: where the NDJSON record goes, and the URL it names.
    pub record: Option<(std::path::PathBuf, String)>,
}

impl ConnectSettings {
    pub fn from_args(mut args: ConnectArgs, env: &Env) -> Result<Self, Error> {
        let (url, curl) = apply_curl(args.url.take(), &mut args.request, &mut args.transport)?;
        let target = TargetChoice::parse(&url)?;
        let liveness = LivenessSettings::from_args(&args.liveness)?;
        let output =
            output_settings(&args.output, env, liveness.ping_interval.is_some() || liveness.echo_rtt);
        let input = match (args.hex, args.base64, args.binary) {
            (true, _, _) => InputFormat::Hex,
            (_, true, _) => InputFormat::Base64,
            (_, _, true) => InputFormat::Binary,
            _ => InputFormat::Text,
        };
        let messages = args
            .send
            .into_iter()
            .enumerate()
            .map(|(i, m)| input.decode(m.into_bytes(), &format!("--send message {}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        let request = request_config(args.request, &target, &curl)?;
        let mut warnings = super::transport::insecure_warnings(&args.transport, &target);
        warnings.extend(super::transport::tls_checks(&args.transport, env, &target, false)?);
        crate::settings::target::check_status(args.close_code, &args.close_reason)?;
        if args.count == Some(0) {
            return Err(Error::usage("--count must be at least 1"));
        }
        // On a terminal, -x messages mean "not interactive": do not wait for typed lines.
        let read_stdin = !args.no_stdin && !args.echo && (!env.stdin_tty || messages.is_empty());
        let input_mode = InputMode::choose(&args.repl, env, read_stdin);
        let mut output = output;
        let repl = matches!(input_mode, InputMode::Repl { .. });
        if matches!(input_mode, InputMode::Commands { .. } | InputMode::Repl { .. }) {
            // `/ping` shows its round trip.
            output.command_pongs = true;
        }
        if repl {
            // Both directions, timestamped, every pong shown; `/verbose 2` needs the frames.
            output.repl = true;
            output.timestamps = true;
        }
        let frames = args.output.frames || args.output.verbose >= 2 || repl;
        let proxy = proxy_config(&args.transport.proxy, &target, env)?;
        let (keepalive, user_timeout) = (args.liveness.tcp_keepalive, args.liveness.tcp_user_timeout);
        let max_message = (args.max_message > 0).then_some(args.max_message);
        let dial = dial_config(&args.transport, &target, env, proxy, keepalive, user_timeout)?;
        let tcp_options =
            [("--tcp-keepalive", keepalive.is_some()), ("--tcp-user-timeout", user_timeout.is_some())];
        super::unix::no_tcp_options(dial.unix.as_ref(), &tcp_options)?;
        Ok(ConnectSettings {
            target,
            connection: ConnectionConfig {
                request,
                dial,
                tap: TapConfig { frames, preview: FRAME_PREVIEW },
                buffers: Buffers { max_message, ..Buffers::default() },
            },
            messages,
            read_stdin,
            input,
            input_mode,
            count: args.count,
            wait: args.wait,
            timeout: args.timeout,
            close_code: args.close_code,
            close_reason: args.close_reason,
            output,
            warnings,
            notes: curl.notes,
            echo: args.echo,
            tell_open: env.stderr_tty && !args.output.json,
            liveness,
            record: args.record.map(|path| (path, url)),
        })
    }
}

/// Heartbeats that keep a connection alive and detect its death.
#[derive(Debug, Clone)]
pub struct HeartbeatSettings {
    pub every: Duration,
    pub misses: u32,
    /// An application message instead of a ping frame.
    pub message: Option<String>,
    /// Which reply answers the message heartbeat (any message when None).
    pub expect: Option<Regex>,
}

#[derive(Debug, Clone, Copy)]
pub struct ReconnectSettings {
    pub base: Duration,
    pub max: Duration,
    pub max_retries: Option<u32>,
}

/// `connect`'s liveness options: pings and round trips, heartbeats, reconnect, and the
/// assertions a CI run checks (`--expect…`, `--max-rtt`, `--max-loss`). ("Probe" is
/// `heartbeat-probe` only.)
#[derive(Debug, Clone, Default)]
pub struct LivenessSettings {
    pub ping_interval: Option<Duration>,
    pub ping_count: Option<u64>,
    pub ping_timeout: Duration,
    pub echo_rtt: bool,
    pub heartbeat: Option<HeartbeatSettings>,
    pub reconnect: Option<ReconnectSettings>,
    /// `--expect` patterns and `--expect-json` conditions, each list in its own order.
    pub expectations: Vec<Vec<Expectation>>,
    pub expect_timeout: Duration,
    pub expect_close: Option<u16>,
    pub max_rtt: Option<Duration>,
    pub max_loss: Option<f64>,
}

impl LivenessSettings {
    pub fn from_args(a: &LivenessArgs) -> Result<Self, Error> {
        let positive = |name: &str, d: Option<Duration>| match d {
            Some(d) if d.is_zero() => Err(Error::usage(format!("--{name} must be greater than zero"))),
            _ => Ok(()),
        };
        positive("ping-interval", a.ping_interval)?;
        positive("ping-timeout", Some(a.ping_timeout))?;
        positive("heartbeat", a.heartbeat)?;
        positive("tcp-keepalive", a.tcp_keepalive)?;
        positive("tcp-user-timeout", a.tcp_user_timeout)?;
        // What the systems' socket options hold: TCP_KEEPIDLE and TCP_KEEPINTVL at most 32767 s
        // (Linux), TCP_USER_TIMEOUT an unsigned 32-bit count of ms.
        let at_most = |name: &str, d: Option<Duration>, max: Duration, shown: &str| match d {
            Some(d) if d > max => Err(Error::usage(format!("--{name} is too long: at most {shown}"))),
            _ => Ok(()),
        };
        at_most("tcp-keepalive", a.tcp_keepalive, Duration::from_secs(32_767), "32767s (9h 6m 7s)")?;
        let user_timeout_max = Duration::from_secs((49 * 24 + 17) * 3600);
        at_most("tcp-user-timeout", a.tcp_user_timeout, user_timeout_max, "49d 17h")?;
        if a.tcp_user_timeout.is_some() && crate::core::net::socket::USER_TIMEOUT_OPTION.is_none() {
            return Err(Error::usage(format!(
                "--tcp-user-timeout: {} has no TCP user timeout (Linux, macOS and Windows do)",
                crate::core::net::socket::PLATFORM
            )));
        }
        positive("expect-timeout", Some(a.expect_timeout))?;
        if a.ping_count == Some(0) {
            return Err(Error::usage("--ping-count must be at least 1"));
        }
        if a.heartbeat_misses == 0 {
            return Err(Error::usage("--heartbeat-misses must be at least 1"));
        }
        if a.max_loss.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
            return Err(Error::usage("--max-loss is a percentage from 0 to 100"));
        }
        if a.backoff_base.is_zero() || a.backoff_max < a.backoff_base {
            return Err(Error::usage("--backoff-base must be above zero and at most --backoff-max"));
        }
        let heartbeat = match a.heartbeat {
            Some(every) => Some(HeartbeatSettings {
                every,
                misses: a.heartbeat_misses,
                message: a.heartbeat_message.clone(),
                expect: match &a.heartbeat_expect {
                    Some(re) => Some(Regex::new(re).map_err(|e| {
                        Error::usage(format!(
                            "--heartbeat-expect '{}' is not a valid regex: {e}",
                            re.escape_debug()
                        ))
                    })?),
                    None => None,
                },
            }),
            None => None,
        };
        let patterns = a.expect.iter().map(|e| Expectation::regex(e)).collect::<Result<Vec<_>, _>>()?;
        let json = a.expect_json.iter().map(|e| Expectation::json(e)).collect::<Result<Vec<_>, _>>()?;
        let expectations = vec![patterns, json];
        // ping(8) pings every second when only a count is given.
        let ping_interval = a.ping_interval.or(a.ping_count.map(|_| Duration::from_secs(1)));
        Ok(LivenessSettings {
            ping_interval,
            ping_count: a.ping_count,
            ping_timeout: a.ping_timeout,
            echo_rtt: a.echo_rtt,
            heartbeat,
            reconnect: a.reconnect.then_some(ReconnectSettings {
                base: a.backoff_base,
                max: a.backoff_max,
                max_retries: a.max_retries,
            }),
            expectations,
            expect_timeout: a.expect_timeout,
            expect_close: a.expect_close,
            max_rtt: a.max_rtt,
            max_loss: a.max_loss,
        })
    }
}

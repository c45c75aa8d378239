//! `heartbeat-probe` settings: the search plan, what trials send, and how they connect.

use std::time::Duration;

use super::transport::{dial_config, insecure_warnings};
use super::{apply_curl, output_settings, proxy_config, request_config, Env};
use crate::cli::{HeartbeatProbeArgs, ProbeKind};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::probe::search::Plan;
use crate::core::probe::trial::Kind;
use crate::core::session::connection::{Buffers, ConnectionConfig};
use crate::core::wire::tap::TapConfig;
use crate::output::OutputSettings;

/// Validated `heartbeat-probe` settings.
#[derive(Debug, Clone)]
pub struct HeartbeatProbeSettings {
    pub target: TargetChoice,
    /// How every trial connects: no tap records, 4 KiB buffers and 1 MiB messages at most, no
    /// TCP keepalive, TCP_USER_TIMEOUT at the pong timeout. Proxies are hops with idle
    /// timeouts of their own.
    pub connection: ConnectionConfig,
    pub plan: Plan,
    pub kind: Kind,
    pub pong_timeout: Duration,
    pub fail_below: Option<Duration>,
    /// `--verify INTERVAL --for DURATION`.
    pub verify: Option<(Duration, Duration)>,
    /// `--classify`.
    pub classify: bool,
    /// `--prometheus FILE`.
    pub prometheus: Option<std::path::PathBuf>,
    pub output: OutputSettings,
    /// A live progress line on stderr instead of a line per trial (stderr is a terminal,
    /// human output, no `-v`).
    pub progress: bool,
    pub warnings: Vec<String>,
    /// Shown with -v before probing (what --from-curl dropped or ignored).
    pub notes: Vec<String>,
}

impl HeartbeatProbeSettings {
    pub fn from_args(mut args: HeartbeatProbeArgs, env: &Env) -> Result<Self, Error> {
        let (url, curl) = apply_curl(args.url.take(), &mut args.request, &mut args.transport)?;
        let target = TargetChoice::parse(&url)?;
        check_bounds(&args)?;
        let kind = kind(&args)?;
        let mut warnings = insecure_warnings(&args.transport, &target);
        warnings.extend(super::transport::tls_checks(&args.transport, env, &target, false)?);
        let proxy = proxy_config(&args.transport.proxy, &target, env)?;
        let request = request_config(args.request, &target, &curl)?;
        // Trials send nothing while idle: no keepalive; a black hole fails fast.
        // Where the system has no user timeout, the pong timeout alone bounds a silent trial.
        let user_timeout = crate::core::net::socket::USER_TIMEOUT_OPTION.map(|_| args.pong_timeout);
        let dial = dial_config(&args.transport, &target, env, proxy, None, user_timeout)?;
        Ok(HeartbeatProbeSettings {
            target,
            connection: ConnectionConfig {
                request,
                dial,
                tap: TapConfig { frames: false, preview: 0 },
                // Trials hold few bytes.
                buffers: Buffers::small(Some(1 << 20)),
            },
            plan: Plan {
                min: args.min,
                max: args.max,
                resolution: args.resolution,
                parallel: usize::from(args.parallel),
                confirm: usize::from(args.confirm),
            },
            kind,
            pong_timeout: args.pong_timeout,
            fail_below: args.fail_below,
            verify: args.verify.zip(args.verify_for),
            prometheus: args.prometheus,
            classify: args.classify,
            progress: env.stderr_tty && !args.output.json && args.output.verbose == 0,
            output: output_settings(&args.output, env, false),
            warnings,
            notes: curl.notes,
        })
    }
}

/// The search's bounds and timeouts, checked against each other.
fn check_bounds(args: &HeartbeatProbeArgs) -> Result<(), Error> {
    if args.min.is_zero() {
        return Err(Error::usage("--min must be greater than zero"));
    }
    if args.max < args.min {
        return Err(Error::usage("--max must not be less than --min"));
    }
    if args.pong_timeout < Duration::from_millis(100) {
        return Err(Error::usage("--pong-timeout must be at least 100ms"));
    }
    if args.fail_below.is_some_and(|f| f > args.max) {
        return Err(Error::usage("--fail-below above --max cannot be tested: raise --max"));
    }
    if args.verify.is_some_and(|v| v.is_zero()) {
        return Err(Error::usage("--verify must be greater than zero"));
    }
    if args.resolution.is_some_and(|r| r.is_zero()) {
        return Err(Error::usage("--resolution must be greater than zero"));
    }
    Ok(())
}

/// What the trials keep alive with; `--expect` only goes with data.
fn kind(args: &HeartbeatProbeArgs) -> Result<Kind, Error> {
    Ok(match args.kind {
        ProbeKind::WsPing => {
            if args.expect.is_some() {
                return Err(Error::usage("--expect goes with --kind data"));
            }
            Kind::WsPing
        }
        ProbeKind::TcpKeepalive => {
            if args.expect.is_some() {
                return Err(Error::usage("--expect goes with --kind data"));
            }
            if args.transport.unix_socket.is_some() || args.transport.abstract_unix_socket.is_some() {
                return Err(Error::usage(
                    "--kind tcp-keepalive has no effect over a Unix socket (there is no TCP)",
                ));
            }
            if !crate::core::net::socket::READS_KEEPALIVE_ACKS {
                return Err(Error::usage(format!(
                    "--kind tcp-keepalive needs Linux's TCP_INFO to see the probes answered; {} does not report them",
                    crate::core::net::socket::PLATFORM
                )));
            }
            if args.pong_timeout < Duration::from_secs(2) {
                return Err(Error::usage(
                    "--kind tcp-keepalive needs --pong-timeout 2s or more (the first probe leaves after 1 s)",
                ));
            }
            Kind::TcpKeepalive
        }
        ProbeKind::H2Ping => {
            if args.expect.is_some() {
                return Err(Error::usage("--expect goes with --kind data"));
            }
            if !args.transport.http2 && !args.transport.http2_prior_knowledge {
                return Err(Error::Usage {
                    message: "--kind h2-ping needs an HTTP/2 connection".into(),
                    hint: Some("add --http2 (wss://) or --http2-prior-knowledge".to_string().into()),
                });
            }
            Kind::H2Ping
        }
        ProbeKind::Data => {
            let expect = match &args.expect {
                Some(p) => Some(regex::Regex::new(p).map_err(|e| {
                    Error::usage(format!("--expect '{}' is not a valid regex: {e}", p.escape_debug()))
                })?),
                None => None,
            };
            Kind::Data { payload: args.payload.clone(), expect }
        }
    })
}

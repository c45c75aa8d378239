//! Settings of the servers (`echo`, `listen`), validated from their flags.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::target::refusal;
use super::{output_settings, parse_header, Env, InputMode};
use crate::cli::{EchoArgs, FaultArgs, ListenArgs, ServerArgs};
use crate::core::builtin::faults::EchoFaults;
use crate::core::error::Error;
use crate::core::event::{Endpoint, UnixPath};
use crate::core::session::expect::Expectation;
use crate::core::wire::deflate::{DeflateFault, DeflateParams};
use crate::core::wire::tap::{TapConfig, FRAME_PREVIEW};
use crate::output::OutputSettings;

/// Where and how a server listens; TLS material is loaded when the server starts.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub addr: SocketAddr,
    /// Serve on this Unix-domain socket instead of `addr`.
    pub unix: Option<UnixPath>,
    pub max_connections: usize,
    /// Connections still in their handshake, at most (the oldest is dropped for a new one).
    pub max_pending: usize,
    pub max_message: usize,
    pub handshake_timeout: Duration,
    pub subprotocols: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub tls: ServerTlsChoice,
    pub max_runtime: Option<Duration>,
    pub tap: TapConfig,
    /// permessage-deflate: what to ask of a client that offers it (None: `--no-deflate`).
    pub deflate: Option<DeflateParams>,
    /// Serve WebSockets over HTTP/2 too (RFC 8441: ALPN `h2`, h2c prior knowledge); false with
    /// `--no-http2`.
    pub http2: bool,
}

impl ServerSettings {
    /// Where the server listens, as asked (before a port 0 is bound).
    pub fn endpoint(&self) -> Endpoint {
        match &self.unix {
            Some(path) => Endpoint::Unix(path.clone()),
            None => Endpoint::Tcp(self.addr),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTlsChoice {
    None,
    Files { cert: std::path::PathBuf, key: std::path::PathBuf },
    SelfSigned,
}

#[derive(Debug, Clone)]
pub struct EchoSettings {
    pub server: ServerSettings,
    pub faults: EchoFaults,
    pub output: OutputSettings,
}

#[derive(Debug, Clone)]
pub struct ListenSettings {
    pub server: ServerSettings,
    pub once: bool,
    pub count: Option<u64>,
    pub expect: Vec<Expectation>,
    pub expect_timeout: Duration,
    pub binary: bool,
    pub read_stdin: bool,
    /// Messages, commands, or the REPL.
    pub input_mode: InputMode,
    pub ping_interval: Option<Duration>,
    pub output: OutputSettings,
    /// `--replay FILE`: the recording whose server side each client is played.
    pub replay: Option<ServedReplay>,
    /// `--record FILE`: where the NDJSON record of every connection goes.
    pub record: Option<std::path::PathBuf>,
}

/// What `listen --replay` plays to each client.
#[derive(Debug, Clone)]
pub struct ServedReplay {
    pub script: std::sync::Arc<crate::core::replay::Script>,
    pub pacing: crate::core::replay::Pacing,
    /// Said once at the start (e.g. which HAR entry is played).
    pub notes: Vec<String>,
}

/// Reads the recording `listen --replay` serves: its one connection, or a HAR file's first.
fn served_replay(path: &std::path::Path, reply_timeout: Duration) -> Result<ServedReplay, Error> {
    let mut all = crate::recording::load(path)?;
    let mut notes = Vec::new();
    if all.len() > 1 {
        notes.push(format!(
            "--replay: {} has {} WebSocket entries; serving entry 1",
            path.display(),
            all.len()
        ));
    }
    let first = all.remove(0);
    Ok(ServedReplay {
        script: std::sync::Arc::new(first.script),
        pacing: crate::core::replay::Pacing { speed: 1.0, reply_timeout },
        notes,
    })
}

/// What a server asks of a client's permessage-deflate offer (`--deflate-params`), or None
/// with `--no-deflate`.
fn deflate_wishes(args: &ServerArgs) -> Result<Option<DeflateParams>, Error> {
    if args.no_deflate {
        return Ok(None);
    }
    match &args.deflate_params {
        None => Ok(Some(DeflateParams::default())),
        Some(text) => DeflateParams::parse(text)
            .map(Some)
            .map_err(|why| Error::usage(format!("--deflate-params '{}': {why}", text.escape_debug()))),
    }
}

fn server_settings(args: &ServerArgs, frames: bool) -> Result<ServerSettings, Error> {
    let ip: IpAddr = args.bind.parse().map_err(|_| Error::Usage {
        message: format!("--bind '{}' is not an IP address", args.bind.escape_debug()),
        hint: Some("for example 127.0.0.1, ::1 or 0.0.0.0".into()),
    })?;
    if args.max_connections == 0 {
        return Err(Error::usage("--max-connections must be at least 1"));
    }
    if args.max_pending == 0 {
        return Err(Error::usage("--max-pending must be at least 1"));
    }
    if args.max_message == 0 {
        return Err(Error::usage("--max-message must be at least 1"));
    }
    let headers = args.headers.iter().map(|h| parse_header(h)).collect::<Result<Vec<_>, _>>()?;
    let tls = match (&args.cert, &args.key, args.tls_self_signed) {
        (Some(cert), Some(key), _) => ServerTlsChoice::Files { cert: cert.clone(), key: key.clone() },
        (_, _, true) => ServerTlsChoice::SelfSigned,
        _ => ServerTlsChoice::None,
    };
    Ok(ServerSettings {
        addr: SocketAddr::new(ip, args.port),
        unix: super::unix::unix_path(args.unix_socket.as_ref(), args.abstract_unix_socket.as_deref())?,
        max_connections: args.max_connections,
        max_pending: args.max_pending,
        max_message: args.max_message,
        handshake_timeout: args.handshake_timeout,
        subprotocols: args.subprotocols.clone(),
        headers,
        tls,
        max_runtime: args.max_runtime,
        tap: TapConfig { frames, preview: FRAME_PREVIEW },
        deflate: deflate_wishes(args)?,
        http2: !args.no_http2,
    })
}

impl EchoSettings {
    pub fn from_args(args: EchoArgs, env: &Env) -> Result<Self, Error> {
        let mut output = output_settings(&args.output, env, args.faults.ping_interval.is_some());
        // An echo server's traffic is its clients' own: show it only when asked (-v).
        output.show_messages = output.verbosity >= 1;
        output.prefix_conn = true;
        let server = server_settings(&args.server, output.verbosity >= 2)?;
        let faults = faults(args.faults, &server)?;
        Ok(EchoSettings { server, faults, output })
    }
}

fn faults(f: FaultArgs, server: &ServerSettings) -> Result<EchoFaults, Error> {
    let faults = EchoFaults {
        delay: f.delay,
        drop_after: f.drop_after,
        close_after: f.close_after,
        close_code: f.close_code,
        close_reason: f.close_reason,
        no_pong: f.no_pong,
        idle_timeout: f.idle_timeout,
        ping_interval: f.ping_interval,
        push_every: f.push_every,
        reject: f.reject.map(refusal),
        subprotocols: server.subprotocols.clone(),
        companion: f.companion,
        deflate_fault: f.deflate_fault.as_deref().and_then(DeflateFault::from_name),
    };
    if faults.drop_after == Some(0) {
        return Err(Error::usage("--drop-after must be at least 1"));
    }
    faults.validate()?;
    Ok(faults)
}

impl ListenSettings {
    pub fn from_args(args: ListenArgs, env: &Env) -> Result<Self, Error> {
        let mut output = output_settings(&args.output, env, args.ping_interval.is_some());
        output.prefix_conn = true;
        let input_mode = InputMode::choose(&args.repl, env, !args.no_stdin && args.replay.is_none());
        output.command_pongs = !matches!(input_mode, InputMode::Messages);
        if matches!(input_mode, InputMode::Repl { .. }) {
            output.repl = true;
            output.timestamps = true;
        }
        let server = server_settings(&args.server, output.verbosity >= 2)?;
        let expect = args.expect.iter().map(|e| Expectation::regex(e)).collect::<Result<Vec<_>, _>>()?;
        if args.count == Some(0) {
            return Err(Error::usage("--count must be at least 1"));
        }
        if args.ping_interval.is_some_and(|d| d.is_zero()) {
            return Err(Error::usage("--ping-interval must be greater than zero"));
        }
        Ok(ListenSettings {
            server,
            once: args.once,
            count: args.count,
            expect,
            expect_timeout: args.expect_timeout,
            binary: args.binary,
            read_stdin: !args.no_stdin && args.replay.is_none(),
            input_mode,
            ping_interval: args.ping_interval,
            output,
            replay: args.replay.as_deref().map(|p| served_replay(p, args.reply_timeout)).transpose()?,
            record: args.record,
        })
    }
}

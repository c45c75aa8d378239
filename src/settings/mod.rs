//! From command-line types to validated settings: every flag is checked and every piece of the
//! environment (TTYs, NO_COLOR, SSLKEYLOGFILE) is read here, once.
//!
//! Naming: a `*Settings` type is validated input to a run, made here from the command line;
//! every other type that says how something is set up is a `*Config` when it is a bag of
//! choices the core (or the REPL) is given (`ConnectionConfig`, `DialConfig`, `TlsConfig`,
//! `RequestConfig`, `TapConfig`) and a plain noun otherwise (`Buffers`, `TargetChoice`);
//! `Spec` and `Options` are not used. "Probe" means `heartbeat-probe` only; `connect`'s
//! pings, heartbeats, reconnect and assertions are its liveness settings.

use std::io::IsTerminal;

use base64::Engine;
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use crate::cli::{ColorChoice, InspectArgs, OutputArgs};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::event::Data;
use crate::core::net::proxy;
use crate::core::session::connection::{Buffers, ConnectionConfig};
use crate::core::wire::tap::TapConfig;
use crate::output::OutputSettings;

pub mod connect;
pub mod curl;
mod decode;
mod expect;
pub mod probe;
mod replay;
mod request;
pub mod server;
pub mod target;
mod transport;
mod unix;

pub use connect::{ConnectSettings, HeartbeatSettings, LivenessSettings, ReconnectSettings};
pub use replay::{ReplayRun, ReplaySettings};
pub(crate) use request::parse_header;
pub use request::{apply_curl, request_config, FromCurl};
pub use server::{EchoSettings, ListenSettings, ServedReplay, ServerSettings};
pub use transport::{dial_config, proxy_config, tls_config};

/// The parts of the process environment that matter, captured once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub stdin_tty: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    /// NO_COLOR is set to a non-empty value.
    pub no_color: bool,
    /// SSLKEYLOGFILE is set.
    pub keylog: bool,
    /// Where the REPL keeps its history (see [`history_path`]; None when the variables it
    /// needs are unset).
    pub history: Option<std::path::PathBuf>,
    /// The proxy variables (`http_proxy`, `HTTPS_PROXY`, `NO_PROXY`, …) that are set.
    pub proxy_vars: Vec<(String, String)>,
}

impl Env {
    pub fn capture() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Env {
            stdin_tty: std::io::stdin().is_terminal(),
            stdout_tty: std::io::stdout().is_terminal(),
            stderr_tty: std::io::stderr().is_terminal(),
            no_color: set("NO_COLOR"),
            keylog: set("SSLKEYLOGFILE"),
            history: history_path(std::env::consts::OS, |name| std::env::var_os(name)),
            proxy_vars: proxy::ENV_VARS
                .iter()
                .filter_map(|n| std::env::var(n).ok().map(|v| (n.to_string(), v)))
                .collect(),
        }
    }
}

/// The REPL's history file in the system's place for application state, from the
/// environment as `var` reads it:
/// - Linux and other Unix: `$XDG_STATE_HOME/wsdiag/history` if absolute, else
///   `$HOME/.local/state/wsdiag/history`;
/// - macOS: `$HOME/Library/Application Support/wsdiag/history`;
/// - Windows: `%APPDATA%\wsdiag\history`.
pub fn history_path(
    os: &str,
    var: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Option<std::path::PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(std::path::PathBuf::from);
    let dir = match os {
        "macos" => var("HOME").map(|h| h.join("Library").join("Application Support")),
        "windows" => var("APPDATA"),
        _ => var("XDG_STATE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".local").join("state"))),
    }?;
    Some(dir.join("wsdiag").join("history"))
}

/// How stdin is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputMode {
    /// Lines are messages.
    Messages,
    /// Lines are REPL commands (`--commands`); a malformed one ends the run with exit 2
    /// unless `keep_going`.
    Commands { keep_going: bool },
    /// The interactive REPL (stdin and stdout are terminals).
    Repl { history: Option<std::path::PathBuf> },
}

impl InputMode {
    /// The REPL when stdin and stdout are terminals and stdin is read, else commands or
    /// messages as `--commands` says.
    pub fn choose(args: &crate::cli::ReplArgs, env: &Env, read_stdin: bool) -> Self {
        if read_stdin && env.stdin_tty && env.stdout_tty {
            InputMode::Repl { history: if args.no_history { None } else { env.history.clone() } }
        } else if args.commands {
            InputMode::Commands { keep_going: args.keep_going }
        } else {
            InputMode::Messages
        }
    }
}

/// How message text from -x and stdin becomes a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Text,
    Binary,
    Hex,
    Base64,
}

impl InputFormat {
    /// Turns one input message into a payload; `what` names it in errors.
    pub fn decode(self, raw: Vec<u8>, what: &str) -> Result<Data, Error> {
        let bad = |why: String| Error::Usage { message: format!("{what}: {why}"), hint: None };
        match self {
            InputFormat::Text => {
                let text = String::from_utf8(raw).map_err(|_| Error::Usage {
                    message: format!("{what} is not valid UTF-8"),
                    hint: Some("use --binary, --hex or --base64 for binary messages".into()),
                })?;
                Ok(Data::Text(Utf8Bytes::from(text)))
            }
            InputFormat::Binary => Ok(Data::Binary(Bytes::from(raw))),
            // Decoded in place: a large message is never held twice (`decode.rs`).
            InputFormat::Hex => Ok(Data::Binary(Bytes::from(decode::hex_in_place(raw).map_err(bad)?))),
            InputFormat::Base64 => decode::base64_in_place(raw)
                .map(|bytes| Data::Binary(Bytes::from(bytes)))
                .map_err(|e| bad(format!("not base64: {e}"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct InspectSettings {
    pub target: TargetChoice,
    /// How to connect (no TCP options; the tap and buffers go unused).
    pub connection: ConnectionConfig,
    pub key: Option<String>,
    pub raw: bool,
    /// `--raw` on a terminal: control characters are escaped.
    pub raw_escaped: bool,
    pub follow: bool,
    pub close: bool,
    pub output: OutputSettings,
    pub warnings: Vec<String>,
    /// What --from-curl dropped or ignored.
    pub notes: Vec<String>,
}

/// Redirect hops followed at most by -L.
pub const MAX_REDIRECTS: usize = 10;

impl InspectSettings {
    pub fn from_args(mut args: InspectArgs, env: &Env) -> Result<Self, Error> {
        let (url, curl) = apply_curl(args.url.take(), &mut args.request, &mut args.transport)?;
        let target = TargetChoice::parse(&url)?;
        let output = inspect_output(&args, env);
        if let Some(key) = &args.ws_key {
            let decoded = base64::engine::general_purpose::STANDARD.decode(key);
            if decoded.map(|k| k.len()) != Ok(16) {
                return Err(Error::Usage {
                    message: format!("--ws-key '{}' is not 16 bytes in base64", key.escape_debug()),
                    hint: Some("for example --ws-key dGhlIHNhbXBsZSBub25jZQ==".into()),
                });
            }
        }
        let method_ok =
            !args.method.is_empty() && args.method.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !method_ok {
            return Err(Error::usage(format!(
                "--method '{}' is not an HTTP method",
                args.method.escape_debug()
            )));
        }
        if args.ws_version.is_empty() || args.ws_version.contains(['\r', '\n']) {
            return Err(Error::usage("--version must be a single header value"));
        }
        let mut request = request_config(args.request, &target, &curl)?;
        request.method = Some(args.method);
        request.version = Some(args.ws_version);
        let mut warnings = Vec::new();
        let tls = matches!(&target, crate::core::builtin::target::TargetChoice::Url(t) if t.tls);
        if args.transport.insecure && (tls || args.follow) {
            warnings.push(
                "--insecure: the server's certificate is not enforced (still checked for the report)"
                    .to_string(),
            );
        }
        warnings.extend(transport::tls_checks(&args.transport, env, &target, args.follow)?);
        let proxy = proxy_config(&args.transport.proxy, &target, env)?;
        let dial = dial_config(&args.transport, &target, env, proxy, None, None)?;
        Ok(InspectSettings {
            target,
            connection: ConnectionConfig {
                request,
                dial,
                tap: TapConfig { frames: false, preview: 0 },
                buffers: Buffers::default(),
            },
            key: args.ws_key,
            raw: args.raw,
            raw_escaped: args.raw && env.stdout_tty,
            follow: args.follow,
            close: !args.no_close,
            output,
            warnings,
            notes: curl.notes,
        })
    }
}

pub fn inspect_output(args: &InspectArgs, env: &Env) -> OutputSettings {
    let out = OutputArgs {
        verbose: 0,
        frames: false,
        json: args.json,
        color: args.color,
        show_secrets: args.show_secrets,
        timestamps: false,
    };
    output_settings(&out, env, false)
}

pub fn output_settings(args: &OutputArgs, env: &Env, show_pongs: bool) -> OutputSettings {
    let color = |tty: bool| match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !env.no_color,
    };
    let verbosity = if args.frames { args.verbose.max(2) } else { args.verbose };
    OutputSettings {
        json: args.json,
        verbosity,
        color_stdout: color(env.stdout_tty) && !args.json,
        color_stderr: color(env.stderr_tty),
        show_secrets: args.show_secrets,
        show_pongs,
        show_messages: true,
        prefix_conn: false,
        timestamps: args.timestamps,
        repl: false,
        pretty_json: false,
        full_messages: false,
        command_pongs: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_goes_where_each_system_keeps_state() {
        use std::path::PathBuf;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.into())
        };
        let unix = env(&[
            ("HOME", "/home/u"),
            ("XDG_STATE_HOME", "/st"),
            ("APPDATA", "C:\\Users\\u\\AppData\\Roaming"),
        ]);
        assert_eq!(history_path("linux", unix), Some(PathBuf::from("/st/wsdiag/history")));
        assert_eq!(
            history_path("macos", unix),
            Some(PathBuf::from("/home/u/Library/Application Support/wsdiag/history"))
        );
        assert_eq!(
            history_path("windows", unix),
            Some(PathBuf::from("C:\\Users\\u\\AppData\\Roaming").join("wsdiag").join("history"))
        );
        let relative_xdg = env(&[("HOME", "/home/u"), ("XDG_STATE_HOME", "rel")]);
        assert_eq!(
            history_path("freebsd", relative_xdg),
            Some(PathBuf::from("/home/u/.local/state/wsdiag/history"))
        );
        assert_eq!(history_path("windows", env(&[("HOME", "/home/u")])), None);
        assert_eq!(history_path("linux", env(&[])), None);
    }

    #[test]
    fn decodes_each_input_format() {
        let bin = |d: Data| match d {
            Data::Binary(b) => b.to_vec(),
            Data::Text(_) => panic!("text"),
        };
        assert_eq!(
            bin(InputFormat::Hex.decode(b"de ad BE ef".to_vec(), "m").unwrap()),
            [0xde, 0xad, 0xbe, 0xef]
        );
        assert_eq!(bin(InputFormat::Base64.decode(b"AAEC".to_vec(), "m").unwrap()), [0, 1, 2]);
        assert!(InputFormat::Hex.decode(b"abc".to_vec(), "m").is_err());
        assert!(InputFormat::Hex.decode(b"zz".to_vec(), "m").is_err());
        assert!(InputFormat::Base64.decode(b"!!".to_vec(), "m").is_err());
        assert!(InputFormat::Text.decode(vec![0xff], "m").is_err());
    }

    #[test]
    fn headers_are_validated() {
        assert_eq!(parse_header("X-A:  b c ").unwrap(), ("X-A".into(), "b c".into()));
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("Bad Name: x").is_err());
        assert!(parse_header("X: a\r\nInjected: 1").is_err());
    }
}

//! wsdiag: a WebSocket diagnostic tool.
//!
//! - `cli`: command-line types (clap) · `settings`: validated settings and the environment
//! - `commands`: one module per subcommand · `core`: connections, tap, sessions, events
//! - `output`: the printer (human and NDJSON) · `recording`: HAR and NDJSON recordings read
//!   for `replay` · `exit`: exit statuses · `hints`: the advice
//!   shown with errors, worded with the CLI's flags

#![warn(unreachable_pub, clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
pub mod commands;
pub mod core;
pub mod exit;
pub mod hints;
pub mod output;
pub mod recording;
pub mod repl;
pub mod settings;

#[cfg(test)]
mod props;

use cli::{Cli, Command};
use exit::ExitStatus;
use output::Printer;
use settings::{ConnectSettings, EchoSettings, Env, InspectSettings, ListenSettings};

/// Runs a parsed command line and returns the process exit status.
pub fn run(cli: Cli, env: Env) -> ExitStatus {
    match cli.command {
        Command::Connect(args) => {
            let mut printer = Printer::stdio(settings::output_settings(&args.output, &env, false));
            match ConnectSettings::from_args(*args, &env) {
                Ok(s) => {
                    let mut printer = Printer::stdio(s.output);
                    if let Some((path, url)) = &s.record {
                        match output::Recorder::create(path, Some(url)) {
                            Ok(recorder) => printer.record_to(recorder),
                            Err(e) => {
                                return usage_error(&mut printer, e, JsonEnd::Summary { server: false })
                            }
                        }
                    }
                    block_on(&mut printer, JsonEnd::Summary { server: false }, |p| {
                        commands::connect::run(s, p)
                    })
                }
                Err(e) => usage_error(&mut printer, e, JsonEnd::Summary { server: false }),
            }
        }
        Command::HandshakeInspect(args) => {
            let mut printer = Printer::stdio(settings::inspect_output(&args, &env));
            match InspectSettings::from_args(*args, &env) {
                Ok(s) => {
                    let mut printer = Printer::stdio(s.output);
                    block_on(&mut printer, JsonEnd::Error, |p| commands::handshake_inspect::run(s, p))
                }
                Err(e) => usage_error(&mut printer, e, JsonEnd::Error),
            }
        }
        Command::Listen(args) => {
            let mut printer = Printer::stdio(settings::output_settings(&args.output, &env, false));
            match ListenSettings::from_args(*args, &env) {
                Ok(s) => {
                    let mut printer = Printer::stdio(s.output);
                    if let Some(path) = &s.record {
                        match output::Recorder::create(path, None) {
                            Ok(recorder) => printer.record_to(recorder),
                            Err(e) => return usage_error(&mut printer, e, JsonEnd::Summary { server: true }),
                        }
                    }
                    serve_on_runtime(
                        &mut Printer::stdio(s.output),
                        JsonEnd::Summary { server: true },
                        commands::listen::run(s, printer),
                    )
                }
                Err(e) => usage_error(&mut printer, e, JsonEnd::Summary { server: true }),
            }
        }
        Command::Echo(args) => {
            let mut printer = Printer::stdio(settings::output_settings(&args.output, &env, false));
            match EchoSettings::from_args(*args, &env) {
                Ok(s) => {
                    let printer = Printer::stdio(s.output);
                    serve_on_runtime(
                        &mut Printer::stdio(s.output),
                        JsonEnd::Summary { server: true },
                        commands::echo::run(s, printer),
                    )
                }
                Err(e) => usage_error(&mut printer, e, JsonEnd::Summary { server: true }),
            }
        }
        Command::Replay(args) => {
            let mut printer = Printer::stdio(settings::output_settings(&args.output, &env, false));
            match settings::ReplaySettings::from_args(*args, &env) {
                Ok(s) => {
                    let mut printer = Printer::stdio(s.output);
                    block_on(&mut printer, JsonEnd::Error, |p| commands::replay::run(s, p))
                }
                Err(e) => usage_error(&mut printer, e, JsonEnd::Error),
            }
        }
        Command::HeartbeatProbe(args) => {
            let mut printer = Printer::stdio(settings::output_settings(&args.output, &env, false));
            match settings::probe::HeartbeatProbeSettings::from_args(*args, &env) {
                Ok(s) => {
                    let mut printer = Printer::stdio(s.output);
                    serve_on_runtime(&mut Printer::stdio(s.output), JsonEnd::Error, async move {
                        commands::heartbeat_probe::run(s, &mut printer).await
                    })
                }
                Err(e) => usage_error(&mut printer, e, JsonEnd::Error),
            }
        }
    }
}

/// How a subcommand's JSON output ends (docs/json.md): with a `summary` (`connect`, `listen`,
/// `echo`), or with the `error` event, which carries `exit` too (`handshake-inspect`,
/// `heartbeat-probe`).
#[derive(Debug, Clone, Copy)]
enum JsonEnd {
    Summary { server: bool },
    Error,
}

impl JsonEnd {
    fn of(subcommand: &str) -> JsonEnd {
        match subcommand {
            "connect" => JsonEnd::Summary { server: false },
            "listen" | "echo" => JsonEnd::Summary { server: true },
            _ => JsonEnd::Error,
        }
    }
}

/// Reports an error that ends the run before it started: the `error` (and, in JSON, the
/// `summary` the subcommand always ends with).
fn usage_error(printer: &mut Printer, e: core::error::Error, end: JsonEnd) -> ExitStatus {
    printer.error(&e, std::time::Duration::ZERO);
    let status = e.exit_status();
    if let JsonEnd::Summary { server } = end {
        printer.empty_summary(status.code(), std::time::Duration::ZERO, server);
    }
    status
}

/// A command line clap could not parse (clap has printed why on stderr): with `--json` on it,
/// the same error as JSON on stdout, ended as the subcommand's JSON always ends. Usage (2).
pub fn argument_error(e: &clap::Error, args: &[std::ffi::OsString]) -> ExitStatus {
    let Some(subcommand) = cli::json_subcommand(args) else {
        return ExitStatus::Usage;
    };
    let settings = output::OutputSettings::json_only();
    // clap's own words are on stderr already.
    let mut printer = Printer::new(settings, Box::new(std::io::stdout()), Box::new(std::io::sink()));
    usage_error(&mut printer, cli::usage_of(e), JsonEnd::of(&subcommand))
}

/// Runs a command on a single-threaded runtime (a client needs no more).
fn block_on<'p, F, Fut>(printer: &'p mut Printer, end: JsonEnd, command: F) -> ExitStatus
where
    F: FnOnce(&'p mut Printer) -> Fut,
    Fut: std::future::Future<Output = ExitStatus>,
{
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(source) => {
            let e = core::error::Error::Io { context: "cannot start the async runtime".into(), source };
            return usage_error(printer, e, end);
        }
    };
    let status = runtime.block_on(command(printer));
    // A blocked stdin read must not hold the process open.
    runtime.shutdown_background();
    status
}

/// Runs a server on a multi-threaded runtime (one worker per core).
fn serve_on_runtime(
    printer: &mut Printer,
    end: JsonEnd,
    command: impl std::future::Future<Output = ExitStatus>,
) -> ExitStatus {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(source) => {
            let e = core::error::Error::Io { context: "cannot start the async runtime".into(), source };
            return usage_error(printer, e, end);
        }
    };
    let status = runtime.block_on(command);
    runtime.shutdown_background();
    status
}

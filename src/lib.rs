//! wsdiag: a WebSocket diagnostic tool.
//!
//! - `cli`: command-line types (clap) · `settings`: validated settings and the environment
//! - `commands`: one module per subcommand · `core`: connections, tap, sessions, events
//! - `output`: the printer (human and NDJSON) · `exit`: exit statuses

pub mod cli;
pub mod commands;
pub mod core;
pub mod exit;
pub mod output;
pub mod settings;

use cli::{Cli, Command};
use exit::ExitStatus;
use output::Printer;
use settings::{ConnectSettings, Env};

/// Runs a parsed command line and returns the process exit status.
pub fn run(cli: Cli, env: Env) -> ExitStatus {
    match cli.command {
        Command::Connect(args) => {
            let mut printer = Printer::stdio(settings::output_settings(&args.output, &env, false));
            let settings = match ConnectSettings::from_args(*args, &env) {
                Ok(s) => s,
                Err(e) => {
                    printer.error(&e, std::time::Duration::ZERO);
                    return e.exit_status();
                }
            };
            let mut printer = Printer::stdio(settings.output);
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(source) => {
                    let e = core::error::Error::Io {
                        context: "cannot start the async runtime".into(),
                        source,
                    };
                    printer.error(&e, std::time::Duration::ZERO);
                    return ExitStatus::Usage;
                }
            };
            let status = runtime.block_on(commands::connect::run(settings, &mut printer));
            // A blocked stdin read must not hold the process open.
            runtime.shutdown_background();
            status
        }
        Command::Listen(_) => not_built("listen"),
        Command::Echo(_) => not_built("echo"),
        Command::HandshakeInspect(_) => not_built("handshake-inspect"),
        Command::HeartbeatProbe(_) => not_built("heartbeat-probe"),
    }
}

fn not_built(name: &str) -> ExitStatus {
    let e = core::error::Error::Usage {
        message: format!("'wsdiag {name}' is not built yet"),
        hint: Some("available now: wsdiag connect (see wsdiag --help)".into()),
    };
    let mut printer = Printer::stdio(settings::output_settings(
        &cli::OutputArgs {
            verbose: 0,
            frames: false,
            json: false,
            color: cli::ColorChoice::Never,
            show_secrets: false,
        },
        &Env::default(),
        false,
    ));
    printer.error(&e, std::time::Duration::ZERO);
    e.exit_status()
}

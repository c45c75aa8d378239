use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match wsdiag::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let status = wsdiag::run(cli, wsdiag::settings::Env::capture());
    ExitCode::from(status.code())
}

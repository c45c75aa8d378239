use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match wsdiag::cli::parse(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version print to stdout and succeed.
            if !e.use_stderr() {
                return ExitCode::SUCCESS;
            }
            return ExitCode::from(wsdiag::argument_error(&e, &args).code());
        }
    };
    let status = wsdiag::run(cli, wsdiag::settings::Env::capture());
    ExitCode::from(status.code())
}

//! Runs the built `wsdiag` binary with a scrubbed environment and a hard bound on every run.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};

/// Longest any single run may take before it is killed and the test fails.
pub const RUN_BOUND: Duration = Duration::from_secs(20);

/// Variables that change how wsdiag prints or what it writes; removed from every run.
const SCRUBBED: &[&str] = &[
    "NO_COLOR",
    "TERM",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "SSLKEYLOGFILE",
    "COLUMNS",
    "LINES",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "NO_PROXY",
];

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wsdiag")
}

/// A pending run of `wsdiag`; see [`wsdiag`] and [`connect`].
pub struct Wsdiag {
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    wrapper: Vec<OsString>,
    pty: bool,
    bound: Duration,
}

/// `wsdiag ARGS…` with no stdin (null).
pub fn wsdiag<I, S>(args: I) -> Wsdiag
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Wsdiag {
        args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
        envs: Vec::new(),
        stdin: None,
        wrapper: Vec::new(),
        pty: false,
        bound: RUN_BOUND,
    }
}

/// `wsdiag connect URL --color never`.
pub fn connect(url: &str) -> Wsdiag {
    wsdiag(["connect", url, "--color", "never"])
}

impl Wsdiag {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs.push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Feed these bytes on stdin, then close it.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Run the binary as the last arguments of another program (e.g. `unshare -n`).
    pub fn wrapped_in<I, S>(mut self, wrapper: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.wrapper = wrapper.into_iter().map(|a| a.as_ref().to_owned()).collect();
        self
    }

    /// Run with stdout and stderr on a pseudo-terminal (through util-linux `script`), stdin
    /// from /dev/null. Both streams arrive merged on [`Output::stdout_bytes`].
    pub fn on_pty(mut self) -> Self {
        self.pty = true;
        self
    }

    pub fn command_line(&self) -> String {
        let mut parts: Vec<String> = self.wrapper.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        parts.push("wsdiag".to_owned());
        parts.extend(self.args.iter().map(|a| a.to_string_lossy().into_owned()));
        parts.join(" ")
    }

    fn command(&self) -> Command {
        let mut cmd = if self.pty {
            let quote = |s: &OsStr| format!("'{}'", s.to_string_lossy().replace('\'', "'\\''"));
            let mut line = quote(OsStr::new(bin()));
            for arg in &self.args {
                line.push(' ');
                line.push_str(&quote(arg));
            }
            line.push_str(" </dev/null");
            let mut cmd = Command::new("script");
            cmd.args(["-qec", &line, "/dev/null"]);
            cmd
        } else {
            self.plain_command()
        };
        for key in SCRUBBED {
            cmd.env_remove(key);
        }
        for (key, value) in &self.envs {
            cmd.env(key, value);
        }
        cmd.stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.kill_on_drop(true);
        cmd
    }

    fn plain_command(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((program, rest)) => {
                let mut cmd = Command::new(program);
                cmd.args(rest).arg(bin());
                cmd
            }
            None => Command::new(bin()),
        };
        cmd.args(&self.args);
        cmd
    }

    /// Start the process with stdout and stderr piped, for tests that interact with it while
    /// it runs. The caller bounds its own waits; the process is killed when the child drops.
    pub fn spawn(self) -> Child {
        let mut cmd = self.command();
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.command_line()));
        if let (Some(bytes), Some(mut stdin)) = (self.stdin, child.stdin.take()) {
            tokio::spawn(async move {
                // wsdiag may exit before reading everything; a broken pipe here is expected.
                let _ = stdin.write_all(&bytes).await;
            });
        }
        child
    }

    /// Like [`Wsdiag::spawn`], but with stdin piped and left open: the caller writes to
    /// `child.stdin` and closes it by dropping it.
    pub fn spawn_interactive(self) -> Child {
        let mut cmd = self.command();
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.command_line()))
    }

    /// Run to completion; fails the test if it takes longer than the bound.
    pub async fn run(self) -> Output {
        let line = self.command_line();
        let bound = self.bound;
        let started = Instant::now();
        let child = self.spawn();
        match tokio::time::timeout(bound, child.wait_with_output()).await {
            Ok(Ok(out)) => Output {
                command: line,
                status: out.status,
                stdout_bytes: out.stdout,
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                elapsed: started.elapsed(),
            },
            Ok(Err(e)) => panic!("waiting for `{line}` failed: {e}"),
            Err(_) => panic!("`{line}` did not exit within {bound:?}; killed"),
        }
    }
}

/// What a finished run produced.
pub struct Output {
    pub command: String,
    pub status: ExitStatus,
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout_bytes).into_owned()
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout().lines().map(str::to_owned).collect()
    }

    /// Fails the test, showing everything the run printed, unless it exited with `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "unexpected exit status\n{self}");
        self
    }

    #[track_caller]
    pub fn expect_stderr_contains(&self, needle: &str) -> &Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}\n{self}");
        self
    }

    #[track_caller]
    pub fn expect_stdout_contains(&self, needle: &str) -> &Self {
        assert!(self.stdout().contains(needle), "stdout lacks {needle:?}\n{self}");
        self
    }

    #[track_caller]
    pub fn expect_stdout(&self, expected: &str) -> &Self {
        assert_eq!(self.stdout(), expected, "stdout differs\n{self}");
        self
    }

    /// Stderr lines that begin with `prefix`.
    pub fn stderr_lines_starting(&self, prefix: &str) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with(prefix)).collect()
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 4000;
        let stdout = self.stdout();
        let cut = |s: &str| -> String {
            if s.len() <= SHOWN {
                s.to_owned()
            } else {
                let mut end = SHOWN;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{}… ({} bytes in all)", &s[..end], s.len())
            }
        };
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "status: {} after {:?}", self.status, self.elapsed)?;
        writeln!(f, "--- stdout ---\n{}", cut(&stdout))?;
        write!(f, "--- stderr ---\n{}", cut(&self.stderr))
    }
}

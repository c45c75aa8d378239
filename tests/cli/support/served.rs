//! A running `wsdiag echo` or `wsdiag listen`: spawned with `--port 0` (unless it serves on a
//! Unix socket), its port read from the `Listening on` stderr line (or the JSON `listening` event), its output collected while
//! it runs; plus tokio-tungstenite clients to talk to it. Every wait is bounded.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use super::run::{wsdiag, Output, RUN_BOUND};

/// How long a server may take to print where it listens, and a client to get an answer.
pub const WAIT: Duration = Duration::from_secs(10);

pub type Ws = WebSocketStream<TcpStream>;

/// A spawned server; killed if dropped before [`Served::finish`].
pub struct Served {
    child: Child,
    pub port: u16,
    pub stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
    command: String,
    started: Instant,
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut buf = into.lock().expect("output buffer");
            buf.push_str(&line);
            buf.push('\n');
        }
    })
}

/// The port in a `* Listening on ws://127.0.0.1:PORT/` line or a JSON `listening` event; 0
/// for a server on a Unix socket (`* Listening on unix:PATH`).
fn listening_port(stdout: &str, stderr: &str) -> Option<u16> {
    if stderr.lines().any(|l| l.contains("Listening on unix:")) {
        return Some(0);
    }
    let human = stderr.lines().find_map(|l| {
        let url = l.split("Listening on ").nth(1)?;
        url.trim_end().trim_end_matches('/').rsplit(':').next()?.parse().ok()
    });
    human.or_else(|| {
        stdout.lines().find_map(|l| {
            let ev: serde_json::Value = serde_json::from_str(l).ok()?;
            (ev["type"] == "listening").then_some(())?;
            ev["addr"].as_str()?.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
        })
    })
}

/// `wsdiag ARGS… --port 0`, waiting until it listens. Stdin is null.
pub async fn serve<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I) -> Served {
    start(args, false).await
}

/// Like [`serve`], with stdin piped and kept open in [`Served::stdin`].
pub async fn serve_with_stdin<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I) -> Served {
    start(args, true).await
}

async fn start<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(args: I, stdin: bool) -> Served {
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let unix = args.iter().any(|a| a == "--unix-socket" || a == "--abstract-unix-socket");
    let port: &[&str] = if unix { &[] } else { &["--port", "0"] };
    let run = wsdiag(args).args(port);
    let command = run.command_line();
    let mut child = if stdin { run.spawn_interactive() } else { run.spawn() };
    let (stdout, stderr) = (Arc::<Mutex<String>>::default(), Arc::<Mutex<String>>::default());
    let readers = vec![
        collect(child.stdout.take().expect("stdout piped"), stdout.clone()),
        collect(child.stderr.take().expect("stderr piped"), stderr.clone()),
    ];
    let mut served = Served {
        stdin: child.stdin.take(),
        child,
        port: 0,
        stdout,
        stderr,
        readers,
        command,
        started: Instant::now(),
    };
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(port) = listening_port(&served.stdout(), &served.stderr()) {
            served.port = port;
            return served;
        }
        if Instant::now() > deadline || served.child.try_wait().ok().flatten().is_some() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            panic!(
                "`{}` did not say where it listens\n--- stdout ---\n{}--- stderr ---\n{}",
                served.command,
                served.stdout(),
                served.stderr()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

impl Served {
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    pub fn wss_url(&self) -> String {
        format!("wss://127.0.0.1:{}/", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("server still running")
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("stdout buffer").clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr buffer").clone()
    }

    /// Waits (bounded) until the output so far satisfies `pred(stdout, stderr)`.
    #[track_caller]
    pub fn wait_for<'a>(
        &'a self,
        what: &'a str,
        pred: impl Fn(&str, &str) -> bool + 'a,
    ) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let deadline = Instant::now() + WAIT;
            while !pred(&self.stdout(), &self.stderr()) {
                if Instant::now() > deadline {
                    panic!(
                        "{caller}: `{}` never showed {what}\n--- stdout ---\n{}--- stderr ---\n{}",
                        self.command,
                        self.stdout(),
                        self.stderr()
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }

    /// Closes the server's stdout as `| head -1` does once it has its line: the reader stops
    /// and the pipe's read end is dropped. What was read so far stays in [`Served::stdout`].
    pub async fn close_stdout(&mut self) {
        let reader = self.readers.remove(0);
        reader.abort();
        // Awaiting the aborted task makes sure its pipe has been dropped.
        let _ = reader.await;
    }

    /// Sends SIGINT with the `kill` command.
    pub async fn sigint(&self) {
        let status = tokio::process::Command::new("kill").args(["-INT", &self.pid().to_string()]).status();
        let status = tokio::time::timeout(WAIT, status).await.expect("kill finished").expect("run kill");
        assert!(status.success(), "kill -INT failed");
    }

    /// Closes stdin and waits (bounded) for the server to exit by itself.
    pub async fn finish(mut self) -> Output {
        drop(self.stdin.take());
        let status = match tokio::time::timeout(RUN_BOUND, self.child.wait()).await {
            Ok(status) => status.expect("wait for server"),
            Err(_) => panic!(
                "`{}` did not exit within {RUN_BOUND:?}\n--- stdout ---\n{}--- stderr ---\n{}",
                self.command,
                self.stdout(),
                self.stderr()
            ),
        };
        for reader in std::mem::take(&mut self.readers) {
            let _ = tokio::time::timeout(WAIT, reader).await;
        }
        Output {
            command: self.command.clone(),
            status,
            stdout_bytes: self.stdout().into_bytes(),
            stderr: self.stderr(),
            elapsed: self.started.elapsed(),
        }
    }

    /// SIGINT, then [`Served::finish`].
    pub async fn interrupt(self) -> Output {
        self.sigint().await;
        self.finish().await
    }
}

/// Opens a WebSocket to `url` offering `protocols` (none if empty); the handshake error (e.g.
/// a non-101 reply) is returned as is.
pub async fn try_client(url: &str, protocols: &[&str]) -> Result<(Ws, Response), WsError> {
    let mut request = url.into_client_request()?;
    if !protocols.is_empty() {
        let offer = protocols.join(", ").parse().expect("header value");
        request.headers_mut().insert("Sec-WebSocket-Protocol", offer);
    }
    let host = request.uri().authority().expect("authority").as_str().to_owned();
    let opening = async {
        let tcp = TcpStream::connect(&host).await.map_err(WsError::Io)?;
        tokio_tungstenite::client_async(request, tcp).await
    };
    tokio::time::timeout(WAIT, opening).await.unwrap_or_else(|_| panic!("handshake with {url} hung"))
}

/// Opens a WebSocket to `url`, failing the test if that does not work.
pub async fn client(url: &str) -> Ws {
    try_client(url, &[]).await.unwrap_or_else(|e| panic!("cannot open {url}: {e}")).0
}

/// The next message or error from `ws` (None: the stream ended), failing the test after `within`.
#[track_caller]
pub fn next_within(
    ws: &mut Ws,
    within: Duration,
) -> impl std::future::Future<Output = Option<Result<Message, WsError>>> + '_ {
    use futures_util::StreamExt;
    let caller = std::panic::Location::caller();
    async move {
        tokio::time::timeout(within, ws.next())
            .await
            .unwrap_or_else(|_| panic!("{caller}: nothing arrived within {within:?}"))
    }
}

/// The next data message (text or binary), skipping pings and pongs; fails on anything else.
#[track_caller]
pub fn next_data(ws: &mut Ws) -> impl std::future::Future<Output = Message> + '_ {
    let caller = std::panic::Location::caller();
    async move {
        loop {
            match next_within(ws, WAIT).await {
                Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => return m,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("{caller}: expected a data message, got {other:?}"),
            }
        }
    }
}

/// Sends `msg`, failing the test if that does not work.
pub async fn send(ws: &mut Ws, msg: Message) {
    use futures_util::SinkExt;
    tokio::time::timeout(WAIT, ws.send(msg)).await.expect("send hung").expect("send");
}

/// Reads until the peer's close frame arrives and returns its code (None: the stream ended or
/// broke without one); data messages on the way are ignored.
pub async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        match next_within(ws, WAIT).await {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

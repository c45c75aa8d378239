//! A 64 MiB binary message out and back: `wsdiag connect` through `wsdiag echo`, next to a raw
//! TCP copy of the same bytes through the raw echo. Reports the time from the client's start
//! to its exit, the server's CPU time, and the peak resident memory of both processes.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::servers::{cpu_time, peak_rss_kib, wait_with_peak, Kind, Running};
use crate::{cmd, Res, GENERATOR_CORE};

/// The message: 64 MiB.
pub const LARGE: usize = 64 << 20;
/// Bound on one transfer, client start to exit.
const LARGE_TIMEOUT: Duration = Duration::from_secs(120);

/// One transfer's figures.
pub struct Large {
    pub secs: f64,
    pub client_peak_kib: u64,
    pub server_peak_kib: u64,
    pub server_cpu: Duration,
}

impl Large {
    /// Payload MB/s (10^6 bytes): the message's size over the client's run.
    pub fn mb_per_s(&self) -> f64 {
        LARGE as f64 / self.secs / 1e6
    }
}

/// The payload (a fixed pseudo-random pattern) and the files both clients read, in `dir`:
/// the bytes for the raw copy, base64 for `wsdiag connect --base64` (one line, one message).
pub struct Payload {
    pub bytes: Vec<u8>,
    pub raw_file: PathBuf,
    pub b64_file: PathBuf,
}

impl Payload {
    pub fn create(dir: &Path) -> Res<Payload> {
        let mut bytes = vec![0u8; LARGE];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for chunk in bytes.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let raw_file = dir.join("large.bin");
        let b64_file = dir.join("large.b64");
        let write = |p: &Path, data: &[u8]| {
            std::fs::write(p, data).map_err(|e| format!("cannot write {}: {e}", p.display()))
        };
        write(&raw_file, &bytes)?;
        let mut line = base64::engine::general_purpose::STANDARD.encode(&bytes).into_bytes();
        line.push(b'\n');
        write(&b64_file, &line)?;
        Ok(Payload { bytes, raw_file, b64_file })
    }
}

/// Runs one transfer against `server` (already started) and checks what came back: for
/// wsdiag, `connect` prints the binary message as hex on one line.
pub fn transfer(
    kind: Kind,
    server: &Running,
    wsdiag: &Path,
    me: &Path,
    pin: bool,
    payload: &Payload,
) -> Res<Large> {
    let core = pin.then_some(GENERATOR_CORE);
    let addr = server.addr.to_string();
    let (argv, stdin) = match kind {
        Kind::WebSocket => (
            cmd(
                core,
                wsdiag,
                &["connect", &format!("ws://{addr}/"), "--base64", "-n", "1", "--timeout", "100s"],
            ),
            std::fs::File::open(&payload.b64_file),
        ),
        Kind::RawTcp => (
            cmd(core, me, &["--raw-copy", &addr, &payload.raw_file.display().to_string()]),
            std::fs::File::open("/dev/null"),
        ),
    };
    let stdin = stdin.map_err(|e| format!("cannot open the payload: {e}"))?;
    let cpu_before = cpu_time(server.pid())?;
    let started = Instant::now();
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", argv.join(" ")))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    // Read (and for wsdiag check) the output as it comes, so the client never blocks on it.
    let expected = (kind == Kind::WebSocket).then(|| hex_line(&payload.bytes));
    // Compared as it arrives, a pipe's worth at a time: the checker shares the client's core,
    // and holding 128 MiB of output would cost it page faults the client then waits for.
    let checker = std::thread::spawn(move || -> Res<()> {
        let mut buf = vec![0u8; 1 << 16];
        let mut seen = 0;
        let mut same = true;
        loop {
            let n = stdout.read(&mut buf).map_err(|e| format!("reading the client's output: {e}"))?;
            if n == 0 {
                break;
            }
            if let Some(want) = &expected {
                same &= want.get(seen..seen + n) == Some(&buf[..n]);
            }
            seen += n;
        }
        match expected {
            Some(want) if !same || seen != want.len() => Err(format!(
                "the echo printed by connect differs from the message sent ({seen} bytes of output)"
            )),
            _ => Ok(()),
        }
    });
    let (code, client_peak_kib) = wait_with_peak(&mut child, LARGE_TIMEOUT)?;
    let secs = started.elapsed().as_secs_f64();
    let checked = checker.join().map_err(|_| "the output checker failed".to_string())?;
    if code != 0 {
        return Err(format!("the client exited with {code}"));
    }
    checked?;
    let server_cpu = cpu_time(server.pid())? - cpu_before;
    let server_peak_kib = peak_rss_kib(server.pid())?;
    Ok(Large { secs, client_peak_kib, server_peak_kib, server_cpu })
}

/// What `wsdiag connect` prints for a binary message: lowercase hex, then a newline.
fn hex_line(bytes: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2 + 1);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
    out.push(b'\n');
    out
}

/// `--raw-copy ADDR FILE`: sends the file's bytes to a raw echo while reading them back, checks
/// them, and exits 0 when they match.
pub fn raw_copy(args: &[String]) -> ExitCode {
    let (Some(addr), Some(file)) = (args.first().and_then(|a| a.parse::<SocketAddr>().ok()), args.get(1))
    else {
        eprintln!("usage: --raw-copy ADDR FILE");
        return ExitCode::FAILURE;
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return ExitCode::FAILURE;
    };
    let result = rt.block_on(async {
        let data = tokio::fs::read(file).await.map_err(|e| format!("cannot read {file}: {e}"))?;
        let tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let (mut rx, mut tx) = tcp.into_split();
        let mut back = vec![0u8; data.len()];
        let copy = async {
            let send = async { tx.write_all(&data).await.map_err(|e| format!("write: {e}")) };
            let recv = async { rx.read_exact(&mut back).await.map(|_| ()).map_err(|e| format!("read: {e}")) };
            tokio::try_join!(send, recv)
        };
        timeout(LARGE_TIMEOUT, copy).await.map_err(|_| "the copy timed out".to_string())??;
        if back != data {
            return Err("the echo differs from what was sent".to_string());
        }
        Ok::<_, String>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raw copy: {e}");
            ExitCode::FAILURE
        }
    }
}

//! REPL commands: `--commands` on a pipe against a loopback peer that records the exact frames
//! it receives, `listen --commands` with two clients, and the interactive REPL on a real
//! pseudo-terminal (expectrl).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::Message;

use crate::support::served::{client, close_code, next_data, next_within, send, serve_with_stdin};
use crate::support::{connect, skip};

/// A client frame as received: first byte (FIN, RSV, opcode), unmasked payload, masked.
type Frame = (u8, Vec<u8>, bool);

/// A server that upgrades, then records every frame; it answers a close frame with the same
/// payload and closes. Bounded: it gives up 10 s after the upgrade.
struct Recorder {
    url: String,
    frames: Arc<Mutex<Vec<Frame>>>,
}

impl Recorder {
    async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/", listener.local_addr().unwrap());
        let frames: Arc<Mutex<Vec<Frame>>> = Arc::default();
        let log = frames.clone();
        tokio::spawn(async move {
            let Ok((mut tcp, _)) = listener.accept().await else { return };
            let _ = tokio::time::timeout(Duration::from_secs(10), serve(&mut tcp, log)).await;
        });
        Recorder { url, frames }
    }

    fn frames(&self) -> Vec<Frame> {
        self.frames.lock().unwrap().clone()
    }
}

async fn serve(tcp: &mut tokio::net::TcpStream, log: Arc<Mutex<Vec<Frame>>>) -> Option<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = tcp.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let key = head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case("sec-websocket-key").then(|| v.trim().to_owned())
    })?;
    let reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    tcp.write_all(reply.as_bytes()).await.ok()?;
    let mut rest = buf.split_off(head_end);
    loop {
        while let Some((frame, used)) = parse(&rest) {
            rest.drain(..used);
            let close = frame.0 & 0x0F == 0x8;
            let payload = frame.1.clone();
            log.lock().unwrap().push(frame);
            if close {
                let mut answer = vec![0x88, payload.len() as u8];
                answer.extend_from_slice(&payload);
                tcp.write_all(&answer).await.ok()?;
                return Some(());
            }
        }
        let n = tcp.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        rest.extend_from_slice(&chunk[..n]);
    }
}

/// One whole frame at the start of `b`, and its length on the wire.
fn parse(b: &[u8]) -> Option<(Frame, usize)> {
    if b.len() < 2 {
        return None;
    }
    let masked = b[1] & 0x80 != 0;
    let (len, mut pos) = match b[1] & 0x7F {
        126 => (u16::from_be_bytes([*b.get(2)?, *b.get(3)?]) as usize, 4),
        127 => (u64::from_be_bytes(b.get(2..10)?.try_into().ok()?) as usize, 10),
        n => (n as usize, 2),
    };
    let mask = if masked {
        let m = b.get(pos..pos + 4)?.to_vec();
        pos += 4;
        m
    } else {
        vec![0; 4]
    };
    let payload: Vec<u8> = b.get(pos..pos + len)?.iter().enumerate().map(|(i, x)| x ^ mask[i % 4]).collect();
    Some(((b[0], payload, masked), pos + len))
}

#[tokio::test]
async fn commands_on_a_pipe_craft_every_kind_of_frame_byte_exact() {
    let peer = Recorder::start().await;
    let script = "\
/raw 3 fin=0 rsv=101 abc
/raw ping size=200
/raw text fragments=3 ping-between hello world
/raw 0xB
/pong beat
/ping hi
/binary 00ff
/base64 AQI=
/json {\"op\": 1}
//slash
plain
/close none
";
    let out = connect(&peer.url).args(["--commands", "--timeout", "10s"]).stdin(script).run().await;
    out.expect_code(0);
    let frames = peer.frames();
    let shape: Vec<(u8, &[u8])> = frames.iter().map(|(b0, p, _)| (*b0, p.as_slice())).collect();
    let big = vec![b'x'; 200];
    let expected: Vec<(u8, &[u8])> = vec![
        (0x53, b"abc"),
        (0x89, &big),
        (0x01, b"hell"),
        (0x89, b"between"),
        (0x00, b"o wo"),
        (0x80, b"rld"),
        (0x8B, b""),
        (0x8A, b"beat"),
        (0x89, b"hi"),
        (0x82, &[0x00, 0xFF]),
        (0x82, &[0x01, 0x02]),
        (0x81, b"{\"op\": 1}"),
        (0x81, b"/slash"),
        (0x81, b"plain"),
        (0x88, b""),
    ];
    assert_eq!(shape, expected, "frames as the peer received them\n{out}");
    assert!(frames.iter().all(|(_, _, masked)| *masked), "a client masks every frame");
}

#[tokio::test]
async fn a_malformed_command_ends_the_run_with_2_unless_keep_going() {
    let peer = Recorder::start().await;
    let out =
        connect(&peer.url).args(["--commands", "--timeout", "10s"]).stdin("one\n/nope\ntwo\n").run().await;
    out.expect_code(2).expect_stderr_contains("error: stdin line 2: unknown command /nope");
    assert_eq!(out.stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "one line\n{out}");

    let peer = Recorder::start().await;
    let out = connect(&peer.url)
        .args(["--commands", "--keep-going", "-w", "300ms", "--timeout", "10s"])
        .stdin("one\n/raw 99\n/close 70000\ntwo\n")
        .run()
        .await;
    out.expect_code(0).expect_stderr_contains("stdin line 2: /raw: '99' is no opcode");
    out.expect_stderr_contains("stdin line 3: /close: '70000' is not a close code");
    let texts: Vec<Vec<u8>> = peer.frames().into_iter().filter(|f| f.0 == 0x81).map(|f| f.1).collect();
    assert_eq!(texts, vec![b"one".to_vec(), b"two".to_vec()], "the run went on\n{out}");
}

#[tokio::test]
async fn ping_round_trips_show_with_commands_too() {
    let out =
        connect("builtin:echo").args(["--commands", "-w", "500ms"]).stdin("/ping\n/ping hi\n").run().await;
    out.expect_code(0)
        .expect_stderr_contains("* pong seq=1 rtt=")
        .expect_stderr_contains("* pong \"hi\" rtt=");
}

#[tokio::test]
async fn without_commands_slash_lines_are_messages() {
    let peer = Recorder::start().await;
    let out = connect(&peer.url).args(["-w", "300ms", "--timeout", "10s"]).stdin("/ping\n").run().await;
    out.expect_code(0);
    assert_eq!(peer.frames().first().map(|f| (f.0, f.1.clone())), Some((0x81, b"/ping".to_vec())));
}

#[tokio::test]
async fn file_sends_one_message_binary_unless_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    std::fs::write(&path, "{\"a\":1}").unwrap();
    let peer = Recorder::start().await;
    let script =
        format!("/file {p}\n/file --text {p}\n/file {p}.missing\n/file /dev/zero\n", p = path.display());
    let out =
        connect(&peer.url).args(["--commands", "--keep-going", "-w", "300ms"]).stdin(script).run().await;
    out.expect_code(0).expect_stderr_contains("m.json.missing");
    // A device reports no size: the limit holds while reading.
    out.expect_stderr_contains("/file /dev/zero: more than the 64 MiB /file sends");
    let got: Vec<(u8, Vec<u8>)> =
        peer.frames().into_iter().filter(|f| f.0 != 0x88).map(|f| (f.0, f.1)).collect();
    assert_eq!(got, vec![(0x82, b"{\"a\":1}".to_vec()), (0x81, b"{\"a\":1}".to_vec())]);
}

#[tokio::test]
async fn listen_commands_reach_one_client_or_kick_it() {
    let mut server =
        serve_with_stdin(["listen", "--commands", "--keep-going", "--max-runtime", "20s", "-v"]).await;
    // A message from each client shows its handler runs, so its inbox is registered.
    let mut one = client(&server.url()).await;
    send(&mut one, Message::text("one here")).await;
    server.wait_for("client 1", |out, _| out.contains("one here")).await;
    let mut two = client(&server.url()).await;
    send(&mut two, Message::text("two here")).await;
    server.wait_for("client 2", |out, _| out.contains("two here")).await;
    let mut stdin = server.stdin.take().expect("stdin");
    stdin.write_all(b"/clients\n/to 2 just two\neveryone\n/kick 1 4000 bye\n/to 9 nobody\n").await.unwrap();
    stdin.flush().await.unwrap();
    assert_eq!(next_data(&mut two).await, Message::text("just two"));
    assert_eq!(next_data(&mut two).await, Message::text("everyone"));
    assert_eq!(next_data(&mut one).await, Message::text("everyone"));
    assert_eq!(close_code(&mut one).await, Some(4000));
    server.wait_for("/clients and the unknown id", |_, err| err.contains("no client 9 is connected")).await;
    let err = server.stderr();
    assert!(err.contains("* 2 clients connected"), "{err}");
    assert!(err.contains("*   [1] 127.0.0.1:") && err.contains("*   [2] 127.0.0.1:"), "{err}");
    drop(stdin);
    let more =
        tokio::time::timeout(Duration::from_millis(300), next_within(&mut two, Duration::from_secs(5))).await;
    assert!(more.is_err(), "nothing else for client 2: {more:?}");
    server.interrupt().await;
}

/// Between two reads the line editor leaves raw mode, and what is typed then can be lost or
/// become a signal; a person types slower than a test, so the test waits a moment first.
fn settle() {
    std::thread::sleep(Duration::from_millis(300));
}

/// Whether a pseudo-terminal can be allocated here.
fn pty_available() -> bool {
    expectrl::spawn("true").is_ok()
}

/// Runs `session` (blocking, on expectrl's pseudo-terminals) with the binary and a fresh
/// state directory; skipped where no pseudo-terminal can be allocated.
async fn on_pty(session: fn(&str, &std::path::Path)) {
    if !pty_available() {
        skip::not_possible_here("no pseudo-terminal can be allocated here");
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_path_buf();
    let bin = crate::support::run::bin().to_string();
    tokio::task::spawn_blocking(move || session(&bin, &state_dir)).await.unwrap();
}

#[tokio::test]
async fn the_repl_on_a_terminal() {
    on_pty(repl_session).await;
}

fn repl_session(bin: &str, state: &std::path::Path) {
    use expectrl::{Eof, Expect, Regex};
    let start = |extra: &str| {
        let script = format!(
            "before=$(stty -g); '{bin}' connect 'builtin:echo?push-every=300ms' --color never \
             --bearer s3cr3t-token {extra}; echo EXIT=$?; \
             if [ \"$(stty -g)\" = \"$before\" ]; then echo TERMINAL=RESTORED; else echo TERMINAL=CHANGED; fi"
        );
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c").arg(script).env("TERM", "xterm").env("XDG_STATE_HOME", state).env_remove("NO_COLOR");
        let mut p = expectrl::Session::spawn(cmd).expect("spawn on a pty");
        p.set_expect_timeout(Some(Duration::from_secs(10)));
        p
    };
    let mut p = start("");
    p.expect("> ").unwrap();
    // A half-typed line survives a message printed above it.
    settle();
    p.send("hel").unwrap();
    p.expect(Regex(r"< push \d+\r?\n(\x1b\[[0-9;?]*[A-Za-z]|\r)*> hel")).unwrap();
    settle();
    p.send("lo s3cr3t-token\r").unwrap();
    p.expect(Regex(r"> hello s3cr3t-token")).unwrap();
    p.expect(Regex(r"< hello s3cr3t-token")).unwrap();
    // Ctrl-C with text clears the line and nothing is sent.
    settle();
    p.send("abc").unwrap();
    settle();
    p.send("\x03").unwrap();
    settle();
    p.send("xyz\r").unwrap();
    p.expect(Regex(r"> xyz")).unwrap();
    p.expect(Regex(r"< xyz")).unwrap();
    settle();
    p.send("/ping\r").unwrap();
    p.expect(Regex(r"pong seq=1 rtt=[0-9.]+ ms")).unwrap();
    settle();
    p.send("/nope\r").unwrap();
    p.expect("error: unknown command /nope").unwrap();
    settle();
    p.send("/pnig\r").unwrap();
    p.expect("error: unknown command /pnig; did you mean /ping?").unwrap();
    // Ctrl-D: a clean close with 1000 and the summary; then the terminal settings are the
    // ones it had before.
    settle();
    p.send("\x04").unwrap();
    p.expect("Closed by client: 1000 (normal)").unwrap();
    p.expect("\x1b[?2004l").expect("bracketed paste switched off again");
    p.expect(Regex(r"Sent \d+ messages?")).unwrap();
    p.expect("EXIT=0").unwrap();
    p.expect("TERMINAL=RESTORED").expect("the terminal settings are as before the REPL");
    p.expect(Eof).unwrap();

    // History survives a restart, with the credential masked.
    let history = std::fs::read_to_string(state.join("wsdiag/history")).expect("history file");
    assert!(history.contains("hello ***") && !history.contains("s3cr3t"), "{history}");
    let mut p = start("");
    p.expect("> ").unwrap();
    settle();
    p.send("\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A").unwrap(); // up: /pnig, /nope, /ping, xyz, then the message
    settle();
    p.send("\r").unwrap();
    p.expect(Regex(r"> hello \*\*\*")).unwrap();
    p.expect(Regex(r"< hello \*\*\*")).unwrap();
    settle();
    p.send("\x03").unwrap(); // Ctrl-C on an empty line also closes
    p.expect("Closed by client: 1000 (normal)").unwrap();
    p.expect("EXIT=0").unwrap();
    p.expect("TERMINAL=RESTORED").unwrap();
}

#[tokio::test]
async fn the_listen_repl_on_a_terminal_with_two_clients() {
    on_pty(listen_session).await;
}

fn listen_session(bin: &str, state: &std::path::Path) {
    use expectrl::{Expect, Regex};
    use tokio_tungstenite::tungstenite::{self, protocol::frame::coding::CloseCode};
    let script = format!(
        "before=$(stty -g); '{bin}' listen --port 0 --max-runtime 30s --color never; echo EXIT=$?; \
         if [ \"$(stty -g)\" = \"$before\" ]; then echo TERMINAL=RESTORED; else echo TERMINAL=CHANGED; fi"
    );
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(script).env("TERM", "xterm").env("XDG_STATE_HOME", state).env_remove("NO_COLOR");
    let mut p = expectrl::Session::spawn(cmd).expect("spawn on a pty");
    p.set_expect_timeout(Some(Duration::from_secs(10)));
    let found = p.expect(Regex(r"ws://127\.0\.0\.1:(\d+)/")).unwrap();
    let port: u16 = String::from_utf8_lossy(found.get(1).unwrap()).parse().unwrap();
    p.expect("listen> ").unwrap();
    let open = |hello: &str| {
        let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let (mut ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/"), tcp).unwrap();
        ws.send(Message::text(hello)).unwrap();
        ws
    };
    let next_text = |ws: &mut tungstenite::WebSocket<std::net::TcpStream>| loop {
        match ws.read().unwrap() {
            Message::Text(t) => return t.to_string(),
            Message::Close(f) => panic!("closed: {f:?}"),
            _ => continue,
        }
    };
    let close_of = |ws: &mut tungstenite::WebSocket<std::net::TcpStream>| loop {
        match ws.read() {
            Ok(Message::Close(f)) => {
                // Our answer to the close goes out with the next write or flush.
                let _ = ws.flush();
                return f.map(|f| f.code);
            }
            Ok(_) => continue,
            Err(e) => panic!("no close frame: {e}"),
        }
    };
    let mut one = open("one here");
    // An arrival has its line at the default verbosity, as a departure does.
    p.expect(Regex(r"\[1\] \* Accepted 127\.0\.0\.1:\d+")).unwrap();
    p.expect("[1] < one here").unwrap();
    let mut two = open("two here");
    p.expect("[2] < two here").unwrap();
    settle();
    p.send("/to 2 just two\r").unwrap();
    assert_eq!(next_text(&mut two), "just two");
    settle();
    p.send("/kick 1 4000 bye\r").unwrap();
    assert_eq!(close_of(&mut one), Some(CloseCode::from(4000)));
    p.expect("[1] * Disconnected").unwrap();
    settle();
    p.send("/clients\r").unwrap();
    p.expect("* 1 client connected").unwrap();
    settle();
    p.send("/stats\r").unwrap();
    p.expect("* 1 client connected; the summary at the end counts every client served").unwrap();
    settle();
    p.send("to all\r").unwrap();
    assert_eq!(next_text(&mut two), "to all");
    // Ctrl-D stops the server: the remaining client gets 1001 (going away).
    settle();
    p.send("\x04").unwrap();
    assert_eq!(close_of(&mut two), Some(CloseCode::Away));
    p.expect("EXIT=0").unwrap();
    p.expect("TERMINAL=RESTORED").unwrap();
}

#[tokio::test]
async fn lines_typed_ahead_are_all_sent_in_order() {
    if !pty_available() {
        skip::not_possible_here("no pseudo-terminal can be allocated here");
        return;
    }
    let peer = Recorder::start().await;
    let state = tempfile::tempdir().unwrap();
    let (bin, url, dir) =
        (crate::support::run::bin().to_string(), peer.url.clone(), state.path().to_path_buf());
    let frames = peer.frames.clone();
    let texts = move || -> Vec<String> {
        let frames = frames.lock().unwrap();
        frames.iter().filter(|f| f.0 == 0x81).map(|f| String::from_utf8_lossy(&f.1).into_owned()).collect()
    };
    tokio::task::spawn_blocking(move || {
        use expectrl::Expect;
        let script = format!("'{bin}' connect '{url}' --color never --timeout 10s; echo EXIT=$?");
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c").arg(script).env("TERM", "xterm").env("XDG_STATE_HOME", &dir);
        let mut p = expectrl::Session::spawn(cmd).expect("spawn on a pty");
        p.set_expect_timeout(Some(Duration::from_secs(10)));
        p.expect("> ").unwrap();
        // Sixty lines and a half-typed one, in one write: as a paste without bracketed paste,
        // or keys sent faster than the lines are read.
        let lines: Vec<String> = (0..60).map(|i| format!("line-{i:02}")).collect();
        let mut keys: String = lines.iter().map(|l| format!("{l}\r")).collect();
        keys.push_str("half");
        p.send(&keys).unwrap();
        let wait_for = |n: usize| {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while texts().len() < n && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        wait_for(60);
        assert_eq!(texts(), lines, "every line, in order");
        p.send("-typed\r").unwrap();
        wait_for(61);
        assert_eq!(texts().last().map(String::as_str), Some("half-typed"), "the half-typed line is kept");
        settle();
        p.send("\x04").unwrap();
        p.expect("EXIT=0").unwrap();
    })
    .await
    .unwrap();
}

/// `-x` on a terminal, or a pipe that ends, leaves the connection open: said once on stderr
/// when a person reads it, with what ends the run, as users of other clients expect the run
/// to end there; scripts (stderr not a terminal) and `--json` see nothing of it.
#[tokio::test]
async fn an_open_connection_after_the_input_is_said_once() {
    let said = "the connection stays open until the server closes it or Ctrl-C (-n N or -w DUR end the run)";
    let out = connect("builtin:echo?close-after=300ms").stdin("hi\n").run().await;
    out.expect_code(0);
    assert!(!out.stderr.contains(said), "{out}");
    if !pty_available() {
        skip::not_possible_here("no pseudo-terminal can be allocated here");
        return;
    }
    let bin = crate::support::run::bin().to_string();
    tokio::task::spawn_blocking(move || {
        use expectrl::Expect;
        let on_pty = |script: String| {
            let mut cmd = std::process::Command::new("sh");
            cmd.arg("-c").arg(script).env("TERM", "xterm");
            let mut p = expectrl::Session::spawn(cmd).expect("spawn on a pty");
            p.set_expect_timeout(Some(Duration::from_secs(10)));
            p
        };
        let mut p = on_pty(format!("trap : INT; '{bin}' connect builtin:echo -x hi --color never; echo EXIT=$?"));
        p.expect(format!("* the -x messages are sent; {said}")).unwrap();
        settle();
        p.send("\x03").unwrap();
        p.expect("EXIT=130").unwrap();
        let pipe = |extra: &str| {
            format!("printf 'hi\\n' | '{bin}' connect 'builtin:echo?close-after=500ms' --color never {extra} 2>&1; echo EXIT=$?")
        };
        let mut p = on_pty(pipe(""));
        let seen = p.expect("EXIT=0").unwrap();
        let text = String::from_utf8_lossy(seen.as_bytes()).into_owned();
        assert_eq!(text.matches(&format!("* stdin ended; {said}")).count(), 1, "once: {text}");
        for quiet in ["-n 1", "-w 100ms", "--timeout 300ms", "--json", "--ping-interval 100ms"] {
            let mut p = on_pty(pipe(quiet));
            let seen = p.expect("EXIT=").unwrap();
            let text = String::from_utf8_lossy(seen.as_bytes()).into_owned();
            assert!(!text.contains(said), "{quiet}: {text}");
        }
    })
    .await
    .unwrap();
}

/// The REPL shows messages, not floods: text and binary apart, a long message as a preview with
/// its length, whole ones after `/full on`.
#[tokio::test]
async fn the_repl_shows_previews_and_marks_binary() {
    if !pty_available() {
        skip::not_possible_here("no pseudo-terminal can be allocated here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.bin");
    std::fs::write(&file, vec![0xABu8; 100 * 1024]).unwrap();
    let (bin, state, file) = (crate::support::run::bin().to_string(), dir.path().to_path_buf(), file);
    tokio::task::spawn_blocking(move || {
        use expectrl::{Expect, Regex};
        let script = format!("'{bin}' connect builtin:echo --color never; echo EXIT=$?");
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c").arg(script).env("TERM", "xterm").env("XDG_STATE_HOME", &state);
        let mut p = expectrl::Session::spawn(cmd).expect("spawn on a pty");
        p.set_expect_timeout(Some(Duration::from_secs(10)));
        p.expect("> ").unwrap();
        settle();
        p.send("deadbeef\r").unwrap();
        p.expect(Regex(r"< deadbeef\r?\n")).unwrap();
        settle();
        p.send("/binary deadbeef\r").unwrap();
        p.expect("< [binary 4 bytes] deadbeef").unwrap();
        settle();
        p.send(format!("/file {}\r", file.display())).unwrap();
        let shown = p.expect(Regex(r"< \[binary 102400 bytes\] (ab)+…")).unwrap();
        let matched = shown.get(0).map_or(0, <[u8]>::len);
        assert!(matched < 300, "a preview, not 200,000 hex characters: {matched}");
        p.expect("(102400 bytes; /full on shows whole messages)").unwrap();
        settle();
        let long = "x".repeat(300);
        p.send(format!("{long}\r")).unwrap();
        p.expect(format!("< {}… (300 bytes; /full on shows whole messages)", "x".repeat(200))).unwrap();
        settle();
        p.send("/full on\r").unwrap();
        settle();
        p.send(format!("{long}\r")).unwrap();
        p.expect(Regex(format!(r"< {long}\r?\n"))).unwrap();
        settle();
        p.send("/stats\r").unwrap();
        p.expect("Sent 5 messages (103012 bytes)").unwrap();
        settle();
        p.send("\x04").unwrap();
        p.expect("EXIT=0").unwrap();
    })
    .await
    .unwrap();
}

/// Crafted frames count as sent, and the pong to a crafted ping is matched.
#[tokio::test]
async fn raw_frames_count_as_sent_and_their_pings_are_matched() {
    let script =
        "/raw text fragments=3 ping-between hello world\n/raw binary fin=0 abc\n/raw 0 def\n/raw ping\n";
    let out = connect("builtin:echo").args(["--commands", "-w", "300ms", "-v"]).stdin(script).run().await;
    out.expect_code(0)
        .expect_stderr_contains("* pong \"between\" rtt=")
        .expect_stderr_contains("* Sent 2 messages (17 bytes), received 2 messages (17 bytes)");
    assert!(!out.stderr.contains("Unmatched pong"), "{out}");
}

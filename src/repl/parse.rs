//! REPL commands: one line in, one `Control` out, or a one-line error. Pure: no I/O, no
//! session; the same parser serves the terminal REPL and `--commands` on a pipe, for `connect`
//! and `listen` alike (`commands::dispatch` carries the result out).

use std::path::PathBuf;

use tokio_tungstenite::tungstenite::Bytes;

use crate::core::event::Data;
use crate::core::session::{Outgoing, RawFrame};
use crate::settings::InputFormat;

/// Which subcommand reads the line: `listen` has commands of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Connect,
    Listen,
}

/// What a line asks for: the one control type of `connect` and `listen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// A plain line (or one starting with `//`, one slash removed): a message, decoded as the
    /// subcommand's input format says (text by default).
    Message(String),
    /// Frames or messages to send as they are (`/pong`, `/close`, `/binary`, `/base64`,
    /// `/json`, `/raw`), to the server or to every client; `/ping [TEXT]` is a
    /// `TimedPing` (its pong shows the RTT; sequence-numbered without TEXT).
    Send(Vec<Outgoing>),
    /// `/file [--text] PATH`: the file as one message, binary unless `text`.
    File {
        path: PathBuf,
        text: bool,
    },
    /// `/pretty on|off`: pretty-print JSON messages as they arrive.
    Pretty(bool),
    /// `/full on|off`: show whole messages instead of a preview with the length.
    Full(bool),
    Stats,
    Headers,
    /// `/verbose 0|1|2`.
    Verbose(u8),
    Help,
    Quit,
    /// listen: `/clients`.
    Clients,
    /// listen: `/to ID message`.
    To(u64, String),
    /// listen: `/kick ID [code [reason]]`.
    Kick(u64, Option<(u16, String)>),
}

/// Command names, for Tab completion and `/help`.
pub fn names(mode: Mode) -> &'static [&'static str] {
    match mode {
        Mode::Connect => &[
            "/base64", "/binary", "/close", "/file", "/full", "/headers", "/help", "/json", "/ping", "/pong",
            "/pretty", "/quit", "/raw", "/stats", "/verbose",
        ],
        Mode::Listen => &[
            "/base64", "/binary", "/clients", "/close", "/file", "/help", "/json", "/kick", "/ping", "/pong",
            "/quit", "/raw", "/stats", "/to",
        ],
    }
}

/// The `/help` text: one line per command.
pub fn help(mode: Mode) -> Vec<&'static str> {
    let mut lines = vec![
        "TEXT                 send TEXT as a message (//TEXT sends /TEXT)",
        "/ping [TEXT]         send a ping (its pong shows the RTT)",
        "/pong [TEXT]         send an unsolicited pong",
        "/close [CODE [REASON]] | /close none   start the closing handshake",
        "/binary HEX          send a binary message",
        "/base64 DATA         send a binary message",
        "/file [--text] PATH  send a file as one message (binary unless --text)",
        "/json {...}          check the JSON, then send it as text",
        "/raw OPCODE [fin=0|1] [rsv=BITS] [fragments=N] [ping-between] [size=N|hex=HEX] [TEXT]",
        "                     craft frames: any opcode (0-15 or text, binary, close, ping, pong, continuation)",
    ];
    match mode {
        Mode::Connect => lines.extend([
            "/stats               RTT summary, messages, bytes, age",
            "/pretty on|off       pretty-print JSON messages as they arrive",
            "/full on|off         whole messages, not a preview of long ones with their length",
            "/verbose 0|1|2       0 messages, 1 handshake and closes, 2 every frame",
            "/headers             show the handshake again",
        ]),
        Mode::Listen => lines.extend([
            "/stats               how many clients are connected (the summary at the end counts all)",
            "/clients             the connected clients (every other command goes to all of them)",
            "/to ID TEXT          send TEXT to client ID only",
            "/kick ID [CODE [REASON]]   close client ID (1000 by default)",
        ]),
    }
    lines.push("/help, /quit         (Ctrl-D or Ctrl-C on an empty line also close and leave)");
    lines
}

/// Parses one line. Errors are one line, for the user.
pub fn parse(line: &str, mode: Mode) -> Result<Control, String> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    if let Some(rest) = line.strip_prefix("//") {
        return Ok(Control::Message(format!("/{rest}")));
    }
    let Some(cmd) = line.strip_prefix('/') else {
        return Ok(Control::Message(line.to_string()));
    };
    let (name, args) = match cmd.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim_start()),
        None => (cmd, ""),
    };
    let none = |c: Control| if args.is_empty() { Ok(c) } else { Err(format!("/{name} takes no arguments")) };
    match (name, mode) {
        ("ping", _) => {
            let payload = (!args.is_empty()).then(|| Bytes::from(args.to_string()));
            Ok(Control::Send(vec![Outgoing::TimedPing(payload)]))
        }
        ("pong", _) => Ok(Control::Send(vec![Outgoing::Pong(Bytes::from(args.to_string()))])),
        ("close", _) => Ok(Control::Send(vec![Outgoing::Close(close_status(args, "/close")?)])),
        ("binary", _) => decode(InputFormat::Hex, args, "/binary"),
        ("base64", _) => decode(InputFormat::Base64, args, "/base64"),
        ("file", _) => {
            let (text, path) = match args.strip_prefix("--text") {
                Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest.trim_start()),
                _ => (false, args),
            };
            if path.is_empty() {
                return Err("/file needs a PATH".into());
            }
            Ok(Control::File { path: PathBuf::from(path), text })
        }
        ("json", _) => {
            serde_json::from_str::<serde_json::Value>(args).map_err(|e| format!("/json: not JSON: {e}"))?;
            Ok(Control::Send(vec![Outgoing::Data(Data::Text(args.to_string().into()))]))
        }
        ("pretty", Mode::Connect) => match args {
            "on" => Ok(Control::Pretty(true)),
            "off" => Ok(Control::Pretty(false)),
            _ => Err("/pretty takes on or off".into()),
        },
        ("full", Mode::Connect) => match args {
            "on" => Ok(Control::Full(true)),
            "off" => Ok(Control::Full(false)),
            _ => Err("/full takes on or off".into()),
        },
        ("raw", _) => raw(args).map(Control::Send),
        ("stats", _) => none(Control::Stats),
        ("headers", Mode::Connect) => none(Control::Headers),
        ("verbose", Mode::Connect) => match args {
            "0" | "1" | "2" => Ok(Control::Verbose(args.as_bytes()[0] - b'0')),
            _ => Err("/verbose takes 0, 1 or 2".into()),
        },
        ("help", _) => none(Control::Help),
        ("quit", _) => none(Control::Quit),
        ("clients", Mode::Listen) => none(Control::Clients),
        ("to", Mode::Listen) => {
            let (id, text) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
            let id = client_id(id, "/to")?;
            if text.is_empty() {
                return Err("/to needs a message after the client id".into());
            }
            Ok(Control::To(id, text.to_string()))
        }
        ("kick", Mode::Listen) => {
            let (id, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
            let id = client_id(id, "/kick")?;
            Ok(Control::Kick(id, close_status(rest.trim_start(), "/kick")?))
        }
        _ => Err(match closest(name, mode) {
            Some(near) => format!("unknown command /{}; did you mean {near}?", name.escape_debug()),
            None => format!("unknown command /{}; /help lists the commands", name.escape_debug()),
        }),
    }
}

/// The command of `mode` closest to the unknown `name`: within two edits (a swap of two
/// neighbours is one), or the only one it starts.
fn closest(name: &str, mode: Mode) -> Option<&'static str> {
    let candidates = names(mode);
    let prefixed: Vec<&str> =
        candidates.iter().copied().filter(|n| !name.is_empty() && n[1..].starts_with(name)).collect();
    if let [only] = prefixed.as_slice() {
        return Some(only);
    }
    let limit = if name.chars().count() <= 3 { 1 } else { 2 };
    candidates
        .iter()
        .map(|n| (edits(name, &n[1..]), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edits between `a` and `b`: insertions, deletions, substitutions and swaps of neighbours
/// (optimal string alignment).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

fn decode(format: InputFormat, args: &str, what: &str) -> Result<Control, String> {
    if args.is_empty() {
        return Err(format!("{what} needs data"));
    }
    let data = format.decode(args.as_bytes().to_vec(), what).map_err(|e| e.to_string())?;
    Ok(Control::Send(vec![Outgoing::Data(data)]))
}

fn client_id(s: &str, what: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("{what} needs a client id (a number, see /clients), not '{}'", s.escape_debug()))
}

/// `[CODE [REASON]]` (1000 when empty) or `none`. Any code is allowed, also ones a peer must
/// refuse: the REPL is a test tool. The reason must fit a control frame (123 bytes).
fn close_status(args: &str, what: &str) -> Result<Option<(u16, String)>, String> {
    if args == "none" {
        return Ok(None);
    }
    if args.is_empty() {
        return Ok(Some((1000, String::new())));
    }
    let (code, reason) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    let code: u16 = code
        .parse()
        .map_err(|_| format!("{what}: '{}' is not a close code (0-65535) or none", code.escape_debug()))?;
    let reason = reason.trim_start();
    if reason.len() > 123 {
        return Err(format!("{what}: the reason is longer than 123 bytes"));
    }
    Ok(Some((code, reason.to_string())))
}

/// `/raw OPCODE [fin=0|1] [rsv=BITS] [fragments=N] [ping-between] [size=N|hex=HEX] [TEXT]`.
fn raw(args: &str) -> Result<Vec<Outgoing>, String> {
    let mut words = args.split_whitespace().peekable();
    let op = words.next().ok_or("/raw needs an opcode (0-15 or a name); /help shows the form")?;
    let opcode = opcode(op)?;
    let mut o = RawFlags { fin: true, rsv: [false; 3], fragments: 1, ping_between: false, payload: None };
    while let Some(w) = words.peek().copied() {
        if !o.take(w)? {
            break;
        }
        words.next();
    }
    let text: Vec<&str> = words.collect();
    if !text.is_empty() {
        if o.payload.is_some() {
            return Err("/raw: give either size=, hex= or TEXT".into());
        }
        o.payload = Some(text.join(" ").into_bytes());
    }
    if o.ping_between && o.fragments < 2 {
        return Err("/raw: ping-between needs fragments=2 or more".into());
    }
    let payload = o.payload.take().unwrap_or_default();
    if o.fragments == 1 {
        let (fin, rsv) = (o.fin, o.rsv);
        return Ok(vec![Outgoing::Frame(RawFrame { fin, rsv, opcode, payload: Bytes::from(payload) })]);
    }
    if !o.fin {
        return Err("/raw: fin=0 and fragments= do not go together (the last fragment has FIN)".into());
    }
    Ok(fragment(opcode, &o, payload))
}

/// A `/raw` opcode: a number (0-15, decimal or 0x hex) or a name.
fn opcode(op: &str) -> Result<u8, String> {
    Ok(match op {
        "continuation" => 0x0,
        "text" => 0x1,
        "binary" => 0x2,
        "close" => 0x8,
        "ping" => 0x9,
        "pong" => 0xA,
        n => {
            let v = match n.strip_prefix("0x") {
                Some(h) => u8::from_str_radix(h, 16),
                None => n.parse::<u8>(),
            };
            v.ok()
                .filter(|v| *v <= 0xF)
                .ok_or_else(|| format!("/raw: '{}' is no opcode (0-15 or a name)", n.escape_debug()))?
        }
    })
}

/// The `key=value` words of `/raw` between the opcode and the text.
struct RawFlags {
    fin: bool,
    rsv: [bool; 3],
    /// How many frames the message is split into (1-1000).
    fragments: usize,
    /// A ping goes between the first and the second fragment.
    ping_between: bool,
    /// From `size=` or `hex=`; the text, when neither was given.
    payload: Option<Vec<u8>>,
}

impl RawFlags {
    /// Takes one word; false when it is no option (the text starts there).
    fn take(&mut self, w: &str) -> Result<bool, String> {
        let (key, value) = w.split_once('=').unwrap_or((w, ""));
        match key {
            "fin" if value == "0" || value == "1" => self.fin = value == "1",
            "rsv" if value.len() == 3 && value.bytes().all(|b| b == b'0' || b == b'1') => {
                for (i, b) in value.bytes().enumerate() {
                    self.rsv[i] = b == b'1';
                }
            }
            "fragments" => {
                self.fragments = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or("/raw: fragments takes a number from 1 to 1000")?
            }
            "ping-between" if value.is_empty() => self.ping_between = true,
            "size" | "hex" if self.payload.is_some() => return Err("/raw: give either size= or hex=".into()),
            "size" => {
                let n: usize = value
                    .parse()
                    .ok()
                    .filter(|n| *n <= 16 << 20)
                    .ok_or("/raw: size takes a byte count up to 16 MiB")?;
                self.payload = Some(vec![b'x'; n]);
            }
            "hex" => {
                let data = InputFormat::Hex
                    .decode(value.as_bytes().to_vec(), "/raw hex")
                    .map_err(|e| e.to_string())?;
                self.payload = Some(match data {
                    Data::Binary(b) => b.to_vec(),
                    Data::Text(t) => t.as_bytes().to_vec(),
                });
            }
            "fin" | "rsv" | "ping-between" => return Err(format!("/raw: bad option '{}'", w.escape_debug())),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The payload split as evenly as it allows into `o.fragments` frames; later fragments are
/// continuations, and only the first carries the RSV bits.
fn fragment(opcode: u8, o: &RawFlags, payload: Vec<u8>) -> Vec<Outgoing> {
    let per = payload.len().div_ceil(o.fragments).max(1);
    let mut chunks: Vec<Vec<u8>> = payload.chunks(per).map(<[u8]>::to_vec).collect();
    chunks.resize(o.fragments, Vec::new());
    let last = chunks.len() - 1;
    let mut out = Vec::new();
    for (i, chunk) in chunks.into_iter().enumerate() {
        out.push(Outgoing::Frame(RawFrame {
            fin: i == last,
            rsv: if i == 0 { o.rsv } else { [false; 3] },
            opcode: if i == 0 { opcode } else { 0x0 },
            payload: Bytes::from(chunk),
        }));
        if i == 0 && o.ping_between {
            out.push(Outgoing::Frame(RawFrame::new(0x9, Bytes::from_static(b"between"))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Control {
        parse(line, Mode::Connect).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn an_unknown_command_near_a_known_one_is_suggested() {
        for (line, mode, near) in [
            ("/pnig", Mode::Connect, Some("/ping")),
            ("/clsoe 1000", Mode::Connect, Some("/close")),
            ("/stat", Mode::Listen, Some("/stats")),
            ("/clinets", Mode::Listen, Some("/clients")),
            ("/kik 2", Mode::Listen, Some("/kick")),
            ("/nope", Mode::Connect, None),
            ("/clients", Mode::Connect, None),
        ] {
            let e = err(line, mode);
            match near {
                Some(n) => assert!(e.ends_with(&format!("did you mean {n}?")), "{line}: {e}"),
                None => assert!(e.ends_with("/help lists the commands"), "{line}: {e}"),
            }
        }
    }

    fn err(line: &str, mode: Mode) -> String {
        match parse(line, mode) {
            Err(e) => e,
            Ok(c) => panic!("{line} parsed as {c:?}"),
        }
    }

    fn frames(line: &str) -> Vec<RawFrame> {
        match ok(line) {
            Control::Send(v) => v
                .into_iter()
                .map(|o| match o {
                    Outgoing::Frame(f) => f,
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn messages_and_the_escaped_slash() {
        assert_eq!(ok("hello world"), Control::Message("hello world".into()));
        assert_eq!(ok("//etc/passwd"), Control::Message("/etc/passwd".into()));
        assert_eq!(ok(""), Control::Message(String::new()));
        assert_eq!(ok("hi\r\n"), Control::Message("hi".into()));
    }

    #[test]
    fn every_command() {
        assert_eq!(ok("/ping"), Control::Send(vec![Outgoing::TimedPing(None)]));
        assert_eq!(
            ok("/ping are you there"),
            Control::Send(vec![Outgoing::TimedPing(Some(Bytes::from_static(b"are you there")))])
        );
        assert_eq!(ok("/pong beat"), Control::Send(vec![Outgoing::Pong(Bytes::from_static(b"beat"))]));
        assert_eq!(ok("/close"), Control::Send(vec![Outgoing::Close(Some((1000, String::new())))]));
        assert_eq!(ok("/close none"), Control::Send(vec![Outgoing::Close(None)]));
        assert_eq!(
            ok("/close 4001 bye now"),
            Control::Send(vec![Outgoing::Close(Some((4001, "bye now".into())))])
        );
        assert_eq!(ok("/close 999"), Control::Send(vec![Outgoing::Close(Some((999, String::new())))]));
        assert_eq!(
            ok("/binary 00ff"),
            Control::Send(vec![Outgoing::Data(Data::Binary(Bytes::from_static(&[0, 255])))])
        );
        assert_eq!(
            ok("/base64 AP8="),
            Control::Send(vec![Outgoing::Data(Data::Binary(Bytes::from_static(&[0, 255])))])
        );
        assert_eq!(ok("/file a b.bin"), Control::File { path: "a b.bin".into(), text: false });
        assert_eq!(ok("/file --text x.txt"), Control::File { path: "x.txt".into(), text: true });
        assert_eq!(
            ok(r#"/json {"op": 1}"#),
            Control::Send(vec![Outgoing::Data(Data::Text(r#"{"op": 1}"#.into()))])
        );
        assert_eq!(ok("/pretty on"), Control::Pretty(true));
        assert_eq!(ok("/pretty off"), Control::Pretty(false));
        assert_eq!(ok("/full on"), Control::Full(true));
        assert_eq!(ok("/full off"), Control::Full(false));
        assert_eq!(ok("/stats"), Control::Stats);
        assert_eq!(ok("/headers"), Control::Headers);
        assert_eq!(ok("/verbose 2"), Control::Verbose(2));
        assert_eq!(ok("/help"), Control::Help);
        assert_eq!(ok("/quit"), Control::Quit);
        let l = |s| parse(s, Mode::Listen).unwrap();
        assert_eq!(l("/clients"), Control::Clients);
        assert_eq!(l("/to 3 hi there"), Control::To(3, "hi there".into()));
        assert_eq!(l("/kick 2"), Control::Kick(2, Some((1000, String::new()))));
        assert_eq!(l("/kick 2 4000 go"), Control::Kick(2, Some((4000, "go".into()))));
        assert_eq!(l("/kick 2 none"), Control::Kick(2, None));
    }

    #[test]
    fn raw_frames_of_every_kind() {
        let f = frames("/raw 3 fin=0 rsv=101 abc");
        assert_eq!(
            f,
            vec![RawFrame {
                fin: false,
                rsv: [true, false, true],
                opcode: 3,
                payload: Bytes::from_static(b"abc")
            }]
        );
        assert_eq!(frames("/raw 0xB")[0].opcode, 0xB);
        let big = frames("/raw ping size=200");
        assert_eq!((big[0].opcode, big[0].payload.len()), (0x9, 200));
        assert_eq!(frames("/raw close hex=03e8")[0].payload.as_ref(), &[0x03, 0xE8]);
        let split = frames("/raw text fragments=3 ping-between hello world");
        let shape: Vec<(u8, bool, &[u8])> =
            split.iter().map(|f| (f.opcode, f.fin, f.payload.as_ref())).collect();
        assert_eq!(
            shape,
            vec![
                (1, false, &b"hell"[..]),
                (9, true, &b"between"[..]),
                (0, false, &b"o wo"[..]),
                (0, true, &b"rld"[..])
            ]
        );
    }

    #[test]
    fn malformed_commands_are_one_line_errors() {
        let cases: &[(&str, Mode)] = &[
            ("/nope", Mode::Connect),
            ("/close abc", Mode::Connect),
            ("/close 70000", Mode::Connect),
            ("/binary zz", Mode::Connect),
            ("/binary", Mode::Connect),
            ("/base64 !!!", Mode::Connect),
            ("/file", Mode::Connect),
            ("/json {nope", Mode::Connect),
            ("/pretty maybe", Mode::Connect),
            ("/verbose 3", Mode::Connect),
            ("/stats now", Mode::Connect),
            ("/raw", Mode::Connect),
            ("/raw 16", Mode::Connect),
            ("/raw text fin=2", Mode::Connect),
            ("/raw text rsv=12", Mode::Connect),
            ("/raw text fragments=0", Mode::Connect),
            ("/raw text ping-between x", Mode::Connect),
            ("/raw text size=10 hello", Mode::Connect),
            ("/raw text size=5 hex=00", Mode::Connect),
            ("/raw text fin=0 fragments=2 x", Mode::Connect),
            ("/clients", Mode::Connect),
            ("/headers", Mode::Listen),
            ("/verbose 1", Mode::Listen),
            ("/pretty on", Mode::Listen),
            ("/to x hi", Mode::Listen),
            ("/to 1", Mode::Listen),
            ("/kick", Mode::Listen),
        ];
        for (line, mode) in cases {
            let e = err(line, *mode);
            assert!(!e.is_empty() && !e.contains('\n'), "{line}: {e:?}");
        }
        assert!(err(&format!("/close 1000 {}", "x".repeat(124)), Mode::Connect).contains("123"));
    }

    #[test]
    fn never_panics_on_odd_input() {
        for line in [
            "/",
            "//",
            "/ ",
            "/raw ",
            "/raw 0x",
            "/raw text size=",
            "/to  ",
            "/kick 1 ",
            "\u{1b}[A",
            "/\u{0}",
        ] {
            let _ = parse(line, Mode::Connect);
            let _ = parse(line, Mode::Listen);
        }
    }
}

//! README's examples are runs of the binary: every transcript in README.md (a fenced block
//! without a language whose first line is `$ wsdiag …`) is run against the built-in echo server
//! and must print what README shows, once the parts that vary are filtered (durations, ports,
//! handshake keys). `…` on a line of its own stands for any number of lines. `$ echo $?` checks
//! the exit code of the command before it.
//!
//! stdout and stderr are captured apart, so a transcript must be an interleaving of the two in
//! which each stream keeps its order, as a terminal would show them.
//!
//! The transcripts of docs/*.md are run the same way, each one whose commands can run here:
//! `wsdiag` against `builtin:echo`, without pipes or redirections (those against other servers
//! are examples of output, not runs).

use std::path::PathBuf;
use std::sync::LazyLock;

use regex::Regex;

use crate::support::served::serve;
use crate::support::{wsdiag, Output};

/// One `$ wsdiag …` command of a transcript and what README shows after it.
#[derive(Debug)]
struct Step {
    args: Vec<String>,
    shown: Vec<String>,
    exit: Option<i32>,
    /// `wsdiag` alone, with no shell syntax (`|`, `;`, `>`, a continued line).
    plain: bool,
}

impl Step {
    /// Whether the step can run here: `wsdiag` against the built-in echo server.
    fn runnable(&self) -> bool {
        self.plain && self.args.iter().any(|a| a.starts_with("builtin:") || a.contains(" 'builtin:"))
    }
}

/// A transcript: its steps, and where it starts in README (for messages).
#[derive(Debug)]
struct Transcript {
    line: usize,
    steps: Vec<Step>,
}

fn readme() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Splits a command line as sh would for the quoting README uses: '…', "…" and plain words.
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quote, mut in_word) = (Vec::new(), String::new(), None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "unbalanced quote in {line:?}");
    if in_word {
        words.push(word);
    }
    words
}

fn transcripts(text: &str) -> Vec<Transcript> {
    let mut found = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(language) = line.strip_prefix("```") else { continue };
        let block: Vec<&str> = lines.by_ref().map(|(_, l)| l).take_while(|l| !l.starts_with("```")).collect();
        if !language.is_empty() || !block.first().is_some_and(|l| l.starts_with("$ wsdiag ")) {
            continue;
        }
        let mut steps: Vec<Step> = Vec::new();
        for l in block {
            if l == "$ echo $?" {
                let step = steps.last_mut().expect("`echo $?` follows a command");
                step.exit = Some(-1);
            } else if let Some(command) = l.strip_prefix("$ ") {
                let words = shell_words(command);
                let shell = ["|", ";", "&&", ">", "<", "2>&1", "\\"];
                let plain = words[0] == "wsdiag"
                    && !command.ends_with('\\')
                    && !words
                        .iter()
                        .any(|w| shell.contains(&w.as_str()) || w.starts_with("2>") || w.ends_with(';'));
                steps.push(Step { args: words[1..].to_vec(), shown: Vec::new(), exit: None, plain });
            } else {
                let step = steps.last_mut().expect("output follows a command");
                match step.exit {
                    Some(-1) => step.exit = Some(l.parse().expect("`echo $?` shows a number")),
                    _ => step.shown.push(l.to_owned()),
                }
            }
        }
        found.push(Transcript { line: n + 1, steps });
    }
    found
}

/// The parts of a line that differ from run to run, replaced by fixed words.
fn filtered(line: &str) -> String {
    static FILTERS: LazyLock<Vec<(Regex, &str)>> = LazyLock::new(|| {
        let unit = r"\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|m|h)\b";
        [
            (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
            (r"(Sec-WebSocket-Key|sec-websocket-accept): \S+", "$1: KEY"),
            (r"\d+\.\d+(?:/\d+\.\d+)+ ms", "DURS"),
            (&format!(r"{unit}(?:\s{unit})*"), "DUR"),
        ]
        .into_iter()
        .map(|(re, with)| (Regex::new(re).expect("filter regex"), with))
        .collect()
    });
    FILTERS.iter().fold(line.to_owned(), |line, (re, with)| re.replace_all(&line, *with).into_owned())
}

/// Whether `shown` (with `…` lines matching any run of lines) is an interleaving of `out` and
/// `err` that keeps the order of each.
fn interleaves(shown: &[String], out: &[String], err: &[String]) -> bool {
    let mut memo = std::collections::HashMap::new();
    fn go(
        s: &[String],
        o: &[String],
        e: &[String],
        memo: &mut std::collections::HashMap<(usize, usize, usize), bool>,
    ) -> bool {
        let key = (s.len(), o.len(), e.len());
        if let Some(&known) = memo.get(&key) {
            return known;
        }
        let result = match s.split_first() {
            None => o.is_empty() && e.is_empty(),
            Some((first, rest)) if first == "…" => {
                go(rest, o, e, memo)
                    || (!o.is_empty() && go(s, &o[1..], e, memo))
                    || (!e.is_empty() && go(s, o, &e[1..], memo))
            }
            Some((first, rest)) => {
                (o.first() == Some(first) && go(rest, &o[1..], e, memo))
                    || (e.first() == Some(first) && go(rest, o, &e[1..], memo))
            }
        };
        memo.insert(key, result);
        result
    }
    go(shown, out, err, &mut memo)
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(filtered).collect()
}

/// Runs one step, with stdin empty as in a script; a `listen` serves the client README names
/// in its prose.
async fn run(step: &Step, text: &str) -> Output {
    if step.args[0] != "listen" {
        return wsdiag(&step.args).run().await;
    }
    // `--port N` in README becomes a free port; the client README names is pointed at it.
    let mut args = step.args.clone();
    if let Some(i) = args.iter().position(|a| a == "--port") {
        args.drain(i..i + 2);
    }
    let client = Regex::new(r"the client was `wsdiag (connect [^`]+)`").expect("regex");
    let client = client.captures(text).expect("README names the client of its listen example");
    let server = serve(&args).await;
    let port = Regex::new(r"127\.0\.0\.1:\d+").expect("regex");
    let client_line = port.replace_all(&client[1], format!("127.0.0.1:{}", server.port).as_str());
    wsdiag(shell_words(&client_line)).run().await;
    server.finish().await
}

/// Runs `step` and compares what it printed with what `file` shows; the difference, if any.
async fn differs(file: &str, t: &Transcript, step: &Step, text: &str) -> Option<String> {
    let out = run(step, text).await;
    let shown: Vec<String> = step.shown.iter().map(|l| filtered(l)).collect();
    let (stdout, stderr) = (lines(&out.stdout()), lines(&out.stderr));
    let code_ok = step.exit.is_none_or(|code| out.code() == Some(code));
    (!code_ok || !interleaves(&shown, &stdout, &stderr)).then(|| {
        format!(
            "{file} line {}: `wsdiag {}`\n--- {file} shows (filtered), exit {:?} ---\n{}\n\
             --- the binary printed (filtered), exit {:?} ---\nstdout:\n{}\nstderr:\n{}\n",
            t.line,
            step.args.join(" "),
            step.exit,
            shown.join("\n"),
            out.code(),
            stdout.join("\n"),
            stderr.join("\n"),
        )
    })
}

#[tokio::test]
async fn every_readme_transcript_matches_the_binary() {
    let text = readme();
    let transcripts = transcripts(&text);
    assert!(transcripts.len() >= 7, "found only {} transcripts in README.md", transcripts.len());
    let mut failures = Vec::new();
    for t in &transcripts {
        for step in &t.steps {
            assert!(
                step.runnable() || (step.plain && step.args[0] == "listen"),
                "README line {}: `wsdiag {}` is not runnable here; use builtin:echo",
                t.line,
                step.args.join(" ")
            );
            failures.extend(differs("README.md", t, step, &text).await);
        }
    }
    assert!(failures.is_empty(), "{} README example(s) differ:\n\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn every_runnable_docs_transcript_matches_the_binary() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    let (mut ran, mut failures) = (0, Vec::new());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let file = format!("docs/{}", path.file_name().unwrap_or_default().to_string_lossy());
        for t in transcripts(&text).iter().filter(|t| t.steps.iter().all(Step::runnable)) {
            ran += 1;
            for step in &t.steps {
                failures.extend(differs(&file, t, step, &text).await);
            }
        }
    }
    assert!(ran >= 15, "only {ran} docs transcripts can run here");
    assert!(failures.is_empty(), "{} docs example(s) differ:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn filters_hide_only_what_varies() {
    assert_eq!(
        filtered("* Connected to 127.0.0.1:35831 in 0.171 ms"),
        "* Connected to 127.0.0.1:PORT in DUR"
    );
    assert_eq!(filtered("(no answer for 1s 484ms)"), "(no answer for DUR)");
    assert_eq!(filtered("min/avg/max/stddev = 0.179/0.328/0.446/0.111 ms"), "min/avg/max/stddev = DURS");
    assert_eq!(
        filtered("2 heartbeats in a row, 3 pings, 1 message"),
        "2 heartbeats in a row, 3 pings, 1 message"
    );
    assert_eq!(filtered("sec-websocket-accept: sNAn51KG0xJ1kG+5qMFWpSQBf00="), "sec-websocket-accept: KEY");
    let s = |v: &[&str]| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(interleaves(&s(&["a", "x", "b"]), &s(&["a", "b"]), &s(&["x"])));
    assert!(!interleaves(&s(&["b", "a", "x"]), &s(&["a", "b"]), &s(&["x"])));
    assert!(interleaves(&s(&["…", "b"]), &s(&["a", "b"]), &s(&["x"])));
    assert!(!interleaves(&s(&["a"]), &s(&["a", "b"]), &s(&[])));
}

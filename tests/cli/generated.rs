//! Shell completions (completions/) and the man page (docs/wsdiag.1) are generated from the
//! clap definition; this test fails when the files on disk are stale. With WSDIAG_BLESS=1 it
//! rewrites them instead.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use wsdiag::cli::Cli;

const BLESS_HINT: &str = "run WSDIAG_BLESS=1 cargo test to update";

fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "wsdiag", &mut out);
    out
}

/// The top-level page, followed by one section per subcommand (synopsis, options, notes).
fn man_page() -> Vec<u8> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out).expect("render man page");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("wsdiag {}", sub.get_name());
        let sub = sub.clone().bin_name(name.clone());
        let has_notes = sub.get_after_help().is_some();
        let man = clap_mangen::Man::new(sub);
        let mut part = Vec::new();
        man.render_description_section(&mut part).expect("render");
        man.render_synopsis_section(&mut part).expect("render");
        man.render_options_section(&mut part).expect("render");
        if has_notes {
            man.render_extra_section(&mut part).expect("render");
        }
        let part = String::from_utf8(part).expect("roff is UTF-8");
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        for line in part.lines() {
            // Each subcommand's sections nest under its own heading.
            let line = match line.strip_prefix(".SH ") {
                Some(title) => format!(".SS {title}"),
                None => line.to_owned(),
            };
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

fn generated() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("completions/wsdiag.bash", completion(Shell::Bash)),
        ("completions/_wsdiag", completion(Shell::Zsh)),
        ("completions/wsdiag.fish", completion(Shell::Fish)),
        ("completions/_wsdiag.ps1", completion(Shell::PowerShell)),
        ("completions/wsdiag.elv", completion(Shell::Elvish)),
        ("docs/wsdiag.1", man_page()),
    ]
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create directory");
    std::fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[test]
fn completions_and_man_page_are_current() {
    let blessing = std::env::var_os("WSDIAG_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (rel, fresh) in generated() {
        let path = root().join(rel);
        let on_disk = std::fs::read(&path).ok();
        if on_disk.as_deref() == Some(fresh.as_slice()) {
            continue;
        }
        if blessing {
            bless(&path, &fresh);
        } else {
            stale.push(rel);
        }
    }
    assert!(stale.is_empty(), "stale generated files {stale:?}: {BLESS_HINT}");
}

#[test]
fn completions_know_the_subcommands_and_flags() {
    let bash = String::from_utf8(completion(Shell::Bash)).expect("UTF-8");
    for word in ["connect", "--cacert", "--ping-interval", "--json"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let man = String::from_utf8(man_page()).expect("UTF-8");
    for word in ["WSDIAG CONNECT", "\\-\\-handshake\\-timeout", "Exit codes"] {
        assert!(man.contains(word), "man page lacks {word:?}");
    }
}

//! Shell completions (completions/) and the man pages (docs/wsdiag.1, and docs/wsdiag-NAME.1
//! for each subcommand) are generated from the clap definition; this test fails when the files on disk are stale. With WSDIAG_BLESS=1 it
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

/// The command as the man pages show it: built (so subcommands know their `wsdiag-NAME` page
/// names), without the `help` subcommand, which has no page of its own.
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The top-level page, followed by one section per subcommand (synopsis, options, notes).
fn man_page() -> Vec<u8> {
    let cmd = man_command();
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

/// `docs/wsdiag-NAME.1` for each subcommand, the pages the top-level page refers to.
fn subcommand_pages() -> Vec<(String, Vec<u8>)> {
    man_command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|sub| {
            let man =
                clap_mangen::Man::new(sub.clone()).source(format!("wsdiag {}", env!("CARGO_PKG_VERSION")));
            let mut out = Vec::new();
            man.render(&mut out).expect("render man page");
            (format!("docs/{}", man.get_filename()), out)
        })
        .collect()
}

fn generated() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        ("completions/wsdiag.bash".to_owned(), completion(Shell::Bash)),
        ("completions/_wsdiag".to_owned(), completion(Shell::Zsh)),
        ("completions/wsdiag.fish".to_owned(), completion(Shell::Fish)),
        ("completions/_wsdiag.ps1".to_owned(), completion(Shell::PowerShell)),
        ("completions/wsdiag.elv".to_owned(), completion(Shell::Elvish)),
        ("docs/wsdiag.1".to_owned(), man_page()),
    ];
    files.extend(subcommand_pages());
    files
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
        let path = root().join(&rel);
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

#[test]
fn every_page_the_man_page_refers_to_is_shipped() {
    let man = String::from_utf8(man_page()).expect("UTF-8");
    let mut refs = Vec::new();
    for line in man.lines() {
        // References look like `wsdiag\-connect(1)` in roff.
        if let Some(name) = line.strip_suffix("(1)").filter(|l| l.starts_with("wsdiag\\-")) {
            refs.push(name.replace("\\-", "-"));
        }
    }
    assert!(refs.contains(&"wsdiag-connect".to_owned()), "no subcommand references found: {refs:?}");
    for name in refs {
        let page = root().join(format!("docs/{name}.1"));
        assert!(page.is_file(), "docs/wsdiag.1 refers to {name}(1), but {} does not exist", page.display());
        let text = std::fs::read_to_string(&page).expect("read page");
        assert!(text.contains(".SH NAME"), "{} is not a man page", page.display());
    }
}

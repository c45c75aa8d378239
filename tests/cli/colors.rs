//! Colors: --color always|never|auto, and NO_COLOR turning auto off, checked on a real
//! pseudo-terminal as well as on pipes.

use crate::support::{skip, wsdiag, Output};

const ESC: &str = "\x1b[";

fn session(color: &str) -> crate::support::run::Wsdiag {
    wsdiag(["connect", "builtin:echo", "-v", "-x", "hi", "-n", "1", "--color", color])
}

fn has_escapes(out: &Output) -> bool {
    out.stdout().contains(ESC) || out.stderr.contains(ESC)
}

/// Whether util-linux `script` can give us a pseudo-terminal here.
async fn pty_available() -> bool {
    let out = wsdiag(["--version"]).on_pty().run().await;
    out.code() == Some(0) && out.stdout().contains("wsdiag")
}

#[tokio::test]
async fn always_colors_even_on_pipes() {
    let out = session("always").run().await;
    out.expect_code(0);
    assert!(has_escapes(&out), "--color always printed no escape codes\n{out}");
}

#[tokio::test]
async fn always_beats_no_color() {
    let out = session("always").env("NO_COLOR", "1").run().await;
    out.expect_code(0);
    assert!(has_escapes(&out), "--color always must ignore NO_COLOR\n{out}");
}

#[tokio::test]
async fn never_and_auto_on_pipes_print_no_escape_codes() {
    for color in ["never", "auto"] {
        let out = session(color).run().await;
        out.expect_code(0).expect_stdout("hi\n");
        assert!(!has_escapes(&out), "--color {color} on a pipe\n{out}");
    }
}

#[tokio::test]
async fn auto_colors_a_terminal() {
    if !pty_available().await {
        skip::not_possible_here("util-linux `script` cannot allocate a pseudo-terminal here");
        return;
    }
    let out = session("auto").on_pty().env("TERM", "xterm-256color").run().await;
    out.expect_code(0);
    assert!(has_escapes(&out), "--color auto on a terminal printed no colors\n{out}");
}

#[tokio::test]
async fn no_color_turns_auto_off_on_a_terminal() {
    if !pty_available().await {
        skip::not_possible_here("util-linux `script` cannot allocate a pseudo-terminal here");
        return;
    }
    let out = session("auto").on_pty().env("TERM", "xterm-256color").env("NO_COLOR", "1").run().await;
    out.expect_code(0).expect_stdout_contains("hi");
    assert!(!has_escapes(&out), "NO_COLOR=1 with --color auto\n{out}");
    let out = session("never").on_pty().env("TERM", "xterm-256color").run().await;
    out.expect_code(0).expect_stdout_contains("hi");
    assert!(!has_escapes(&out), "--color never on a terminal\n{out}");
}

#[tokio::test]
async fn empty_no_color_does_not_disable_colors() {
    if !pty_available().await {
        skip::not_possible_here("util-linux `script` cannot allocate a pseudo-terminal here");
        return;
    }
    let out = session("auto").on_pty().env("TERM", "xterm-256color").env("NO_COLOR", "").run().await;
    out.expect_code(0);
    assert!(has_escapes(&out), "an empty NO_COLOR leaves auto on\n{out}");
}

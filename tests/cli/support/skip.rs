//! Skipped tests that say so. A test that cannot run here (an interoperability peer is
//! missing, the machine refuses a pseudo-terminal or a network namespace) returns early, but
//! never silently: libtest captures what a passing test prints, so every skip is also recorded,
//! and when the test binary exits, after libtest's own summary, the list is written straight to
//! stderr, which libtest does not capture. Under CI a missing peer fails the test instead.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Mutex, Once};

/// (test name, why) of every skip so far.
static SKIPPED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static REPORT_AT_EXIT: Once = Once::new();

unsafe extern "C" {
    /// The C library's exit hook: runs after `main` returns and on `std::process::exit`.
    fn atexit(hook: extern "C" fn()) -> std::ffi::c_int;
}

/// A peer that .ci/run installs (Python `websockets`, node `ws`, nginx) is missing: under CI
/// the test fails; elsewhere it is skipped, and the skip is reported at the end of the run.
#[track_caller]
pub fn missing_peer(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why} (required under CI)");
    }
    record(why);
}

/// The machine does not allow what the test needs (a pseudo-terminal, a network namespace, an
/// IPv6 loopback address): the test is skipped, and the skip is reported at the end of the run.
pub fn not_possible_here(why: &str) {
    record(why);
}

fn record(why: &str) {
    let test = std::thread::current().name().unwrap_or("(unnamed test)").to_owned();
    eprintln!("skipped: {why}");
    SKIPPED.lock().unwrap_or_else(|e| e.into_inner()).push((test, why.to_owned()));
    REPORT_AT_EXIT.call_once(|| {
        // SAFETY: `report` is a plain function that never unwinds, valid for the whole process.
        let _ = unsafe { atexit(report) };
    });
}

/// Writes the skipped tests, grouped by reason, to stderr. Runs inside `exit`: it must not
/// panic, so poisoned locks and write errors are tolerated.
extern "C" fn report() {
    let skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
    if skipped.is_empty() {
        return;
    }
    let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (test, why) in skipped.iter() {
        by_reason.entry(why).or_default().push(test);
    }
    let plural = if skipped.len() == 1 { "test was" } else { "tests were" };
    let mut text = format!(
        "\nwarning: {} {plural} skipped (counted as passed above); see \"Running the tests\" in README.md\n",
        skipped.len()
    );
    for (why, mut tests) in by_reason {
        tests.sort_unstable();
        text.push_str(&format!("  {why}\n"));
        for test in tests {
            text.push_str(&format!("    - {test}\n"));
        }
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

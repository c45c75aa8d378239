//! The core's layering, checked on its source: every room imports only rooms below it, nothing
//! above the core (exit codes, settings, output, the CLI), and names no CLI flag in a string.

use std::path::{Path, PathBuf};

use super::LAYERS;

/// The `.rs` files of a room (a file or a folder under `src/core`), without test-only files.
fn files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            out.extend(files(&p));
        } else if name.ends_with(".rs") && !name.starts_with("tests") {
            out.push(p);
        }
    }
    out
}

/// A file's code without its comments and without its test module (from `#[cfg(test)]` on).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn core_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join("core")
}

fn rank(room: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&room))
        .unwrap_or_else(|| panic!("room {room} of src/core is missing from core::LAYERS"))
}

/// Every room on disk, with its path.
fn rooms() -> Vec<(String, PathBuf)> {
    let mut rooms = Vec::new();
    for entry in std::fs::read_dir(core_dir()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        if name != "mod" && name != "tests" {
            rooms.push((name, p));
        }
    }
    rooms
}

#[test]
fn rooms_import_only_rooms_below_them() {
    let mut wrong = Vec::new();
    for (room, path) in rooms() {
        let own = rank(&room);
        for file in files(&path) {
            let code = code(&file);
            for (i, _) in code.match_indices("crate::core::") {
                let other: String =
                    code[i + 13..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if other != room && rank(&other) >= own {
                    wrong.push(format!("{} imports {other} (room {room})", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "imports that point up or sideways:\n{}", wrong.join("\n"));
}

#[test]
fn the_core_imports_nothing_above_it() {
    let mut wrong = Vec::new();
    for (_, path) in rooms() {
        for file in files(&path) {
            let code = code(&file);
            for above in ["exit", "hints", "settings", "output", "cli", "commands", "repl"] {
                if code.contains(&format!("crate::{above}")) {
                    wrong.push(format!("{} uses crate::{above}", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_core_names_no_cli_flag() {
    let flag = regex::Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap();
    let name = regex::Regex::new(r"(?:^|[^\w-])--[a-z][a-z0-9-]+").unwrap();
    let mut wrong = Vec::new();
    for (_, path) in rooms() {
        for file in files(&path) {
            for lit in flag.find_iter(&code(&file)) {
                if name.is_match(lit.as_str()) {
                    wrong.push(format!("{}: {}", file.display(), lit.as_str()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "CLI flags named in the core (word them in hints.rs or output):\n{}",
        wrong.join("\n")
    );
}

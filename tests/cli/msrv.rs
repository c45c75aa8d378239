//! The minimum Rust version that Cargo.toml declares (`rust-version`, repeated in README) is
//! true: no locked dependency needs a newer compiler, so `cargo install --locked` works on it.

use std::path::PathBuf;
use std::process::Command;

/// "1.88" or "1.88.0" as (1, 88, 0).
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().unwrap_or_else(|e| panic!("{text:?}: {e}")));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn declared_rust_version_covers_every_locked_dependency() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let out = Command::new(cargo)
        .args(["metadata", "--locked", "--format-version", "1", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let packages = meta["packages"].as_array().expect("packages");

    let declared = packages
        .iter()
        .find(|p| p["name"] == "wsdiag")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml declares rust-version")
        .to_owned();
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != "wsdiag")
        .filter_map(|p| {
            Some((
                version(p["rust_version"].as_str()?),
                format!("{} {}", p["name"].as_str()?, p["version"].as_str()?),
            ))
        })
        .max()
        .expect("some dependency declares rust-version");
    assert!(
        version(&declared) >= needed,
        "Cargo.toml says rust-version = {declared:?}, but {by} needs Rust {}.{}",
        needed.0,
        needed.1
    );

    let readme = std::fs::read_to_string(root.join("README.md")).expect("read README.md");
    assert!(
        readme.contains(&format!("Requires Rust {declared} or later")),
        "README.md does not say \"Requires Rust {declared} or later\""
    );
}

//! Helpers shared by integration tests.
#![allow(dead_code)]

pub mod proxy;
pub mod tmux;

use std::process::Command;

/// Runs `cast` from the installed test tools (the independent oracle) and returns its stdout.
pub fn cast(args: &[&str]) -> String {
    let program = popwatch::devnet::tools_bin_dir().join("cast");
    let out = Command::new(&program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "cast {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The first word of cast's decoded output (`123 [1.23e2]` -> `123`).
pub fn cast_value(args: &[&str]) -> String {
    cast(args)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

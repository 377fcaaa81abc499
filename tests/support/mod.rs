//! Helpers shared by integration tests.
#![allow(dead_code)]

pub mod proxy;
pub mod tmux;

use std::process::Command;

use alloy::primitives::Address;

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

pub fn hex_of(a: Address) -> String {
    format!("{a:x}").trim_start_matches("0x").to_owned()
}

/// (tx hash, log index, from topic, to topic) of every Transfer log, by `cast logs`.
pub fn cast_transfer_logs(
    d: &popwatch::devnet::Devnet,
    token: &str,
) -> Vec<(String, u64, String, String)> {
    let out = cast(&[
        "logs",
        "--from-block",
        "0",
        "--address",
        token,
        "--json",
        "-r",
        &d.url,
        "Transfer(address indexed,address indexed,uint256)",
    ]);
    let logs: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    logs.iter()
        .map(|l| {
            let topic = |i: usize| l["topics"][i].as_str().unwrap().to_lowercase();
            (
                l["transactionHash"].as_str().unwrap().to_owned(),
                u64::from_str_radix(l["logIndex"].as_str().unwrap().trim_start_matches("0x"), 16)
                    .unwrap(),
                topic(1),
                topic(2),
            )
        })
        .collect()
}

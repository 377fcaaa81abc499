//! Helpers shared by integration tests.
#![allow(dead_code)]

pub mod schema;
pub mod tmux;

use std::process::Command;

use alloy::primitives::Address;

/// The popwatch binary with its data in `data`, no config from the environment and no API key.
pub fn popwatch(data: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_popwatch"));
    cmd.env("POPWATCH_DATA_DIR", data)
        .env_remove("POPWATCH_CONFIG")
        .env_remove(popwatch::config::API_KEY_ENV)
        .env_remove(popwatch::config::RPC_URLS_ENV)
        .env_remove(popwatch::config::ETH_RPC_URL_ENV);
    cmd
}

/// `popwatch events --config <config>` with its data in `data`: stdout piped, stderr dropped.
pub fn spawn_events(config: &std::path::Path, data: &std::path::Path) -> std::process::Child {
    popwatch(data)
        .args(["events", "--config"])
        .arg(config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Writes `d`'s popwatch config into `dir` with a 1 s chain refresh (the devnet's own is 5 s),
/// for tests that watch `popwatch` react; returns its path.
pub fn fast_devnet_config(
    d: &popwatch_devnet::Devnet,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let config = dir.join("devnet.toml");
    std::fs::write(
        &config,
        d.config_toml()
            .replace("refresh_secs = 5", "refresh_secs = 1"),
    )
    .unwrap();
    config
}

/// Writes `d`'s popwatch config into `dir`, its RPC routed through `proxy_url`, the log
/// index's ranges at most `max_range` blocks (the window scan keeps its own); returns its path.
pub fn proxied_devnet_config(
    d: &popwatch_devnet::Devnet,
    proxy_url: &str,
    dir: &std::path::Path,
    max_range: u64,
) -> std::path::PathBuf {
    let config = dir.join("devnet.toml");
    let toml = d.config_toml().replace(&d.url, proxy_url).replace(
        "[chain.contracts]",
        &format!("logs_max_range_blocks = {max_range}\n\n[chain.contracts]"),
    );
    std::fs::write(&config, toml).unwrap();
    config
}

/// Runs `cast` from the installed test tools (the independent oracle) and returns its stdout.
pub fn cast(args: &[&str]) -> String {
    let program = popwatch_devnet::tools_bin_dir().join("cast");
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
    d: &popwatch_devnet::Devnet,
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

/// (tx hash, log index) of the `cast_transfer_logs` entries that touch `wallet`, sorted: the
/// oracle a wallet's transfer history is compared with.
pub fn transfers_touching(
    logs: &[(String, u64, String, String)],
    wallet: Address,
) -> Vec<(String, u64)> {
    let topic = format!("0x{:0>64}", hex_of(wallet));
    let mut touching: Vec<(String, u64)> = logs
        .iter()
        .filter(|(_, _, from, to)| *from == topic || *to == topic)
        .map(|(tx, index, _, _)| (tx.clone(), *index))
        .collect();
    touching.sort();
    touching
}

/// One refresh of a source, its updates in the order they were sent, and how long it took.
pub async fn refresh_once(
    source: &mut dyn popwatch::sources::Source,
) -> (Vec<popwatch::state::Update>, std::time::Duration) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    source.refresh(tx).await;
    let took = started.elapsed();
    let mut updates = Vec::new();
    while let Ok(update) = rx.try_recv() {
        updates.push(update);
    }
    (updates, took)
}

/// What a `TestBackend` terminal shows, row by row.
pub fn screen(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let width = buffer.area.width as usize;
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

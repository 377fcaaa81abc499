//! `scripts/devnet`: a local Ethereum with POP, its pools and its holders, in the foreground.
//! Prints the RPC URL and the path of a popwatch config that watches it; Ctrl-C stops anvil.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use popwatch_devnet::{Devnet, Preset, Scenario};

/// Start a devnet: anvil with the real Uniswap contracts, a POP stand-in, pools, holders and
/// a Transfer history; write a popwatch config for it.
#[derive(Debug, Parser)]
struct Args {
    /// Number of watched holders (5 to 10,000).
    #[arg(long, default_value_t = 5)]
    wallets: usize,
    /// Market depth: thin (like POP today), no_pools, deep.
    #[arg(long, default_value = "thin")]
    preset: String,
    /// Where to write the popwatch config (default: a file in the system temp dir).
    #[arg(long, value_name = "FILE")]
    config_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let Some(preset) = Preset::parse(&args.preset) else {
        eprintln!(
            "devnet: unknown preset `{}` (choose one of {})",
            args.preset,
            Preset::NAMES
        );
        return std::process::ExitCode::from(2);
    };
    let started = Instant::now();
    let devnet = match Devnet::start(Scenario::preset(preset).with_wallets(args.wallets)).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("devnet: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let path = args.config_out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("popwatch-devnet-{}.toml", devnet.anvil().port()))
    });
    if let Err(e) = popwatch::fsutil::write_atomic(&path, devnet.config_toml().as_bytes(), true) {
        eprintln!("devnet: cannot write {}: {e}", path.display());
        return std::process::ExitCode::from(1);
    }
    println!(
        "devnet ready in {:.1?} ({} preset, {} wallets)",
        started.elapsed(),
        args.preset,
        devnet.wallets.len()
    );
    println!("rpc url: {}", devnet.url);
    println!("config:  {}", path.display());
    println!("token:   {}", devnet.contracts.pop.to_checksum(None));
    println!("watch it: cargo run -- --config {}", path.display());
    println!("Ctrl-C stops the devnet.");
    let _ = tokio::signal::ctrl_c().await;
    drop(devnet);
    eprintln!("devnet stopped");
    std::process::ExitCode::SUCCESS
}

//! Command-line interface (clap). Exit codes: 0 success, 1 runtime failure, 2 usage or
//! configuration error.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Watch Ethereum wallets holding POP Network Token: exact balances, paper value, what a sale
/// would really fetch, market figures side by side, and every red flag with its evidence.
#[derive(Debug, Parser)]
#[command(name = "popwatch", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.\n\
Config: --config PATH, else $POPWATCH_CONFIG, else the platform config dir (see `popwatch config path`).\n\
Logs: popwatch.log in the data dir ($POPWATCH_DATA_DIR overrides); level from $POPWATCH_LOG."
)]
pub struct Cli {
    /// Config file (default: $POPWATCH_CONFIG, else the platform config directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Run the terminal app offline on built-in simulated data.
    #[arg(long)]
    pub demo: bool,

    /// Watch this address (repeatable) instead of the config's wallets, editing no file; the
    /// config's other settings (or the defaults) apply.
    #[arg(long = "wallet", global = true, value_name = "ADDRESS")]
    pub wallets: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Refresh every source once, print the result, and exit (1 if the chain could not be read).
    #[command(
        after_help = "The JSON carries \"schema_version\"; its shape is the JSON Schema \
                      schemas/snapshot.schema.json in popwatch's repository, and the README's \
                      changelog lists what each version changed."
    )]
    Snapshot {
        /// Print JSON (versioned: schemas/snapshot.schema.json) instead of a table.
        #[arg(long)]
        json: bool,
        /// Do not record this observation in the history (by default a snapshot's values are
        /// recorded, so `popwatch history` and the charts know popwatch was watching then).
        #[arg(long)]
        no_history: bool,
    },
    /// Run the refresh loop without the terminal app; print one JSON object per event.
    #[command(
        after_help = "Each event carries \"schema_version\"; its shape is the JSON Schema \
                      schemas/event.schema.json in popwatch's repository, and the README's \
                      changelog lists what each version changed."
    )]
    Events,
    /// Who holds the token: the top holders, the supply's breakdown, from the log index (read
    /// to the head first: the whole history on a first run) and the chain.
    #[command(
        after_help = "--json prints the `holders` object of schemas/snapshot.schema.json. Every \
                      figure is marked partial while the log index is not proven complete."
    )]
    Holders {
        /// How many of the largest holders to list (default: [holders] top, 50).
        #[arg(long, value_name = "N")]
        top: Option<u64>,
        /// Print JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV (one row per holder).
        #[arg(long)]
        csv: bool,
    },
    /// Print the recorded portfolio and price history.
    History {
        /// How many days back.
        #[arg(long, default_value_t = 7, value_name = "N")]
        days: u32,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Create, check or locate the config file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Add, remove or list the watched wallets in the config file.
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// Print a shell completion script (e.g. `popwatch completions bash > ~/.local/share/bash-completion/completions/popwatch`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `popwatch man > ~/.local/share/man/man1/popwatch.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// Add a wallet to the config (created from the commented example if missing); every
    /// other line of the file is kept as it was.
    Add {
        /// The address, in any case (written checksummed); a mixed-case one must be a valid
        /// EIP-55 checksum.
        address: String,
        /// How the wallet is shown (default: its short address).
        #[arg(long)]
        label: Option<String>,
    },
    /// Remove a wallet from the config, by address or label.
    Remove {
        /// The address or the label.
        which: String,
    },
    /// List the watched wallets.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write the commented default config (no wallets yet) and print its path.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Validate the config file; errors name the file, line and key.
    Check,
    /// Print the config file's path.
    Path,
}

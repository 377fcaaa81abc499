//! What each CLI command does. Errors that are the user's to fix (usage, config) carry exit
//! code 2; everything else that fails is a runtime failure, exit code 1.

pub mod events;
mod holders;
mod wallet;

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{Cli, Command, ConfigCommand, WalletCommand};
use crate::config::{self, ConfigError, PathOrigin};
use crate::format::sanitize;

/// A failure with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Runtime(String),
}

impl CommandError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CommandError::Config(_) | CommandError::Usage(_) => ExitCode::from(2),
            CommandError::Runtime(_) => ExitCode::from(1),
        }
    }
}

pub type CommandResult = Result<ExitCode, CommandError>;

pub fn run(cli: Cli) -> CommandResult {
    let flag = cli.config.as_deref();
    if cli.demo && cli.command.is_some() {
        return Err(CommandError::Usage(
            "--demo runs the terminal app on simulated data; it does not combine with a command"
                .to_owned(),
        ));
    }
    let watching = !cli.wallets.is_empty();
    let wallets = cli
        .wallets
        .iter()
        .map(|w| wallet::address_argument(flag, w))
        .collect::<Result<Vec<_>, _>>()?;
    if watching
        && !matches!(
            cli.command,
            None | Some(Command::Snapshot { .. } | Command::Events)
        )
    {
        return Err(CommandError::Usage(
            "--wallet watches addresses in the terminal app, `snapshot` and `events`; to keep one, use `popwatch wallet add`"
                .to_owned(),
        ));
    }
    match cli.command {
        Some(Command::Config(ConfigCommand::Init { force })) => config_init(flag, force),
        Some(Command::Config(ConfigCommand::Check)) => config_check(flag),
        Some(Command::Config(ConfigCommand::Path)) => config_path(flag),
        Some(Command::Snapshot { json, no_history }) => snapshot(flag, &wallets, json, !no_history),
        Some(Command::Events) => events(flag, &wallets),
        Some(Command::History { days, csv }) => history(flag, days, csv),
        Some(Command::Holders { top, json, csv }) => {
            holders::holders(flag, &wallets, top, json, csv)
        }
        Some(Command::Wallet(WalletCommand::Add { address, label })) => {
            wallet::add(flag, &address, label.as_deref())
        }
        Some(Command::Wallet(WalletCommand::Remove { which })) => wallet::remove(flag, &which),
        Some(Command::Wallet(WalletCommand::List { json })) => wallet::list(flag, json),
        Some(Command::Completions { shell }) => {
            // Built in memory, then written: clap_complete panics when its writer fails (a
            // reader that stops early, `| head`).
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut command, "popwatch", &mut text);
            write_stdout(&text)
        }
        Some(Command::Man) => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut text)
                .map_err(|e| CommandError::Runtime(format!("cannot render: {e}")))?;
            write_stdout(&text)
        }
        None => tui(flag, &wallets, cli.demo),
    }
}

/// `bytes` on stdout; a reader gone away (`| head`, `grep -q`) ends the command with exit 1, as
/// every command that prints does.
fn write_stdout(bytes: &[u8]) -> CommandResult {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::from(1)),
        Err(e) => Err(CommandError::Runtime(format!("cannot write: {e}"))),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// The config, with `--wallet` addresses (if any) watched instead of its wallets.
fn load(
    flag: Option<&Path>,
    wallets: &[(alloy::primitives::Address, Option<String>)],
) -> Result<config::LoadedConfig, CommandError> {
    let mut loaded = config::load(flag)?;
    if !wallets.is_empty() {
        loaded.config.wallets = wallets
            .iter()
            .map(|(address, name)| config::WalletConfig {
                label: name
                    .clone()
                    .unwrap_or_else(|| crate::wallets::short_label(*address)),
                address: *address,
                ens: name.clone(),
            })
            .collect();
    }
    Ok(loaded)
}

fn data_dir() -> Result<std::path::PathBuf, CommandError> {
    crate::dirs::data_dir().ok_or_else(|| {
        CommandError::Runtime(format!(
            "no data directory; set {}",
            crate::dirs::DATA_DIR_ENV
        ))
    })
}

/// `popwatch events`: the refresh loop without the TUI, one JSON object per event and line.
fn events(
    flag: Option<&Path>,
    wallets: &[(alloy::primitives::Address, Option<String>)],
) -> CommandResult {
    let loaded = load(flag, wallets)?;
    let _log = crate::logging::init()
        .map_err(|e| eprintln!("logging disabled: {e}"))
        .ok();
    let dir = data_dir()?;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CommandError::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(events::run_events(loaded.config, dir));
    Ok(ExitCode::SUCCESS)
}

/// Records a snapshot's values (not its events: alerts and standing flags belong to the
/// watchers) in the history, so a snapshot run from cron leaves a trace of watching. A history
/// that cannot be written is said on stderr; the snapshot itself still counts.
fn record_snapshot(state: &crate::state::AppState, now: time::OffsetDateTime) {
    let recorded = data_dir()
        .map_err(|e| e.to_string())
        .and_then(|dir| crate::history::Store::open_in(&dir).map_err(|e| e.to_string()))
        .and_then(|mut store| {
            let recording = crate::history::Recording {
                logs_block: None,
                ..crate::history::Recording::of(state)
            };
            store
                .record_values(recording, &[], now)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "snapshot: not recorded in the history");
        eprintln!("the history could not be written ({e}); use --no-history to skip it");
    }
}

/// `popwatch history`: the recorded portfolio and prices as a table or CSV.
fn history(flag: Option<&Path>, days: u32, csv: bool) -> CommandResult {
    config::load(flag)?;
    let dir = data_dir()?;
    // Read-only: looking at the history never creates, upgrades or moves the file.
    let store = crate::history::Store::open_read_only(&dir)
        .map_err(|e| CommandError::Runtime(e.to_string()))?;
    let since = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
    let (rows, spans) = match &store {
        Some(store) => (
            store
                .observations(since)
                .map_err(|e| CommandError::Runtime(e.to_string()))?,
            store
                .spans(since)
                .map_err(|e| CommandError::Runtime(e.to_string()))?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let text = crate::history::history_table(&rows, &spans, csv);
    let mut stdout = std::io::stdout().lock();
    match write!(stdout, "{}", crate::format::sanitize_lines(&text)) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::from(1)),
        Err(e) => Err(CommandError::Runtime(format!("cannot write: {e}"))),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

fn tui(
    flag: Option<&Path>,
    wallets: &[(alloy::primitives::Address, Option<String>)],
    demo: bool,
) -> CommandResult {
    let (config, sources, path): (_, Vec<Box<dyn crate::sources::Source>>, _) = if demo {
        (
            crate::sources::demo::config(),
            vec![Box::new(crate::sources::demo::DemoSource::new())],
            None,
        )
    } else {
        let loaded = load(flag, wallets)?;
        let index = crate::history::index_in(
            crate::dirs::data_dir().as_deref(),
            Some(crate::sources::chain::index::REFRESH_BUDGET),
        );
        let sources = crate::sources::sources_indexed(&loaded.config, index);
        (loaded.config, sources, Some(loaded.path))
    };
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(CommandError::Usage(
            "the terminal app needs a terminal; for scripts use `popwatch snapshot --json` or `popwatch events`".into(),
        ));
    }
    let _log = crate::logging::init().ok();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CommandError::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime
        .block_on(crate::tui::run(
            config,
            sources,
            demo,
            path,
            !wallets.is_empty(),
        ))
        .map_err(|e| CommandError::Runtime(format!("terminal error: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn config_path(flag: Option<&Path>) -> CommandResult {
    let (path, origin) = config::resolve_path(flag)?;
    println!("{}", path.display());
    if !path.exists() {
        eprintln!(
            "(from {origin}; the file does not exist yet: `popwatch config init` creates it)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn config_check(flag: Option<&Path>) -> CommandResult {
    let (path, _) = config::resolve_path(flag)?;
    let config = config::load_file(&path)?;
    println!("config OK: {}", path.display());
    println!(
        "  chain {} through {} RPC endpoint(s): {}",
        config.chain.chain_id,
        config.chain.rpc_urls.len(),
        config
            .chain
            .rpc_urls
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some((var, _)) = config::rpc_urls_from_env() {
        println!("  the RPC endpoints come from ${var}, which replaces [chain] rpc_urls");
    }
    println!(
        "  token {} (expected {} / {})",
        config.token.address.to_checksum(None),
        sanitize(&config.token.expected_name),
        sanitize(&config.token.expected_symbol)
    );
    match config.wallets.len() {
        0 => println!(
            "  no wallet is watched yet: `popwatch wallet add <ADDRESS>` adds one (or add [[wallets]] tables by hand)"
        ),
        n => {
            println!("  {n} wallet(s) watched:");
            for w in &config.wallets {
                println!(
                    "    {:<32} {}",
                    sanitize(&w.label),
                    w.address.to_checksum(None)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn config_init(flag: Option<&Path>, force: bool) -> CommandResult {
    let (path, origin) = config::resolve_path(flag)?;
    match crate::fsutil::write_atomic(&path, config::EXAMPLE.as_bytes(), force) {
        Ok(()) => {
            println!("{}", path.display());
            eprintln!(
                "wrote the default config (from {origin}); add your wallets, then run `popwatch config check`"
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(CommandError::Usage(format!(
                "{} already exists; pass --force to overwrite it",
                path.display()
            )))
        }
        Err(e) => Err(CommandError::Runtime(format!(
            "cannot write {}: {e}",
            path.display()
        ))),
    }
}

fn snapshot(
    flag: Option<&Path>,
    wallets: &[(alloy::primitives::Address, Option<String>)],
    json: bool,
    record: bool,
) -> CommandResult {
    let loaded = load(flag, wallets)?;
    if !loaded.file_found && loaded.origin == PathOrigin::Default {
        eprintln!(
            "no config at {}: using the defaults (the token alone, no wallets)",
            loaded.path.display()
        );
    }
    let _log = crate::logging::init()
        .map_err(|e| eprintln!("logging disabled: {e}"))
        .ok();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CommandError::Runtime(format!("cannot start the async runtime: {e}")))?;
    // The log index is extended to the head, all of it, unless --no-history leaves the data
    // directory untouched.
    let index =
        crate::history::index_in(crate::dirs::data_dir().filter(|_| record).as_deref(), None);
    let monitor = runtime.block_on(crate::snapshot::observe(&loaded.config, index));
    let (state, flags) = (monitor.state(), monitor.flags());
    let now = time::OffsetDateTime::now_utc();
    if record {
        record_snapshot(state, now);
    }
    let mut stdout = std::io::stdout().lock();
    let written = if json {
        serde_json::to_string_pretty(&crate::snapshot::to_json(state, flags, now))
            .map_err(std::io::Error::other)
            .and_then(|text| writeln!(stdout, "{}", crate::format::escape_json_unsafe(&text)))
    } else {
        let table = crate::snapshot::to_table(state, flags, now);
        write!(stdout, "{}", crate::format::sanitize_lines(&table))
    };
    match written {
        // The reader went away (`| head`): nothing more to say.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::from(1)),
        Err(e) => {
            return Err(CommandError::Runtime(format!(
                "cannot write the snapshot: {e}"
            )));
        }
        Ok(()) => {}
    }
    if state.chain_read() {
        Ok(ExitCode::SUCCESS)
    } else {
        tracing::warn!("snapshot: the chain could not be read");
        eprintln!("the chain could not be read: its figures are null (see `sources`)");
        Ok(ExitCode::from(1))
    }
}

//! `popwatch holders`: who holds the token, from the log index (extended to the head first,
//! the whole history on a first run) and the top holders' `balanceOf`.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{CommandError, CommandResult, load};
use crate::format::{fraction_pct, sanitize, token_amount};
use crate::snapshot::holders::{holders_json, summary_lines};
use crate::state::AppState;
use crate::state::holders::HoldersReading;

pub fn holders(
    flag: Option<&Path>,
    wallets: &[(alloy::primitives::Address, Option<String>)],
    top: Option<u64>,
    json: bool,
    csv: bool,
) -> CommandResult {
    let mut loaded = load(flag, wallets)?;
    if let Some(top) = top {
        if top == 0 || top > 1_000 {
            return Err(CommandError::Usage(format!(
                "--top {top}: must be 1 to 1000"
            )));
        }
        loaded.config.holders.top = top;
    }
    let _log = crate::logging::init().ok();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| CommandError::Runtime(format!("cannot start the async runtime: {e}")))?;
    let Some(dir) = crate::dirs::data_dir() else {
        return Err(CommandError::Runtime(
            "no data directory for the log index (set $POPWATCH_DATA_DIR)".into(),
        ));
    };
    let index = crate::history::index_in(Some(&dir), None);
    if index.is_none() {
        return Err(CommandError::Runtime(format!(
            "the log index in {} cannot be opened (see popwatch.log)",
            dir.display()
        )));
    }
    let monitor = runtime.block_on(crate::snapshot::observe(&loaded.config, index));
    let state = monitor.state();
    let Some(reading) = &state.holders else {
        let why = state
            .index_error
            .clone()
            .or_else(|| {
                state
                    .sources
                    .get(&crate::state::SourceName::Chain)
                    .and_then(|s| match &s.status {
                        crate::state::SourceStatus::Failed { error } => Some(error.clone()),
                        _ => None,
                    })
            })
            .unwrap_or_else(|| "the chain or its totalSupply could not be read".to_owned());
        return Err(CommandError::Runtime(format!(
            "the holders could not be counted: {}",
            sanitize(&why)
        )));
    };
    let text = if json {
        serde_json::to_string_pretty(&holders_json(state, reading))
            .map(|t| format!("{}\n", crate::format::escape_json_unsafe(&t)))
            .map_err(|e| CommandError::Runtime(e.to_string()))?
    } else if csv {
        csv_rows(state, reading)
    } else {
        crate::format::sanitize_lines(&table(state, reading))
    };
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::from(1)),
        Err(e) => Err(CommandError::Runtime(format!(
            "cannot write the holders: {e}"
        ))),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

fn decimals(state: &AppState) -> u8 {
    state.token.decimals.unwrap_or(18)
}

/// The summary, the breakdown and the top holders as a table.
pub fn table(state: &AppState, h: &HoldersReading) -> String {
    let d = decimals(state);
    let mut out = String::new();
    out.push_str(&format!(
        "holders of {} at block {}\n",
        state.token.address.to_checksum(None),
        h.block
    ));
    for line in summary_lines(h, d) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!(
        "\n{:>4}  {:<42}  {:>24}  {:>7}  {:<17}  {}\n",
        "#", "address", "balance", "share", "kind", "roles / name"
    ));
    for (i, holder) in h.top.iter().enumerate() {
        let mut who: Vec<String> = holder.roles.iter().map(|r| r.describe()).collect();
        if let Some(name) = state.name_of(holder.address) {
            who.push(name.to_owned());
        }
        if holder.differs() {
            who.push(format!(
                "replayed {} ≠ balanceOf",
                token_amount(holder.replayed, d, 4)
            ));
        }
        out.push_str(&format!(
            "{:>4}  {:<42}  {:>24}  {:>7}  {:<17}  {}\n",
            i + 1,
            holder.address.to_checksum(None),
            token_amount(holder.balance(), d, 4),
            fraction_pct(h.share(holder.balance())),
            holder.kind.as_str(),
            who.join(", ")
        ));
    }
    out
}

/// One CSV row per top holder, raw integers exact.
fn csv_rows(state: &AppState, h: &HoldersReading) -> String {
    let field = |text: &str| {
        let text = sanitize(text);
        if text.contains([',', '"', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    };
    let mut out =
        String::from("rank,address,ens_name,balance_raw,replayed_raw,chain_raw,kind,roles\n");
    for (i, holder) in h.top.iter().enumerate() {
        let roles: Vec<String> = holder.roles.iter().map(|r| r.describe()).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            i + 1,
            holder.address.to_checksum(None),
            field(state.name_of(holder.address).unwrap_or("")),
            holder.balance(),
            holder.replayed,
            holder.chain.map(|c| c.to_string()).unwrap_or_default(),
            field(holder.kind.as_str()),
            field(&roles.join("; "))
        ));
    }
    out
}

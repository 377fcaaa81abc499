//! `popwatch wallet add|remove|list`: the watched wallets edited from the command line. The
//! config file is edited with `toml_edit`, which keeps every comment and the layout; the new
//! text is validated as a whole before it replaces the file (atomically, 0600), so a wallet
//! command never leaves a config that does not load.

use std::path::Path;
use std::process::ExitCode;

use alloy::primitives::Address;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::{CommandError, CommandResult};
use crate::config::{self, WalletConfig, parse_address};
use crate::format::sanitize;

/// The label a wallet gets when none is given: its short checksummed address.
pub fn short_label(address: Address) -> String {
    let full = address.to_checksum(None);
    format!("{}…{}", &full[..6], &full[full.len() - 4..])
}

/// An address as the user typed it: any case of a valid address, or a mixed-case one with a
/// valid EIP-55 checksum; or an ENS name, resolved once through the config's endpoints (with
/// the name it came from).
pub fn address_argument(
    flag: Option<&Path>,
    text: &str,
) -> Result<(Address, Option<String>), CommandError> {
    if crate::sources::chain::ens::looks_like_name(text) {
        let name = crate::sources::chain::ens::normalize(text)
            .map_err(|e| CommandError::Usage(e.to_string()))?;
        let config = config::load(flag)?.config;
        let rpc = crate::sources::chain::rpc::RpcClient::new(
            &config.chain.rpc_urls,
            config.chain.chain_id,
            std::time::Duration::from_secs(config.chain.timeout_secs),
        );
        let registry = config.chain.contracts.resolve().ens_registry;
        let runtime = tokio::runtime::Runtime::new()
            .map_err(|e| CommandError::Runtime(format!("cannot start the async runtime: {e}")))?;
        let address = runtime
            .block_on(crate::sources::chain::ens::resolve(&rpc, registry, &name))
            .map_err(|e| match e {
                crate::sources::chain::ens::EnsError::Chain(..) => {
                    CommandError::Runtime(e.to_string())
                }
                _ => CommandError::Usage(e.to_string()),
            })?;
        eprintln!("{name} resolves to {}", address.to_checksum(None));
        return Ok((address, Some(name)));
    }
    parse_address(text)
        .map(|a| (a, None))
        .map_err(|e| CommandError::Usage(sanitize(&e)))
}

/// The config's text, or the commented example when there is no file yet.
fn config_text(path: &Path) -> Result<(String, bool), CommandError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((config::EXAMPLE.to_owned(), false))
        }
        Err(e) => Err(CommandError::Runtime(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Checks that `text` loads as a config, then writes it in place of `path`.
fn write_checked(path: &Path, text: &str) -> Result<(), CommandError> {
    config::parse_str(text, path)?;
    crate::fsutil::write_atomic(path, text.as_bytes(), true)
        .map_err(|e| CommandError::Runtime(format!("cannot write {}: {e}", path.display())))
}

fn parse_document(text: &str, path: &Path) -> Result<DocumentMut, CommandError> {
    // A file that does not load is reported as `config check` would report it.
    config::parse_str(text, path)?;
    text.parse::<DocumentMut>()
        .map_err(|e| CommandError::Usage(format!("{}: {e}", path.display())))
}

pub fn add(flag: Option<&Path>, address: &str, label: Option<&str>) -> CommandResult {
    let (address, name) = address_argument(flag, address)?;
    let (path, _) = config::resolve_path(flag)?;
    let (text, existed) = config_text(&path)?;
    let current = config::parse_str(&text, &path)?;
    if let Some(w) = current.wallets.iter().find(|w| w.address == address) {
        return Err(CommandError::Usage(format!(
            "{} is already watched as \"{}\" in {}",
            address.to_checksum(None),
            sanitize(&w.label),
            path.display()
        )));
    }
    let label = label
        .map(str::to_owned)
        .or_else(|| name.clone())
        .unwrap_or_else(|| short_label(address));
    if current.wallets.iter().any(|w| w.label == label) {
        return Err(CommandError::Usage(format!(
            "a wallet is already labelled \"{}\" in {}: pass another --label",
            sanitize(&label),
            path.display()
        )));
    }
    let mut doc = parse_document(&text, &path)?;
    let mut table = Table::new();
    table.insert("label", value(label.clone()));
    table.insert("address", value(address.to_checksum(None)));
    if let Some(name) = &name {
        table.insert("ens", value(name.clone()));
    }
    match doc.get_mut("wallets") {
        Some(Item::ArrayOfTables(wallets)) => wallets.push(table),
        Some(_) => {
            return Err(CommandError::Usage(format!(
                "{}: `wallets` is not a list of [[wallets]] tables",
                path.display()
            )));
        }
        None => {
            let mut wallets = ArrayOfTables::new();
            wallets.push(table);
            doc.insert("wallets", Item::ArrayOfTables(wallets));
        }
    }
    write_checked(&path, &doc.to_string())?;
    if !existed {
        eprintln!("created {} from the commented example", path.display());
    }
    println!(
        "added \"{}\" {} to {}",
        sanitize(&label),
        address.to_checksum(None),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn remove(flag: Option<&Path>, which: &str) -> CommandResult {
    let (path, _) = config::resolve_path(flag)?;
    let text = std::fs::read_to_string(&path).map_err(|_| {
        CommandError::Usage(format!(
            "no config at {}: no wallet to remove",
            path.display()
        ))
    })?;
    let current = config::parse_str(&text, &path)?;
    // By address, label, or the ENS name it was added as (no lookup: the file says it).
    let wanted = parse_address(which).ok();
    let name = crate::sources::chain::ens::normalize(which).ok();
    let Some(index) = current.wallets.iter().position(|w| {
        Some(w.address) == wanted || w.label == which || (name.is_some() && w.ens == name)
    }) else {
        return Err(CommandError::Usage(format!(
            "no wallet \"{}\" in {} (give its address or its label; `popwatch wallet list` shows them)",
            sanitize(which),
            path.display()
        )));
    };
    let removed: WalletConfig = current.wallets[index].clone();
    let mut doc = parse_document(&text, &path)?;
    if let Some(Item::ArrayOfTables(wallets)) = doc.get_mut("wallets") {
        wallets.remove(index);
        if wallets.is_empty() {
            doc.remove("wallets");
        }
    }
    write_checked(&path, &doc.to_string())?;
    println!(
        "removed \"{}\" {} from {}",
        sanitize(&removed.label),
        removed.address.to_checksum(None),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn list(flag: Option<&Path>, json: bool) -> CommandResult {
    let loaded = config::load(flag)?;
    let wallets = &loaded.config.wallets;
    if json {
        let list: Vec<serde_json::Value> = wallets
            .iter()
            .map(|w| {
                serde_json::json!({"label": sanitize(&w.label), "address": w.address.to_checksum(None)})
            })
            .collect();
        let text = serde_json::to_string_pretty(&list).unwrap_or_default();
        println!("{}", crate::format::escape_json_unsafe(&text));
    } else if wallets.is_empty() {
        println!(
            "no wallet is watched yet: `popwatch wallet add <ADDRESS>` adds one to {}",
            loaded.path.display()
        );
    } else {
        for w in wallets {
            println!("{}  {}", w.address.to_checksum(None), sanitize(&w.label));
        }
    }
    Ok(ExitCode::SUCCESS)
}

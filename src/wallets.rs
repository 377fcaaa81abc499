//! The watched wallets as the config file lists them: added and removed by editing the file
//! with `toml_edit`, which keeps every comment and the layout; the new text is validated as a
//! whole before it replaces the file (atomically, 0600), so an edit never leaves a config that
//! does not load. `popwatch wallet add|remove` and the terminal app's `+` and `d` both edit
//! through here.

use std::path::Path;

use alloy::primitives::Address;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use crate::config::{self, ConfigError, WalletConfig, parse_address};
use crate::format::sanitize;

/// Why an edit was not made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file does not load as it is.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The edit itself is refused (an invalid address, one already watched, no such wallet).
    #[error("{0}")]
    Refused(String),
    /// The file could not be read or written, or a name not looked up.
    #[error("{0}")]
    Failed(String),
}

/// The label a wallet gets when none is given: its short checksummed address.
pub fn short_label(address: Address) -> String {
    let full = address.to_checksum(None);
    format!("{}…{}", &full[..6], &full[full.len() - 4..])
}

/// [`address_argument`] for a caller already in the async runtime (the terminal app's `+`):
/// a name is resolved through `config`'s endpoints.
pub async fn resolve_argument(
    config: &config::Config,
    text: &str,
) -> Result<(Address, Option<String>), EditError> {
    use crate::sources::chain::ens;
    if !ens::looks_like_name(text) {
        return parse_address(text)
            .map(|a| (a, None))
            .map_err(|e| EditError::Refused(sanitize(&e)));
    }
    let name = ens::normalize(text).map_err(|e| EditError::Refused(e.to_string()))?;
    let rpc = crate::sources::chain::rpc::RpcClient::new(
        &config.chain.rpc_urls,
        config.chain.chain_id,
        std::time::Duration::from_secs(config.chain.timeout_secs),
    );
    let registry = config.chain.contracts.resolve().ens_registry;
    let address = ens::resolve(&rpc, registry, &name)
        .await
        .map_err(|e| match e {
            ens::EnsError::Chain(..) => EditError::Failed(e.to_string()),
            _ => EditError::Refused(e.to_string()),
        })?;
    Ok((address, Some(name)))
}

/// The config's text, or the commented example when there is no file yet.
fn config_text(path: &Path) -> Result<(String, bool), EditError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((config::EXAMPLE.to_owned(), false))
        }
        Err(e) => Err(EditError::Failed(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Checks that `text` loads as a config, then writes it in place of `path`.
fn write_checked(path: &Path, text: &str) -> Result<(), EditError> {
    config::parse_str(text, path)?;
    crate::fsutil::write_atomic(path, text.as_bytes(), true)
        .map_err(|e| EditError::Failed(format!("cannot write {}: {e}", path.display())))
}

fn parse_document(text: &str, path: &Path) -> Result<DocumentMut, EditError> {
    // A file that does not load is reported as `config check` would report it.
    config::parse_str(text, path)?;
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Refused(format!("{}: {e}", path.display())))
}

/// Adds a wallet to the config at `path` (created from the commented example if there is
/// none), keeping its comments; refused if the address or the label is already watched.
/// What was done, for the user.
pub fn add_to_file(
    path: &Path,
    address: Address,
    name: Option<String>,
    label: Option<&str>,
) -> Result<String, EditError> {
    let (text, existed) = config_text(path)?;
    let current = config::parse_str(&text, path)?;
    if let Some(w) = current.wallets.iter().find(|w| w.address == address) {
        return Err(EditError::Refused(format!(
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
        return Err(EditError::Refused(format!(
            "a wallet is already labelled \"{}\" in {}: pass another --label",
            sanitize(&label),
            path.display()
        )));
    }
    let mut doc = parse_document(&text, path)?;
    let mut table = Table::new();
    table.insert("label", value(label.clone()));
    table.insert("address", value(address.to_checksum(None)));
    if let Some(name) = &name {
        table.insert("ens", value(name.clone()));
    }
    match doc.get_mut("wallets") {
        Some(Item::ArrayOfTables(wallets)) => wallets.push(table),
        Some(_) => {
            return Err(EditError::Refused(format!(
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
    write_checked(path, &doc.to_string())?;
    let created = if existed {
        ""
    } else {
        " (created from the commented example)"
    };
    Ok(format!(
        "added \"{}\" {} to {}{created}",
        sanitize(&label),
        address.to_checksum(None),
        path.display()
    ))
}

/// Removes the wallet `which` (its address, label, or the ENS name it was added as) from the
/// config at `path`, keeping its comments. What was done, for the user.
pub fn remove_from_file(path: &Path, which: &str) -> Result<String, EditError> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        EditError::Refused(format!(
            "no config at {}: no wallet to remove",
            path.display()
        ))
    })?;
    let current = config::parse_str(&text, path)?;
    // By address, label, or the ENS name it was added as (no lookup: the file says it).
    let wanted = parse_address(which).ok();
    let name = crate::sources::chain::ens::normalize(which).ok();
    let Some(index) = current.wallets.iter().position(|w| {
        Some(w.address) == wanted || w.label == which || (name.is_some() && w.ens == name)
    }) else {
        return Err(EditError::Refused(format!(
            "no wallet \"{}\" in {} (give its address or its label; `popwatch wallet list` shows them)",
            sanitize(which),
            path.display()
        )));
    };
    let removed: WalletConfig = current.wallets[index].clone();
    let mut doc = parse_document(&text, path)?;
    if let Some(Item::ArrayOfTables(wallets)) = doc.get_mut("wallets") {
        wallets.remove(index);
        if wallets.is_empty() {
            doc.remove("wallets");
        }
    }
    write_checked(path, &doc.to_string())?;
    Ok(format!(
        "removed \"{}\" {} from {}",
        sanitize(&removed.label),
        removed.address.to_checksum(None),
        path.display()
    ))
}
